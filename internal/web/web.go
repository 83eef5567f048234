package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/tap"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// Built-in application ids: Strongroom's own surfaces, as Conditional
// Access target resources. The policy package owns the values.
const (
	// MyAccountAppID is "My Account": the sign-in pages, My security info,
	// My roles.
	MyAccountAppID = policy.MyAccountAppID
	// AdminPortalAppID is the admin portal.
	AdminPortalAppID = policy.AdminPortalAppID
)

// Deps are the web edge's collaborators.
type Deps struct {
	PublicURL *url.URL
	SignIn    *signin.Service
	Sessions  *session.Manager
	Directory *directory.Service
	DB        *store.DB
	Log       *slog.Logger
	Now       func() time.Time

	// Used by the pages (admin portal): Temporary Access Passes and the
	// authentication methods policy.
	TAPs    *tap.Service
	Methods *method.Service

	// Passwords and authenticator apps (TOTP): sign-in and self-service.
	Passwords  *signin.Passwords
	TOTPSignIn *signin.TOTP
	TOTP       *totp.Service

	// Passkeys and security keys: sign-in, registration and management.
	Passkeys *signin.Passkeys

	// Conditional Access: authentication contexts for step-up.
	CA *capolicy.Service

	// Privileged Identity Management: My roles, Approvals, role settings
	// (page_pim.go); Sealer keeps a pending activation across a step-up.
	PIM    *privilege.Service
	Sealer Sealer
}

// Web serves /api/v1 and the pages.
type Web struct {
	Deps
	cookieName string
	secure     bool
	cop        *http.CrossOriginProtection
}

// New returns the web edge.
func New(d Deps) *Web {
	w := &Web{Deps: d, cop: http.NewCrossOriginProtection()}
	w.secure = d.PublicURL.Scheme == "https"
	w.cookieName = "strongroom_session"
	if w.secure {
		// The __Host- prefix pins the cookie to this host, path / and
		// Secure: no subdomain can plant or overwrite it.
		w.cookieName = "__Host-strongroom_session"
	}
	return w
}

type sessionKey struct{}

type current struct {
	sess session.Session
	user directory.User
}

// withSession resolves the session cookie (if any) and puts the session,
// the principal and the audit actor in the context.
func (w *Web) withSession(r *http.Request) *http.Request {
	c, err := r.Cookie(w.cookieName)
	if err != nil || c.Value == "" {
		return r
	}
	s, u, err := w.Sessions.Resolve(r.Context(), c.Value)
	if err != nil {
		return r
	}
	ctx := context.WithValue(r.Context(), sessionKey{}, &current{sess: s, user: u})
	return r.WithContext(ctx)
}

func sessionFrom(ctx context.Context) *current {
	c, _ := ctx.Value(sessionKey{}).(*current)
	return c
}

// asUser puts the signed-in user's principal (with their active roles now)
// and audit actor into ctx, for calls into the services.
func (w *Web) asUser(ctx context.Context, u directory.User) (context.Context, error) {
	roles, err := directory.ActiveRoleIDs(ctx, w.DB, u.ID, w.Now())
	if err != nil {
		return ctx, err
	}
	ctx = authz.NewContext(ctx, authz.NewUser(u.ID, u.UserPrincipalName, u.DisplayName, roles, directory.RolePermissions))
	info := httpx.Info(ctx)
	ip := ""
	if info.ClientIP.IsValid() {
		ip = info.ClientIP.String()
	}
	return audit.NewContext(ctx, audit.Actor{
		Initiator:     audit.Initiator{User: &audit.UserIdentity{ID: u.ID, DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName, IPAddress: ip}},
		CorrelationID: httpx.CorrelationID(ctx), UserAgent: info.UserAgent,
	}), nil
}

