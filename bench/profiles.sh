#!/usr/bin/env bash
# The release-profile comparison in BENCHMARKS.md: builds get-user under the workspace's
# [profile.release] and under variants of it (each in its own target dir under
# target/profiles/, so target/release is never clobbered), measures each with the bench
# harness, and writes bench/profiles.md, which the next `make bench` includes.
#   BENCH_COLD (20), BENCH_WARM (1000). Each variant is a full release build (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[profiles] %s\n' "$*" >&2; }

# name | cargo --config overrides on top of the workspace's [profile.release]
variants=(
  "workspace: ours at 3, dependencies at s (argon2 at 3), fat LTO, 1 CGU, unwind, strip|"
  "everything at 3|profile.release.package.\"*\".opt-level=3"
  "everything at s (argon2 at 3)|profile.release.opt-level=\"s\""
  "cargo's default (opt 3, no LTO, 16 CGUs)|profile.release.package.\"*\".opt-level=3 profile.release.lto=false profile.release.codegen-units=16"
)

entries=()
for i in "${!variants[@]}"; do
  name=${variants[$i]%%|*}
  overrides=${variants[$i]#*|}
  dir=target/profiles/$i
  say "building get-user: $name"
  if [ -z "$overrides" ]; then
    # Exactly as make bench builds it (the same invocation, so nothing is rebuilt).
    packages=(); for d in functions/*/; do packages+=(-p "$(basename "$d")"); done
    nice -n 10 cargo build --release "${packages[@]}" -p floor
    built=target/release/get-user
  else
    configs=(); for o in $overrides; do configs+=(--config "$o"); done
    nice -n 10 cargo build --release -p get-user --target-dir "$dir/build" "${configs[@]}"
    built=$dir/build/release/get-user
  fi
  mkdir -p "$dir"
  cp "$built" "$dir/get-user"
  python3 - "$dir" <<'PY'
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(f"{d}/get-user.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.write(f"{d}/get-user", "bootstrap")
PY
  entries+=("$name@$dir")
done

say "the harness"
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_STRIP=false \
  nice -n 10 cargo build --release -p bench --target-dir target/bench-harness

port=$(infra/dynamodb-local.sh free-port)
pidfile=.local/dynamodb-profiles-$port.pid
# The JVM as make bench runs it (bench/run.sh says why).
DYNAMODB_LOCAL_JAVA_OPTS=-XX:TieredStopAtLevel=1 infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
BENCH_PROFILES=$(IFS=';'; echo "${entries[*]}") target/bench-harness/release/bench
say "wrote bench/profiles.md"
