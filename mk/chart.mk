# Packaging for Kubernetes: the container image, the Helm chart and the plain manifests rendered from it.
# Included by the top-level Makefile (`include mk/*.mk`); works alone too: `make -f mk/chart.mk chart`.
# The chart's tests (`vitest --project chart`) run `make -f mk/chart.mk chart-tools` themselves, so a
# fresh machine needs nothing but Go and Node.

TOOLS ?= $(CURDIR)/.tools
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
NPM ?= npm
# Alone, the Node 24 that the top-level Makefile installs into .tools when there is one (the scripts are
# TypeScript, which an older node on PATH cannot run).
NODE ?= $(if $(wildcard $(TOOLS)/node/bin/node),$(TOOLS)/node/bin/node,node)

HELM_VERSION := v3.22.0
# Kubernetes minor that helm $(HELM_VERSION) is built against (its k8s.io/client-go v0.37): like helm's
# own release build, it becomes helm's default .Capabilities version and lint's deprecation target.
HELM_K8S_MINOR := 37
HELM := $(TOOLS)/bin/helm
HELM_STAMP := $(TOOLS)/bin/.helm-$(HELM_VERSION)
HELM_LDFLAGS := -s -w \
	-X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(HELM_K8S_MINOR) \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(HELM_K8S_MINOR)

# Kubernetes' API schemas, offline: the validators of the kubernetes-models npm packages, pinned by the
# lock file in test/chart/k8s-models/ and installed outside the project's node_modules.
K8S_MODELS_LOCK := test/chart/k8s-models/package.json test/chart/k8s-models/package-lock.json
# .tools is shared by several checkouts: each lock file content gets its own folder (test/chart/tools.ts
# computes the same name), so a checkout with another lock never replaces the validators under another.
K8S_MODELS_HASH := $(shell cat $(K8S_MODELS_LOCK) | sha256sum | cut -c1-16)
K8S_MODELS := $(TOOLS)/k8s-models-$(K8S_MODELS_HASH)

# Strict decoding into the Kubernetes Go types (unknown and duplicate fields), which the kubernetes-models
# validators do not check: a small Go program, built against the same k8s.io modules as helm.
KUBESTRICT_STAMP := $(TOOLS)/bin/.kubestrict
KUBESTRICT_SRC := $(wildcard test/chart/kubestrict/*.go) test/chart/kubestrict/go.mod test/chart/kubestrict/go.sum

# Included by the top-level Makefile, which provides `deps` (npm ci) and the $(NODE) binary; alone,
# this file assumes node_modules is installed.
CHART_NPM_DEPS := $(if $(filter Makefile,$(notdir $(MAKEFILE_LIST))),deps)
CHART_NODE_DEP := $(if $(filter Makefile,$(notdir $(MAKEFILE_LIST))),$(NODE))

CHART := charts/fxa-gate
IMAGE ?= fxa-gate:dev

.PHONY: helm kube-schemas kubestrict chart-tools chart chart-values deploy-manifests image chart-force
chart-force:

helm: $(HELM_STAMP) ## Install helm (pinned) into .tools/bin with `go install`; skipped when present

# Reinstalled when the version changes (new stamp) or the binary is gone.
$(HELM_STAMP): $(if $(wildcard $(HELM)),,chart-force)
	@mkdir -p $(TOOLS)/bin
	GOBIN=$(TOOLS)/bin $(GO) install -trimpath -ldflags '$(HELM_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	@rm -f $(TOOLS)/bin/.helm-* && touch $@

K8S_MODELS_STAMP := $(K8S_MODELS)/.installed

kube-schemas: $(K8S_MODELS_STAMP) | $(CHART_NODE_DEP) ## Install the offline Kubernetes schema validators (kubernetes-models) into .tools

$(K8S_MODELS_STAMP):
	@rm -rf $(K8S_MODELS) && mkdir -p $(K8S_MODELS)
	cp $(K8S_MODELS_LOCK) $(K8S_MODELS)/
	cd $(K8S_MODELS) && $(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

kubestrict: $(KUBESTRICT_STAMP) ## Build the strict manifest decoder (test/chart/kubestrict) into .tools/bin

$(KUBESTRICT_STAMP): $(KUBESTRICT_SRC) $(if $(wildcard $(TOOLS)/bin/kubestrict),,chart-force)
	@mkdir -p $(TOOLS)/bin
	cd test/chart/kubestrict && GOBIN=$(TOOLS)/bin $(GO) install -trimpath -buildvcs=false -ldflags '-s -w' .
	@touch $@

chart-tools: helm kube-schemas kubestrict ## Install everything the chart's tests need

chart: chart-tools $(CHART_NPM_DEPS) ## Lint the chart, render every ci/ scenario, validate each object against the Kubernetes schemas
	npx vitest run --project chart

chart-values: helm | $(CHART_NODE_DEP) ## After a change of src/config/schema.ts: regenerate the chart's config blocks and deploy/kubernetes
	$(NODE) test/chart/gen-chart-config.ts
	$(NODE) test/chart/render-deploy.ts --write

deploy-manifests: helm | $(CHART_NODE_DEP) ## Re-render deploy/kubernetes/ from the chart (the chart tests fail when it drifts)
	$(NODE) test/chart/render-deploy.ts --write

# Needs a Docker engine (none on the development machines): the chart tests check the Dockerfile's
# structure instead. Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -t $(IMAGE) .
image: ## Build the container image $(IMAGE) with docker (multi-stage; override IMAGE=repo:tag)
	docker build --pull -t $(IMAGE) .
