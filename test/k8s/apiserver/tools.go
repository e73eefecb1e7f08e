//go:build tools

// kubectl is built from the same module (and so the same k8s.io versions) as the API server.
package main

import _ "k8s.io/kubernetes/cmd/kubectl"
