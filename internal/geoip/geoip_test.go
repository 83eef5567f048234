package geoip_test

import (
	"net/netip"
	"testing"

	"github.com/strongroom-id/strongroom/internal/geoip"
	"github.com/strongroom-id/strongroom/internal/geoip/geoiptest"
)

func TestCountry(t *testing.T) {
	path := geoiptest.WriteFile(t, map[string]string{"203.0.113.0/24": "KP", "198.51.100.0/24": "fr", "2001:db8:1::/48": "DE"})
	db, err := geoip.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for addr, want := range map[string]string{
		"203.0.113.7": "KP", "198.51.100.1": "FR", "2001:db8:1::5": "DE", "::ffff:203.0.113.9": "KP",
		"192.0.2.1": "", "2001:db8:2::1": "",
	} {
		if got := db.Country(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Country(%s) = %q, want %q", addr, got, want)
		}
	}
	if got := db.Country(netip.Addr{}); got != "" {
		t.Errorf("invalid address gives %q", got)
	}
	var none *geoip.DB
	if got := none.Country(netip.MustParseAddr("203.0.113.7")); got != "" {
		t.Errorf("nil database gives %q", got)
	}
	if _, err := geoip.Open(t.TempDir() + "/missing.mmdb"); err == nil {
		t.Error("opening a missing file succeeded")
	}
}
