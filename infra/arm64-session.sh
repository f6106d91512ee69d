#!/usr/bin/env bash
# `make test-infra`'s arm64 part: the release arm64 bootstraps a deploy uploads, built as
# `sam build` builds them, run under qemu-aarch64 behind the bench's Runtime API emulator against
# DynamoDB Local and moto, through a scripted session that checks every answer
# (bench/src/arm64.rs). Every test and bench runs x86_64; this is where an arm64-only fault (the
# hash's SIMD dispatch, aws-lc's assembly) shows before AWS runs it. Slow, so not in CI. It
# prints no timings: under emulation they mean nothing.
#
#   infra/arm64-session.sh                    install what is missing, build, run the session
#   infra/arm64-session.sh install            only install qemu-user-static and the aarch64 glibc
#   infra/arm64-session.sh check-elf FILE...  only the architecture check
#
#   ARM64_BUILD=0   run the bootstraps already in target/arm64/lambda (no build)
#   ARM64_FROM_SAM=1  run the bootstraps `sam build` left in .aws-sam/build, which are what
#                   `sam deploy` uploads (no build; `make test-infra` sets it after its sam build)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[arm64] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# What the session calls (bench/src/arm64.rs, SESSION_FUNCTIONS: keep the two lists equal).
FUNCTIONS=(create-user login get-user create-product create-order refresh)
# Its own target dir: this long build must not hold the lock of target/ that other builds wait on.
TARGET_DIR=target/arm64
LAMBDA_DIR=$TARGET_DIR/lambda
# Debian's aarch64 glibc (libc6-arm64-cross): the loader and libc the zig-linked bootstraps need.
SYSROOT=/usr/aarch64-linux-gnu
# Graviton2's core, the oldest arm64 Lambda runs on: an instruction it lacks (SVE, say) faults
# here as it would there, where qemu's default CPU ("max", every feature) would run it.
CPU=neoverse-n1

install_emulator() {
  local missing=()
  command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
  [ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || missing+=(libc6-arm64-cross)
  command -v file >/dev/null 2>&1 || missing+=(file)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing ${missing[*]} with apt-get (qemu-user-static runs aarch64 programs on this machine; libc6-arm64-cross is their glibc)"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# `file`'s verdict, not the build's word: what a deploy uploads must be aarch64.
check_elf() {
  local bin description
  for bin in "$@"; do
    [ -f "$bin" ] || die "$bin does not exist (build it, or drop ARM64_BUILD=0)"
    description=$(file -bL "$bin")
    case $description in
      ELF\ 64-bit\ LSB\ *executable,\ ARM\ aarch64,*) say "$bin: ${description%%, BuildID*}" ;;
      *) die "$bin is not an aarch64 ELF executable: $description" ;;
    esac
  done
}

# Exactly the flags `sam build` gives cargo lambda for an arm64 function (aws-lambda-builders'
# rust_cargo workflow: `--release --arm64`), at low priority.
build_bootstraps() {
  local packages=() f
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    say "adding Rust's aarch64-unknown-linux-gnu target (rustup)"
    rustup target add aarch64-unknown-linux-gnu
  fi
  for f in "${FUNCTIONS[@]}"; do packages+=(-p "$f"); done
  say "release arm64 build of ${FUNCTIONS[*]} (cargo lambda + zig, as sam build; slow)"
  CARGO_TARGET_DIR=$TARGET_DIR nice -n 15 cargo lambda build --release --arm64 --lambda-dir "$LAMBDA_DIR" "${packages[@]}"
}

# What run_session started; global, as the EXIT trap runs after the function has returned.
pidfile=
moto_pidfile=
stop_services() {
  if [ -n "$pidfile" ]; then infra/dynamodb-local.sh stop "$pidfile"; fi
  if [ -n "$moto_pidfile" ]; then infra/moto.sh stop "$moto_pidfile"; fi
}

run_session() {
  local bootstraps=() f
  for f in "${FUNCTIONS[@]}"; do bootstraps+=("$LAMBDA_DIR/$f/bootstrap"); done
  check_elf "${bootstraps[@]}"

  # The harness is not what is tested: a debug build, in the workspace's usual target dir.
  say "the session harness (bench, debug)"
  nice -n 10 cargo build -q -p bench

  local port moto_port
  port=$(infra/dynamodb-local.sh free-port)
  pidfile=.local/dynamodb-arm64-$port.pid
  trap stop_services EXIT
  infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
  moto_port=$(infra/dynamodb-local.sh free-port)
  moto_pidfile=.local/moto-arm64-$moto_port.pid
  infra/moto.sh start "$moto_port" "$moto_pidfile"

  say "the session: every function under qemu-aarch64 as a $CPU (no timings: emulated, they mean nothing)"
  DYNAMODB_ENDPOINT="http://127.0.0.1:$port" SECRETS_MANAGER_ENDPOINT="http://127.0.0.1:$moto_port" \
    ARM64_SESSION_DIR=$LAMBDA_DIR ARM64_QEMU="$(command -v qemu-aarch64-static)" QEMU_LD_PREFIX=$SYSROOT QEMU_CPU=$CPU \
    target/debug/bench
}

# The bootstraps `sam build` made, laid out as the session reads them (<function>/bootstrap);
# each function's resource is its name in PascalCase + "Function" (GetUserFunction).
use_sam_build() {
  local f id
  LAMBDA_DIR=$TARGET_DIR/sam-build
  rm -rf "$LAMBDA_DIR"
  for f in "${FUNCTIONS[@]}"; do
    id=$(sed -E 's/(^|-)([a-z])/\U\2/g' <<<"$f")Function
    [ -f ".aws-sam/build/$id/bootstrap" ] || die ".aws-sam/build/$id/bootstrap does not exist: run sam build first"
    mkdir -p "$LAMBDA_DIR/$f"
    ln -s "$PWD/.aws-sam/build/$id/bootstrap" "$LAMBDA_DIR/$f/bootstrap"
  done
  say "the bootstraps sam build made (.aws-sam/build), as sam deploy uploads them"
}

case ${1:-run} in
  install) install_emulator ;;
  check-elf) shift; check_elf "$@" ;;
  run)
    # cargo-lambda and moto from the project's venv; DynamoDB Local (both no-ops when current).
    . infra/venv.sh
    infra/dynamodb-local.sh install
    install_emulator
    if [ "${ARM64_FROM_SAM:-0}" = 1 ]; then
      use_sam_build
    elif [ "${ARM64_BUILD:-1}" = 1 ]; then
      build_bootstraps
    fi
    run_session
    ;;
  *) die "unknown command '$1' (run, install, check-elf FILE...)" ;;
esac
