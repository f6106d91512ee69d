#!/usr/bin/env bash
# `make test`: every test, against a DynamoDB Local of its own (in memory, on a free port),
# unless DYNAMODB_ENDPOINT names one already running. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[test] %s\n' "$*" >&2; }

if [ -z "${DYNAMODB_ENDPOINT:-}" ]; then
  port=$(infra/dynamodb-local.sh free-port)
  pidfile=.local/dynamodb-test-$port.pid
  infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
  trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
  export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
else
  say "using the DynamoDB at $DYNAMODB_ENDPOINT"
fi

say "running every test of the workspace (each test creates its own table)"
log=$(mktemp)
set +e
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i; if ($(i+1) ~ /^ignored;/) s += $i } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
