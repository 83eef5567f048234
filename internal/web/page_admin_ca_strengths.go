package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Authentication strength pages: the built-in strengths, custom ones made
// of the valid method combinations, and for FIDO2 a restriction to chosen
// key models (AAGUIDs), with the policies that use each.

func canWriteStrengths(r *http.Request) bool {
	p := authz.FromContext(r.Context())
	return slices.ContainsFunc(permsStrengthWrite, p.Has)
}

// modeWords names a method mode for administrators.
func modeLabel(m authn.Mode) string {
	switch m {
	case authn.Password:
		return "Password"
	case authn.Fido2:
		return "Passkey or security key (FIDO2)"
	case authn.TemporaryAccessPassOneTime:
		return "Temporary Access Pass (one-time)"
	case authn.TemporaryAccessPassMultiUse:
		return "Temporary Access Pass (multi-use)"
	case authn.SoftwareOath:
		return "Authenticator app code (TOTP)"
	case authn.HardwareOath:
		return "Hardware OATH token"
	case authn.SMS:
		return "SMS"
	case authn.Voice:
		return "Voice call"
	case authn.Email:
		return "Email one-time passcode"
	case authn.WindowsHelloForBusiness:
		return "Windows Hello for Business"
	case authn.MicrosoftAuthenticatorPush:
		return "Microsoft Authenticator (push)"
	case authn.DeviceBasedPush:
		return "Microsoft Authenticator (phone sign-in)"
	case authn.X509CertificateSingleFactor:
		return "Certificate (single-factor)"
	case authn.X509CertificateMultiFactor:
		return "Certificate (multifactor)"
	case authn.FederatedSingleFactor:
		return "Federated single-factor"
	case authn.FederatedMultiFactor:
		return "Federated multifactor"
	case authn.QRCodePin:
		return "QR code with PIN"
	}
	return string(m)
}

// combinationLabel names a combination: "Password + Authenticator app
// code (TOTP)".
func combinationLabel(c string) string {
	modes, ok := authn.ParseCombination(c)
	if !ok {
		return c
	}
	words := make([]string, len(modes))
	for i, m := range modes {
		words[i] = modeLabel(m)
	}
	return strings.Join(words, " + ")
}

// producible reports whether Strongroom can prove every mode of c.
func producible(c string) bool {
	return len(authn.Strength{AllowedCombinations: []string{c}}.SatisfyingModes()) > 0
}

const notProducible = "Accepted in a definition, as Entra accepts them, and never satisfied here: Strongroom can't prove these methods."

// combinationChoices are the valid combinations as checkboxes: the ones
// Strongroom can prove, and the others.
func combinationChoices() (can, cannot []option) {
	for _, c := range authn.ValidCombinations() {
		o := option{Value: c, Label: combinationLabel(c)}
		if producible(c) {
			can = append(can, o)
		} else {
			cannot = append(cannot, o)
		}
	}
	return can, cannot
}

// strengthRow is a strength in the list.
type strengthRow struct {
	ID, Name, Description string
	BuiltIn               bool
	// Producible names the combinations Strongroom can prove; Total
	// counts all of them.
	Producible []string
	Total      int
	Others     int
	Restricted bool
	Policies   []string
}

// strengthsPage is /admin/ca/strengths.
type strengthsPage struct {
	caSection
	Strengths []strengthRow
	CanWrite  bool
	Max       int
	Custom    int
}

func (*strengthsPage) template() string { return "admin_ca_strengths" }

func policiesUsingStrength(ps []policy.Policy, id string) []policy.Policy {
	var out []policy.Policy
	for _, p := range ps {
		if g := p.GrantControls; g != nil && g.AuthenticationStrength != nil && strings.EqualFold(g.AuthenticationStrength.ID, id) {
			out = append(out, p)
		}
	}
	return out
}

func fido2Config(st authn.Strength) (authn.CombinationConfiguration, bool) {
	for _, c := range st.CombinationConfigurations {
		if c.ODataType == authn.ODataFido2Combination {
			return c, true
		}
	}
	return authn.CombinationConfiguration{}, false
}

