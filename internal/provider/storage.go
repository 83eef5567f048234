package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/grant"
)

// storage implements op.Storage over Strongroom's services.
type storage struct {
	deps Deps
}

var _ op.Storage = (*storage)(nil)
var _ op.ClientCredentialsStorage = (*storage)(nil)
var _ op.CanTerminateSessionFromRequest = (*storage)(nil)
var _ op.CanSetUserinfoFromRequest = (*storage)(nil)
var _ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)

// grantError turns a grant error into invalid_grant (RFC 6749 §5.2), and
// anything else into server_error.
func grantError(err error) error {
	var e *apperr.Error
	if errors.As(err, &e) && (e.Kind == apperr.Invalid || e.Kind == apperr.NotFound) {
		return oidc.ErrInvalidGrant().WithDescription("%s", e.Message).WithParent(err)
	}
	return oidc.ErrServerError().WithParent(err)
}

// CreateAuthRequest stores a validated authorization request. The library
// has checked the client, the redirect URI (exactly, or a loopback URI on
// any port for a native client), the scopes and the prompt; Strongroom adds
// its own rules: the code flow only, PKCE with S256 (required for public
// clients, plain refused for all), and the authentication contexts asked
// for must be published to applications.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	app, err := s.app(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, errUnsupportedResponseType()
	}
	switch {
	case req.CodeChallenge == "" && app.IsPublicClient():
		return nil, oidc.ErrInvalidRequest().WithDescription("This application is a public client: send a PKCE code_challenge with code_challenge_method=S256 (RFC 7636).")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("Only code_challenge_method=S256 is accepted; plain is refused (RFC 7636 §4.2, OAuth 2.0 Security BCP).")
	}
	switch req.ResponseMode {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFormPost:
	default:
		return nil, oidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post.")
	}
	contexts, acr, mfa, err := requestedAuthentication(scopeFrom(ctx).claims, req.ACRValues)
	if err != nil {
		return nil, err
	}
	for _, c := range contexts {
		ok, err := s.deps.Contexts.IsAvailable(ctx, c)
		if err != nil {
			return nil, oidc.ErrServerError().WithParent(err)
		}
		if !ok {
			return nil, errUnmet("The authentication context %s is not published to applications.", c)
		}
	}
	p := grant.Params{
		RedirectURI: req.RedirectURI, Scopes: req.Scopes, State: req.State, Nonce: req.Nonce,
		ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt: req.Prompt, LoginHint: req.LoginHint, HintSubject: hintSubject, Contexts: contexts, ACRValues: acr, RequireMFA: mfa,
	}
	if req.MaxAge != nil {
		m := int64(*req.MaxAge)
		p.MaxAge = &m
	}
	r, err := s.deps.Grants.Begin(ctx, app.AppID, p)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return newAuthRequest(r), nil
}

// AuthRequestByID returns a pending request.
func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.deps.Grants.Find(ctx, id)
	if err != nil {
		return nil, err
	}
	return newAuthRequest(r), nil
}

// AuthRequestByCode returns the request a code belongs to; a reused code
// revokes what it issued first.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.deps.Grants.ByCode(ctx, code)
	if err != nil {
		return nil, grantError(err)
	}
	return newAuthRequest(r), nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.deps.Grants.SaveCode(ctx, id, code)
}

// DeleteAuthRequest is called once a code is exchanged. The request stays,
// marked used, until a second use could no longer revoke anything; the
// cleanup job removes it.
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

// accessFor returns the id and expiry of a user's access token, capped by
// the sign-in's session, and records the cap for the ID token.
func (s *storage) accessFor(ctx context.Context, a grant.Authentication) (grant.Issued, error) {
	now := s.deps.Now()
	exp := a.Cap(now.Add(AccessTokenLifetime))
	if !exp.After(now) {
		return grant.Issued{}, grantError(grant.ErrSessionEnded)
	}
	scopeFrom(ctx).idTokenCap = a.Expires
	return grant.Issued{ID: uuid.NewString(), ExpiresAt: exp}, nil
}

// CreateAccessToken returns the id and expiry of an access token. For a
// client-credentials grant it touches no database: the token is
// self-contained.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	switch r := req.(type) {
	case *appTokenRequest:
		return uuid.NewString(), s.deps.Now().Add(AccessTokenLifetime), nil
	case *authRequest:
		access, err := s.accessFor(ctx, *r.r.Auth)
		if err != nil {
			return "", time.Time{}, err
		}
		if _, err := s.deps.Grants.Redeem(ctx, r.r, access, false, nil); err != nil {
			return "", time.Time{}, grantError(err)
		}
		r.accessNext = true
		return access.ID, access.ExpiresAt, nil
	}
	return "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

