#!/usr/bin/env bash
# `make test`: every test, against a DynamoDB Local of its own (in memory, on a free port),
# unless DYNAMODB_ENDPOINT names one already running, and a moto server (the secret store's
# stand-in) likewise unless SECRETS_MANAGER_ENDPOINT names one. Stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[test] %s\n' "$*" >&2; }

# Each handler's DynamoDB calls, recorded while its tests run, for the IAM check below.
IAM_OBSERVED_DIR=$(mktemp -d)
export IAM_OBSERVED_DIR
pidfile=
moto_pidfile=
cleanup() {
  rm -rf "$IAM_OBSERVED_DIR"
  if [ -n "$pidfile" ]; then infra/dynamodb-local.sh stop "$pidfile"; fi
  if [ -n "$moto_pidfile" ]; then infra/moto.sh stop "$moto_pidfile"; fi
}
trap cleanup EXIT

if [ -z "${DYNAMODB_ENDPOINT:-}" ]; then
  port=$(infra/dynamodb-local.sh free-port)
  pidfile=.local/dynamodb-test-$port.pid
  infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
  export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
else
  say "using the DynamoDB at $DYNAMODB_ENDPOINT"
fi
if [ -z "${SECRETS_MANAGER_ENDPOINT:-}" ]; then
  port=$(infra/dynamodb-local.sh free-port)
  moto_pidfile=.local/moto-test-$port.pid
  infra/moto.sh start "$port" "$moto_pidfile"
  export SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:$port"
else
  say "using the secret store at $SECRETS_MANAGER_ENDPOINT"
fi

say "running every test of the workspace (each test creates its own table)"
log=$(mktemp)
set +e
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ] && [ $# -eq 0 ]; then
  # Only after a whole, green run: a partial one (failed, or narrowed by arguments) would call
  # every grant its tests did not reach a grant to remove.
  say "checking every function's IAM against the calls its tests made"
  cargo test --workspace --test iam -- --ignored --exact \
    every_function_is_granted_exactly_the_dynamodb_calls_its_tests_made 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi
set -e
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i; if ($(i+1) ~ /^ignored;/) s += $i } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
