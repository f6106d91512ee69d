#!/usr/bin/env bash
# `make fuzz`: Schemathesis against the running API. Starts its own DynamoDB Local and
# `cargo lambda watch` on free ports, then lets Schemathesis generate requests from openapi.yaml
# with every check on (no 5xx, responses match the schema, status codes and headers are
# documented, schema-valid input accepted), twice: as a user, then as an admin, so admin routes
# and admins' paths through shared routes are fuzzed past their 403. Stops what it started.
#
#   FUZZ_MAX_EXAMPLES=N   test cases per operation and pass (default 50)
#   FUZZ_MAX_TIME=S       time budget in seconds for the whole run, split between the passes
#                         (default 600); each pass spends its half
#   FUZZ_SEED=N           replay a run (default: a random seed, printed first)
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/venv.sh # schemathesis, cargo-lambda

say() { printf '[fuzz] %s\n' "$*" >&2; }
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
say "seed $seed (FUZZ_SEED=$seed replays this run)"
pass_time=$(( ${FUZZ_MAX_TIME:-600} / 2 )); [ "$pass_time" -ge 1 ] || pass_time=1

work=$(mktemp -d)
ddb_port=$(infra/dynamodb-local.sh free-port)
api_port=$(infra/dynamodb-local.sh free-port)
pidfile="$work/dynamodb.pid"
moto_port=$(infra/dynamodb-local.sh free-port)
moto_pidfile="$work/moto.pid"
watch_pid=
cleanup() {
  [ -n "$watch_pid" ] && kill -TERM -- "-$watch_pid" 2>/dev/null || true
  infra/dynamodb-local.sh stop "$pidfile"
  infra/moto.sh stop "$moto_pidfile"
  rm -rf "$work"
}
trap cleanup EXIT

infra/dynamodb-local.sh start "$ddb_port" --in-memory "$pidfile"
infra/moto.sh start "$moto_port" "$moto_pidfile"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb_port" TABLE_NAME=fuzz
export SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:$moto_port"
export ACCESS_TOKEN_KEY_SECRET_ID=fuzz/access-token-key REFRESH_TOKEN_KEY_SECRET_ID=fuzz/refresh-token-key
cargo run --quiet --bin create-table
cargo run --quiet --bin keys -- init >&2
ADMIN_EMAIL=fuzz-admin@example.com ADMIN_PASSWORD="fuzzing as an admin" cargo run --quiet --bin admin >&2
cat >"$work/env" <<ENV
TABLE_NAME=fuzz
DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT
SECRETS_MANAGER_ENDPOINT=$SECRETS_MANAGER_ENDPOINT
ACCESS_TOKEN_KEY_SECRET_ID=$ACCESS_TOKEN_KEY_SECRET_ID
REFRESH_TOKEN_KEY_SECRET_ID=$REFRESH_TOKEN_KEY_SECRET_ID
JWT_ISSUER=http://127.0.0.1:$api_port
JWT_AUDIENCE=fuzz
RUST_LOG=warn
ENV

say "building every function once, so no request waits for a compile"
cargo build --quiet --workspace --bins
setsid cargo lambda watch --quiet --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$api_port" \
  --env-file "$work/env" >"$work/watch.log" 2>&1 &
watch_pid=$!
for _ in $(seq 1 300); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $api_port), 1)" 2>/dev/null && break
  sleep 0.2
done

base="http://127.0.0.1:$api_port"
# An access token for `email`; `sign-up` creates the account first.
access_token() {
  python3 - "$base" "$@" <<'PY'
import json, sys, urllib.request
base, email, password, sign_up = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "sign-up"
def post(path, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)
if sign_up:
    post("/users", {"name": "Fuzz", "email": email, "password": password})
print(post("/auth/login", {"email": email, "password": password})["data"]["accessToken"])
PY
}
# One request to every operation first: each function compiles and starts before the timed
# requests (Schemathesis gives up on a request after 30 s).
python3 - "$base" <<'PY'
import sys, urllib.error, urllib.request, yaml
base = sys.argv[1]
for path, item in yaml.safe_load(open("openapi.yaml"))["paths"].items():
    for method in item.keys() & {"get", "post", "patch", "delete"}:
        request = urllib.request.Request(base + path.replace("{id}", "0"), method=method.upper())
        try:
            urllib.request.urlopen(request, timeout=300).close()
        except urllib.error.HTTPError:
            pass
PY
user_token=$(access_token fuzz@example.com "fuzzing all day" sign-up)
admin_token=$(access_token fuzz-admin@example.com "fuzzing as an admin" log-in)

# One pass of Schemathesis with one caller's token. Its requests and responses, unredacted (local
# test data only), are kept in .local/fuzz/<seed>-<caller>.har when a pass fails.
fuzz_as() {
  local caller=$1 token=$2
  say "as the $caller: schemathesis on $base for $pass_time s at most (checks: infra/schemathesis.toml)"
  PYTHONPATH="infra${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=fuzz_hooks \
    schemathesis --config-file infra/schemathesis.toml run openapi.yaml --url "$base" \
    --header "Authorization: Bearer $token" \
    --max-examples "${FUZZ_MAX_EXAMPLES:-50}" \
    --max-time "$pass_time" \
    --workers 1 \
    --request-timeout 30 \
    --seed "$seed" \
    --generation-database none \
    --report har --report-har-path "$PWD/.local/fuzz/$seed-$caller.har" --output-sanitize false \
    --no-color
}
mkdir -p .local/fuzz
failed=()
fuzz_as user "$user_token" || failed+=(user)
fuzz_as admin "$admin_token" || failed+=(admin)
if [ "${#failed[@]}" -ne 0 ]; then
  say "schemathesis found failures as: ${failed[*]}; FUZZ_SEED=$seed replays, .local/fuzz/$seed-*.har holds every exchange; watch log below"
  tail -n 40 "$work/watch.log" >&2
  exit 1
fi
rm -f .local/fuzz/"$seed"-*.har
say "no failures as user or admin (seed $seed)"
