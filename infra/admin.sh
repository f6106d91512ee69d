#!/usr/bin/env bash
# `make admin EMAIL=… PASSWORD=… [NAME=…]`: creates an admin user, or promotes an existing one.
#
# Local by default: the `make dev` table on DynamoDB Local (started for the moment if it is not
# running, with the same data folder). With TABLE_NAME set (the stack's TableName output) and
# AWS credentials in the environment, it works on that deployed table instead.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[admin] %s\n' "$*" >&2; }
export ADMIN_EMAIL=${EMAIL:-} ADMIN_PASSWORD=${PASSWORD:-} ADMIN_NAME=${NAME:-Admin}
[ -n "$ADMIN_EMAIL" ] || { say "usage: make admin EMAIL=you@example.com PASSWORD='a long password' [NAME='Your Name']"; exit 2; }

if [ -n "${TABLE_NAME:-}" ]; then
  say "using the deployed table $TABLE_NAME (AWS credentials from the environment)"
  unset DYNAMODB_ENDPOINT
  exec cargo run --quiet -p infra --bin admin
fi

TABLE_NAME=$( { grep -s '^TABLE_NAME=' .env || echo TABLE_NAME=app-local; } | head -n1 | cut -d= -f2-)
export TABLE_NAME
port=${DYNAMODB_LOCAL_PORT:-8000}
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
pidfile=.local/dynamodb-dev.pid
if ! [ -f "$pidfile" ] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  infra/dynamodb-local.sh start "$port" --data .local/dynamodb .local/dynamodb-admin.pid
  trap 'infra/dynamodb-local.sh stop .local/dynamodb-admin.pid' EXIT
fi
say "using the local table $TABLE_NAME at $DYNAMODB_ENDPOINT"
cargo run --quiet -p infra --bin create-table
cargo run --quiet -p infra --bin admin
