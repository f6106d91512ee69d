#!/usr/bin/env bash
# `make bench`: release builds, DynamoDB Local, the Node.js peer, then the harness
# (bench/src/main.rs), which writes BENCHMARKS.md and bench/cold-start.svg and exits non-zero
# when a budget is missed.
#
#   BENCH_COLD (20)            cold starts per function
#   BENCH_WARM (1000)          warm invocations per function (BENCH_WARM_HASHING, 200, for
#                              create-user and login, which hash a password on every call)
#   BENCH_FUNCTIONS=a,b        only these functions (the floor always runs)
#   BENCH_ZIPS=0               skip the arm64 zip build (a second full release build, for sizes)
#   BENCH_NODE=0               skip the Node.js peer
#
# Builds run at low priority (nice 10); the measurement does not.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bench] %s\n' "$*" >&2; }
packages=()
for dir in functions/*/; do packages+=(-p "$(basename "$dir")"); done
packages+=(-p floor)

# The bare SDK client loop (the warm-CPU budget's SDK cost per call) is built beside them, at
# the same features, but has no zip: it is never deployed.
say "release build of every function, the two floors and the SDK loop (native $(uname -m), one cargo invocation)"
nice -n 10 cargo build --release "${packages[@]}" -p floor-http -p sdk-loop

# The harness is a separate invocation on purpose: it depends on shared's test-support, and in
# one invocation cargo would unify that feature into the functions being measured. It is not
# measured itself, so it skips fat LTO (its own target dir keeps target/release untouched).
say "the harness (optimised, without LTO)"
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_STRIP=false \
  nice -n 10 cargo build --release -p bench --target-dir target/bench-harness

if [ "${BENCH_ZIPS:-1}" = 1 ]; then
  say "arm64 zips (cargo lambda + zig, what a deployment uploads), for their sizes"
  nice -n 10 cargo lambda build --release --arm64 --output-format zip --lambda-dir target/lambda-arm64 "${packages[@]}"
  export BENCH_ZIP_DIR=target/lambda-arm64
else
  unset BENCH_ZIP_DIR
fi

if [ "${BENCH_NODE:-1}" = 1 ]; then
  command -v node >/dev/null 2>&1 || { say "Node.js is needed for the peer (BENCH_NODE=0 skips it)"; exit 1; }
  say "the Node.js peer's packages (npm ci, from package-lock.json)"
  (cd bench/peers/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  export BENCH_NODE=1
fi

port=$(infra/dynamodb-local.sh free-port)
pidfile=.local/dynamodb-bench-$port.pid
# DynamoDB Local shares this machine's cores with what is timed. Its JVM's optimising compiler
# (C2) kept competing with the function being measured; the quick compiler alone (C1) settles
# soon (bench/notes.md, "DynamoDB Local's JIT"). What the database itself takes is measured per
# call anyway (bench/src/relay.rs).
DYNAMODB_LOCAL_JAVA_OPTS=-XX:TieredStopAtLevel=1 infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
# The signing functions read their keys from the secret store at start, as in Lambda.
moto_port=$(infra/dynamodb-local.sh free-port)
moto_pidfile=.local/moto-bench-$moto_port.pid
infra/moto.sh start "$moto_port" "$moto_pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"; infra/moto.sh stop "$moto_pidfile"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port" SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:$moto_port"
export BENCH_BIN_DIR=target/release
say "measuring (BENCH_COLD=${BENCH_COLD:-20}, BENCH_WARM=${BENCH_WARM:-1000})"
target/bench-harness/release/bench
