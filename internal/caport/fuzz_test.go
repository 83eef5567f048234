package caport_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/strongroom-id/strongroom/internal/caport"
)

// FuzzParse reads arbitrary files as an import would: it may refuse them,
// never panic, and what it accepts has a kind.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(fixtures + "/*.json")
	more, _ := filepath.Glob(repo + "/*/20*.json")
	for _, p := range append(seeds, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(utf16Bytes(`[{"id":"c1","displayName":"x","isAvailable":true}]`, binary.LittleEndian))
	f.Add([]byte(`{"value":[{"displayName":"g","groupTypes":"Unified"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := caport.Parse([]caport.Document{{Name: "f.json", Data: data}})
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.Kind == "" || o.Source == "" {
				t.Fatalf("object without kind or source: %+v", o)
			}
		}
	})
}

// FuzzParseMapping reads arbitrary mapping files.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte("groups:\n  \"<X>\": Admins\n"))
	f.Add([]byte(`{"users":{"a":"b@c"},"authenticationContexts":{"c1":"c2"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = caport.ParseMapping("m", data)
	})
}
