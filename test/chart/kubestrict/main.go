// Command kubestrict reads Kubernetes manifests (multi-document YAML) on stdin and decodes each object
// strictly into its Go API type, as the API server does with fieldValidation=Strict: an unknown or
// duplicated field is an error. The kubernetes-models validators check types, enums and required
// fields but let unknown fields through; this closes that gap, offline.
//
// Output: one line per problem, "<index> <kind>/<name>: <error>"; exit status 1 when there is any.
// Kinds outside the built-in API groups (e.g. ServiceMonitor) are reported on stderr as skipped.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

func main() {
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	failed := false
	for index := 0; ; index++ {
		document, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Printf("%d: cannot read YAML: %v\n", index, err)
			os.Exit(1)
		}
		if len(bytes.TrimSpace(stripComments(document))) == 0 {
			index--
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(document, &meta); err != nil {
			fmt.Printf("%d: not an object: %v\n", index, err)
			failed = true
			continue
		}
		gvk := schema.FromAPIVersionAndKind(meta.APIVersion, meta.Kind)
		if !scheme.Scheme.Recognizes(gvk) {
			fmt.Fprintf(os.Stderr, "%d %s/%s: skipped (%s is not a built-in kind)\n", index, meta.Kind, meta.Metadata.Name, gvk)
			continue
		}
		if _, _, err := decoder.Decode(document, nil, nil); err != nil {
			fmt.Printf("%d %s/%s: %v\n", index, meta.Kind, meta.Metadata.Name, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func stripComments(document []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(document, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
