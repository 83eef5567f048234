// Package geoiptest builds small MaxMind-format country databases for
// tests, with github.com/maxmind/mmdbwriter, in the shape of
// GeoLite2-Country ({"country": {"iso_code": …}}).
package geoiptest
