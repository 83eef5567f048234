package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// NamedLocation is a Graph namedLocation: an ipNamedLocation or a
// countryNamedLocation (G-IPNL, G-CNL, entra.md §4.11), told apart by
// ODataType. Fields of the other kind stay zero.
type NamedLocation struct {
	ID               string
	ODataType        string // ODataIPNamedLocation or ODataCountryNamedLocation
	DisplayName      string
	CreatedDateTime  time.Time
	ModifiedDateTime time.Time

	// ipNamedLocation.
	IPRanges []IPRange
	// IsTrusted marks the location trusted: it then matches AllTrusted
	// (CA-NET). Only IP locations can be trusted.
	IsTrusted bool

	// countryNamedLocation. CountriesAndRegions are ISO 3166-1 alpha-2 codes.
	CountriesAndRegions []string
	// CountryLookupMethod is CountryLookupClientIP (the default when empty)
	// or CountryLookupGPS. Strongroom has no Authenticator GPS signal: for a
	// GPS location the country is always unknown, so it matches only when
	// IncludeUnknownCountriesAndRegions is set.
	CountryLookupMethod               string
	IncludeUnknownCountriesAndRegions bool
}

// IPRange is Graph's ipRange: an iPv4CidrRange or iPv6CidrRange.
type IPRange struct {
	ODataType   string // ODataIPv4Range or ODataIPv6Range; may be empty, inferred from the address
	CIDRAddress string // "12.34.221.11/22", "2001:db8::/48"
}

// OData types of named locations and IP ranges (G-IPNL, G-CNL).
const (
	ODataIPNamedLocation      = "#microsoft.graph.ipNamedLocation"
	ODataCountryNamedLocation = "#microsoft.graph.countryNamedLocation"
	ODataIPv4Range            = "#microsoft.graph.iPv4CidrRange"
	ODataIPv6Range            = "#microsoft.graph.iPv6CidrRange"

	CountryLookupClientIP = "clientIpAddress"
	CountryLookupGPS      = "authenticatorAppGps"
)

// IsIP reports whether l is an ipNamedLocation.
func (l NamedLocation) IsIP() bool { return strings.EqualFold(l.ODataType, ODataIPNamedLocation) }

// IsCountry reports whether l is a countryNamedLocation.
func (l NamedLocation) IsCountry() bool {
	return strings.EqualFold(l.ODataType, ODataCountryNamedLocation)
}

// ValidateNamedLocation checks a named location as Graph does (G-IPNL,
// G-CNL, CA-NET): display name, at most MaxIPRanges ranges, each a valid CIDR
// of its declared family with a prefix longer than /8, ISO country codes. It
// returns an apperr.Invalid error naming every problem, or nil.
func ValidateNamedLocation(l NamedLocation) error {
	var p problems
	p.displayName(l.DisplayName)
	switch {
	case l.IsIP():
		if len(l.IPRanges) == 0 {
			p.add("ipRanges", "at least one IP range is required")
		}
		if n := len(l.IPRanges); n > MaxIPRanges {
			p.add("ipRanges", "has %d ranges; the limit is %d", n, MaxIPRanges)
		}
		seen := make(map[netip.Prefix]int, len(l.IPRanges))
		for i, r := range l.IPRanges {
			path := fmt.Sprintf("ipRanges[%d]", i)
			pfx, err := parseRange(r)
			if err != nil {
				p.add(path, "%v", err)
				continue
			}
			if j, dup := seen[pfx.Masked()]; dup {
				p.add(path, "%q repeats ipRanges[%d]", r.CIDRAddress, j)
			}
			seen[pfx.Masked()] = i
		}
		if len(l.CountriesAndRegions) > 0 || l.CountryLookupMethod != "" || l.IncludeUnknownCountriesAndRegions {
			p.add("countriesAndRegions", "belongs to a country named location")
		}
	case l.IsCountry():
		if len(l.CountriesAndRegions) == 0 && !l.IncludeUnknownCountriesAndRegions {
			p.add("countriesAndRegions", "at least one country or region is required")
		}
		for i, c := range l.CountriesAndRegions {
			path := fmt.Sprintf("countriesAndRegions[%d]", i)
			if !isCountryCode(c) {
				p.add(path, "%q is not an ISO 3166-1 two-letter code", c)
				continue
			}
			if indexFold(l.CountriesAndRegions, c) < i {
				p.add(path, "%q is listed more than once", c)
			}
		}
		switch l.CountryLookupMethod {
		case "", CountryLookupClientIP, CountryLookupGPS:
		default:
			p.add("countryLookupMethod", "%q is not one of %s", l.CountryLookupMethod, quoteList(CountryLookupClientIP, CountryLookupGPS))
		}
		if l.IsTrusted {
			p.add("isTrusted", "only IP named locations can be trusted")
		}
		if len(l.IPRanges) > 0 {
			p.add("ipRanges", "belongs to an IP named location")
		}
	default:
		p.add("@odata.type", "%q is not one of %s", l.ODataType, quoteList(ODataIPNamedLocation, ODataCountryNamedLocation))
	}
	return p.err("invalid named location")
}

