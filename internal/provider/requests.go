package provider

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/grant"
)

// audienceFor returns an access token's audience: the client, and
// Strongroom's API when a scope names it (so that the admin API accepts
// the token as the user).
func audienceFor(clientID string, scopes []string) []string {
	aud := []string{clientID}
	if slices.ContainsFunc(scopes, apiScope) {
		aud = append(aud, APIAudience)
	}
	return aud
}

// phased gives the access token and the ID token their own audiences. The
// library asks the same request object for its audience when it signs the
// access token and again for the ID token, in that order, right after the
// storage has created the tokens; the ID token's audience is the client
// alone (OpenID Connect Core §2).
type phased struct {
	accessAudience []string
	clientID       string
	accessNext     bool
}

func (p *phased) audience() []string {
	if p.accessNext {
		p.accessNext = false
		return p.accessAudience
	}
	return []string{p.clientID}
}

// authRequest adapts a grant.Request to op.AuthRequest.
type authRequest struct {
	r grant.Request
	phased
}

func newAuthRequest(r grant.Request) *authRequest {
	return &authRequest{r: r, phased: phased{clientID: r.ClientID, accessAudience: audienceFor(r.ClientID, r.Params.Scopes)}}
}

func (a *authRequest) GetID() string { return a.r.ID }
func (a *authRequest) GetACR() string {
	if a.r.Auth == nil {
		return ""
	}
	return a.r.Auth.ACR
}
func (a *authRequest) GetAMR() []string {
	if a.r.Auth == nil {
		return nil
	}
	return a.r.Auth.AMR
}
func (a *authRequest) GetAudience() []string { return a.audience() }
func (a *authRequest) GetAuthTime() time.Time {
	if a.r.Auth == nil {
		return time.Time{}
	}
	return a.r.Auth.AuthTime
}
func (a *authRequest) GetClientID() string { return a.r.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.r.Params.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.r.Params.CodeChallenge, Method: oidc.CodeChallengeMethod(a.r.Params.CodeChallengeMethod)}
}
func (a *authRequest) GetNonce() string       { return a.r.Params.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.Params.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.r.Params.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.r.Params.ResponseMode)
}
func (a *authRequest) GetScopes() []string { return a.r.Params.Scopes }
func (a *authRequest) GetState() string    { return a.r.Params.State }
func (a *authRequest) GetSubject() string {
	if a.r.Auth == nil {
		return ""
	}
	return a.r.Auth.UserID
}
func (a *authRequest) Done() bool { return a.r.Done && a.r.Auth != nil }

// refreshRequest adapts a grant.RefreshToken to op.RefreshTokenRequest.
type refreshRequest struct {
	t      grant.RefreshToken
	scopes []string
	phased
}

func newRefreshRequest(t grant.RefreshToken) *refreshRequest {
	return &refreshRequest{t: t, scopes: t.Scopes, phased: phased{clientID: t.ClientID, accessAudience: t.Audience}}
}

func (r *refreshRequest) GetAMR() []string       { return r.t.Auth.AMR }
func (r *refreshRequest) GetAudience() []string  { return r.audience() }
func (r *refreshRequest) GetAuthTime() time.Time { return r.t.Auth.AuthTime }
func (r *refreshRequest) GetClientID() string    { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string    { return r.scopes }
func (r *refreshRequest) GetSubject() string     { return r.t.Auth.UserID }

// SetCurrentScopes narrows the scopes of the tokens issued now (RFC 6749
// §6); the refresh token keeps the original grant.
func (r *refreshRequest) SetCurrentScopes(scopes []string) {
	r.scopes = scopes
	r.accessAudience = audienceFor(r.t.ClientID, scopes)
}

// appTokenRequest is a client-credentials token request.
type appTokenRequest struct {
	app    application.Application
	scopes []string
}

func (r *appTokenRequest) GetSubject() string    { return r.app.ID }
func (r *appTokenRequest) GetAudience() []string { return []string{APIAudience} }
func (r *appTokenRequest) GetScopes() []string   { return r.scopes }
