# Tools for `make bench`: oauth2-proxy and vegeta from the Go module proxy, the Go ceilings from
# bench/go/, all into .tools/bin. Without Go the bench runs without them and says so.
OAUTH2_PROXY_VERSION := v7.15.6
VEGETA_VERSION := v12.13.0
GO := $(shell command -v go 2>/dev/null)

.PHONY: bench-tools
bench-tools: ## Install oauth2-proxy, vegeta, wrk and the Go ceilings for `make bench`
	@command -v wrk >/dev/null || { echo "installing wrk from Debian"; $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq wrk >/dev/null || true; }
ifeq ($(GO),)
	@echo "Go is missing: oauth2-proxy, vegeta and the Go ceilings are skipped (install Go to compare)"
else
	@mkdir -p $(TOOLS)/bin
	@test -e $(TOOLS)/bin/.oauth2-proxy-$(OAUTH2_PROXY_VERSION) || { echo "go install oauth2-proxy $(OAUTH2_PROXY_VERSION)"; \
		GOBIN=$(TOOLS)/bin go install github.com/oauth2-proxy/oauth2-proxy/v7@$(OAUTH2_PROXY_VERSION) && touch $(TOOLS)/bin/.oauth2-proxy-$(OAUTH2_PROXY_VERSION); }
	@test -e $(TOOLS)/bin/.vegeta-$(VEGETA_VERSION) || { echo "go install vegeta $(VEGETA_VERSION)"; \
		GOBIN=$(TOOLS)/bin go install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION) && touch $(TOOLS)/bin/.vegeta-$(VEGETA_VERSION); }
	@cd bench/go && go build -o $(TOOLS)/bin/bench-go-bare ./bare && go build -o $(TOOLS)/bin/bench-go-reverse-proxy ./reverse-proxy
endif
