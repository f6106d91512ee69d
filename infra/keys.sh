#!/usr/bin/env bash
# `make rotate-keys`, `make revoke-previous-key` (and `keys init` after a deploy): the keys tool
# (infra/src/bin/keys.rs) pointed at the right place.
#
#   infra/keys.sh init|rotate|revoke-previous
#
# Against a deployed stack when STACK_NAME is set (AWS credentials and region from the usual
# AWS_* variables): the table and the two secrets come from the stack's outputs. Otherwise the
# local environment of `make dev` (.env, DynamoDB Local on DYNAMODB_LOCAL_PORT or 8000, moto on
# MOTO_PORT or 4566), which must be running.
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/venv.sh # sam, for the stack's outputs

command=${1:?usage: infra/keys.sh init|rotate|revoke-previous}
if [ -n "${STACK_NAME:-}" ]; then
  outputs=$(SAM_CLI_TELEMETRY=0 sam list stack-outputs --stack-name "$STACK_NAME" --output json)
  output() {
    python3 -c 'import json, sys; print(next(o["OutputValue"] for o in json.loads(sys.argv[1]) if o["OutputKey"] == sys.argv[2]))' "$outputs" "$1"
  }
  export TABLE_NAME=$(output TableName)
  export ACCESS_TOKEN_KEY_SECRET_ID=$(output AccessTokenKeySecretArn)
  export REFRESH_TOKEN_KEY_SECRET_ID=$(output RefreshTokenKeySecretArn)
  echo "[keys] stack $STACK_NAME: table $TABLE_NAME" >&2
else
  [ -f .env ] || { echo "[keys] no .env: run 'make dev' first, or set STACK_NAME for a deployed stack" >&2; exit 1; }
  set -a; . ./.env; set +a
  export DYNAMODB_ENDPOINT="http://127.0.0.1:${DYNAMODB_LOCAL_PORT:-8000}"
  export SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:${MOTO_PORT:-4566}"
  echo "[keys] local: table $TABLE_NAME at $DYNAMODB_ENDPOINT, secrets at $SECRETS_MANAGER_ENDPOINT" >&2
fi
cargo run --quiet --bin keys -- "$command"