// CreateAccessAndRefreshTokens redeems a code with offline access (a new
// refresh-token family) or rotates a refresh token.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, _ string) (string, string, time.Time, error) {
	switch r := req.(type) {
	case *authRequest:
		access, err := s.accessFor(ctx, *r.r.Auth)
		if err != nil {
			return "", "", time.Time{}, err
		}
		refresh, err := s.deps.Grants.Redeem(ctx, r.r, access, true, r.accessAudience)
		if err != nil {
			return "", "", time.Time{}, grantError(err)
		}
		r.accessNext = true
		return access.ID, refresh, access.ExpiresAt, nil
	case *refreshRequest:
		access, err := s.accessFor(ctx, r.t.Auth)
		if err != nil {
			return "", "", time.Time{}, err
		}
		refresh, err := s.deps.Grants.Rotate(ctx, r.t, access)
		if err != nil {
			return "", "", time.Time{}, grantError(err)
		}
		r.accessNext = true
		return access.ID, refresh, access.ExpiresAt, nil
	}
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

// TokenRequestByRefreshToken returns the grant of a live refresh token. A
// token rotated before revokes its family; one whose session ended is
// refused.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, err := s.deps.Grants.Refresh(ctx, token)
	if err != nil {
		return nil, grantError(err)
	}
	return newRefreshRequest(t), nil
}

// TerminateSession is replaced by TerminateSessionFromRequest.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// TerminateSessionFromRequest ends the Strongroom session named by the
// id_token_hint's sid (RP-initiated logout 1.0 §2) and then sends the
// browser to the validated post_logout_redirect_uri. Without an
// id_token_hint nothing is ended here: the browser is asked to confirm,
// so that another site cannot sign users out with a link.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	if req.IDTokenHintClaims == nil {
		return PathLogoutConfirm, nil
	}
	sid, _ := req.IDTokenHintClaims.Claims["sid"].(string)
	if sid != "" {
		if err := s.deps.Grants.EndSession(ctx, sid, req.UserID); err != nil {
			return "", oidc.ErrServerError().WithParent(err)
		}
	}
	if sc := scopeFrom(ctx); sc.browserSession != "" && sc.browserSession != sid && sc.browserUser == req.UserID {
		if err := s.deps.Grants.EndSession(ctx, sc.browserSession, req.UserID); err != nil {
			return "", oidc.ErrServerError().WithParent(err)
		}
	}
	return req.RedirectURI, nil
}

// RevokeToken revokes a refresh token (its whole family) or an access
// token (by putting its id on the revocation list until it expires). An
// unknown token is not an error (RFC 7009 §2.2).
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	if userID == "" {
		return nil
	}
	t, err := s.deps.Grants.FindRefreshByID(ctx, tokenOrID)
	switch {
	case err == nil:
		if t.ClientID != clientID {
			return oidc.ErrUnauthorizedClient().WithDescription("The token was not issued to this client.")
		}
		if err := s.deps.Grants.RevokeRefresh(ctx, t.ID); err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
		return nil
	case !errors.Is(err, apperr.NotFound):
		return oidc.ErrServerError().WithParent(err)
	}
	// An access token's id: the library verified its signature. Its expiry
	// is at most an access token's lifetime away.
	if err := s.deps.Grants.RevokeAccess(ctx, tokenOrID, s.deps.Now().Add(AccessTokenLifetime)); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// GetRefreshTokenInfo identifies a refresh token for revocation.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.deps.Grants.FindRefresh(ctx, token)
	if errors.Is(err, apperr.NotFound) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	return t.Auth.UserID, t.ID, nil
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	k, err := s.deps.Keys.Current()
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return signingKey{k}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

// KeySet is the JWKS: every published key, including the next one before
// it signs and retired ones until their tokens have expired.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	var out []op.Key
	for _, k := range s.deps.Keys.Published() {
		out = append(out, publicKey{k})
	}
	return out, nil
}

