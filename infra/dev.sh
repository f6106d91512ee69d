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
PIDFILE=.local/dynamodb-dev.pid

if [ ! -f .env ]; then
  secret() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n'; }
  cat >.env <<ENV
# Settings for \`make dev\`, generated on first run with fresh secrets. Git-ignored: delete it
# to start over. The functions read these exactly as they read their Lambda environment.
TABLE_NAME=app-local
JWT_SECRET=$(secret)
REFRESH_TOKEN_SECRET=$(secret)
JWT_ISSUER=http://127.0.0.1:$API_PORT
JWT_AUDIENCE=local-clients
ENV
  say "wrote .env with freshly generated development secrets"
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
trap 'infra/dynamodb-local.sh stop "$PIDFILE"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DDB_PORT"

cargo run --quiet -p infra --bin create-table

say "serving the API on http://127.0.0.1:$API_PORT (each function compiles on its first request)"
say "try: curl -s -X POST http://127.0.0.1:$API_PORT/users -H 'content-type: application/json' -d '{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}'"
# Not exec: the EXIT trap must run to stop DynamoDB Local when watch ends.
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" \
  --env-file .env --env-var "DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT" || true
