// The Go ceiling for forward-auth: net/http answering an empty 200 on every path.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	log.Fatal(http.ListenAndServe(os.Getenv("LISTEN"), handler))
}
