package api

import (
	"encoding/json"
	"net/http"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/odata"
)

// Graph's types for the authentication methods policy.
const (
	odataTAPConfiguration   = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"
	odataOathConfiguration  = "#microsoft.graph.softwareOathAuthenticationMethodConfiguration"
	odataFido2Configuration = "#microsoft.graph.fido2AuthenticationMethodConfiguration"
	methodsPolicyPath       = "policies/authenticationMethodsPolicy"
	methodConfigurationsSet = methodsPolicyPath + "/authenticationMethodConfigurations"
)

// includeTargetDTO is Graph's authenticationMethodTarget.
type includeTargetDTO struct {
	TargetType             string `json:"targetType"`
	ID                     string `json:"id"`
	IsRegistrationRequired bool   `json:"isRegistrationRequired"`
}

// excludeTargetDTO is Graph's excludeTarget.
type excludeTargetDTO struct {
	TargetType string `json:"targetType"`
	ID         string `json:"id"`
}

func targetType(t string) string {
	if t == "" {
		return "group"
	}
	return t
}

func toIncludeTargets(ts []method.Target) []includeTargetDTO {
	out := make([]includeTargetDTO, len(ts))
	for i, t := range ts {
		out[i] = includeTargetDTO{TargetType: targetType(t.TargetType), ID: t.ID, IsRegistrationRequired: t.IsRegistrationRequired}
	}
	return out
}

func toExcludeTargets(ts []method.Target) []excludeTargetDTO {
	out := make([]excludeTargetDTO, len(ts))
	for i, t := range ts {
		out[i] = excludeTargetDTO{TargetType: targetType(t.TargetType), ID: t.ID}
	}
	return out
}

// tapConfigurationDTO is Graph's temporaryAccessPassAuthenticationMethodConfiguration.
type tapConfigurationDTO struct {
	ODataType                string             `json:"@odata.type"`
	ID                       string             `json:"id"`
	State                    string             `json:"state"`
	DefaultLifetimeInMinutes int                `json:"defaultLifetimeInMinutes"`
	DefaultLength            int                `json:"defaultLength"`
	MinimumLifetimeInMinutes int                `json:"minimumLifetimeInMinutes"`
	MaximumLifetimeInMinutes int                `json:"maximumLifetimeInMinutes"`
	IsUsableOnce             bool               `json:"isUsableOnce"`
	IncludeTargets           []includeTargetDTO `json:"includeTargets"`
	ExcludeTargets           []excludeTargetDTO `json:"excludeTargets"`
}

var tapConfigurationFields = []string{"id", "state", "defaultLifetimeInMinutes", "defaultLength", "minimumLifetimeInMinutes", "maximumLifetimeInMinutes", "isUsableOnce", "includeTargets", "excludeTargets"}

func toTAPConfigurationDTO(c method.TAP) tapConfigurationDTO {
	return tapConfigurationDTO{ODataType: odataTAPConfiguration, ID: method.TemporaryAccessPassID, State: c.State,
		DefaultLifetimeInMinutes: c.DefaultLifetimeInMinutes, DefaultLength: c.DefaultLength,
		MinimumLifetimeInMinutes: c.MinimumLifetimeInMinutes, MaximumLifetimeInMinutes: c.MaximumLifetimeInMinutes,
		IsUsableOnce: c.IsUsableOnce, IncludeTargets: toIncludeTargets(c.IncludeTargets), ExcludeTargets: toExcludeTargets(c.ExcludeTargets)}
}

// oathConfigurationDTO is Graph's softwareOathAuthenticationMethodConfiguration.
type oathConfigurationDTO struct {
	ODataType      string             `json:"@odata.type"`
	ID             string             `json:"id"`
	State          string             `json:"state"`
	IncludeTargets []includeTargetDTO `json:"includeTargets"`
	ExcludeTargets []excludeTargetDTO `json:"excludeTargets"`
}

var oathConfigurationFields = []string{"id", "state", "includeTargets", "excludeTargets"}

func toOathConfigurationDTO(c method.SoftwareOath) oathConfigurationDTO {
	return oathConfigurationDTO{ODataType: odataOathConfiguration, ID: method.SoftwareOathID, State: c.State,
		IncludeTargets: toIncludeTargets(c.IncludeTargets), ExcludeTargets: toExcludeTargets(c.ExcludeTargets)}
}

