package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Named location pages: IP ranges (one CIDR a line, each line's problem
// named by its number) and countries, and which policies use each.

// locationRow is a named location in the list.
type locationRow struct {
	policy.NamedLocation
	Summary  string
	Policies []string
}

// locationsPage is /admin/ca/locations.
type locationsPage struct {
	caSection
	Locations []locationRow
	CanWrite  bool
}

func (*locationsPage) template() string { return "admin_ca_locations" }

func policiesUsingLocation(ps []policy.Policy, id string) []string {
	var out []string
	for _, p := range ps {
		if l := p.Conditions.Locations; l != nil && (containsFold(l.IncludeLocations, id) || containsFold(l.ExcludeLocations, id)) {
			out = append(out, p.DisplayName)
		}
	}
	return out
}

func locationSummary(l policy.NamedLocation) string {
	if l.IsIP() {
		var rs []string
		for i, r := range l.IPRanges {
			if i == 3 {
				rs = append(rs, "…")
				break
			}
			rs = append(rs, r.CIDRAddress)
		}
		return plural(len(l.IPRanges), "IP range") + ": " + strings.Join(rs, ", ")
	}
	s := strings.Join(l.CountriesAndRegions, ", ")
	if l.IncludeUnknownCountriesAndRegions {
		s = strings.TrimPrefix(s+", unknown countries", ", ")
	}
	return "Countries: " + s
}

// handleAdminLocations: GET /admin/ca/locations.
func (w *Web) handleAdminLocations(rw http.ResponseWriter, r *http.Request, c *current) error {
	ls, err := w.CA.ListNamedLocations(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	ps, err := w.CA.ListPolicies(r.Context())
	if err != nil {
		return err
	}
	p := &locationsPage{caSection: caFrame("Named locations", "locations"), CanWrite: canWriteCA(r)}
	p.Notice = caNotices[r.URL.Query().Get("done")]
	for _, l := range ls {
		p.Locations = append(p.Locations, locationRow{NamedLocation: l, Summary: locationSummary(l), Policies: policiesUsingLocation(ps, l.ID)})
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// locationForm creates or edits a named location.
type locationForm struct {
	Kind        string // "ip" or "country"
	DisplayName string
	Ranges      string // one CIDR a line
	Trusted     bool
	Countries   string // ISO codes, separated by spaces, commas or lines
	Unknown     bool
}

// locationPage is /admin/ca/locations/{id} and /admin/ca/locations/new.
type locationPage struct {
	caSection
	Location    policy.NamedLocation
	New         bool
	CanWrite    bool
	Form        locationForm
	Policies    []string
	FieldErrors fieldErrors
	// LineErrors are the problems of the IP ranges, by line.
	LineErrors []string
}

func (*locationPage) template() string { return "admin_ca_location" }

func locationFormOf(l policy.NamedLocation) locationForm {
	f := locationForm{Kind: "country", DisplayName: l.DisplayName, Trusted: l.IsTrusted, Unknown: l.IncludeUnknownCountriesAndRegions,
		Countries: strings.Join(l.CountriesAndRegions, ", ")}
	if l.IsIP() {
		f.Kind = "ip"
		var rs []string
		for _, r := range l.IPRanges {
			rs = append(rs, r.CIDRAddress)
		}
		f.Ranges = strings.Join(rs, "\n")
	}
	return f
}

func (w *Web) locationPage(r *http.Request, id string) (*locationPage, error) {
	var l policy.NamedLocation
	if id != "" {
		var err error
		if l, err = w.CA.GetNamedLocation(r.Context(), id); err != nil {
			return nil, err
		}
	} else {
		l.ODataType = policy.ODataIPNamedLocation
		if r.URL.Query().Get("kind") == "country" || r.PostForm.Get("kind") == "country" {
			l.ODataType = policy.ODataCountryNamedLocation
		}
	}
	p := &locationPage{caSection: caFrame(l.DisplayName, "locations"), Location: l, New: id == "", CanWrite: canWriteCA(r), Form: locationFormOf(l), FieldErrors: fieldErrors{}}
	if p.New {
		p.Title = "New IP range location"
		if l.IsCountry() {
			p.Title = "New country location"
		}
		return p, nil
	}
	ps, err := w.CA.ListPolicies(r.Context())
	if err != nil {
		return nil, err
	}
	p.Policies = policiesUsingLocation(ps, l.ID)
	return p, nil
}

// handleAdminLocationNew: GET /admin/ca/locations/new?kind=ip|country.
func (w *Web) handleAdminLocationNew(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.locationPage(r, "")
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminLocation: GET /admin/ca/locations/{id}.
func (w *Web) handleAdminLocation(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.locationPage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminLocationCreate: POST /admin/ca/locations.
func (w *Web) handleAdminLocationCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	return w.saveLocation(rw, r, "")
}

// handleAdminLocationSave: POST /admin/ca/locations/{id}.
func (w *Web) handleAdminLocationSave(rw http.ResponseWriter, r *http.Request, c *current) error {
	return w.saveLocation(rw, r, r.PathValue("id"))
}

// rangeProblems checks each line of an IP range list on its own, with the
// domain's rules, and returns each bad line's problem ("line 3: …").
func rangeProblems(lines []string) []string {
	var out []string
	for i, l := range lines {
		one := policy.NamedLocation{ODataType: policy.ODataIPNamedLocation, DisplayName: "x", IPRanges: []policy.IPRange{{CIDRAddress: l}}}
		if err := policy.ValidateNamedLocation(one); err != nil {
			for _, pr := range serviceProblems(err) {
				out = append(out, "Line "+strconv.Itoa(i+1)+": "+pr.Message+".")
			}
		}
	}
	return out
}

// saveLocation creates (id "") or updates a named location from the
// posted form; with any problem nothing is written.
func (w *Web) saveLocation(rw http.ResponseWriter, r *http.Request, id string) error {
	if err := readForm(r); err != nil {
		return err
	}
	p, err := w.locationPage(r, id)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	if !p.CanWrite {
		w.renderForbidden(rw, r, permsCAWrite)
		return nil
	}
	pf := r.PostForm
	f := locationForm{Kind: p.Form.Kind, DisplayName: pf.Get("displayName"), Ranges: pf.Get("ranges"), Trusted: pf.Get("isTrusted") == "on",
		Countries: pf.Get("countries"), Unknown: pf.Get("includeUnknown") == "on"}
	next := p.Location
	next.DisplayName = strings.TrimSpace(f.DisplayName)
	fe := p.FieldErrors
	if next.IsIP() {
		rs := lines(f.Ranges)
		next.IPRanges = nil
		for _, l := range rs {
			next.IPRanges = append(next.IPRanges, policy.IPRange{CIDRAddress: l})
		}
		next.IsTrusted = f.Trusted
		p.LineErrors = rangeProblems(rs)
	} else {
		next.CountriesAndRegions = nil
		for _, c := range strings.FieldsFunc(f.Countries, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == ';' || r == '\t' }) {
			next.CountriesAndRegions = append(next.CountriesAndRegions, strings.ToUpper(c))
		}
		next.IncludeUnknownCountriesAndRegions = f.Unknown
	}
	if len(p.LineErrors) == 0 {
		if id == "" {
			_, err = w.CA.CreateNamedLocation(r.Context(), next)
		} else {
			_, err = w.CA.UpdateNamedLocation(r.Context(), id, func(policy.NamedLocation) (policy.NamedLocation, error) { return next, nil })
		}
		switch {
		case err == nil:
			what := "location-saved"
			if id == "" {
				what = "location-created"
			}
			return redirectDone(rw, r, "/admin/ca/locations", what)
		case errors.Is(err, apperr.Invalid):
			for _, pr := range serviceProblems(err) {
				switch path := stripIndex(pr.Path); path {
				case "displayName":
					fe.add("displayName", sentence("The name "+pr.Message))
				case "ipRanges":
					if !strings.Contains(pr.Path, "[") {
						fe.add("ranges", sentence(pr.Message))
					}
				case "countriesAndRegions":
					fe.add("countries", sentence(pr.Message))
				case "isTrusted":
					fe.add("isTrusted", sentence(pr.Message))
				default:
					fe.add("general", sentence(strings.TrimPrefix(pr.Path+": "+pr.Message, ": ")))
				}
			}
			// Repeated ranges are only seen together.
			for _, pr := range serviceProblems(err) {
				if strings.HasPrefix(pr.Path, "ipRanges[") {
					n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(pr.Path, "ipRanges["), "]"))
					msg := "Line " + strconv.Itoa(n+1) + ": " + pr.Message + "."
					if !containsFold(p.LineErrors, msg) {
						p.LineErrors = append(p.LineErrors, msg)
					}
				}
			}
		case errors.Is(err, apperr.Forbidden):
			return w.handleServiceError(rw, r, err, permsCAWrite...)
		default:
			return err
		}
	}
	p.Form = f
	p.Error = "The named location was not saved. Correct the fields marked below; nothing was changed."
	if g := fe["general"]; g != "" {
		p.Error += " " + g
	}
	w.render(rw, r, http.StatusBadRequest, p)
	return nil
}

func (w *Web) locationDeletePage(r *http.Request) (*confirmPage, policy.NamedLocation, error) {
	l, err := w.CA.GetNamedLocation(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, l, err
	}
	back := "/admin/ca/locations/" + url.PathEscape(l.ID)
	text := "Strongroom refuses while a Conditional Access policy uses it."
	if l.IsTrusted {
		text = "It is trusted: mark it as not trusted first. " + text
	}
	return &confirmPage{caSection: caFrame("Delete "+l.DisplayName, "locations"), Heading: "Delete the named location “" + l.DisplayName + "”?", Text: text,
		Action: back + "/delete", Back: back, BackText: l.DisplayName, Button: "Delete location", CanWrite: canWriteCA(r)}, l, nil
}

// handleAdminLocationDeleteConfirm: GET /admin/ca/locations/{id}/delete.
func (w *Web) handleAdminLocationDeleteConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, _, err := w.locationDeletePage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminLocationDelete: POST /admin/ca/locations/{id}/delete.
func (w *Web) handleAdminLocationDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, l, err := w.locationDeletePage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	if err := w.CA.DeleteNamedLocation(r.Context(), l.ID); err != nil {
		return w.renderRefused(rw, r, p, err, permsCAWrite)
	}
	return redirectDone(rw, r, "/admin/ca/locations", "location-deleted")
}
