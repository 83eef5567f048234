package provider

import (
	"context"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/grant"
)

// The sign-in of an authorization request happens in package web, which
// uses these methods: find the request, count the trips to other pages,
// and finally answer the client: with a code, or with an OAuth error.

// LoginRequest returns a pending authorization request and its client.
func (p *Provider) LoginRequest(ctx context.Context, id string) (grant.Request, application.Application, error) {
	r, err := p.deps.Grants.Find(ctx, id)
	if err != nil {
		return grant.Request{}, application.Application{}, err
	}
	a, err := p.deps.Applications.FindApplicationByAppID(ctx, r.ClientID)
	if err != nil {
		return grant.Request{}, application.Application{}, err
	}
	return r, a, nil
}

// Interact counts a trip to a sign-in or step-up page and returns how many
// there have been.
func (p *Provider) Interact(ctx context.Context, id string) (int, error) {
	return p.deps.Grants.Interact(ctx, id)
}

// Complete records the sign-in and redirects the browser to the client
// with a code (or posts it, for response_mode=form_post).
func (p *Provider) Complete(w http.ResponseWriter, r *http.Request, id string, a grant.Authentication) error {
	req, err := p.deps.Grants.Complete(r.Context(), id, a)
	if err != nil {
		return err
	}
	r = r.WithContext(op.ContextWithIssuer(context.WithValue(r.Context(), scopeKey{}, &scope{}), p.deps.Issuer))
	op.AuthResponse(newAuthRequest(req), p.op, w, r)
	return nil
}

// Fail answers the client with an OAuth error (RFC 6749 §4.1.2.1) at its
// redirect URI and forgets the request. errorCode is one of the standard
// codes (access_denied, login_required, interaction_required,
// unmet_authentication_requirements, …).
func (p *Provider) Fail(w http.ResponseWriter, r *http.Request, id, errorCode, description string) error {
	req, err := p.deps.Grants.Find(r.Context(), id)
	if err != nil {
		return err
	}
	if err := p.deps.Grants.Cancel(r.Context(), id); err != nil {
		return err
	}
	e := oauthError(errorCode).WithDescription("%s", description)
	r = r.WithContext(op.ContextWithIssuer(r.Context(), p.deps.Issuer))
	op.AuthRequestError(w, r, newAuthRequest(req), e, p.op)
	return nil
}

// oauthError returns the error with code c; the codes are the fixed ones
// of RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6.
func oauthError(c string) *oidc.Error {
	switch c {
	case "access_denied":
		return oidc.ErrAccessDenied()
	case "login_required":
		return oidc.ErrLoginRequired()
	case "interaction_required":
		return oidc.ErrInteractionRequired()
	case "unmet_authentication_requirements":
		return errUnmet("")
	case "invalid_request":
		return oidc.ErrInvalidRequest()
	}
	return oidc.ErrServerError()
}
