#!/usr/bin/env bash
# `make deploy`: `sam build` (cargo-lambda, release, arm64) and `sam deploy`. Guided the first
# time (no deployed settings in samconfig.toml's local copy yet) or with GUIDED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
# sam, and the cargo-lambda that `sam build` calls, from the project's venv.
. infra/venv.sh
export SAM_CLI_TELEMETRY=0
sam build --template template.yaml
if [ "${GUIDED:-0}" = 1 ] || [ ! -f .aws-sam/deployed ]; then
  sam deploy --guided --config-file samconfig.toml
  touch .aws-sam/deployed
else
  sam deploy --config-file samconfig.toml
fi

# The stack creates the two key secrets empty (no key ever passes through CloudFormation). Fill
# them once, with the public keys' table item, through the keys tool: `init` writes only what is
# missing, so every deploy may run it. Rotation is `make rotate-keys` (README).
STACK_NAME=${STACK_NAME:-serverless-rust-backend} infra/keys.sh init
