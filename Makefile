# The two commands: `make dev` (serve the API locally) and `make test`. `make help` lists all.
SHELL := bash
.DEFAULT_GOAL := help
# The Python tools live in .local/venv (infra/venv.sh): first on PATH for every recipe, every
# script and `cargo lambda`, which looks for `cargo-lambda` there.
export PATH := $(CURDIR)/.local/venv/bin:$(PATH)

.PHONY: help dev test check-template test-infra deploy logs destroy admin backfill-lists fuzz load bench tools venv lint fmt clean rotate-keys revoke-previous-key

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

dev: tools ## Serve the whole API on http://127.0.0.1:9000 over DynamoDB Local (Ctrl-C stops it)
	@infra/dev.sh

test: tools check-template ## Run every test against a DynamoDB Local of its own
	@infra/test.sh

check-template: venv ## cfn-lint and sam validate --lint on template.yaml (offline)
	@infra/check-template.sh

test-infra: tools check-template ## The template checks, a full `sam build`, and the arm64 bootstraps run under qemu (slow; not CI)
	SAM_CLI_TELEMETRY=0 sam build --template template.yaml
	@ARM64_FROM_SAM=1 infra/arm64-session.sh

deploy: tools ## Build and deploy the stack with SAM (guided the first time: GUIDED=1 forces it)
	@infra/deploy.sh

logs: venv ## Tail a deployed function's logs: make logs FUNCTION=LoginFunction
	SAM_CLI_TELEMETRY=0 sam logs --stack-name $${STACK_NAME:-serverless-rust-backend} --name $(FUNCTION) --tail

destroy: venv ## Delete the deployed stack (the table and its data are retained; see README)
	SAM_CLI_TELEMETRY=0 sam delete --stack-name $${STACK_NAME:-serverless-rust-backend}

rotate-keys: venv ## New signing keys; old tokens stay valid until they expire (local `make dev`, or STACK_NAME=… for AWS)
	@infra/keys.sh rotate

revoke-previous-key: venv ## Drop the keys before the last rotation: their tokens fail within KEY_CACHE_SECONDS (STACK_NAME=… for AWS)
	@infra/keys.sh revoke-previous

admin: tools ## Create or promote an admin: make admin EMAIL=… PASSWORD=… [NAME=…] [TABLE_NAME=… for AWS]
	@infra/admin.sh

backfill-lists: tools ## Once after upgrading a deployed table: list its existing users and products (TABLE_NAME=… for AWS)
	@infra/backfill-lists.sh

fuzz: tools ## Schemathesis against the running API from openapi.yaml (FUZZ_MAX_EXAMPLES, FUZZ_MAX_TIME)
	@infra/fuzz.sh

load: tools ## A bounded mixed load run through cargo lambda watch (LOAD_SECONDS, LOAD_CLIENTS)
	@infra/load.sh

bench: tools ## Cold start, warm cost, memory and size of every function; writes BENCHMARKS.md
	@bench/run.sh

tools: venv ## Install what the Makefile needs and is missing (the Python tools, DynamoDB Local)
	@infra/dynamodb-local.sh install

venv: ## Create or update .local/venv: cargo-lambda, cfn-lint, aws-sam-cli, schemathesis (pinned)
	@infra/venv.sh

lint: ## rustfmt and clippy, warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

clean: ## Remove build output and local data (not the DynamoDB Local download)
	cargo clean
	rm -rf .local
