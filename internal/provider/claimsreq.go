package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/strongroom-id/strongroom/internal/grant"
)

// Contexts tells which authentication contexts are published to
// applications (Graph's isAvailable, "Publish to apps"). Only those may be
// requested by a client.
type Contexts interface {
	IsAvailable(ctx context.Context, id string) (bool, error)
}

// AllContextsPublished treats every well-formed context id (c1–c99) as
// published: the default until the wiring sets the Conditional Access
// service's view (SetContexts).
type AllContextsPublished struct{}

// IsAvailable implements Contexts.
func (AllContextsPublished) IsAvailable(_ context.Context, id string) (bool, error) {
	return grant.IsContextID(id), nil
}

// individualClaim is one entry of a claims request (OpenID Connect Core
// §5.5.1): null, or an object with essential, value or values.
type individualClaim struct {
	Essential bool              `json:"essential"`
	Value     json.RawMessage   `json:"value"`
	Values    []json.RawMessage `json:"values"`
}

func (c individualClaim) strings() ([]string, error) {
	var out []string
	for _, raw := range append([]json.RawMessage{c.Value}, c.Values...) {
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("value %s is not a string", raw)
		}
		out = append(out, s)
	}
	return out, nil
}

// requestedContexts reads the authentication contexts a client requires
// and the acr values it prefers, from the claims parameter (Entra's
// {"id_token":{"acrs":{"essential":true,"value":"c1"}}}, also for
// access_token and userinfo) and acr_values. Every acrs value is required
// (the claims challenge of a resource server asks for it). acr values that
// are context ids are required when the request marks acr essential, and
// always when they come in acr_values (the way apps ask Strongroom for a
// step-up without the claims parameter); other acr values are preferences.
func requestedContexts(claimsParam string, acrValues []string) (contexts, acr []string, err error) {
	contexts, acr, _, err = requestedAuthentication(claimsParam, acrValues)
	return contexts, acr, err
}

// requestedAuthentication is requestedContexts, and also whether the
// request requires multifactor evidence: an essential amr claim with the
// value mfa ({"access_token":{"amr":{"essential":true,"values":["mfa"]}}},
// the claims challenge Strongroom's API sends for an action that needs
// MFA).
func requestedAuthentication(claimsParam string, acrValues []string) (contexts, acr []string, mfa bool, err error) {
	add := func(list []string, v string) []string {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
		return list
	}
	if claimsParam != "" {
		var req map[string]map[string]*individualClaim
		if err := json.Unmarshal([]byte(claimsParam), &req); err != nil {
			return nil, nil, false, oidc.ErrInvalidRequest().WithDescription("The claims parameter is not a valid claims request (OpenID Connect Core 5.5).")
		}
		for _, member := range []string{"id_token", "access_token", "userinfo"} {
			for name, c := range req[member] {
				if c == nil || (name != "acrs" && name != "acr" && name != "amr") {
					continue
				}
				vals, err := c.strings()
				if err != nil {
					return nil, nil, false, oidc.ErrInvalidRequest().WithDescription("The claims parameter asks for %s with a %s.", name, err)
				}
				for _, v := range vals {
					switch name {
					case "acrs":
						if !grant.IsContextID(v) {
							return nil, nil, false, oidc.ErrInvalidRequest().WithDescription("The claims parameter asks for an authentication context that is not c1 to c99.")
						}
						contexts = add(contexts, v)
					case "acr":
						acr = add(acr, v)
						if c.Essential && grant.IsContextID(v) {
							contexts = add(contexts, v)
						}
					case "amr":
						if c.Essential && v == grant.AMRMFA {
							mfa = true
						}
					}
				}
			}
		}
	}
	for _, v := range acrValues {
		acr = add(acr, v)
		if grant.IsContextID(v) {
			contexts = add(contexts, v)
		}
	}
	slices.Sort(contexts)
	return contexts, acr, mfa, nil
}

// errUnmet is OpenID Connect's error for requirements that cannot be met
// (OpenID Connect Core Unmet Authentication Requirements 1.0).
func errUnmet(desc string, args ...any) *oidc.Error {
	return (&oidc.Error{ErrorType: "unmet_authentication_requirements"}).WithDescription(desc, args...)
}

// errUnsupportedResponseType is RFC 6749 §4.1.2.1's error.
func errUnsupportedResponseType() *oidc.Error {
	return (&oidc.Error{ErrorType: "unsupported_response_type"}).WithDescription("Strongroom supports the authorization code flow only: use response_type=code.")
}

// ContextsFunc adapts a function to Contexts.
type ContextsFunc func(ctx context.Context, id string) (bool, error)

// IsAvailable implements Contexts.
func (f ContextsFunc) IsAvailable(ctx context.Context, id string) (bool, error) { return f(ctx, id) }
