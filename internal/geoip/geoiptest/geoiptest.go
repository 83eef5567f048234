package geoiptest

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Build returns a country database mapping each CIDR network to an ISO
// 3166-1 alpha-2 code. Private and documentation ranges may be used: the
// database includes reserved networks, so that tests can use them.
func Build(t testing.TB, networks map[string]string) []byte {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-Country", RecordSize: 24,
		IncludeReservedNetworks: true, Languages: []string{"en"}, Description: map[string]string{"en": "Strongroom test countries"}})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, code := range networks {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(code)}}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatalf("inserting %s: %v", cidr, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WriteFile builds a database (see Build) into a file in a temporary
// directory and returns its path.
func WriteFile(t testing.TB, networks map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "countries.mmdb")
	if err := os.WriteFile(p, Build(t, networks), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
