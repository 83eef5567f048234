package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// The admin pages for Conditional Access: the overview and the helpers the
// section shares (here), policies (page_admin_ca_policy.go), authentication
// strengths (page_admin_ca_strengths.go), authentication contexts
// (page_admin_ca_contexts.go), named locations (page_admin_ca_locations.go)
// and What If (page_admin_ca_whatif.go); the logs are page_admin_logs.go.
// They call capolicy.Service as the signed-in administrator, so its
// permission checks, validation and audit apply as for the Graph API.
// Readers see every page with the forms disabled.

// Permissions that open the Conditional Access pages (any one of them);
// changing needs the write permissions, which the service checks.
var (
	permsCARead        = []authz.Permission{authz.PolicyReadConditionalAccess}
	permsCAWrite       = []authz.Permission{authz.PolicyReadWriteConditionalAccess}
	permsStrengthRead  = []authz.Permission{authz.PolicyReadConditionalAccess, authz.PolicyReadAuthenticationMethod}
	permsStrengthWrite = []authz.Permission{authz.PolicyReadWriteConditionalAccess, authz.PolicyReadWriteAuthenticationMethod}
)

// caPageRoutes registers the Conditional Access pages and the logs.
func (w *Web) caPageRoutes(mux *http.ServeMux) {
	if w.CA != nil {
		mux.Handle("GET /admin/ca", w.adminPage(permsCARead, w.handleAdminCA))
		mux.Handle("GET /admin/ca/policies/new", w.adminPage(permsCARead, w.handleAdminCAPolicyNew))
		mux.Handle("POST /admin/ca/policies", w.adminPage(permsCARead, w.handleAdminCAPolicyCreate))
		mux.Handle("GET /admin/ca/policies/new/json", w.adminPage(permsCARead, w.handleAdminCAPolicyJSON))
		mux.Handle("POST /admin/ca/policies/new/json", w.adminPage(permsCARead, w.handleAdminCAPolicyJSONSave))
		mux.Handle("GET /admin/ca/policies/{id}", w.adminPage(permsCARead, w.handleAdminCAPolicy))
		mux.Handle("POST /admin/ca/policies/{id}", w.adminPage(permsCARead, w.handleAdminCAPolicySave))
		mux.Handle("GET /admin/ca/policies/{id}/json", w.adminPage(permsCARead, w.handleAdminCAPolicyJSON))
		mux.Handle("POST /admin/ca/policies/{id}/json", w.adminPage(permsCARead, w.handleAdminCAPolicyJSONSave))
		mux.Handle("GET /admin/ca/policies/{id}/delete", w.adminPage(permsCARead, w.handleAdminCAPolicyDeleteConfirm))
		mux.Handle("POST /admin/ca/policies/{id}/delete", w.adminPage(permsCARead, w.handleAdminCAPolicyDelete))

		mux.Handle("GET /admin/ca/strengths", w.adminPage(permsStrengthRead, w.handleAdminStrengths))
		mux.Handle("GET /admin/ca/strengths/new", w.adminPage(permsStrengthRead, w.handleAdminStrengthNew))
		mux.Handle("POST /admin/ca/strengths", w.adminPage(permsStrengthRead, w.handleAdminStrengthCreate))
		mux.Handle("GET /admin/ca/strengths/{id}", w.adminPage(permsStrengthRead, w.handleAdminStrength))
		mux.Handle("POST /admin/ca/strengths/{id}", w.adminPage(permsStrengthRead, w.handleAdminStrengthSave))
		mux.Handle("GET /admin/ca/strengths/{id}/delete", w.adminPage(permsStrengthRead, w.handleAdminStrengthDeleteConfirm))
		mux.Handle("POST /admin/ca/strengths/{id}/delete", w.adminPage(permsStrengthRead, w.handleAdminStrengthDelete))

		mux.Handle("GET /admin/ca/contexts", w.adminPage(permsCARead, w.handleAdminContexts))
		mux.Handle("POST /admin/ca/contexts", w.adminPage(permsCARead, w.handleAdminContextCreate))
		mux.Handle("GET /admin/ca/contexts/{id}", w.adminPage(permsCARead, w.handleAdminContext))
		mux.Handle("POST /admin/ca/contexts/{id}", w.adminPage(permsCARead, w.handleAdminContextSave))
		mux.Handle("GET /admin/ca/contexts/{id}/delete", w.adminPage(permsCARead, w.handleAdminContextDeleteConfirm))
		mux.Handle("POST /admin/ca/contexts/{id}/delete", w.adminPage(permsCARead, w.handleAdminContextDelete))

		mux.Handle("GET /admin/ca/locations", w.adminPage(permsCARead, w.handleAdminLocations))
		mux.Handle("GET /admin/ca/locations/new", w.adminPage(permsCARead, w.handleAdminLocationNew))
		mux.Handle("POST /admin/ca/locations", w.adminPage(permsCARead, w.handleAdminLocationCreate))
		mux.Handle("GET /admin/ca/locations/{id}", w.adminPage(permsCARead, w.handleAdminLocation))
		mux.Handle("POST /admin/ca/locations/{id}", w.adminPage(permsCARead, w.handleAdminLocationSave))
		mux.Handle("GET /admin/ca/locations/{id}/delete", w.adminPage(permsCARead, w.handleAdminLocationDeleteConfirm))
		mux.Handle("POST /admin/ca/locations/{id}/delete", w.adminPage(permsCARead, w.handleAdminLocationDelete))

		mux.Handle("GET /admin/ca/whatif", w.adminPage(permsCARead, w.handleAdminWhatIf))
	}
	mux.Handle("GET /admin/signins", w.adminPage(permsLogs, w.handleAdminSignIns))
	mux.Handle("GET /admin/signins/{id}", w.adminPage(permsLogs, w.handleAdminSignIn))
	mux.Handle("GET /admin/audit", w.adminPage(permsLogs, w.handleAdminAudit))
	mux.Handle("GET /admin/audit/{id}", w.adminPage(permsLogs, w.handleAdminAuditEvent))
}

