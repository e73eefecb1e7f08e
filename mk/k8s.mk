# A real kube-apiserver (etcd embedded) and kubectl for the tests, built from the Go module proxy:
# test/k8s/apiserver/ (k8s.io/kubernetes v1.37.2). Included by the top-level Makefile; works alone too:
# `make -f mk/k8s.mk kube-tools`. The binaries are cached in .tools/k8s/<hash of the Go files, the
# flags and the Go version>/, so a warm cache costs one hash; a cold build takes ~15–25 min on 2 cores.

TOOLS ?= $(CURDIR)/.tools
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)

.PHONY: kube-tools
kube-tools: ## Build the test kube-apiserver and kubectl into .tools/k8s (skipped when the cached build matches)
	@TOOLS=$(TOOLS) GO=$(GO) test/k8s/apiserver/build.sh >/dev/null

# `make test` runs the tests against the real API server: build it first, outside any test timeout.
test: kube-tools
