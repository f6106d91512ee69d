#!/usr/bin/env bash
# `make bench`: release builds, DynamoDB Local, the Node.js peer, then the harness
# (bench/src/main.rs), which writes BENCHMARKS.md and bench/cold-start.svg and exits non-zero
# when a budget is missed.
#   BENCH_COLD (20), BENCH_WARM (1000), BENCH_WARM_HASHING (100), BENCH_FUNCTIONS=a,b
#   BENCH_ZIPS=0 skips the arm64 zip build (a second full release build, for sizes only)
#   BENCH_NODE=0 skips the Node.js peer
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bench] %s\n' "$*" >&2; }
packages=()
for dir in functions/*/; do packages+=(-p "$(basename "$dir")"); done

say "release build of every function (native, for timing) and of the bench"
# Two invocations: built together, the bench's test-support feature would leak into the functions.
cargo build --release --bins "${packages[@]}"
cargo build --release -p bench --bins

if [ "${BENCH_ZIPS:-1}" = 1 ]; then
  say "arm64 zips (cargo lambda, zig), for their sizes"
  cargo lambda build --release --arm64 --output-format zip "${packages[@]}"
  export BENCH_ZIP_DIR=target/lambda
fi

if [ "${BENCH_NODE:-1}" = 1 ] && command -v node >/dev/null 2>&1; then
  say "the Node.js peer's packages (npm ci)"
  (cd bench/peers/node && npm ci --no-audit --no-fund --omit-lockfile-registry-resolved >/dev/null)
  export BENCH_NODE=1
else
  say "no Node.js: the peer is skipped"
  export BENCH_NODE=0
fi

port=$(infra/dynamodb-local.sh free-port)
pidfile=.local/dynamodb-bench-$port.pid
infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port" BENCH_BIN_DIR=target/release
target/release/bench