// policyFido2DTO is Graph's fido2AuthenticationMethodConfiguration as the
// whole policy lists it (the Fido2 configuration's own routes live with the
// passkey work).
type policyFido2DTO struct {
	ODataType                        string             `json:"@odata.type"`
	ID                               string             `json:"id"`
	State                            string             `json:"state"`
	IsSelfServiceRegistrationAllowed bool               `json:"isSelfServiceRegistrationAllowed"`
	IsAttestationEnforced            bool               `json:"isAttestationEnforced"`
	KeyRestrictions                  policyKeyRestrDTO  `json:"keyRestrictions"`
	IncludeTargets                   []includeTargetDTO `json:"includeTargets"`
	ExcludeTargets                   []excludeTargetDTO `json:"excludeTargets"`
}

type policyKeyRestrDTO struct {
	IsEnforced      bool     `json:"isEnforced"`
	EnforcementType string   `json:"enforcementType"`
	AAGUIDs         []string `json:"aaGuids"`
}

func toPolicyFido2DTO(c method.Fido2) policyFido2DTO {
	aaguids := c.KeyRestrictions.AAGUIDs
	if aaguids == nil {
		aaguids = []string{}
	}
	return policyFido2DTO{ODataType: odataFido2Configuration, ID: method.Fido2ID, State: c.State,
		IsSelfServiceRegistrationAllowed: c.IsSelfServiceRegistrationAllowed, IsAttestationEnforced: c.IsAttestationEnforced,
		KeyRestrictions: policyKeyRestrDTO{IsEnforced: c.KeyRestrictions.IsEnforced, EnforcementType: c.KeyRestrictions.EnforcementType, AAGUIDs: aaguids},
		IncludeTargets:  toIncludeTargets(c.IncludeTargets), ExcludeTargets: toExcludeTargets(c.ExcludeTargets)}
}

// methodsPolicyDTO is Graph's authenticationMethodsPolicy.
type methodsPolicyDTO struct {
	ID                                 string `json:"id"`
	DisplayName                        string `json:"displayName"`
	Description                        string `json:"description"`
	PolicyVersion                      string `json:"policyVersion"`
	PolicyMigrationState               string `json:"policyMigrationState"`
	AuthenticationMethodConfigurations []any  `json:"authenticationMethodConfigurations"`
}

var methodsPolicyFields = []string{"id", "displayName", "description", "policyVersion", "policyMigrationState", "authenticationMethodConfigurations"}

// handleMethodsPolicyGet: GET /v1.0/policies/authenticationMethodsPolicy.
func (a *API) handleMethodsPolicyGet(w http.ResponseWriter, r *http.Request) error {
	p, err := a.Methods.Policy(r.Context())
	if err != nil {
		return err
	}
	out := methodsPolicyDTO{ID: "authenticationMethodsPolicy", DisplayName: "Authentication Methods Policy",
		Description:   "The tenant-wide policy that controls which authentication methods are allowed in the tenant and who may use them.",
		PolicyVersion: "1.5", PolicyMigrationState: "migrationComplete",
		AuthenticationMethodConfigurations: []any{toPolicyFido2DTO(p.Fido2), toOathConfigurationDTO(p.SoftwareOath), toTAPConfigurationDTO(p.TAP)}}
	return a.writeOneAt(w, r, http.StatusOK, methodsPolicyPath, out, methodsPolicyFields)
}

// writeOneAt writes a singleton (whose @odata.context has no /$entity),
// applying $select.
func (a *API) writeOneAt(w http.ResponseWriter, r *http.Request, status int, fragment string, v any, fields []string) error {
	q, err := odata.ParseQuery(r.URL.Query(), 1, 1)
	if err != nil {
		return err
	}
	if len(q.Filter.Conditions) > 0 || q.SkipToken != "" || len(q.OrderBy) > 0 {
		return apperr.Invalidf("Query options other than $select are not supported when reading one object.")
	}
	m, err := toMap(v)
	if err != nil {
		return err
	}
	out, err := odata.Select(m, q.Select, fields)
	if err != nil {
		return err
	}
	out["@odata.context"] = a.contextURL(fragment)
	httpx.WriteJSON(w, status, out)
	return nil
}

// configurationDTO returns the DTO and selectable fields of configuration id.
func configurationDTO(p method.Policy, id string) (any, []string) {
	if id == method.SoftwareOathID {
		return toOathConfigurationDTO(p.SoftwareOath), oathConfigurationFields
	}
	return toTAPConfigurationDTO(p.TAP), tapConfigurationFields
}

// handleMethodConfigurationGet: GET …/authenticationMethodConfigurations/{TemporaryAccessPass|SoftwareOath}.
func (a *API) handleMethodConfigurationGet(id string) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := a.Methods.Configuration(r.Context(), id)
		if err != nil {
			return err
		}
		dto, fields := configurationDTO(p, id)
		return a.writeOne(w, r, http.StatusOK, methodConfigurationsSet, dto, fields)
	}
}

