#!/usr/bin/env bash
# `make load`: the bounded load run (infra/tests/load.rs) against a DynamoDB Local of its own.
#   LOAD_SECONDS (60), LOAD_CLIENTS (8), LOAD_REPORT (bench/load-report.md, which BENCHMARKS.md includes).
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/venv.sh # cargo-lambda
port=$(infra/dynamodb-local.sh free-port)
pidfile=.local/dynamodb-load-$port.pid
infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
moto_port=$(infra/dynamodb-local.sh free-port)
moto_pidfile=.local/moto-load-$moto_port.pid
infra/moto.sh start "$moto_port" "$moto_pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"; infra/moto.sh stop "$moto_pidfile"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port" SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:$moto_port"
export LOAD_REPORT="${LOAD_REPORT:-$PWD/bench/load-report.md}"
packages=(); for dir in functions/*/; do packages+=(-p "$(basename "$dir")"); done
cargo build --quiet --bins "${packages[@]}"
cargo test --workspace --test load -- --ignored --nocapture
