#!/usr/bin/env bash
# The template checks that need no AWS account: cfn-lint and `sam validate --lint`, from the
# project's venv (infra/venv.sh). Dummy credentials: nothing here calls AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

. infra/venv.sh

say() { printf '[template] %s\n' "$*" >&2; }

export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline
export SAM_CLI_TELEMETRY=0
say "cfn-lint template.yaml"
cfn-lint template.yaml
say "sam validate --lint"
sam validate --lint --template template.yaml
