#!/usr/bin/env bash
# `make fuzz`: Schemathesis against the running API. Starts its own DynamoDB Local and
# `cargo lambda watch` on free ports, registers a user for a bearer token, then lets
# Schemathesis generate requests from openapi.yaml with every check on: no 5xx, responses match
# the schema, status codes and headers are documented. Stops what it started.
#
#   FUZZ_MAX_EXAMPLES=N   test cases per operation (default 50)
#   FUZZ_MAX_TIME=S       time budget in seconds for the whole run (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[fuzz] %s\n' "$*" >&2; }
SCHEMATHESIS_VERSION=4.32.5

if ! command -v schemathesis >/dev/null 2>&1 || [ "$(schemathesis --version | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION with pip"
  python3 -m pip install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

work=$(mktemp -d)
ddb_port=$(infra/dynamodb-local.sh free-port)
api_port=$(infra/dynamodb-local.sh free-port)
pidfile="$work/dynamodb.pid"
watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill -TERM -- "-$watch_pid" 2>/dev/null || true
  infra/dynamodb-local.sh stop "$pidfile"
  rm -rf "$work"
}
trap cleanup EXIT

infra/dynamodb-local.sh start "$ddb_port" --in-memory "$pidfile"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb_port" TABLE_NAME=fuzz
cargo run --quiet -p infra --bin create-table
secret() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n'; }
cat >"$work/env" <<ENV
TABLE_NAME=fuzz
DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT
JWT_SECRET=$(secret)
REFRESH_TOKEN_SECRET=$(secret)
JWT_ISSUER=http://127.0.0.1:$api_port
JWT_AUDIENCE=fuzz
RUST_LOG=warn
ENV

say "building every function once, so no request waits for a compile"
packages=(); for dir in functions/*/; do packages+=(-p "$(basename "$dir")"); done
cargo build --quiet --bins "${packages[@]}"
setsid cargo lambda watch --quiet --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$api_port" \
  --env-file "$work/env" >"$work/watch.log" 2>&1 &
watch_pid=$!
for _ in $(seq 1 300); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $api_port), 1)" 2>/dev/null && break
  sleep 0.2
done

base="http://127.0.0.1:$api_port"
token=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
def post(path, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)
post("/users", {"name": "Fuzz", "email": "fuzz@example.com", "password": "fuzzing all day"})
print(post("/auth/login", {"email": "fuzz@example.com", "password": "fuzzing all day"})["data"]["accessToken"])
PY
)
say "API on $base; running schemathesis (checks: infra/schemathesis.toml)"
status=0
PYTHONPATH="infra${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=fuzz_hooks \
  schemathesis --config-file infra/schemathesis.toml run openapi.yaml --url "$base" \
  --header "Authorization: Bearer $token" \
  --max-examples "${FUZZ_MAX_EXAMPLES:-50}" \
  --max-time "${FUZZ_MAX_TIME:-600}" \
  --workers 1 \
  --request-timeout 30 \
  --seed "${FUZZ_SEED:-20261124}" \
  --generation-database none \
  --report-dir "$work/report" \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  say "schemathesis found failures (watch log: below)"
  tail -n 40 "$work/watch.log" >&2
fi
exit "$status"
