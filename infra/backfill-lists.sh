#!/usr/bin/env bash
# `make backfill-lists`: once, after upgrading a table deployed before the user and product lists
# (GET /users, GET /products) existed, so the users and products already stored are listed.
# Against AWS: TABLE_NAME=<the stack's TableName output> with AWS credentials in the environment.
# Locally: the `make dev` table (with `make dev` running).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[backfill] %s\n' "$*" >&2; }
if [ -n "${TABLE_NAME:-}" ]; then
  say "using the deployed table $TABLE_NAME (AWS credentials from the environment)"
  unset DYNAMODB_ENDPOINT
  exec cargo run --quiet -p infra --bin backfill-lists
fi
TABLE_NAME=$( { grep -s '^TABLE_NAME=' .env || echo TABLE_NAME=app-local; } | head -n1 | cut -d= -f2-)
export TABLE_NAME DYNAMODB_ENDPOINT="http://127.0.0.1:${DYNAMODB_LOCAL_PORT:-8000}"
say "using the local table $TABLE_NAME at $DYNAMODB_ENDPOINT (make dev must be running)"
exec cargo run --quiet -p infra --bin backfill-lists
