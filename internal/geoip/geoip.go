package geoip

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DB is an open country database, safe for concurrent use.
type DB struct {
	r *maxminddb.Reader
}

// Open opens the database file at path and checks that it can be read.
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip: opening %s: %w", path, err)
	}
	return &DB{r: r}, nil
}

// OpenBytes opens a database held in memory (tests build one).
func OpenBytes(b []byte) (*DB, error) {
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		return nil, fmt.Errorf("geoip: reading the database: %w", err)
	}
	return &DB{r: r}, nil
}

// Close releases the database.
func (d *DB) Close() error {
	if d == nil || d.r == nil {
		return nil
	}
	return d.r.Close()
}

// Type returns the database type its metadata declares, such as
// "GeoLite2-Country".
func (d *DB) Type() string { return d.r.Metadata.DatabaseType }

// Country returns the ISO 3166-1 alpha-2 code (upper case) of the country
// where a is, or "" when the address is invalid, private, not in the
// database, or the record has no country. Where the database has no
// country for an address, its registered country is used (MaxMind's
// advice for addresses such as anycast or satellite ones).
func (d *DB) Country(a netip.Addr) string {
	if d == nil || d.r == nil || !a.IsValid() {
		return ""
	}
	res := d.r.Lookup(a.Unmap())
	if !res.Found() {
		return ""
	}
	var code string
	if err := res.DecodePath(&code, "country", "iso_code"); err != nil || code == "" {
		code = ""
		if err := res.DecodePath(&code, "registered_country", "iso_code"); err != nil {
			return ""
		}
	}
	if len(code) != 2 {
		return ""
	}
	return strings.ToUpper(code)
}
