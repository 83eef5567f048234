package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Conditional Access under /v1.0 (entra.md §0, §3, §4): authentication
// strengths, authentication contexts, named locations, policies and What
// If. The JSON mapping, strict here, is package cagraph's; the rules are
// package capolicy's.

const (
	caStrengthSet = "policies/authenticationStrengthPolicies"
	caContextSet  = "identity/conditionalAccess/authenticationContextClassReferences"
	caLocationSet = "identity/conditionalAccess/namedLocations"
	caPolicySet   = "identity/conditionalAccess/policies"
)

var (
	caStrengthFields = []string{"id", "createdDateTime", "modifiedDateTime", "displayName", "description", "policyType", "requirementsSatisfied", "allowedCombinations", "combinationConfigurations"}
	caContextFields  = []string{"id", "displayName", "description", "isAvailable"}
	caLocationFields = []string{"id", "displayName", "createdDateTime", "modifiedDateTime", "isTrusted", "ipRanges", "countriesAndRegions", "includeUnknownCountriesAndRegions", "countryLookupMethod"}
	caPolicyFields   = []string{"id", "templateId", "displayName", "createdDateTime", "modifiedDateTime", "state", "conditions", "grantControls", "sessionControls"}
	caComboFields    = []string{"id", "appliesToCombinations", "allowedAAGUIDs", "allowedIssuerSkis", "allowedPolicyOIDs"}
)

// readCABody reads a JSON request body as bytes, checking the content type.
func readCABody(r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, apperr.Invalidf("The request body must be JSON (Content-Type: application/json), not %q.", ct)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.Wrap(err, apperr.TooLarge, "The request body is larger than the limit of %d bytes.", mbe.Limit)
		}
		return nil, apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
	}
	return b, nil
}

// pageCA pages a small, fully loaded collection by the id of the
// last item of the previous page.
func pageCA[T any](q odata.Query, items []T, id func(T) string) ([]T, []string, error) {
	after, err := afterCursor(q)
	if err != nil {
		return nil, nil, err
	}
	if after != "" {
		i := slices.IndexFunc(items, func(x T) bool { return id(x) == after })
		if i < 0 {
			return nil, nil, apperr.Invalidf("the $skiptoken is not valid any more (the item it continues from was deleted); start again from the first page")
		}
		items = items[i+1:]
	}
	page, next := pageOf(items, q.Top, func(x T) []string { return []string{id(x)} })
	return page, next, nil
}

// mergeCA overlays the top-level properties of a PATCH body on the current
// object's Graph JSON: a property sent replaces the stored one whole
// (conditions, grantControls and sessionControls included), as Graph's
// PATCH of these resources does for complex properties.
func mergeCA(current any, patch []byte) (map[string]any, error) {
	p, err := cagraph.ParseObject(patch)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(current)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "encoding the stored object")
	}
	cur, err := cagraph.ParseObject(b)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "decoding the stored object")
	}
	for k, v := range p {
		cur[k] = v
	}
	return cur, nil
}

// ---------------------------------------------------------------- strengths

func (a *API) handleCAStrengthList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: caStrengthFields})
	if err != nil {
		return err
	}
	list, err := a.CA.ListStrengths(r.Context())
	if err != nil {
		return err
	}
	page, next, err := pageCA(q, list, func(s authn.Strength) string { return s.ID })
	if err != nil {
		return err
	}
	items := make([]any, len(page))
	for i, s := range page {
		items[i] = cagraph.EncodeStrength(s)
	}
	return a.writeList(w, r, caStrengthSet, q, listOptions{fields: caStrengthFields}, items, next)
}

func (a *API) handleCAStrengthGet(w http.ResponseWriter, r *http.Request) error {
	s, err := a.CA.GetStrength(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, caStrengthSet, cagraph.EncodeStrength(s), caStrengthFields)
}

func (a *API) handleCAStrengthCreate(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.PolicyReadWriteAuthenticationMethod, authz.PolicyReadWriteConditionalAccess); err != nil {
		return err
	}
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	in, _, err := cagraph.DecodeStrength(b, cagraph.Strict)
	if err != nil {
		return err
	}
	if in.PolicyType != "" && in.PolicyType != authn.PolicyTypeCustom {
		return apperr.Invalidf("policyType: only custom strengths can be created; the built-in ones always exist.")
	}
	s, err := a.CA.CreateStrength(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/"+caStrengthSet+"/"+s.ID)
	return a.writeOne(w, r, http.StatusCreated, caStrengthSet, cagraph.EncodeStrength(s), caStrengthFields)
}

