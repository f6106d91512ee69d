#!/usr/bin/env bash
# The template checks that need no AWS account: cfn-lint and `sam validate --lint`. Installs
# both with pip when missing (pinned). Dummy credentials: nothing here calls AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[template] %s\n' "$*" >&2; }
CFN_LINT_VERSION=1.58.0
SAM_CLI_VERSION=1.170.0

version_of() { "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1; }
if [ "$(version_of cfn-lint)" != "$CFN_LINT_VERSION" ] || [ "$(version_of sam)" != "$SAM_CLI_VERSION" ]; then
  say "installing cfn-lint $CFN_LINT_VERSION and aws-sam-cli $SAM_CLI_VERSION with pip"
  python3 -m pip install --quiet "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION"
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline
export SAM_CLI_TELEMETRY=0
say "cfn-lint template.yaml"
cfn-lint template.yaml
say "sam validate --lint"
sam validate --lint --template template.yaml