// app returns the application with client id, from the request's scope
// when it was read already.
func (s *storage) app(ctx context.Context, clientID string) (application.Application, error) {
	sc := scopeFrom(ctx)
	if sc.app != nil && sc.app.AppID == clientID {
		return *sc.app, nil
	}
	a, err := s.deps.Applications.FindApplicationByAppID(ctx, clientID)
	if err != nil {
		if errors.Is(err, apperr.NotFound) {
			return a, notFound{clientID}
		}
		return a, oidc.ErrServerError().WithParent(err)
	}
	sc.app = &a
	return a, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	a, err := s.app(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return &client{app: a, sc: scopeFrom(ctx), now: s.deps.Now}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	_, err := s.authenticate(ctx, clientID, secret)
	return err
}

// authenticate checks a client's secret. The library often reads the
// client just before (GetClientByClientID); the request's scope keeps it,
// so the database is read once.
func (s *storage) authenticate(ctx context.Context, clientID, secret string) (application.Application, error) {
	a, err := s.app(ctx, clientID)
	if err == nil {
		err = application.CheckSecret(a, s.deps.Hasher, secret, s.deps.Now())
	}
	switch {
	case err == nil:
		return a, nil
	case errors.Is(err, apperr.Unauthenticated), errors.As(err, new(notFound)):
		// One message for both: an unknown client and a wrong secret look
		// the same from outside.
		return a, errors.New("client authentication failed")
	default:
		return a, err
	}
}

// notFound is an unknown client.
type notFound struct{ clientID string }

func (e notFound) Error() string { return fmt.Sprintf("unknown client %q", e.clientID) }

func (s *storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	a, err := s.authenticate(ctx, clientID, secret)
	if err != nil {
		return nil, err
	}
	return &client{app: a, sc: scopeFrom(ctx), now: s.deps.Now}, nil
}

func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	a, err := s.app(ctx, clientID)
	if err != nil {
		return nil, err
	}
	// Graph clients ask for "<resource>/.default"; Strongroom grants the
	// application's permissions whatever the scope names.
	return &appTokenRequest{app: a, scopes: scopes}, nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// user returns a user who may still get tokens.
func (s *storage) user(ctx context.Context, id string) (directory.User, error) {
	sc := scopeFrom(ctx)
	if sc.user != nil && sc.user.ID == id {
		return *sc.user, nil
	}
	u, err := s.deps.Users.FindUserByID(ctx, id)
	if errors.Is(err, apperr.NotFound) || err == nil && !u.AccountEnabled {
		return u, oidc.ErrInvalidGrant().WithDescription("The user no longer exists or is disabled.")
	}
	if err != nil {
		return u, oidc.ErrServerError().WithParent(err)
	}
	sc.user = &u
	return u, nil
}

// wids returns the template ids of the roles the user holds actively now,
// read once per request.
func (s *storage) wids(ctx context.Context, userID string) ([]string, error) {
	sc := scopeFrom(ctx)
	if sc.wids != nil && sc.user != nil && sc.user.ID == userID {
		return sc.wids, nil
	}
	w, err := directory.ActiveRoleIDs(ctx, s.deps.Users, userID, s.deps.Now())
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	sc.wids = nonNil(w)
	return sc.wids, nil
}

// setProfile fills the standard claims the scopes allow.
func setProfile(info *oidc.UserInfo, u directory.User, scopes []string) {
	info.Subject = u.ID
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.Name = u.DisplayName
		info.PreferredUsername = u.UserPrincipalName
	}
	if slices.Contains(scopes, oidc.ScopeEmail) && u.Mail != "" {
		info.Email = u.Mail
		// Strongroom does not verify addresses; administrators set them.
		info.EmailVerified = false
	}
}

// SetUserinfoFromRequest fills the ID token's user claims, read now: the
// profile claims the scopes allow, and always sid, acrs (the contexts that
// still count) and wids (the template ids of the roles active now).
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	a, ok := authOf(req)
	if !ok {
		return nil
	}
	u, err := s.user(ctx, a.UserID)
	if err != nil {
		return err
	}
	setProfile(info, u, scopes)
	now := s.deps.Now()
	wids, err := s.wids(ctx, u.ID)
	if err != nil {
		return err
	}
	info.AppendClaims("sid", a.SessionID)
	info.AppendClaims("acrs", a.ContextIDs(now))
	info.AppendClaims("wids", wids)
	info.AppendClaims("oid", u.ID)
	return nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func authOf(req any) (grant.Authentication, bool) {
	switch r := req.(type) {
	case *authRequest:
		if r.r.Auth != nil {
			return *r.r.Auth, true
		}
	case *refreshRequest:
		return r.t.Auth, true
	}
	return grant.Authentication{}, false
}

// tokenClaims decodes the payload of a token the library has just
// verified, for what it does not hand to the storage.
func tokenClaims(raw string) (map[string]any, bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil, false
	}
	return m, true
}

// userTokenClaims returns the claims of the presented token when it is a
// live user access token with id tokenID.
func (s *storage) userTokenClaims(ctx context.Context, tokenID string) (map[string]any, directory.User, error) {
	c, ok := tokenClaims(scopeFrom(ctx).rawToken)
	if !ok || tokenID == "" || c["jti"] != tokenID {
		return nil, directory.User{}, errors.New("not an access token")
	}
	revoked, err := s.deps.Grants.IsRevoked(ctx, tokenID)
	if err != nil {
		return nil, directory.User{}, err
	}
	if revoked {
		return nil, directory.User{}, errors.New("the token was revoked")
	}
	if c["idtyp"] != "user" {
		return c, directory.User{}, nil
	}
	sub, _ := c["sub"].(string)
	u, err := s.user(ctx, sub)
	if err != nil {
		return nil, u, err
	}
	iat, _ := c["iat"].(float64)
	if time.Unix(int64(iat), 0).Before(u.TokensValidAfter.Truncate(time.Second)) {
		return nil, u, errors.New("the token was issued before the user's sessions were revoked")
	}
	return c, u, nil
}