// handleAdminStrengths: GET /admin/ca/strengths.
func (w *Web) handleAdminStrengths(rw http.ResponseWriter, r *http.Request, c *current) error {
	sts, err := w.CA.ListStrengths(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsStrengthRead...)
	}
	var ps []policy.Policy
	if authz.FromContext(r.Context()).Has(authz.PolicyReadConditionalAccess) {
		if ps, err = w.CA.ListPolicies(r.Context()); err != nil {
			return err
		}
	}
	p := &strengthsPage{caSection: caFrame("Authentication strengths", "strengths"), CanWrite: canWriteStrengths(r), Max: authn.MaxCustomStrengths}
	p.Notice = caNotices[r.URL.Query().Get("done")]
	for _, st := range sts {
		row := strengthRow{ID: st.ID, Name: st.DisplayName, Description: st.Description, BuiltIn: st.PolicyType == authn.PolicyTypeBuiltIn}
		row.Total = len(st.AllowedCombinations)
		for _, c := range st.AllowedCombinations {
			if producible(c) {
				row.Producible = append(row.Producible, combinationLabel(c))
			}
		}
		row.Others = row.Total - len(row.Producible)
		_, row.Restricted = fido2Config(st)
		for _, pol := range policiesUsingStrength(ps, st.ID) {
			row.Policies = append(row.Policies, pol.DisplayName)
		}
		if !row.BuiltIn {
			p.Custom++
		}
		p.Strengths = append(p.Strengths, row)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// strengthForm creates or edits a custom strength.
type strengthForm struct {
	DisplayName, Description string
	Combinations             checkList
	// Others are the combinations Strongroom cannot prove.
	Others       checkList
	Restrict     bool
	Models       checkList
	OtherAAGUIDs string
}

// strengthPage is /admin/ca/strengths/{id} and /admin/ca/strengths/new.
type strengthPage struct {
	caSection
	Strength    authn.Strength
	New         bool
	BuiltIn     bool
	CanWrite    bool
	Form        strengthForm
	Policies    []policy.Policy
	FieldErrors fieldErrors
}

func (*strengthPage) template() string { return "admin_ca_strength" }

// keyModels are the models an administrator can choose from: those of
// the keys registered here, the FIDO2 method policy's list and the
// built-in table, each named from the FIDO metadata when it is configured.
func (w *Web) keyModels(r *http.Request, extra []string) []option {
	var md passkey.Metadata
	if w.Passkeys != nil {
		md = w.Passkeys.Keys().Metadata()
	}
	now := w.Now()
	seen := map[string]bool{passkey.ZeroAAGUID: true}
	var registered, others []option
	add := func(list *[]option, aaguid, hint string) {
		a := passkey.NormalizeAAGUID(aaguid)
		if seen[a] || !guidRE.MatchString(a) || len(a) != 36 {
			return
		}
		seen[a] = true
		*list = append(*list, option{Value: a, Label: passkey.ModelName(md, a, now), Hint: hint + a})
	}
	counts := map[string]int{}
	var restricted []string
	if w.DB != nil { // the page-rendering tests have none
		// The models are hints: a read error leaves the list shorter.
		if byModel, err := w.DB.CountPasskeysByModel(r.Context()); err == nil {
			for a, n := range byModel {
				counts[passkey.NormalizeAAGUID(a)] += n
			}
		}
		if pol, err := w.DB.FindMethodPolicy(r.Context()); err == nil && pol.Fido2.State == method.Enabled {
			restricted = pol.Fido2.KeyRestrictions.AAGUIDs
		}
	}
	for a, n := range counts {
		add(&registered, a, "Registered here ("+plural(n, "key")+") · ")
	}
	for _, a := range restricted {
		add(&others, a, "In the passkey policy's key restrictions · ")
	}
	for _, a := range extra {
		add(&others, a, "")
	}
	for _, k := range passkey.KnownModels() {
		add(&others, k.AAGUID, "")
	}
	byName := func(a, b option) int { return strings.Compare(a.Label, b.Label) }
	slices.SortStableFunc(registered, byName)
	slices.SortStableFunc(others, byName)
	return append(registered, others...)
}

// modelChoices lists the key models with the chosen ones first.
func modelChoices(models []option, chosen []string) checkList {
	c := choices("aaguid", "Key models", models, chosen)
	slices.SortStableFunc(c.Options, func(a, b option) int {
		switch {
		case a.Checked == b.Checked:
			return 0
		case a.Checked:
			return -1
		}
		return 1
	})
	return c
}

func (w *Web) strengthForm(r *http.Request, st authn.Strength) strengthForm {
	f := strengthForm{DisplayName: st.DisplayName, Description: st.Description}
	can, cannot := combinationChoices()
	var mine, others []string
	for _, c := range st.AllowedCombinations {
		if slices.ContainsFunc(cannot, func(o option) bool { return o.Value == c }) {
			others = append(others, c)
		} else {
			mine = append(mine, c)
		}
	}
	f.Combinations = choices("combinations", "Allowed combinations", can, mine)
	f.Combinations.Scroll = false
	f.Combinations.Hint = "A sign-in meets the strength when it proves every method of one ticked combination."
	f.Others = choices("combinations", "Combinations Strongroom can't prove", cannot, others)
	f.Others.Scroll = false
	f.Others.Hint = notProducible
	cc, ok := fido2Config(st)
	f.Restrict = ok
	f.Models = modelChoices(w.keyModels(r, cc.AllowedAAGUIDs), cc.AllowedAAGUIDs)
	return f
}

func (w *Web) strengthPage(r *http.Request, id string) (*strengthPage, error) {
	st := authn.Strength{}
	if id != "" {
		var err error
		if st, err = w.CA.GetStrength(r.Context(), id); err != nil {
			return nil, err
		}
	}
	p := &strengthPage{caSection: caFrame(st.DisplayName, "strengths"), Strength: st, New: id == "", BuiltIn: st.PolicyType == authn.PolicyTypeBuiltIn,
		FieldErrors: fieldErrors{}, Form: w.strengthForm(r, st)}
	p.CanWrite = canWriteStrengths(r) && !p.BuiltIn
	if p.New {
		p.Title = "New authentication strength"
	}
	if id != "" && authz.FromContext(r.Context()).Has(authz.PolicyReadConditionalAccess) {
		ps, err := w.CA.ListPolicies(r.Context())
		if err != nil {
			return nil, err
		}
		p.Policies = policiesUsingStrength(ps, st.ID)
	}
	return p, nil
}

// handleAdminStrengthNew: GET /admin/ca/strengths/new.
func (w *Web) handleAdminStrengthNew(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.strengthPage(r, "")
	if err != nil {
		return w.handleServiceError(rw, r, err, permsStrengthRead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminStrength: GET /admin/ca/strengths/{id}.
func (w *Web) handleAdminStrength(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.strengthPage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsStrengthRead...)
	}
	p.Notice = caNotices[r.URL.Query().Get("done")]
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminStrengthCreate: POST /admin/ca/strengths.
func (w *Web) handleAdminStrengthCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	return w.saveStrength(rw, r, "")
}

// handleAdminStrengthSave: POST /admin/ca/strengths/{id}.
func (w *Web) handleAdminStrengthSave(rw http.ResponseWriter, r *http.Request, c *current) error {
	return w.saveStrength(rw, r, r.PathValue("id"))
}

// parseAAGUIDs reads AAGUIDs written one a line (or separated by commas
// or spaces); each one that is not a GUID is named in the error.
func parseAAGUIDs(text string) ([]string, string) {
	var out, bad []string
	for _, a := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' || r == '\t' }) {
		if !guidRE.MatchString(a) || len(a) != 36 {
			bad = append(bad, "“"+a+"”")
			continue
		}
		if a = strings.ToLower(a); !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(bad) > 0 {
		return out, strings.Join(bad, ", ") + " is not an AAGUID. Write one GUID a line, like cb69481e-8ff7-4039-93ec-0a2729a154a8."
	}
	return out, ""
}

// saveStrength creates (id "") or updates a custom strength from the
// posted form; with any problem nothing is written.
func (w *Web) saveStrength(rw http.ResponseWriter, r *http.Request, id string) error {
	if err := readForm(r); err != nil {
		return err
	}
	p, err := w.strengthPage(r, id)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsStrengthRead...)
	}
	if !p.CanWrite {
		if p.BuiltIn {
			return apperr.Invalidf("“%s” is a built-in authentication strength; built-in strengths cannot be changed. Create a custom strength instead.", p.Strength.DisplayName)
		}
		w.renderForbidden(rw, r, permsStrengthWrite)
		return nil
	}
	pf := r.PostForm
	combos := formValues(r, "combinations")
	models := formValues(r, "aaguid")
	other := strings.TrimSpace(pf.Get("otherAAGUIDs"))
	extra, msg := parseAAGUIDs(other)
	fe := p.FieldErrors
	fe.add("aaguids", msg)
	aaguids := slices.Clone(models)
	for _, a := range extra {
		if !containsFold(aaguids, a) {
			aaguids = append(aaguids, a)
		}
	}
	restrict := pf.Get("restrict") == "on"
	next := p.Strength
	next.DisplayName, next.Description, next.AllowedCombinations = strings.TrimSpace(pf.Get("displayName")), strings.TrimSpace(pf.Get("description")), combos
	var ccs []authn.CombinationConfiguration
	old, hadFido2 := fido2Config(p.Strength)
	for _, cc := range p.Strength.CombinationConfigurations {
		if cc.ODataType != authn.ODataFido2Combination {
			ccs = append(ccs, cc)
		}
	}
	if restrict {
		switch {
		case !slices.Contains(combos, string(authn.Fido2)):
			fe.add("aaguids", "Tick “"+modeLabel(authn.Fido2)+"” among the combinations to restrict key models.")
		case len(aaguids) == 0 && msg == "":
			fe.add("aaguids", "Choose at least one key model, or untick the restriction.")
		}
		cc := authn.CombinationConfiguration{ODataType: authn.ODataFido2Combination, AppliesToCombinations: []string{string(authn.Fido2)}, AllowedAAGUIDs: aaguids}
		if hadFido2 {
			cc.ID = old.ID
		}
		ccs = append(ccs, cc)
	}
	next.CombinationConfigurations = ccs
	if len(combos) == 0 {
		fe.add("combinations", "Tick at least one combination.")
	}
	if len(fe) == 0 {
		var saved authn.Strength
		if id == "" {
			saved, err = w.CA.CreateStrength(r.Context(), next)
		} else {
			saved, err = w.CA.UpdateStrength(r.Context(), id, func(authn.Strength) (authn.Strength, error) { return next, nil })
		}
		switch {
		case err == nil:
			what := "strength-saved"
			if id == "" {
				what = "strength-created"
			}
			return redirectDone(rw, r, "/admin/ca/strengths/"+url.PathEscape(saved.ID), what)
		case errors.Is(err, apperr.Invalid), errors.Is(err, apperr.Conflict):
			for _, pr := range serviceProblems(err) {
				path := stripIndex(pr.Path)
				switch {
				case path == "displayName":
					fe.add("displayName", sentence("The name "+pr.Message))
				case path == "description":
					fe.add("description", sentence("The description "+pr.Message))
				case strings.HasPrefix(path, "allowedCombinations"):
					fe.add("combinations", sentence(pr.Message))
				case strings.HasPrefix(path, "combinationConfigurations"):
					fe.add("aaguids", sentence(pr.Message))
				case errors.Is(err, apperr.Conflict):
					fe.add("displayName", pr.Message)
				default:
					fe.add("general", sentence(pr.Message))
				}
			}
		case errors.Is(err, apperr.Forbidden):
			return w.handleServiceError(rw, r, err, permsStrengthWrite...)
		default:
			return err
		}
	}
	p.Form = w.strengthForm(r, next)
	p.Form.DisplayName, p.Form.Restrict = pf.Get("displayName"), restrict
	p.Form.OtherAAGUIDs = other
	// Typed AAGUIDs stay in the text box, not among the models.
	p.Form.Models = modelChoices(w.keyModels(r, nil), models)
	p.Form.Combinations.Error = fe["combinations"]
	p.Error = "The authentication strength was not saved. Correct the fields marked below; nothing was changed."
	if g := fe["general"]; g != "" {
		p.Error += " " + g
	}
	w.render(rw, r, http.StatusBadRequest, p)
	return nil
}

