package cagraph

import (
	"encoding/json"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// NamedLocation is an ipNamedLocation or countryNamedLocation as Graph
// returns it (G-IPNL, G-CNL); the properties of the other kind are left out.
type NamedLocation struct {
	ODataType        string  `json:"@odata.type"`
	ID               string  `json:"id"`
	DisplayName      string  `json:"displayName"`
	CreatedDateTime  *string `json:"createdDateTime"`
	ModifiedDateTime *string `json:"modifiedDateTime"`
	// ipNamedLocation
	IsTrusted *bool     `json:"isTrusted,omitempty"`
	IPRanges  []IPRange `json:"ipRanges,omitempty"`
	// countryNamedLocation
	CountriesAndRegions               []string `json:"countriesAndRegions,omitempty"`
	IncludeUnknownCountriesAndRegions *bool    `json:"includeUnknownCountriesAndRegions,omitempty"`
	CountryLookupMethod               string   `json:"countryLookupMethod,omitempty"`
}

// IPRange is an iPv4CidrRange or iPv6CidrRange.
type IPRange struct {
	ODataType   string `json:"@odata.type"`
	CIDRAddress string `json:"cidrAddress"`
}

// EncodeNamedLocation returns l as Graph returns it. An IP range without a
// type gets the one its address has.
func EncodeNamedLocation(l policy.NamedLocation) NamedLocation {
	out := NamedLocation{ODataType: l.ODataType, ID: l.ID, DisplayName: l.DisplayName,
		CreatedDateTime: timePtr(l.CreatedDateTime), ModifiedDateTime: timePtr(l.ModifiedDateTime)}
	switch {
	case l.IsIP():
		out.ODataType = policy.ODataIPNamedLocation
		trusted := l.IsTrusted
		out.IsTrusted = &trusted
		out.IPRanges = []IPRange{}
		for _, r := range l.IPRanges {
			t := r.ODataType
			if t == "" {
				t = policy.ODataIPv4Range
				if strings.Contains(r.CIDRAddress, ":") {
					t = policy.ODataIPv6Range
				}
			}
			out.IPRanges = append(out.IPRanges, IPRange{ODataType: t, CIDRAddress: r.CIDRAddress})
		}
	case l.IsCountry():
		out.ODataType = policy.ODataCountryNamedLocation
		out.CountriesAndRegions = nonNil(l.CountriesAndRegions)
		unknown := l.IncludeUnknownCountriesAndRegions
		out.IncludeUnknownCountriesAndRegions = &unknown
		out.CountryLookupMethod = l.CountryLookupMethod
		if out.CountryLookupMethod == "" {
			out.CountryLookupMethod = policy.CountryLookupClientIP
		}
		if len(out.CountriesAndRegions) == 0 {
			// omitempty would drop it; Graph always returns the list.
			out.CountriesAndRegions = []string{}
		}
	}
	return out
}

// MarshalJSON keeps countriesAndRegions for country locations even when
// empty (omitempty would drop it) and leaves it out for IP ones.
func (l NamedLocation) MarshalJSON() ([]byte, error) {
	type plain NamedLocation
	if l.ODataType != policy.ODataCountryNamedLocation {
		return json.Marshal(plain(l))
	}
	return json.Marshal(struct {
		plain
		CountriesAndRegions []string `json:"countriesAndRegions"`
	}{plain(l), nonNil(l.CountriesAndRegions)})
}

// MarshalNamedLocation is EncodeNamedLocation as JSON.
func MarshalNamedLocation(l policy.NamedLocation) ([]byte, error) {
	b, err := json.Marshal(EncodeNamedLocation(l))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding a named location")
	}
	return b, nil
}

// DecodeNamedLocation reads an ipNamedLocation or countryNamedLocation; its
// kind comes from @odata.type, which is required (Graph requires it on
// create). Properties of the other kind are read too, for validation to
// refuse.
func DecodeNamedLocation(data []byte, m Mode) (policy.NamedLocation, Report, error) {
	mv, err := ParseObject(data)
	if err != nil {
		return policy.NamedLocation{}, Report{}, err
	}
	return DecodeNamedLocationObject(mv, m)
}

