#!/usr/bin/env bash
# Builds the test API server (this folder) and kubectl from the same module into
# $TOOLS/k8s/<key>/, where <key> hashes the Go sources, go.mod, go.sum, the build flags and the Go
# version: a warm cache costs one hash. Prints the folder. Parallel callers wait on one lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tools=${TOOLS:-$root/.tools}
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

k8s_version=v1.37.2
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"
flags=(-trimpath -buildvcs=false -ldflags "$ldflags")

key=$(
  cd "$here"
  { cat ./*.go go.mod go.sum; printf '%s\n' "${flags[@]}"; "$go" env GOVERSION GOOS GOARCH; } | sha256sum | cut -c1-16
)
out=$tools/k8s/$key
if [[ -x $out/kube-apiserver-test && -x $out/kubectl ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$tools/k8s"
exec 9>"$tools/k8s/.build.lock"
flock 9
if [[ ! -x $out/kube-apiserver-test || ! -x $out/kubectl ]]; then
  echo "building kube-apiserver-test and kubectl $k8s_version into $out (cold: ~20 min on 2 cores)" >&2
  start=$(date +%s)
  tmp=$(mktemp -d "$tools/k8s/.build-XXXXXX")
  (cd "$here" && "$go" build "${flags[@]}" -o "$tmp/" . k8s.io/kubernetes/cmd/kubectl)
  mv "$tmp/apiserver" "$tmp/kube-apiserver-test"
  rm -rf "$out" && mv "$tmp" "$out"
  echo "built in $(($(date +%s) - start)) s" >&2
fi
echo "$out"
