// Package geoip finds the country of an IP address in a MaxMind-format
// database (.mmdb: GeoLite2-Country, GeoIP2-Country or -City, or any
// database with the same "country" record), which the operator supplies
// and names in geoip.databaseFile. Conditional Access uses it for country
// named locations; without a database every country is unknown, which
// matches only locations that include unknown countries.
package geoip