// SetUserinfoFromToken answers the userinfo endpoint for a user's access
// token that is still good: not revoked, the user enabled.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	c, u, err := s.userTokenClaims(ctx, tokenID)
	if err != nil {
		return oidc.ErrAccessDenied().WithDescription("The access token is not valid for userinfo.").WithParent(err)
	}
	if c["idtyp"] != "user" || u.ID != subject {
		return oidc.ErrAccessDenied().WithDescription("Userinfo is available for user access tokens only.")
	}
	var scopes []string
	if scp, ok := c["scope"].(string); ok {
		scopes = strings.Fields(scp)
	}
	setProfile(info, u, scopes)
	return nil
}

// SetIntrospectionFromToken describes an access token to the client it was
// issued to, or to a client in its audience (RFC 7662 §2.2); to any other
// client, and for a revoked token, it is inactive.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	c, u, err := s.userTokenClaims(ctx, tokenID)
	if err != nil {
		return err
	}
	var aud oidc.Audience
	switch v := c["aud"].(type) {
	case string:
		aud = oidc.Audience{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				aud = append(aud, s)
			}
		}
	}
	cid, _ := c["client_id"].(string)
	if cid != clientID && !slices.Contains(aud, clientID) {
		return errors.New("the token is neither issued to nor meant for this client")
	}
	num := func(k string) oidc.Time {
		f, _ := c[k].(float64)
		return oidc.FromTime(time.Unix(int64(f), 0))
	}
	resp.Issuer, _ = c["iss"].(string)
	resp.Subject, resp.Audience, resp.ClientID, resp.JWTID, resp.TokenType = subject, aud, cid, tokenID, oidc.BearerToken
	resp.Expiration, resp.IssuedAt, resp.NotBefore = num("exp"), num("iat"), num("nbf")
	if scp, ok := c["scope"].(string); ok {
		resp.Scope = strings.Fields(scp)
	}
	resp.Claims = map[string]any{}
	for _, k := range []string{"idtyp", "oid", "acrs", "wids", "roles", "sid", "acr", "azp"} {
		if v, ok := c[k]; ok {
			resp.Claims[k] = v
		}
	}
	if c["idtyp"] == "user" {
		resp.Username = u.UserPrincipalName
		resp.AuthTime = num("auth_time")
		if amr, ok := c["amr"].([]any); ok {
			for _, x := range amr {
				if s, ok := x.(string); ok {
					resp.AuthenticationMethodsReferences = append(resp.AuthenticationMethodsReferences, s)
				}
			}
		}
	}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest adds Strongroom's claims to access tokens:
// for applications their permissions in roles (as Entra does), for users
// what the sign-in proved (amr, acr, acrs), their roles active now (wids),
// the session (sid) and the scopes (scp, scope).
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, scopes []string) (map[string]any, error) {
	switch r := req.(type) {
	case *appTokenRequest:
		roles := make([]string, 0, len(r.app.Permissions))
		for _, p := range r.app.Permissions {
			if authz.Known(p) {
				roles = append(roles, string(p))
			}
		}
		slices.Sort(roles)
		return map[string]any{"idtyp": "app", "oid": r.app.ID, "roles": roles, "azp": r.app.AppID, "app_displayname": r.app.DisplayName}, nil
	}
	a, ok := authOf(req)
	if !ok {
		return nil, nil
	}
	u, err := s.user(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	now := s.deps.Now()
	wids, err := s.wids(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	all := req.GetScopes()
	return map[string]any{
		"idtyp": "user", "oid": u.ID, "azp": clientIDOf(req), "sid": a.SessionID,
		"scp": strings.Join(all, " "), "scope": strings.Join(all, " "),
		"amr": a.AMR, "acr": a.ACR, "acrs": a.ContextIDs(now), "wids": wids, "auth_time": a.AuthTime.Unix(),
		"name": u.DisplayName, "preferred_username": u.UserPrincipalName, "upn": u.UserPrincipalName,
	}, nil
}

func clientIDOf(req op.TokenRequest) string {
	if r, ok := req.(interface{ GetClientID() string }); ok {
		return r.GetClientID()
	}
	return ""
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("private_key_jwt is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }
