# Release engineering: the GitHub workflows (.github/workflows) and the tool that checks them.
# Included by the top-level Makefile (`include mk/*.mk`); works alone too: `make -f mk/release.mk lint-workflows`.
# test/chart/release.test.ts (part of `make test`) installs actionlint through this file and runs it.

TOOLS ?= $(CURDIR)/.tools
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)

ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(TOOLS)/bin/actionlint
ACTIONLINT_STAMP := $(TOOLS)/bin/.actionlint-$(ACTIONLINT_VERSION)

.PHONY: actionlint lint-workflows release-force
release-force:

actionlint: $(ACTIONLINT_STAMP) ## Install actionlint (pinned) into .tools/bin with `go install`; skipped when present

# Reinstalled when the version changes (new stamp) or the binary is gone.
$(ACTIONLINT_STAMP): $(if $(wildcard $(ACTIONLINT)),,release-force)
	@mkdir -p $(TOOLS)/bin
	GOBIN=$(TOOLS)/bin $(GO) install -trimpath -ldflags '-s -w' github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	@rm -f $(TOOLS)/bin/.actionlint-* && touch $@

# shellcheck (Debian package, `make system-deps`) checks the workflows' run: steps through actionlint.
lint-workflows: actionlint ## Check .github/workflows with actionlint and shellcheck (also part of `make test`)
	@command -v shellcheck >/dev/null || { echo "shellcheck is missing: run make system-deps" >&2; exit 1; }
	$(ACTIONLINT) -no-color -oneline
