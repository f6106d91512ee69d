# Sourced by infra/dynamodb-local.sh and infra/moto.sh: start a local emulator in the
# background on a port, wait until it answers HTTP, stop it by its pidfile. The sourcing script
# defines `say` and `die`, and SERVICE_NAME for messages.

# Whether anything answers HTTP on 127.0.0.1:PORT (any status: an emulator may say 400 or 404
# to a bare request).
service_answers() {
  python3 - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=1)
except urllib.error.HTTPError:
    sys.exit(0)
except Exception:
    sys.exit(1)
PY
}

# service_start PORT PIDFILE COMMAND...: runs COMMAND from the pidfile's folder (emulators that
# write files into their working directory keep them out of the checkout), logs beside the
# pidfile, and returns once the port answers.
service_start() {
  local port=$1 pidfile=$2
  shift 2
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    if service_answers "$port"; then say "already running on port $port"; return 0; fi
    die "a $SERVICE_NAME (pid $(cat "$pidfile")) from $pidfile is running but not on port $port; stop it first"
  fi
  if service_answers "$port"; then die "port $port is already taken by something else"; fi
  mkdir -p "$(dirname "$pidfile")"
  local log="${pidfile%.pid}.log"
  (cd "$(dirname "$pidfile")" && exec nohup "$@") >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 150); do
    if service_answers "$port"; then say "listening on http://127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"; return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { cat "$log" >&2; die "$SERVICE_NAME exited during start-up"; }
    sleep 0.2
  done
  die "$SERVICE_NAME did not answer on port $port within 30 s (log: $log)"
}

# service_stop PIDFILE: TERM, then KILL after 5 s; forgets the pidfile.
service_stop() {
  local pidfile=$1 pid
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