// DecodeNamedLocationObject is DecodeNamedLocation over a parsed object.
func DecodeNamedLocationObject(v map[string]any, m Mode) (policy.NamedLocation, Report, error) {
	r := &reader{mode: m}
	o := r.object("", v)
	l := policy.NamedLocation{
		ODataType:                         canon([]string{policy.ODataIPNamedLocation, policy.ODataCountryNamedLocation}, o.str("@odata.type")),
		ID:                                o.str("id"),
		DisplayName:                       o.str("displayName"),
		CreatedDateTime:                   o.time("createdDateTime"),
		ModifiedDateTime:                  o.time("modifiedDateTime"),
		IsTrusted:                         o.boolean("isTrusted"),
		CountriesAndRegions:               o.strs("countriesAndRegions", false),
		CountryLookupMethod:               o.str("countryLookupMethod"),
		IncludeUnknownCountriesAndRegions: o.boolean("includeUnknownCountriesAndRegions"),
	}
	if m == Lenient {
		for i, c := range l.CountriesAndRegions {
			l.CountriesAndRegions[i] = strings.ToUpper(c)
		}
		l.CountryLookupMethod = canon([]string{policy.CountryLookupClientIP, policy.CountryLookupGPS}, l.CountryLookupMethod)
	}
	for i, item := range o.list("ipRanges") {
		path := indexPath(o.p("ipRanges"), i)
		if s, ok := item.(string); ok && m == Lenient {
			l.IPRanges = append(l.IPRanges, policy.IPRange{CIDRAddress: strings.TrimSpace(s)})
			continue
		}
		ro := r.object(path, item)
		if ro == nil {
			continue
		}
		rng := policy.IPRange{ODataType: ro.str("@odata.type"), CIDRAddress: ro.str("cidrAddress")}
		if m == Lenient {
			rng.ODataType = canon([]string{policy.ODataIPv4Range, policy.ODataIPv6Range}, rng.ODataType)
		}
		ro.done()
		l.IPRanges = append(l.IPRanges, rng)
	}
	o.done()
	return l, r.report(), r.err("named location")
}

// Context is an authenticationContextClassReference (G-ACR).
type Context struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	Description *string `json:"description"`
	IsAvailable bool    `json:"isAvailable"`
}

// EncodeContext returns c as Graph returns it.
func EncodeContext(c policy.AuthenticationContext) Context {
	return Context{ID: c.ID, DisplayName: c.DisplayName, Description: strPtr(c.Description), IsAvailable: c.IsAvailable}
}

// ContextFields says which properties a context document set, for PATCH's
// create-or-update: absent properties keep their value.
type ContextFields struct {
	DisplayName, Description, IsAvailable bool
}

// DecodeContext reads an authenticationContextClassReference and which of
// its properties were present.
func DecodeContext(data []byte, m Mode) (policy.AuthenticationContext, ContextFields, Report, error) {
	mv, err := ParseObject(data)
	if err != nil {
		return policy.AuthenticationContext{}, ContextFields{}, Report{}, err
	}
	return DecodeContextObject(mv, m)
}

// DecodeContextObject is DecodeContext over a parsed object.
func DecodeContextObject(v map[string]any, m Mode) (policy.AuthenticationContext, ContextFields, Report, error) {
	r := &reader{mode: m}
	o := r.object("", v)
	var f ContextFields
	_, f.DisplayName = o.key("displayName")
	_, f.Description = o.key("description")
	_, f.IsAvailable = o.key("isAvailable")
	c := policy.AuthenticationContext{ID: o.str("id"), DisplayName: o.str("displayName"), Description: o.str("description"), IsAvailable: o.boolean("isAvailable")}
	o.done()
	return c, f, r.report(), r.err("authentication context")
}
