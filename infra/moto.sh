#!/usr/bin/env bash
# moto in server mode, the local stand-in for AWS Secrets Manager (the signing keys live there,
# locally as in AWS): start it, stop it. It is pinned in infra/python-tools.in and installed
# into .local/venv by infra/venv.sh.
#
#   infra/moto.sh start PORT PIDFILE   # waits until it answers
#   infra/moto.sh stop PIDFILE
#
# Point the functions and tests at it with SECRETS_MANAGER_ENDPOINT=http://127.0.0.1:PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[moto] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

answers() {
  python3 - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
except urllib.error.HTTPError:
    sys.exit(0)
except Exception:
    sys.exit(1)
PY
}

start() {
  local port=${1:?port} pidfile=${2:?pidfile}
  infra/venv.sh
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    if answers "$port"; then say "already running on port $port"; return 0; fi
    die "a moto server (pid $(cat "$pidfile")) from $pidfile is running but not on port $port; stop it first"
  fi
  if answers "$port"; then die "port $port is already taken by something else"; fi
  mkdir -p "$(dirname "$pidfile")"
  local log="${pidfile%.pid}.log"
  nohup .local/venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 150); do
    if answers "$port"; then say "listening on http://127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"; return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { cat "$log" >&2; die "moto exited during start-up"; }
    sleep 0.2
  done
  die "moto did not answer on port $port within 30 s (log: $log)"
}

stop() {
  local pidfile=${1:?pidfile} pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped (pid $pid)"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: $0 start PORT PIDFILE | stop PIDFILE" ;;
esac
