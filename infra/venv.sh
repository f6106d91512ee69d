#!/usr/bin/env bash
# The project's Python tools (cargo-lambda, cfn-lint, aws-sam-cli, schemathesis) in a virtual
# environment of its own, .local/venv, so nothing depends on what the machine has by hand and a
# PEP 668 system pip is never asked. Created on first use, re-created when infra/python-tools.txt
# changes. Run it to make sure the venv is current; source it (`. infra/venv.sh`) to also put
# its bin directory first on PATH. The Makefile runs it and exports that PATH itself.

venv_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# VENV_TOOLS=checkov: the same for infra/checkov.in/.txt in .local/venv-checkov (checkov pins an
# exact boto3 that the SAM CLI's cannot share one venv with).
venv_tools=${VENV_TOOLS:-python-tools}
venv_dir="$venv_root/.local/venv${VENV_TOOLS:+-$VENV_TOOLS}"

venv_ensure() (
  set -euo pipefail
  local lock="$venv_root/infra/$venv_tools.txt" stamp="$venv_dir/$venv_tools.txt"
  mkdir -p "$venv_root/.local"
  # Two make targets at once (test and fuzz) must not build the venv twice.
  exec 9>"$venv_dir.lock"
  flock 9
  cmp -s "$lock" "$stamp" && return 0
  local tools
  tools=$(grep -v '^#' "$venv_root/infra/$venv_tools.in" | tr '\n' ' ')
  printf '[tools] creating %s (first use, or infra/%s.txt changed): %s\n' "${venv_dir#"$venv_root/"}" "$venv_tools" "$tools" >&2
  rm -rf "$venv_dir"
  python3 -m venv "$venv_dir" || {
    echo "[tools] python3 -m venv failed: Python 3 with its venv module is needed (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
  "$venv_dir/bin/pip" install --quiet --disable-pip-version-check --requirement "$lock"
  cp "$lock" "$stamp"
)

# Sourced, a failure returns to the caller; run, it exits.
venv_ensure || { return 1 2>/dev/null || exit 1; }
export PATH="$venv_dir/bin:$PATH"