// caFrame is the frame of a Conditional Access page; sub names the tab
// of the section ("policies", "strengths", "contexts", "locations",
// "whatif").
func caFrame(title, sub string) caSection {
	return caSection{frame: frame{Title: title, Nav: "admin-ca", Wide: true}, Sub: sub}
}

// caSection is the frame of the Conditional Access pages: the tab of the
// section's own navigation ("ca-tabs").
type caSection struct {
	frame
	Sub string
}

func canWriteCA(r *http.Request) bool {
	return authz.FromContext(r.Context()).Has(authz.PolicyReadWriteConditionalAccess)
}

// readForm parses a posted form.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	return nil
}

// option is one choice of a checkbox list, radio group or select.
type option struct {
	Value, Label, Hint string
	Checked            bool
}

// checkList is a named list of checkboxes (the "checks" template): the
// directory's groups, roles, applications, named locations, enumerations.
type checkList struct {
	Name, Legend, Hint, Error string
	Options                   []option
	// Scroll boxes a long list; Compact sets short labels in columns.
	Scroll, Compact bool
}

// Selected returns the checked values.
func (c checkList) Selected() []string {
	var out []string
	for _, o := range c.Options {
		if o.Checked {
			out = append(out, o.Value)
		}
	}
	return out
}

// officeHint explains Office365 in a policy; it is listed only when a
// policy names it (choices keeps it).
const officeHint = "Office 365 never matches a Strongroom application."