func (a *API) handleCAStrengthUpdate(w http.ResponseWriter, r *http.Request) error {
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	o, err := cagraph.ParseObject(b)
	if err != nil {
		return err
	}
	if _, ok := o["combinationConfigurations"]; ok {
		return apperr.Invalidf("combinationConfigurations: change them at …/authenticationStrengthPolicies/{id}/combinationConfigurations, not in a PATCH of the strength.")
	}
	_, err = a.CA.UpdateStrength(r.Context(), r.PathValue("id"), func(cur authn.Strength) (authn.Strength, error) {
		m, err := mergeCA(cagraph.EncodeStrength(cur), b)
		if err != nil {
			return cur, err
		}
		next, _, err := cagraph.DecodeStrengthObject(m, cagraph.Strict)
		if err != nil {
			return cur, err
		}
		if next.PolicyType != authn.PolicyTypeCustom {
			return cur, apperr.Invalidf("policyType is read-only: a custom strength stays custom.")
		}
		next.CombinationConfigurations = cur.CombinationConfigurations
		return next, nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleCAStrengthUpdateCombinations: POST …/{id}/updateAllowedCombinations
// {"allowedCombinations": […]} → updateAllowedCombinationsResult.
func (a *API) handleCAStrengthUpdateCombinations(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("updateAllowedCombinations", "allowedCombinations"); err != nil {
		return err
	}
	combos, ok, err := o.Strings("allowedCombinations")
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalidf("allowedCombinations is required.")
	}
	var prev []string
	s, err := a.CA.UpdateStrength(r.Context(), r.PathValue("id"), func(cur authn.Strength) (authn.Strength, error) {
		prev = cur.AllowedCombinations
		cur.AllowedCombinations = combos
		return cur, nil
	})
	if err != nil {
		return err
	}
	refs, err := a.caStrengthPolicyIDs(r, s.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"@odata.context":              a.contextURL("microsoft.graph.updateAllowedCombinationsResult"),
		"additionalInformation":       nil,
		"conditionalAccessReferences": refs,
		"currentCombinations":         s.AllowedCombinations,
		"previousCombinations":        prev,
	})
	return nil
}

func (a *API) caStrengthPolicyIDs(r *http.Request, id string) ([]string, error) {
	mfa, none, err := a.CA.StrengthUsage(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, p := range append(mfa, none...) {
		out = append(out, p.ID)
	}
	return out, nil
}

func (a *API) handleCAStrengthDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.CA.DeleteStrength(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleCAStrengthUsage: GET …/{id}/usage → authenticationStrengthUsage,
// the policies that use the strength.
func (a *API) handleCAStrengthUsage(w http.ResponseWriter, r *http.Request) error {
	mfa, none, err := a.CA.StrengthUsage(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	lookup, err := a.CA.StrengthLookup(r.Context())
	if err != nil {
		return err
	}
	enc := func(ps []policy.Policy) []cagraph.Policy {
		out := []cagraph.Policy{}
		for _, p := range ps {
			out = append(out, cagraph.EncodePolicy(p, lookup))
		}
		return out
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"@odata.context": a.contextURL("microsoft.graph.authenticationStrengthUsage"),
		"mfa":            enc(mfa),
		"none":           enc(none),
	})
	return nil
}

func (a *API) handleCACombinationList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: caComboFields})
	if err != nil {
		return err
	}
	s, err := a.CA.GetStrength(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	page, next, err := pageCA(q, s.CombinationConfigurations, func(c authn.CombinationConfiguration) string { return c.ID })
	if err != nil {
		return err
	}
	items := make([]any, len(page))
	for i, c := range page {
		items[i] = cagraph.EncodeCombination(c)
	}
	return a.writeList(w, r, caStrengthSet+"('"+s.ID+"')/combinationConfigurations", q, listOptions{fields: caComboFields}, items, next)
}

func (a *API) handleCACombinationGet(w http.ResponseWriter, r *http.Request) error {
	s, err := a.CA.GetStrength(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, c := range s.CombinationConfigurations {
		if strings.EqualFold(c.ID, r.PathValue("combination")) {
			return a.writeOne(w, r, http.StatusOK, caStrengthSet+"('"+s.ID+"')/combinationConfigurations", cagraph.EncodeCombination(c), caComboFields)
		}
	}
	return apperr.NotFoundf("There is no combination configuration with id '%s' in this strength.", r.PathValue("combination")).WithCode("Request_ResourceNotFound")
}

func (a *API) handleCACombinationCreate(w http.ResponseWriter, r *http.Request) error {
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	c, _, err := cagraph.DecodeCombination(b, cagraph.Strict)
	if err != nil {
		return err
	}
	c, err = a.CA.AddCombination(r.Context(), r.PathValue("id"), c)
	if err != nil {
		return err
	}
	set := caStrengthSet + "/" + r.PathValue("id") + "/combinationConfigurations"
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/"+set+"/"+c.ID)
	return a.writeOne(w, r, http.StatusCreated, caStrengthSet+"('"+r.PathValue("id")+"')/combinationConfigurations", cagraph.EncodeCombination(c), caComboFields)
}

func (a *API) handleCACombinationUpdate(w http.ResponseWriter, r *http.Request) error {
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	_, err = a.CA.UpdateCombination(r.Context(), r.PathValue("id"), r.PathValue("combination"), func(cur authn.CombinationConfiguration) (authn.CombinationConfiguration, error) {
		m, err := mergeCA(cagraph.EncodeCombination(cur), b)
		if err != nil {
			return cur, err
		}
		mb, _ := json.Marshal(m)
		next, _, err := cagraph.DecodeCombination(mb, cagraph.Strict)
		if err != nil {
			return cur, err
		}
		if next.ODataType != cur.ODataType {
			return cur, apperr.Invalidf("@odata.type is read-only: this configuration is %s.", cur.ODataType)
		}
		return next, nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleCACombinationDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.CA.DeleteCombination(r.Context(), r.PathValue("id"), r.PathValue("combination")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---------------------------------------------------------------- contexts

func (a *API) handleCAContextList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: caContextFields})
	if err != nil {
		return err
	}
	list, err := a.CA.ListContexts(r.Context())
	if err != nil {
		return err
	}
	page, next, err := pageCA(q, list, func(c policy.AuthenticationContext) string { return c.ID })
	if err != nil {
		return err
	}
	items := make([]any, len(page))
	for i, c := range page {
		items[i] = cagraph.EncodeContext(c)
	}
	return a.writeList(w, r, caContextSet, q, listOptions{fields: caContextFields}, items, next)
}

func (a *API) handleCAContextGet(w http.ResponseWriter, r *http.Request) error {
	c, err := a.CA.GetContext(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, caContextSet, cagraph.EncodeContext(c), caContextFields)
}

// handleCAContextSave: PATCH …/authenticationContextClassReferences/{id}
// creates the context (201 with it) or updates it (204), as Graph's
// create-or-update by id (G-ACR).
func (a *API) handleCAContextSave(w http.ResponseWriter, r *http.Request) error {
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	in, fields, _, err := cagraph.DecodeContext(b, cagraph.Strict)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if in.ID != "" && in.ID != id {
		return apperr.Invalidf("id: the body says %q but the URL says %q; they must agree.", in.ID, id)
	}
	c, created, err := a.CA.SaveContext(r.Context(), id, func(cur policy.AuthenticationContext, exists bool) (policy.AuthenticationContext, error) {
		if fields.DisplayName || !exists {
			cur.DisplayName = in.DisplayName
		}
		if fields.Description {
			cur.Description = in.Description
		}
		if fields.IsAvailable {
			cur.IsAvailable = in.IsAvailable
		}
		return cur, nil
	})
	if err != nil {
		return err
	}
	if created {
		w.Header().Set("Location", a.PublicURL.String()+"/v1.0/"+caContextSet+"/"+c.ID)
		return a.writeOne(w, r, http.StatusCreated, caContextSet, cagraph.EncodeContext(c), caContextFields)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleCAContextDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.CA.DeleteContext(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---------------------------------------------------------------- named locations

func (a *API) handleCALocationList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: caLocationFields})
	if err != nil {
		return err
	}
	list, err := a.CA.ListNamedLocations(r.Context())
	if err != nil {
		return err
	}
	page, next, err := pageCA(q, list, func(l policy.NamedLocation) string { return l.ID })
	if err != nil {
		return err
	}
	items := make([]any, len(page))
	for i, l := range page {
		items[i] = cagraph.EncodeNamedLocation(l)
	}
	return a.writeList(w, r, caLocationSet, q, listOptions{fields: caLocationFields}, items, next)
}

func (a *API) handleCALocationGet(w http.ResponseWriter, r *http.Request) error {
	l, err := a.CA.GetNamedLocation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, caLocationSet, cagraph.EncodeNamedLocation(l), caLocationFields)
}

func (a *API) handleCALocationCreate(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.PolicyReadWriteConditionalAccess); err != nil {
		return err
	}
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	in, _, err := cagraph.DecodeNamedLocation(b, cagraph.Strict)
	if err != nil {
		return err
	}
	l, err := a.CA.CreateNamedLocation(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/"+caLocationSet+"/"+l.ID)
	return a.writeOne(w, r, http.StatusCreated, caLocationSet, cagraph.EncodeNamedLocation(l), caLocationFields)
}

func (a *API) handleCALocationUpdate(w http.ResponseWriter, r *http.Request) error {
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	_, err = a.CA.UpdateNamedLocation(r.Context(), r.PathValue("id"), func(cur policy.NamedLocation) (policy.NamedLocation, error) {
		m, err := mergeCA(cagraph.EncodeNamedLocation(cur), b)
		if err != nil {
			return cur, err
		}
		next, _, err := cagraph.DecodeNamedLocationObject(m, cagraph.Strict)
		return next, err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleCALocationDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.CA.DeleteNamedLocation(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---------------------------------------------------------------- policies

func (a *API) handleCAPolicyList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: caPolicyFields})
	if err != nil {
		return err
	}
	list, err := a.CA.ListPolicies(r.Context())
	if err != nil {
		return err
	}
	lookup, err := a.CA.StrengthLookup(r.Context())
	if err != nil {
		return err
	}
	page, next, err := pageCA(q, list, func(p policy.Policy) string { return p.ID })
	if err != nil {
		return err
	}
	items := make([]any, len(page))
	for i, p := range page {
		items[i] = cagraph.EncodePolicy(p, lookup)
	}
	return a.writeList(w, r, caPolicySet, q, listOptions{fields: caPolicyFields}, items, next)
}

func (a *API) writeCAPolicy(w http.ResponseWriter, r *http.Request, status int, p policy.Policy) error {
	lookup, err := a.CA.StrengthLookup(r.Context())
	if err != nil {
		return err
	}
	return a.writeOne(w, r, status, caPolicySet, cagraph.EncodePolicy(p, lookup), caPolicyFields)
}

func (a *API) handleCAPolicyGet(w http.ResponseWriter, r *http.Request) error {
	p, err := a.CA.GetPolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeCAPolicy(w, r, http.StatusOK, p)
}

func (a *API) handleCAPolicyCreate(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.PolicyReadWriteConditionalAccess); err != nil {
		return err
	}
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	in, _, err := cagraph.DecodePolicy(b, cagraph.Strict)
	if err != nil {
		return err
	}
	p, err := a.CA.CreatePolicy(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/"+caPolicySet+"/"+p.ID)
	return a.writeCAPolicy(w, r, http.StatusCreated, p)
}

func (a *API) handleCAPolicyUpdate(w http.ResponseWriter, r *http.Request) error {
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	_, err = a.CA.UpdatePolicy(r.Context(), r.PathValue("id"), func(cur policy.Policy) (policy.Policy, error) {
		m, err := mergeCA(cagraph.EncodePolicy(cur, nil), b)
		if err != nil {
			return cur, err
		}
		next, _, err := cagraph.DecodePolicyObject(m, cagraph.Strict)
		return next, err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleCAPolicyDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.CA.DeletePolicy(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleCAWhatIf: POST /identity/conditionalAccess/evaluate (G-WHATIF) →
// {"value": [whatIfAnalysisResult…]}.
func (a *API) handleCAWhatIf(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.PolicyReadConditionalAccess); err != nil {
		return err
	}
	b, err := readCABody(r)
	if err != nil {
		return err
	}
	req, err := cagraph.DecodeWhatIf(b, cagraph.Strict)
	if err != nil {
		return err
	}
	results, err := a.CA.WhatIf(r.Context(), req.UserID, req.SignIn, req.AppliedPoliciesOnly)
	if err != nil {
		return err
	}
	lookup, err := a.CA.StrengthLookup(r.Context())
	if err != nil {
		return err
	}
	out := make([]cagraph.WhatIfResult, len(results))
	for i, res := range results {
		out[i] = cagraph.EncodeWhatIf(res, lookup)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"@odata.context": a.contextURL("Collection(microsoft.graph.whatIfAnalysisResult)"),
		"value":          out,
	})
	return nil
}
