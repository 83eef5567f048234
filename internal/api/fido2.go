package api

import (
	"encoding/json"
	"net/http"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/passkey"
)

// fido2ConfigurationFields are the properties of Graph's
// fido2AuthenticationMethodConfiguration (G-FIDO).
var fido2ConfigurationFields = []string{"id", "state", "isSelfServiceRegistrationAllowed", "isAttestationEnforced", "keyRestrictions", "includeTargets", "excludeTargets"}

// handleFido2ConfigurationGet: GET …/authenticationMethodConfigurations/Fido2.
func (a *API) handleFido2ConfigurationGet(w http.ResponseWriter, r *http.Request) error {
	p, err := a.Methods.Configuration(r.Context(), method.Fido2ID)
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, methodConfigurationsSet, toPolicyFido2DTO(p.Fido2), fido2ConfigurationFields)
}

// handleFido2ConfigurationDelete: DELETE …/Fido2 reverts it to its default.
func (a *API) handleFido2ConfigurationDelete(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.Methods.Reset(r.Context(), method.Fido2ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleFido2ConfigurationUpdate: PATCH …/Fido2 merges the properties sent
// (inside keyRestrictions too) into the stored configuration. Bad input
// gets 400 and changes nothing.
func (a *API) handleFido2ConfigurationUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.fido2AuthenticationMethodConfiguration", fido2ConfigurationFields...); err != nil {
		return err
	}
	if t, ok, err := o.String("@odata.type", false); err != nil {
		return err
	} else if ok && t != odataFido2Configuration {
		return apperr.Invalidf("@odata.type must be %q for the Fido2 configuration, not %q.", odataFido2Configuration, t)
	}
	if v, ok, err := o.String("id", false); err != nil {
		return err
	} else if ok && v != method.Fido2ID {
		return apperr.Invalidf("id is read-only: it must be %q here, not %q.", method.Fido2ID, v)
	}
	var p passkey.PolicyPatch
	if p.State, err = o.StringPtr("state", false); err != nil {
		return err
	}
	if p.IsSelfServiceRegistrationAllowed, err = o.Bool("isSelfServiceRegistrationAllowed"); err != nil {
		return err
	}
	if p.IsAttestationEnforced, err = o.Bool("isAttestationEnforced"); err != nil {
		return err
	}
	if p.KeyRestrictions, err = readKeyRestrictions(o); err != nil {
		return err
	}
	if include, err := readTargets(o, "includeTargets", true); err != nil {
		return err
	} else if include != nil {
		p.IncludeTargets = &include
	}
	if exclude, err := readTargets(o, "excludeTargets", false); err != nil {
		return err
	} else if exclude != nil {
		p.ExcludeTargets = &exclude
	}
	_, err = a.Methods.Update(r.Context(), method.Fido2ID, func(pol *method.Policy) error {
		c := p.Apply(pol.Fido2)
		if err := passkey.CheckRestrictions(c); err != nil {
			return err
		}
		pol.Fido2 = c
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readKeyRestrictions reads fido2KeyRestrictions; nil when absent.
func readKeyRestrictions(o httpx.Object) (*passkey.KeyRestrictionsPatch, error) {
	raw, ok := o["keyRestrictions"]
	if !ok {
		return nil, nil
	}
	k, err := httpx.ParseObject(raw)
	if err != nil {
		return nil, apperr.Invalidf("Property 'keyRestrictions' must be an object like {\"isEnforced\": true, \"enforcementType\": \"block\", \"aaGuids\": [\"…\"]}.")
	}
	if err := k.Allow("microsoft.graph.fido2KeyRestrictions", "isEnforced", "enforcementType", "aaGuids"); err != nil {
		return nil, err
	}
	var p passkey.KeyRestrictionsPatch
	if p.IsEnforced, err = k.Bool("isEnforced"); err != nil {
		return nil, err
	}
	if p.EnforcementType, err = k.StringPtr("enforcementType", false); err != nil {
		return nil, err
	}
	if rawIDs, ok := k["aaGuids"]; ok {
		var ids []string
		if err := json.Unmarshal(rawIDs, &ids); err != nil || ids == nil {
			return nil, apperr.Invalidf("Property 'aaGuids' must be an array of AAGUID strings.")
		}
		p.AAGUIDs = &ids
	}
	return &p, nil
}

// fido2MethodFields are the properties of Graph's fido2AuthenticationMethod.
var fido2MethodFields = []string{"id", "displayName", "createdDateTime", "aaGuid", "model", "attestationCertificates", "attestationLevel"}

func toFido2MethodDTO(c passkey.Credential) fido2MethodDTO {
	level := "notAttested"
	if c.AttestationTrusted {
		level = "attested"
	}
	certs := c.AttestationCertificates
	if certs == nil {
		certs = []string{}
	}
	return fido2MethodDTO{ID: c.ID, DisplayName: c.DisplayName, CreatedDateTime: graphTime(c.CreatedAt), AAGUID: c.AAGUID, Model: c.Model,
		AttestationCertificates: certs, AttestationLevel: level}
}

// handleFido2MethodList: GET /v1.0/users/{id}/authentication/fido2Methods.
func (a *API) handleFido2MethodList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: fido2MethodFields})
	if err != nil {
		return err
	}
	keys, err := a.Passkeys.UserKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]any, len(keys))
	for i, k := range keys {
		items[i] = toFido2MethodDTO(k)
	}
	return a.writeList(w, r, userMethodsSet(r, "fido2Methods"), q, listOptions{fields: fido2MethodFields}, items, nil)
}

// handleFido2MethodGet: GET /v1.0/users/{id}/authentication/fido2Methods/{method}.
func (a *API) handleFido2MethodGet(w http.ResponseWriter, r *http.Request) error {
	k, err := a.Passkeys.UserKey(r.Context(), r.PathValue("id"), r.PathValue("method"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, userMethodsSet(r, "fido2Methods"), toFido2MethodDTO(k), fido2MethodFields)
}

// handleFido2MethodDelete: DELETE /v1.0/users/{id}/authentication/fido2Methods/{method}.
func (a *API) handleFido2MethodDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.Passkeys.DeleteUserKey(r.Context(), r.PathValue("id"), r.PathValue("method")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