// choices builds a checkbox list of catalogue with selected checked
// (compared ignoring case, as Graph compares ids). A selected value the
// catalogue lacks is kept as its own, labelled choice, so that an unknown
// reference stays visible and can be unticked.
func choices(name, legend string, catalogue []option, selected []string) checkList {
	c := checkList{Name: name, Legend: legend, Options: slices.Clone(catalogue), Scroll: len(catalogue) > 8}
	for _, s := range selected {
		i := slices.IndexFunc(c.Options, func(o option) bool { return strings.EqualFold(o.Value, s) })
		if i < 0 {
			hint := "Not found: it may have been deleted."
			if strings.EqualFold(s, policy.AppsOffice365) {
				hint = officeHint
			}
			c.Options = append(c.Options, option{Value: s, Label: s, Hint: hint})
			i = len(c.Options) - 1
		}
		c.Options[i].Checked = true
	}
	return c
}

// selectOptions marks the option whose value is v as chosen, keeping an
// unknown v as its own option.
func selectOptions(catalogue []option, v string) []option {
	out := slices.Clone(catalogue)
	i := slices.IndexFunc(out, func(o option) bool { return strings.EqualFold(o.Value, v) })
	if i < 0 && v != "" {
		out = append(out, option{Value: v, Label: v + " (not found)"})
		i = len(out) - 1
	}
	if i >= 0 {
		out[i].Checked = true
	}
	return out
}

// formValues returns the posted values of name, trimmed, without empties.
func formValues(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.PostForm[name] {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// fieldErrors are a form's problems by field name; several problems of
// one field are joined.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if msg == "" {
		return
	}
	if old := f[field]; old != "" {
		if strings.Contains(old, msg) {
			return
		}
		msg = old + " " + msg
	}
	f[field] = msg
}

// sentence capitalises msg and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// serviceProblems splits a validation error of the services ("invalid
// x: path: message; path: message") into its problems by property path.
// A part that names no path comes back with an empty path (a message that
// itself contains "; " splits there, which only costs its shape).
func serviceProblems(err error) []policy.FieldError {
	msg := apperr.As(err).Message
	if i := strings.Index(msg, ": "); i > 0 && strings.HasPrefix(msg, "invalid ") {
		msg = msg[i+2:]
	}
	var out []policy.FieldError
	for _, part := range strings.Split(msg, "; ") {
		path, text, ok := strings.Cut(part, ": ")
		if !ok || strings.ContainsAny(path, " “'\"") {
			out = append(out, policy.FieldError{Message: part})
			continue
		}
		out = append(out, policy.FieldError{Path: path, Message: text})
	}
	return out
}

