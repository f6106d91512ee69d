#!/usr/bin/env bash
# The template checks that need no AWS account: cfn-lint, `sam validate --lint`, checkov (every
# finding fixed or skipped with its reason in the template's Metadata), and the deploy
# rehearsal (infra/rehearsal: the transformed template created as a stack in a moto server of
# its own, then reviewed). Dummy credentials: nothing here calls AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

. infra/venv.sh
VENV_TOOLS=checkov infra/venv.sh

say() { printf '[template] %s\n' "$*" >&2; }

export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline
export SAM_CLI_TELEMETRY=0
say "cfn-lint template.yaml"
cfn-lint template.yaml
say "sam validate --lint"
sam validate --lint --template template.yaml
say "checkov"
# --skip-download: no call home for its guidelines; the checks themselves ship with it.
.local/venv-checkov/bin/checkov --file template.yaml --framework cloudformation --quiet --compact --skip-download

say "deploy rehearsal in moto"
port=$(infra/dynamodb-local.sh free-port)
pidfile=.local/moto-rehearsal-$port.pid
trap 'infra/moto.sh stop "$pidfile"' EXIT
infra/moto.sh start "$port" "$pidfile"
python infra/rehearsal/rehearse.py "http://127.0.0.1:$port"
