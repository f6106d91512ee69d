#!/usr/bin/env bash
# `make dev`: the whole API on http://127.0.0.1:9000 over a local DynamoDB. Ctrl-C stops
# everything this script started.
#
#   DEV_IN_MEMORY=1        keep no data between runs (default: data under .local/dynamodb)
#   DYNAMODB_LOCAL_PORT=N  DynamoDB Local's port (default 8000)
#   API_PORT=N             the API's port (default 9000)
set -euo pipefail
cd "$(dirname "$0")/.."

. infra/venv.sh # cargo-lambda

say() { printf '[dev] %s\n' "$*" >&2; }

DDB_PORT=${DYNAMODB_LOCAL_PORT:-8000}
API_PORT=${API_PORT:-9000}
MOTO_PORT=${MOTO_PORT:-4566}
PIDFILE=.local/dynamodb-dev.pid
MOTO_PIDFILE=.local/moto-dev.pid

# Names and ids only: the keys themselves live in the local secret store (moto), as in AWS.
if [ ! -f .env ] || grep -q '^JWT_SECRET=' .env; then
  cat >.env <<ENV
# Settings for \`make dev\`, written on first run. Git-ignored: delete it to start over. The
# functions read these exactly as they read their Lambda environment; no key is in here.
TABLE_NAME=app-local
ACCESS_TOKEN_KEY_SECRET_ID=app-local/access-token-key
REFRESH_TOKEN_KEY_SECRET_ID=app-local/refresh-token-key
JWT_ISSUER=http://127.0.0.1:$API_PORT
JWT_AUDIENCE=local-clients
ENV
  say "wrote .env (table and secret names; the keys go to the local secret store)"
fi
set -a; . ./.env; set +a

if [ "${DEV_IN_MEMORY:-0}" = 1 ]; then
  storage=(--in-memory)
  say "DynamoDB Local in memory: data is gone when this stops"
else
  storage=(--data .local/dynamodb)
  say "DynamoDB Local keeps its data under .local/dynamodb (DEV_IN_MEMORY=1 for none)"
fi
infra/dynamodb-local.sh start "$DDB_PORT" "${storage[@]}" "$PIDFILE"
trap 'infra/dynamodb-local.sh stop "$PIDFILE"; infra/moto.sh stop "$MOTO_PIDFILE"' EXIT
# moto keeps its secrets in memory: each start makes fresh keys (signing everyone out), and
# `keys init` writes the matching public keys over the table's.
infra/moto.sh start "$MOTO_PORT" "$MOTO_PIDFILE"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DDB_PORT" SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:$MOTO_PORT"

cargo run --quiet -p infra --bin create-table
say "creating the signing keys in the local secret store, if missing (make rotate-keys rotates them)"
cargo run --quiet -p infra --bin keys -- init

say "serving the API on http://127.0.0.1:$API_PORT (each function compiles on its first request)"
say "try: curl -s -X POST http://127.0.0.1:$API_PORT/users -H 'content-type: application/json' -d '{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}'"
# Not exec: the EXIT trap must run to stop DynamoDB Local when watch ends.
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" \
  --env-file .env --env-var "DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT" \
  --env-var "SECRETS_MANAGER_ENDPOINT=$SECRETS_MANAGER_ENDPOINT" || true