// setSessionCookie sets (or, with an empty token, clears) the cookie.
func (w *Web) setSessionCookie(rw http.ResponseWriter, token string, expires time.Time) {
	c := &http.Cookie{Name: w.cookieName, Value: token, Path: "/", HttpOnly: true, Secure: w.secure, SameSite: http.SameSiteLaxMode}
	if token == "" {
		c.MaxAge = -1
	} else if !expires.IsZero() {
		// A session cookie (no Expires) unless persistence is wanted (a
		// persistentBrowser "always" policy, see persistentUntil); the
		// server-side expiry is what counts either way.
		c.Expires = expires
	}
	http.SetCookie(rw, c)
}

// persistentUntil is when a session's cookie should expire: its end when
// the session is persistent (Conditional Access persistentBrowser
// "always"), else never set, so the cookie ends with the browser.
func persistentUntil(s session.Session) time.Time {
	if s.Persistent {
		return s.ExpiresAt
	}
	return time.Time{}
}

// client describes the request for the sign-in service.
func (w *Web) client(r *http.Request, target signin.Target) signin.Client {
	info := httpx.Info(r.Context())
	if target.AppID == "" && target.Context == "" && target.UserAction == "" {
		target.AppID = MyAccountAppID
	}
	return signin.Client{IP: info.ClientIP, UserAgent: info.UserAgent, CorrelationID: httpx.CorrelationID(r.Context()),
		AppID: MyAccountAppID, AppDisplayName: "My Account", Target: target}
}

// api wraps a JSON handler: cross-origin protection, the session, errors
// as JSON.
func (w *Web) api(f httpx.Func) http.Handler {
	return w.cop.Handler(httpx.Handle(w.Log, func(rw http.ResponseWriter, r *http.Request) error {
		return f(rw, w.withSession(r))
	}))
}

// signedIn wraps a JSON handler that needs a complete session.
func (w *Web) signedIn(f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.signedInWith(false, f)
}

// registering is signedIn that also admits an incomplete session which
// Conditional Access lets register a method (the sign-in answered
// registrationRequired).
func (w *Web) registering(f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.signedInWith(true, f)
}

func (w *Web) signedInWith(registration bool, f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.api(func(rw http.ResponseWriter, r *http.Request) error {
		c := sessionFrom(r.Context())
		ok, err := w.admitted(r, c, registration)
		if err != nil {
			return err
		}
		if !ok {
			return session.ErrNoSession
		}
		ctx, err := w.asUser(r.Context(), c.user)
		if err != nil {
			return err
		}
		return f(rw, r.WithContext(ctx), c)
	})
}

// admitted decides whether the request's session may use a signed-in
// endpoint: a complete session may; with registration, so may an
// incomplete one when the user has no method that would finish the
// sign-in and a Conditional Access policy on the registersecurityinfo
// user action, which the session already meets, lets them register one
// (the decision the sign-in showed as "registration required"). Such a
// session is marked RegistrationByPolicy for this request only: it can
// add a method, nothing else, and stays incomplete until the user signs
// in with what they added.
func (w *Web) admitted(r *http.Request, c *current, registration bool) (bool, error) {
	switch {
	case c == nil:
		return false, nil
	case c.sess.Complete:
		return true, nil
	case !registration:
		return false, nil
	}
	res, err := w.SignIn.Check(r.Context(), w.client(r, signin.Target{}), c.sess)
	if err != nil {
		return false, err
	}
	if res.Status != signin.StatusAdditionalAuthenticationRequired || !res.Decision.Register {
		return false, nil
	}
	c.sess.RegistrationByPolicy = true
	return true, nil
}

var errNotJSON = apperr.Invalidf("Send a JSON body with Content-Type: application/json.")

// readJSON reads a JSON object body; an empty body is an empty object.
func readJSON(r *http.Request) (httpx.Object, error) {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return httpx.Object{}, nil
	}
	o, err := httpx.ReadObject(r)
	if err != nil && errors.Is(err, apperr.Invalid) && r.Header.Get("Content-Type") == "" {
		return nil, errNotJSON
	}
	return o, err
}
