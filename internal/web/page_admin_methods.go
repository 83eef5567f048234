package web

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
)

// methodsPage is /admin/methods: the authentication methods policy.
type methodsPage struct {
	frame
	Policy   method.Policy
	CanWrite bool
}

func (*methodsPage) template() string { return "admin_methods" }

// handleAdminMethods: GET /admin/methods.
func (w *Web) handleAdminMethods(rw http.ResponseWriter, r *http.Request, c *current) error {
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	p := &methodsPage{frame: frame{Title: "Authentication methods", Nav: "admin-methods", Wide: true}, Policy: pol,
		CanWrite: authz.FromContext(r.Context()).Has(authz.PolicyReadWriteAuthenticationMethod)}
	if r.URL.Query().Get("done") == "saved" {
		p.Notice = "The policy was saved. It applies from the next sign-in."
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// targetsForm edits a method's include and exclude targets: all users or
// listed groups, and groups to leave out. Groups are written one a line,
// as an id or an exact display name.
type targetsForm struct {
	IncludeAll   bool
	Include      string
	Exclude      string
	IncludeError string
	ExcludeError string
}

// methodForm is shared by the three configuration pages.
type methodForm struct {
	State      string
	StateError string
	Targets    targetsForm
}

// fido2Page is /admin/methods/fido2.
type fido2Page struct {
	frame
	CanWrite        bool
	Form            methodForm
	SelfService     bool
	Attestation     bool
	Enforce         bool
	EnforcementType string
	AAGUIDs         string
	FieldErrors     map[string]string
}

func (*fido2Page) template() string { return "admin_method_fido2" }

// tapPolicyPage is /admin/methods/tap.
type tapPolicyPage struct {
	frame
	CanWrite        bool
	Form            methodForm
	DefaultLifetime string
	MinLifetime     string
	MaxLifetime     string
	DefaultLength   string
	Once            bool
	FieldErrors     map[string]string
	Limits          struct{ MinLifetime, MaxLifetime, MinLength, MaxLength int }
}

func (*tapPolicyPage) template() string { return "admin_method_tap" }

// oathPage is /admin/methods/softwareoath.
type oathPage struct {
	frame
	CanWrite bool
	Form     methodForm
}

func (*oathPage) template() string { return "admin_method_oath" }

var guidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// targetsToForm shows targets with group names where the caller may read
// them.
func (w *Web) targetsToForm(r *http.Request, include, exclude []method.Target) targetsForm {
	names := map[string]string{}
	var ids []string
	for _, t := range append(slices.Clone(include), exclude...) {
		if t.ID != method.AllUsers {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) > 0 {
		if gs, err := w.Directory.ListGroups(r.Context(), directory.GroupFilter{IDs: ids}); err == nil {
			for _, g := range gs {
				names[g.ID] = g.DisplayName
			}
		}
	}
	line := func(t method.Target) string {
		if n, ok := names[t.ID]; ok {
			return n + " (" + t.ID + ")"
		}
		return t.ID
	}
	var f targetsForm
	var inc, exc []string
	for _, t := range include {
		if t.ID == method.AllUsers {
			f.IncludeAll = true
			continue
		}
		inc = append(inc, line(t))
	}
	for _, t := range exclude {
		exc = append(exc, line(t))
	}
	f.Include, f.Exclude = strings.Join(inc, "\n"), strings.Join(exc, "\n")
	return f
}

// parseTargets reads the targets part of a form; errors go on the form.
func (w *Web) parseTargets(r *http.Request, old []method.Target, f *targetsForm) (include, exclude []method.Target) {
	f.IncludeAll = r.PostForm.Get("include") == "all"
	f.Include = strings.TrimSpace(r.PostForm.Get("include_groups"))
	f.Exclude = strings.TrimSpace(r.PostForm.Get("exclude_groups"))
	keep := func(id string) method.Target {
		for _, t := range old {
			if t.ID == id {
				return t
			}
		}
		return method.Target{TargetType: "group", ID: id}
	}
	var err string
	if f.IncludeAll {
		include = []method.Target{keep(method.AllUsers)}
	} else {
		include, err = w.resolveGroups(r, f.Include, keep)
		f.IncludeError = err
		if err == "" && len(include) == 0 {
			f.IncludeError = "List at least one group, or choose All users. To turn the method off, set it to Disabled."
		}
	}
	exclude, f.ExcludeError = w.resolveGroups(r, f.Exclude, keep)
	if include == nil {
		include = []method.Target{}
	}
	if exclude == nil {
		exclude = []method.Target{}
	}
	return include, exclude
}

// resolveGroups turns lines ("id", "Name (id)" or "Name") into targets.
func (w *Web) resolveGroups(r *http.Request, text string, keep func(string) method.Target) ([]method.Target, string) {
	var out []method.Target
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.EqualFold(l, method.AllUsers) {
			out = append(out, keep(method.AllUsers))
			continue
		}
		if id := guidRE.FindString(l); id != "" {
			out = append(out, keep(strings.ToLower(id)))
			continue
		}
		gs, err := w.Directory.ListGroups(r.Context(), directory.GroupFilter{DisplayName: l, Limit: 2})
		switch {
		case err != nil:
			return nil, "Write groups by id: looking up group names needs the Group.Read.All permission."
		case len(gs) == 0:
			return nil, "There is no group named “" + l + "”. Write the exact display name or the group's id."
		case len(gs) > 1:
			return nil, "More than one group is named “" + l + "”. Write the group's id instead."
		}
		out = append(out, keep(gs[0].ID))
	}
	return out, ""
}

func parseState(r *http.Request, f *methodForm) {
	f.State = r.PostForm.Get("state")
	if f.State != method.Enabled && f.State != method.Disabled {
		f.StateError = "Choose Enabled or Disabled."
	}
}

// fieldLabels turn the service's (Graph) property names into the labels
// of the form, for its messages.
var fieldLabels = []struct{ prop, field, label string }{
	{"keyRestrictions.enforcementType", "enforcementType", "The enforcement type"},
	{"keyRestrictions.aaGuids", "aaguids", "The AAGUID"},
	{"defaultLifetimeInMinutes", "defaultLifetime", "The default lifetime"},
	{"minimumLifetimeInMinutes", "minLifetime", "The minimum lifetime"},
	{"maximumLifetimeInMinutes", "maxLifetime", "The maximum lifetime"},
	{"defaultLength", "defaultLength", "The pass length"},
	{"includeTargets", "include", "Included groups"},
	{"excludeTargets", "exclude", "Excluded groups"},
	{"state", "state", "The state"},
}

// placeError puts a validation error from the service on the field it
// names (by the property its message starts with), in the form's words.
func placeError(err error, fields map[string]string, f *methodForm) (string, bool) {
	if !errors.Is(err, apperr.Invalid) {
		return "", false
	}
	msg := apperr.As(err).Message
	field := ""
	for _, fl := range fieldLabels {
		if strings.HasPrefix(msg, fl.prop) {
			field = fl.field
			break
		}
	}
	for _, fl := range fieldLabels {
		if fl.prop == "state" {
			continue
		}
		msg = strings.ReplaceAll(msg, fl.prop, strings.ToLower(fl.label[:1])+fl.label[1:])
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	switch field {
	case "include":
		f.Targets.IncludeError = msg
	case "exclude":
		f.Targets.ExcludeError = msg
	case "state":
		f.StateError = msg
	case "":
		return msg, true
	default:
		fields[field] = msg
	}
	return "", true
}

func (w *Web) canWritePolicy(r *http.Request) bool {
	return authz.FromContext(r.Context()).Has(authz.PolicyReadWriteAuthenticationMethod)
}

// ---------------------------------------------------------------- FIDO2

func (w *Web) fido2PageFrom(r *http.Request, c method.Fido2) *fido2Page {
	return &fido2Page{frame: frame{Title: "Passkeys (FIDO2)", Nav: "admin-methods", Wide: true}, CanWrite: w.canWritePolicy(r),
		Form:        methodForm{State: c.State, Targets: w.targetsToForm(r, c.IncludeTargets, c.ExcludeTargets)},
		SelfService: c.IsSelfServiceRegistrationAllowed, Attestation: c.IsAttestationEnforced,
		Enforce: c.KeyRestrictions.IsEnforced, EnforcementType: c.KeyRestrictions.EnforcementType,
		AAGUIDs: strings.Join(c.KeyRestrictions.AAGUIDs, "\n"), FieldErrors: map[string]string{}}
}

// handleAdminFido2: GET /admin/methods/fido2.
func (w *Web) handleAdminFido2(rw http.ResponseWriter, r *http.Request, c *current) error {
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	w.render(rw, r, http.StatusOK, w.fido2PageFrom(r, pol.Fido2))
	return nil
}

// handleAdminFido2Save: POST /admin/methods/fido2.
func (w *Web) handleAdminFido2Save(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	p := w.fido2PageFrom(r, pol.Fido2)
	parseState(r, &p.Form)
	p.SelfService = r.PostForm.Get("selfService") == "on"
	p.Attestation = r.PostForm.Get("attestation") == "on"
	p.Enforce = r.PostForm.Get("enforce") == "on"
	p.EnforcementType = r.PostForm.Get("enforcementType")
	if p.EnforcementType != "allow" && p.EnforcementType != "block" {
		p.FieldErrors["enforcementType"] = "Choose Allow or Block."
	}
	p.AAGUIDs = strings.TrimSpace(r.PostForm.Get("aaguids"))
	aaguids := []string{}
	for _, l := range strings.FieldsFunc(p.AAGUIDs, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' || r == '\t' }) {
		if !guidRE.MatchString(l) || len(l) != 36 {
			p.FieldErrors["aaguids"] = "“" + l + "” is not an AAGUID. Write one GUID a line, like cb69481e-8ff7-4039-93ec-0a2729a154a8."
			break
		}
		aaguids = append(aaguids, strings.ToLower(l))
	}
	if p.Enforce && p.EnforcementType == "allow" && len(aaguids) == 0 && p.FieldErrors["aaguids"] == "" {
		p.FieldErrors["aaguids"] = "An allow list with no AAGUID would let no key in. List the models to allow, or choose Block."
	}
	inc, exc := w.parseTargets(r, append(pol.Fido2.IncludeTargets, pol.Fido2.ExcludeTargets...), &p.Form.Targets)
	if !w.formOK(p.FieldErrors, &p.Form) {
		p.Error = errNotSaved
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	_, err = w.Methods.Update(r.Context(), method.Fido2ID, func(pp *method.Policy) error {
		f := &pp.Fido2
		f.State, f.IsSelfServiceRegistrationAllowed, f.IsAttestationEnforced = p.Form.State, p.SelfService, p.Attestation
		f.KeyRestrictions.IsEnforced, f.KeyRestrictions.EnforcementType, f.KeyRestrictions.AAGUIDs = p.Enforce, p.EnforcementType, aaguids
		f.IncludeTargets, f.ExcludeTargets = inc, exc
		return nil
	})
	return w.afterPolicySave(rw, r, err, p, p.FieldErrors, &p.Form)
}

const errNotSaved = "The policy was not saved. Correct the fields marked below."

// formOK reports whether the form has no errors yet.
func (w *Web) formOK(fields map[string]string, f *methodForm) bool {
	return len(fields) == 0 && f.StateError == "" && f.Targets.IncludeError == "" && f.Targets.ExcludeError == ""
}

// afterPolicySave redirects after a save, or re-renders the form with the
// service's error on its field.
func (w *Web) afterPolicySave(rw http.ResponseWriter, r *http.Request, err error, p view, fields map[string]string, f *methodForm) error {
	if err == nil {
		http.Redirect(rw, r, "/admin/methods?done=saved", http.StatusSeeOther)
		return nil
	}
	if errors.Is(err, apperr.Forbidden) {
		return w.handleServiceError(rw, r, err, authz.PolicyReadWriteAuthenticationMethod)
	}
	msg, ok := placeError(err, fields, f)
	if !ok {
		return err
	}
	p.base().Error = "The policy was not saved. " + msg
	if msg == "" {
		p.base().Error = errNotSaved
	}
	w.render(rw, r, http.StatusBadRequest, p)
	return nil
}

// ---------------------------------------------------------------- TAP

func (w *Web) tapPolicyPageFrom(r *http.Request, c method.TAP) *tapPolicyPage {
	p := &tapPolicyPage{frame: frame{Title: "Temporary Access Pass", Nav: "admin-methods", Wide: true}, CanWrite: w.canWritePolicy(r),
		Form:            methodForm{State: c.State, Targets: w.targetsToForm(r, c.IncludeTargets, c.ExcludeTargets)},
		DefaultLifetime: strconv.Itoa(c.DefaultLifetimeInMinutes), MinLifetime: strconv.Itoa(c.MinimumLifetimeInMinutes),
		MaxLifetime: strconv.Itoa(c.MaximumLifetimeInMinutes), DefaultLength: strconv.Itoa(c.DefaultLength), Once: c.IsUsableOnce,
		FieldErrors: map[string]string{}}
	p.Limits.MinLifetime, p.Limits.MaxLifetime, p.Limits.MinLength, p.Limits.MaxLength = method.MinLifetimeMinutes, method.MaxLifetimeMinutes, method.MinLength, method.MaxLength
	return p
}

// handleAdminTAPPolicy: GET /admin/methods/tap.
func (w *Web) handleAdminTAPPolicy(rw http.ResponseWriter, r *http.Request, c *current) error {
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	w.render(rw, r, http.StatusOK, w.tapPolicyPageFrom(r, pol.TAP))
	return nil
}

// handleAdminTAPPolicySave: POST /admin/methods/tap.
func (w *Web) handleAdminTAPPolicySave(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	p := w.tapPolicyPageFrom(r, pol.TAP)
	parseState(r, &p.Form)
	num := func(field, label string, dst *string) int {
		*dst = strings.TrimSpace(r.PostForm.Get(field))
		n, err := strconv.Atoi(*dst)
		if err != nil {
			p.FieldErrors[field] = label + " must be a whole number."
		}
		return n
	}
	def := num("defaultLifetime", "The default lifetime", &p.DefaultLifetime)
	minL := num("minLifetime", "The minimum lifetime", &p.MinLifetime)
	maxL := num("maxLifetime", "The maximum lifetime", &p.MaxLifetime)
	length := num("defaultLength", "The pass length", &p.DefaultLength)
	p.Once = r.PostForm.Get("once") == "on"
	inc, exc := w.parseTargets(r, append(pol.TAP.IncludeTargets, pol.TAP.ExcludeTargets...), &p.Form.Targets)
	if !w.formOK(p.FieldErrors, &p.Form) {
		p.Error = errNotSaved
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	_, err = w.Methods.Update(r.Context(), method.TemporaryAccessPassID, func(pp *method.Policy) error {
		t := &pp.TAP
		t.State, t.DefaultLifetimeInMinutes, t.MinimumLifetimeInMinutes, t.MaximumLifetimeInMinutes = p.Form.State, def, minL, maxL
		t.DefaultLength, t.IsUsableOnce, t.IncludeTargets, t.ExcludeTargets = length, p.Once, inc, exc
		return nil
	})
	return w.afterPolicySave(rw, r, err, p, p.FieldErrors, &p.Form)
}

// ---------------------------------------------------------------- TOTP

func (w *Web) oathPageFrom(r *http.Request, c method.SoftwareOath) *oathPage {
	return &oathPage{frame: frame{Title: "Authenticator app (TOTP)", Nav: "admin-methods", Wide: true}, CanWrite: w.canWritePolicy(r),
		Form: methodForm{State: c.State, Targets: w.targetsToForm(r, c.IncludeTargets, c.ExcludeTargets)}}
}

// handleAdminOathPolicy: GET /admin/methods/softwareoath.
func (w *Web) handleAdminOathPolicy(rw http.ResponseWriter, r *http.Request, c *current) error {
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	w.render(rw, r, http.StatusOK, w.oathPageFrom(r, pol.SoftwareOath))
	return nil
}

// handleAdminOathPolicySave: POST /admin/methods/softwareoath.
func (w *Web) handleAdminOathPolicySave(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	pol, err := w.Methods.Policy(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsMethods...)
	}
	p := w.oathPageFrom(r, pol.SoftwareOath)
	parseState(r, &p.Form)
	inc, exc := w.parseTargets(r, append(pol.SoftwareOath.IncludeTargets, pol.SoftwareOath.ExcludeTargets...), &p.Form.Targets)
	fields := map[string]string{}
	if !w.formOK(fields, &p.Form) {
		p.Error = errNotSaved
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	_, err = w.Methods.Update(r.Context(), method.SoftwareOathID, func(pp *method.Policy) error {
		pp.SoftwareOath.State, pp.SoftwareOath.IncludeTargets, pp.SoftwareOath.ExcludeTargets = p.Form.State, inc, exc
		return nil
	})
	return w.afterPolicySave(rw, r, err, p, fields, &p.Form)
}