func (w *Web) strengthDeletePage(r *http.Request) (*confirmPage, authn.Strength, error) {
	st, err := w.CA.GetStrength(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, st, err
	}
	back := "/admin/ca/strengths/" + url.PathEscape(st.ID)
	return &confirmPage{caSection: caFrame("Delete "+st.DisplayName, "strengths"), Heading: "Delete the authentication strength “" + st.DisplayName + "”?",
		Text:   "Strongroom refuses while a Conditional Access policy uses it; remove it from those policies first.",
		Action: back + "/delete", Back: back, BackText: st.DisplayName, Button: "Delete strength",
		CanWrite: canWriteStrengths(r) && st.PolicyType != authn.PolicyTypeBuiltIn}, st, nil
}

// handleAdminStrengthDeleteConfirm: GET /admin/ca/strengths/{id}/delete.
func (w *Web) handleAdminStrengthDeleteConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, _, err := w.strengthDeletePage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsStrengthRead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminStrengthDelete: POST /admin/ca/strengths/{id}/delete. A
// strength in use is refused with the names of the policies.
func (w *Web) handleAdminStrengthDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, st, err := w.strengthDeletePage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsStrengthRead...)
	}
	if err := w.CA.DeleteStrength(r.Context(), st.ID); err != nil {
		return w.renderRefused(rw, r, p, err, permsStrengthWrite)
	}
	return redirectDone(rw, r, "/admin/ca/strengths", "strength-deleted")
}
