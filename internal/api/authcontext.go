package api

import (
	"net/http"
	"slices"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/bearer"
	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

// ResourceClientID is the client id the admin API names in its claims
// challenges: Strongroom's own API, as Entra names Microsoft Graph's.
const ResourceClientID = "api://strongroom"

// RequireContext checks, for an action bound to authentication context id
// (c1–c99), that the caller's access token carries id in its acrs claim:
// the user stepped up for it. When it does not, it sets the claims
// challenge on w (WWW-Authenticate: Bearer … error="insufficient_claims",
// claims="<base64url of {"access_token":{"acrs":{"essential":true,"value":"cN"}}}>",
// cc_type="authcontext") and returns a 401 error with code
// insufficient_claims for the handler to return. An application's token
// can never satisfy a context (Entra: authentication contexts are for
// users only).
//
// Call it in a handler behind a.authed, before changing anything:
//
//	if err := a.RequireContext(w, r, "c1"); err != nil {
//		return err
//	}
func (a *API) RequireContext(w http.ResponseWriter, r *http.Request, id string) error {
	if !claimschallenge.IsContextID(id) {
		return apperr.New(apperr.Internal, "The action names an invalid authentication context.")
	}
	raw, ok := bearer.FromHeader(r)
	if !ok {
		return apperr.New(apperr.Unauthenticated, "Access token is empty.")
	}
	c, err := a.Verifier.Verify(r.Context(), raw)
	if err != nil {
		return apperr.Wrap(err, apperr.Unauthenticated, "Access token validation failure.")
	}
	if c.IDType == "app" {
		return apperr.Forbiddenf("This action needs a user who has proved the authentication context %s; an application's token cannot.", id).WithCode("Authorization_RequestDenied")
	}
	if slices.Contains(c.ACRS, id) {
		return nil
	}
	authorize := a.PublicURL.String() + "/oauth2/authorize"
	w.Header().Set("WWW-Authenticate", claimschallenge.ForContext(authorize, ResourceClientID, id).String())
	return apperr.New(apperr.Unauthenticated, "This action needs the authentication context %s: sign in again with the claims request in the WWW-Authenticate header (the strongroom command does this by itself).", id).WithCode("insufficient_claims")
}
