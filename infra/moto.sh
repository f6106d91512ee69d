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
SERVICE_NAME=moto
. infra/service.sh

start() {
  local port=${1:?port} pidfile=${2:?pidfile}
  infra/venv.sh
  service_start "$port" "$pidfile" "$PWD/.local/venv/bin/moto_server" -H 127.0.0.1 -p "$port"
}

stop() { service_stop "${1:?pidfile}"; }

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: $0 start PORT PIDFILE | stop PIDFILE" ;;
esac