// parseRange parses an IP range and checks its family and mask length.
func parseRange(r IPRange) (netip.Prefix, error) {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(r.CIDRAddress))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range such as 12.34.221.11/22 or 2001:db8::/48", r.CIDRAddress)
	}
	addr := pfx.Addr()
	if addr.Zone() != "" || addr.Is4In6() {
		return netip.Prefix{}, fmt.Errorf("%q: write IPv4 ranges in IPv4 form, without zones", r.CIDRAddress)
	}
	switch {
	case r.ODataType == "":
	case strings.EqualFold(r.ODataType, ODataIPv4Range):
		if !addr.Is4() {
			return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 range but is typed %s", r.CIDRAddress, ODataIPv4Range)
		}
	case strings.EqualFold(r.ODataType, ODataIPv6Range):
		if !addr.Is6() {
			return netip.Prefix{}, fmt.Errorf("%q is not an IPv6 range but is typed %s", r.CIDRAddress, ODataIPv6Range)
		}
	default:
		return netip.Prefix{}, fmt.Errorf("@odata.type %q is not one of %s", r.ODataType, quoteList(ODataIPv4Range, ODataIPv6Range))
	}
	if pfx.Bits() < MinPrefixLength {
		return netip.Prefix{}, fmt.Errorf("%q: the mask must be larger than /8", r.CIDRAddress)
	}
	return pfx, nil
}

func isCountryCode(c string) bool {
	if len(c) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		if b := c[i] | 0x20; b < 'a' || b > 'z' {
			return false
		}
	}
	return true
}

// AuthenticationContext is an authenticationContextClassReference (G-ACR,
// entra.md §4.12).
type AuthenticationContext struct {
	ID          string // c1–c99
	DisplayName string
	Description string
	// IsAvailable is "Publish to apps": published contexts are offered to
	// applications; unpublished ones can still be used in policies.
	IsAvailable bool
}

// IsAuthContextID reports whether id is an authentication context id, c1 to
// c99 (CA-APPS, G-AUTHCTX; Strongroom follows the 99 of the admin docs and
// What If, not the c25 of the Graph resource page). Lower-case c only, no
// leading zero.
func IsAuthContextID(id string) bool {
	if len(id) < 2 || len(id) > 3 || id[0] != 'c' || id[1] == '0' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(id[1:])
	return err == nil && n >= 1 && n <= MaxAuthContexts
}

// ValidateAuthenticationContext checks an authentication context: its id is
// c1–c99 and it has a display name.
func ValidateAuthenticationContext(c AuthenticationContext) error {
	var p problems
	if !IsAuthContextID(c.ID) {
		p.add("id", "%q is not an authentication context id (c1 to c99)", c.ID)
	}
	p.displayName(c.DisplayName)
	if n := len([]rune(c.Description)); n > 1024 {
		p.add("description", "is %d characters long; the limit is 1024", n)
	}
	return p.err("invalid authentication context")
}