// handleMethodConfigurationDelete: DELETE …/{id} reverts it to its default.
func (a *API) handleMethodConfigurationDelete(id string) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := a.Methods.Reset(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// handleMethodConfigurationUpdate: PATCH …/{id} merges the properties sent
// into the stored configuration.
func (a *API) handleMethodConfigurationUpdate(id string) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := httpx.ReadObject(r)
		if err != nil {
			return err
		}
		typeName, odataType, fields := "microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration", odataTAPConfiguration, tapConfigurationFields
		if id == method.SoftwareOathID {
			typeName, odataType, fields = "microsoft.graph.softwareOathAuthenticationMethodConfiguration", odataOathConfiguration, oathConfigurationFields
		}
		if err := o.Allow(typeName, fields...); err != nil {
			return err
		}
		if t, ok, err := o.String("@odata.type", false); err != nil {
			return err
		} else if ok && t != odataType {
			return apperr.Invalidf("@odata.type must be %q for the %s configuration, not %q.", odataType, id, t)
		}
		if v, ok, err := o.String("id", false); err != nil {
			return err
		} else if ok && v != id {
			return apperr.Invalidf("id is read-only: it must be %q here, not %q.", id, v)
		}
		state, err := o.StringPtr("state", false)
		if err != nil {
			return err
		}
		include, err := readTargets(o, "includeTargets", true)
		if err != nil {
			return err
		}
		exclude, err := readTargets(o, "excludeTargets", false)
		if err != nil {
			return err
		}
		ints := map[string]*int{}
		var once *bool
		if id == method.TemporaryAccessPassID {
			for _, f := range []string{"defaultLifetimeInMinutes", "defaultLength", "minimumLifetimeInMinutes", "maximumLifetimeInMinutes"} {
				if ints[f], err = o.Int(f); err != nil {
					return err
				}
			}
			if once, err = o.Bool("isUsableOnce"); err != nil {
				return err
			}
		}
		_, err = a.Methods.Update(r.Context(), id, func(p *method.Policy) error {
			st, inc, exc := &p.TAP.State, &p.TAP.IncludeTargets, &p.TAP.ExcludeTargets
			if id == method.SoftwareOathID {
				st, inc, exc = &p.SoftwareOath.State, &p.SoftwareOath.IncludeTargets, &p.SoftwareOath.ExcludeTargets
			}
			if state != nil {
				*st = *state
			}
			if include != nil {
				*inc = include
			}
			if exclude != nil {
				*exc = exclude
			}
			set := func(dst *int, f string) {
				if v := ints[f]; v != nil {
					*dst = *v
				}
			}
			set(&p.TAP.DefaultLifetimeInMinutes, "defaultLifetimeInMinutes")
			set(&p.TAP.DefaultLength, "defaultLength")
			set(&p.TAP.MinimumLifetimeInMinutes, "minimumLifetimeInMinutes")
			set(&p.TAP.MaximumLifetimeInMinutes, "maximumLifetimeInMinutes")
			if once != nil {
				p.TAP.IsUsableOnce = *once
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// readTargets reads includeTargets (include) or excludeTargets; nil when
// absent. An absent targetType means group.
func readTargets(o httpx.Object, name string, include bool) ([]method.Target, error) {
	raw, ok := o[name]
	if !ok {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, apperr.Invalidf("Property '%s' must be an array of targets like {\"targetType\": \"group\", \"id\": \"all_users\"}.", name)
	}
	out := make([]method.Target, 0, len(items))
	for i, it := range items {
		t, err := httpx.ParseObject(it)
		if err != nil {
			return nil, apperr.Invalidf("%s[%d] must be an object like {\"targetType\": \"group\", \"id\": \"all_users\"}.", name, i)
		}
		allowed := []string{"targetType", "id"}
		typ := "microsoft.graph.excludeTarget"
		if include {
			allowed, typ = append(allowed, "isRegistrationRequired"), "microsoft.graph.authenticationMethodTarget"
		}
		if err := t.Allow(typ, allowed...); err != nil {
			return nil, err
		}
		var tg method.Target
		if tg.TargetType, _, err = t.String("targetType", false); err != nil {
			return nil, err
		}
		tg.TargetType = targetType(tg.TargetType)
		if tg.ID, _, err = t.String("id", false); err != nil {
			return nil, err
		}
		if tg.ID == "" {
			return nil, apperr.Invalidf("%s[%d].id is required: a group id or all_users.", name, i)
		}
		if b, err := t.Bool("isRegistrationRequired"); err != nil {
			return nil, err
		} else if b != nil {
			tg.IsRegistrationRequired = *b
		}
		out = append(out, tg)
	}
	return out, nil
}