// stripIndex turns "ipRanges[3].x" into "ipRanges.x".
func stripIndex(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// confirmPage asks before deleting a Conditional Access object; Error
// says why a deletion was refused (a policy still uses it).
type confirmPage struct {
	caSection
	Heading, Text string
	Action, Back  string
	BackText      string
	Button        string
	Refused       bool
	CanWrite      bool
}

func (*confirmPage) template() string { return "admin_ca_delete" }

// renderRefused shows a refused deletion (a Conflict: the object is in
// use) on its confirmation page, or passes other errors on.
func (w *Web) renderRefused(rw http.ResponseWriter, r *http.Request, p *confirmPage, err error, perms []authz.Permission) error {
	switch {
	case errors.Is(err, apperr.Conflict), errors.Is(err, apperr.Invalid):
		p.Error, p.Refused = apperr.As(err).Message, true
		w.render(rw, r, httpStatusOf(err), p)
		return nil
	case errors.Is(err, apperr.Forbidden):
		return w.handleServiceError(rw, r, err, perms...)
	}
	return err
}

// caNotices are the confirmations after a change (?done=).
var caNotices = map[string]string{
	"policy-created":   "The policy was created. It applies from the next sign-in.",
	"policy-saved":     "The policy was saved. It applies from the next sign-in.",
	"policy-deleted":   "The policy was deleted.",
	"strength-created": "The authentication strength was created. Use it in a policy's grant controls.",
	"strength-saved":   "The authentication strength was saved.",
	"strength-deleted": "The authentication strength was deleted.",
	"context-saved":    "The authentication context was saved.",
	"context-deleted":  "The authentication context was deleted.",
	"location-created": "The named location was created.",
	"location-saved":   "The named location was saved.",
	"location-deleted": "The named location was deleted.",
}

// redirectDone sends the browser to path with ?done=what, whose notice
// (caNotices) the page there shows: a reload does not post again.
func redirectDone(rw http.ResponseWriter, r *http.Request, path, what string) error {
	http.Redirect(rw, r, path+"?done="+url.QueryEscape(what), http.StatusSeeOther)
	return nil
}

// ---------------------------------------------------------------- catalogue

// caCatalog is what policies refer to, for names in lists and choices in
// forms: groups, applications, contexts, named locations and strengths.
type caCatalog struct {
	Groups    []option
	Roles     []option
	Apps      []option
	Contexts  []policy.AuthenticationContext
	Locations []policy.NamedLocation
	Strengths []authn.Strength
}

// maxCatalog bounds the groups and applications a form lists.
const maxCatalog = 500

// loadCACatalog reads the catalogue. Groups and applications come from the
// store, not through their services: the page's own permission (reading
// Conditional Access) is what showing their names in a policy needs, as
// the policies' references are checked against them anyway.
func (w *Web) loadCACatalog(r *http.Request) (*caCatalog, error) {
	ctx := r.Context()
	c := &caCatalog{}
	groups, err := w.DB.FindGroups(ctx, directory.GroupFilter{Limit: maxCatalog})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(groups, func(a, b directory.Group) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	for _, g := range groups {
		c.Groups = append(c.Groups, option{Value: g.ID, Label: g.DisplayName, Hint: g.Description})
	}
	for _, rd := range directory.Roles() {
		c.Roles = append(c.Roles, option{Value: rd.ID, Label: rd.DisplayName})
	}
	c.Apps = []option{
		{Value: policy.AdminPortalAppID, Label: "Strongroom admin portal", Hint: "Built in: the admin pages."},
		{Value: policy.MyAccountAppID, Label: "My Account", Hint: "Built in: sign-in, My security info, My roles, Approvals."},
		{Value: policy.AppsMicrosoftAdminPortals, Label: "Microsoft admin portals", Hint: "Means Strongroom's admin portal here."},
	}
	apps, err := w.DB.FindApplications(ctx, application.Filter{Limit: maxCatalog})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(apps, func(a, b application.Application) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	for _, a := range apps {
		c.Apps = append(c.Apps, option{Value: a.AppID, Label: a.DisplayName, Hint: "Client id " + a.AppID})
	}
	if c.Contexts, err = w.CA.ListContexts(ctx); err != nil {
		return nil, err
	}
	if c.Locations, err = w.CA.ListNamedLocations(ctx); err != nil {
		return nil, err
	}
	if c.Strengths, err = w.CA.ListStrengths(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func optionLabel(opts []option, v string) string {
	for _, o := range opts {
		if strings.EqualFold(o.Value, v) {
			return o.Label
		}
	}
	return v
}

func (c *caCatalog) contextOptions() []option {
	var out []option
	for _, x := range c.Contexts {
		hint := x.Description
		if !x.IsAvailable {
			hint = strings.TrimSpace(hint + " Not published to apps.")
		}
		out = append(out, option{Value: x.ID, Label: x.ID + " · " + x.DisplayName, Hint: hint})
	}
	return out
}

func (c *caCatalog) locationOptions() []option {
	var out []option
	for _, l := range c.Locations {
		hint := "Countries: " + strings.Join(l.CountriesAndRegions, ", ")
		if l.IsIP() {
			hint = plural(len(l.IPRanges), "IP range")
			if l.IsTrusted {
				hint += ", trusted"
			}
		}
		out = append(out, option{Value: l.ID, Label: l.DisplayName, Hint: hint})
	}
	return out
}

func (c *caCatalog) strengthName(id string) string {
	for _, s := range c.Strengths {
		if strings.EqualFold(s.ID, id) {
			return s.DisplayName
		}
	}
	return id
}

func (c *caCatalog) contextName(id string) string {
	for _, x := range c.Contexts {
		if strings.EqualFold(x.ID, id) {
			return x.DisplayName
		}
	}
	return ""
}

// ---------------------------------------------------------------- overview

// caPolicyRow is one policy in the overview, in words.
type caPolicyRow struct {
	ID, Name          string
	State, StateClass string
	Users, Target     string
	Grant             string
}

// caOverviewPage is /admin/ca: every policy, what it targets and grants.
type caOverviewPage struct {
	caSection
	Policies []caPolicyRow
	CanWrite bool
	Max      int
}

func (*caOverviewPage) template() string { return "admin_ca" }

// handleAdminCA: GET /admin/ca.
func (w *Web) handleAdminCA(rw http.ResponseWriter, r *http.Request, c *current) error {
	ps, err := w.CA.ListPolicies(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	cat, err := w.loadCACatalog(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	p := &caOverviewPage{caSection: caFrame("Conditional Access", "policies"), CanWrite: canWriteCA(r), Max: policy.MaxPolicies}
	p.Notice = caNotices[r.URL.Query().Get("done")]
	for _, pol := range ps {
		state, class := stateWords(pol.State)
		p.Policies = append(p.Policies, caPolicyRow{ID: pol.ID, Name: pol.DisplayName, State: state, StateClass: class,
			Users: usersWords(pol.Conditions.Users), Target: cat.targetWords(pol.Conditions.Applications), Grant: cat.grantWords(pol)})
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// stateWords names a policy state and its badge class.
func stateWords(s string) (string, string) {
	switch s {
	case policy.StateEnabled:
		return "On", "badge-ok"
	case policy.StateReportOnly:
		return "Report-only", "badge-warn"
	case policy.StateDisabled:
		return "Off", ""
	}
	return s, "badge-bad"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return strconv.Itoa(n) + " " + what[:len(what)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// countWords lists the non-zero counts ns of whats: "2 users, 1 group".
func countWords(ns []int, whats ...string) string {
	var out []string
	for i, n := range ns {
		if n > 0 {
			out = append(out, plural(n, whats[i]))
		}
	}
	return strings.Join(out, ", ")
}

// usersWords says whom a policy targets.
func usersWords(u *policy.Users) string {
	if u == nil {
		return "Workload identities"
	}
	var inc string
	switch {
	case containsFold(u.IncludeUsers, policy.UsersAll):
		inc = "All users"
	case containsFold(u.IncludeUsers, policy.UsersNone):
		inc = "No users"
	default:
		n := len(u.IncludeUsers)
		guests := containsFold(u.IncludeUsers, policy.UsersGuestsOrExternalUsers) || u.IncludeGuestsOrExternalUsers != nil
		if containsFold(u.IncludeUsers, policy.UsersGuestsOrExternalUsers) {
			n--
		}
		inc = countWords([]int{n, len(u.IncludeGroups), len(u.IncludeRoles)}, "user", "group", "role")
		if guests {
			inc = strings.TrimPrefix(inc+", guests", ", ")
		}
		if inc == "" {
			inc = "Nobody yet"
		}
	}
	exc := countWords([]int{len(u.ExcludeUsers), len(u.ExcludeGroups), len(u.ExcludeRoles)}, "user", "group", "role")
	if exc != "" {
		inc += "; except " + exc
	}
	return inc
}

// targetWords says what a policy targets.
func (c *caCatalog) targetWords(a *policy.Applications) string {
	if a == nil {
		return "Nothing"
	}
	switch {
	case len(a.IncludeUserActions) > 0:
		var out []string
		for _, x := range a.IncludeUserActions {
			out = append(out, userActionWords(x))
		}
		return strings.Join(out, ", ")
	case len(a.IncludeAuthenticationContextClassReferences) > 0:
		var out []string
		for _, x := range a.IncludeAuthenticationContextClassReferences {
			if n := c.contextName(x); n != "" {
				out = append(out, x+" ("+n+")")
			} else {
				out = append(out, x)
			}
		}
		return "Authentication context " + strings.Join(out, ", ")
	}
	var inc string
	switch {
	case containsFold(a.IncludeApplications, policy.AppsAll):
		inc = "All resources"
	case containsFold(a.IncludeApplications, policy.AppsNone) || len(a.IncludeApplications) == 0:
		inc = "No resources"
	case len(a.IncludeApplications) <= 2:
		var names []string
		for _, id := range a.IncludeApplications {
			names = append(names, optionLabel(c.Apps, id))
		}
		inc = strings.Join(names, ", ")
	default:
		inc = plural(len(a.IncludeApplications), "application")
	}
	if n := len(a.ExcludeApplications); n > 0 {
		inc += "; except " + plural(n, "application")
	}
	return inc
}

func userActionWords(a string) string {
	switch a {
	case policy.UserActionRegisterSecurityInfo:
		return "Registering security info"
	case policy.UserActionRegisterDevice:
		return "Registering or joining devices"
	}
	return a
}

// grantWords says what a policy grants or asks for.
func (c *caCatalog) grantWords(p policy.Policy) string {
	g := p.GrantControls
	var parts []string
	if g != nil {
		if containsFold(g.BuiltInControls, policy.ControlBlock) {
			return "Block access"
		}
		for _, x := range g.BuiltInControls {
			parts = append(parts, controlWords(x))
		}
		if g.AuthenticationStrength != nil {
			parts = append(parts, "strength “"+c.strengthName(g.AuthenticationStrength.ID)+"”")
		}
		if n := len(g.TermsOfUse); n > 0 {
			parts = append(parts, plural(n, "terms of use"))
		}
		if n := len(g.CustomAuthenticationFactors); n > 0 {
			parts = append(parts, plural(n, "custom control"))
		}
	}
	out := ""
	if len(parts) > 0 {
		join := " and "
		if g.Operator == policy.OperatorOR && len(parts) > 1 {
			join = " or "
		}
		out = "Require " + strings.Join(parts, join)
	}
	if s := sessionWords(p.SessionControls); s != "" {
		if out != "" {
			out += "; "
		}
		out += s
	}
	if out == "" {
		return "Nothing (no controls)"
	}
	return out
}

// controlWords names a built-in grant control.
func controlWords(c string) string {
	switch c {
	case policy.ControlMFA:
		return "multifactor authentication"
	case policy.ControlBlock:
		return "block"
	case policy.ControlCompliantDevice:
		return "a compliant device"
	case policy.ControlDomainJoinedDevice:
		return "a hybrid joined device"
	case policy.ControlApprovedApplication:
		return "an approved client app"
	case policy.ControlCompliantApplication:
		return "an app protection policy"
	case policy.ControlPasswordChange:
		return "a password change"
	case policy.ControlRiskRemediation:
		return "risk remediation"
	}
	return c
}

func sessionWords(s *policy.SessionControls) string {
	if s == nil {
		return ""
	}
	var out []string
	if f := s.SignInFrequency; f != nil && f.IsEnabled {
		if f.FrequencyInterval == policy.FrequencyEveryTime {
			out = append(out, "sign in every time")
		} else {
			out = append(out, "sign in every "+plural(int(f.Value), strings.TrimSuffix(f.Type, "s")))
		}
	}
	if b := s.PersistentBrowser; b != nil && b.IsEnabled {
		if b.Mode == policy.PersistentBrowserAlways {
			out = append(out, "stay signed in")
		} else {
			out = append(out, "never stay signed in")
		}
	}
	return strings.Join(out, ", ")
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}
