// kube-strict decodes Kubernetes manifests (multi-document YAML on stdin) with the API machinery's
// strict decoder, as the API server's strict field validation (kubectl apply --validate=strict)
// does: an unknown field, a duplicate field or a wrong type in a built-in kind is an error. Kinds
// the client-go scheme does not know (CRDs: ScaledObject, ServiceMonitor, ...) are listed as skipped.
//
// It complements the OpenAPI validation of the chart tests (kubernetes-models), whose schemas do
// not reject unknown fields, so a misspelt field would otherwise be dropped silently by the server.
//
// Output: one line per object, "ok <kind>/<name>", "skip <apiVersion>/<kind>/<name>" or
// "error <kind>/<name>: <reason>"; exit status 1 when any object has an error.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

func main() {
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	failed := false
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Printf("error reading input: %v\n", err)
			os.Exit(2)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var meta unstructured.Unstructured
		if err := yaml.Unmarshal(doc, &meta.Object); err != nil {
			fmt.Printf("error <unparsable>: %v\n", err)
			failed = true
			continue
		}
		id := fmt.Sprintf("%s/%s", meta.GetKind(), meta.GetName())
		if _, _, err := decoder.Decode(doc, nil, nil); err != nil {
			if runtime.IsNotRegisteredError(err) {
				fmt.Printf("skip %s/%s\n", meta.GetAPIVersion(), id)
				continue
			}
			fmt.Printf("error %s: %v\n", id, err)
			failed = true
			continue
		}
		fmt.Printf("ok %s\n", id)
	}
	if failed {
		os.Exit(1)
	}
}

// stripComments drops full-line comments so a document made only of comments counts as empty.
func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 && trimmed[0] == '#' {
			continue
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}
