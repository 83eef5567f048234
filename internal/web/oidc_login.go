package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/grant"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// Authorizations is the OpenID provider's side of an application sign-in
// (package provider implements it): find the pending request, count the
// trips to other pages, and answer the client with a code or an OAuth
// error.
type Authorizations interface {
	LoginRequest(ctx context.Context, id string) (grant.Request, application.Application, error)
	Interact(ctx context.Context, id string) (int, error)
	Complete(rw http.ResponseWriter, r *http.Request, id string, a grant.Authentication) error
	Fail(rw http.ResponseWriter, r *http.Request, id, errorCode, description string) error
}

// Paths of the application sign-in.
const (
	PathOIDCLogin         = "/oauth2/login"
	PathOIDCCancel        = "/oauth2/login/cancel"
	PathOIDCLogoutConfirm = "/oauth2/logout/confirm"
	PathStepUp            = "/stepup"
)

// maxInteractions bounds the trips an authorization request makes to the
// sign-in and step-up pages. A user who goes there and comes back without
// what is needed, again and again, ends with an error for the application
// rather than a loop.
const maxInteractions = 5

// OIDC is the browser side of signing in to an application through
// Strongroom's OpenID provider: the same session, the same sign-in pages,
// Conditional Access with the application as target resource, and a
// step-up for each authentication context the application asks for.
type OIDC struct {
	w    *Web
	auth Authorizations
	apps *application.Service
}

// OIDC returns the application sign-in handlers and the admin pages for
// applications.
func (w *Web) OIDC(a Authorizations, apps *application.Service) *OIDC {
	return &OIDC{w: w, auth: a, apps: apps}
}

// Routes registers the application sign-in on mux. Call it after the other
// web routes.
func (o *OIDC) Routes(mux *http.ServeMux) {
	// OpenID Connect sign-in: section owned by the OIDC work.
	mux.Handle("GET "+PathOIDCLogin, o.w.page(o.handleLogin))
	mux.Handle("GET "+PathOIDCCancel, o.w.page(o.handleCancel))
	mux.Handle("GET "+PathOIDCLogoutConfirm, o.w.page(o.handleLogoutConfirm))
	if o.apps != nil {
		mux.Handle("GET /admin/applications", o.w.adminPage(permsApps, o.handleAdminApps))
		mux.Handle("POST /admin/applications", o.w.adminPage(permsApps, o.handleAdminAppCreate))
		mux.Handle("GET /admin/applications/{id}", o.w.adminPage(permsApps, o.handleAdminApp))
		mux.Handle("POST /admin/applications/{id}", o.w.adminPage(permsApps, o.handleAdminAppSave))
		mux.Handle("POST /admin/applications/{id}/secrets", o.w.adminPage(permsApps, o.handleAdminAppSecretAdd))
		mux.Handle("POST /admin/applications/{id}/secrets/{key}/delete", o.w.adminPage(permsApps, o.handleAdminAppSecretRemove))
		mux.Handle("POST /admin/applications/{id}/delete", o.w.adminPage(permsApps, o.handleAdminAppDelete))
	}
}

func loginPath(id string) string { return PathOIDCLogin + "?authRequestID=" + url.QueryEscape(id) }

// signInFor is the sign-in page for an application sign-in: back here
// afterwards, the user name pre-filled, and (for a fresh sign-in on top of
// a complete session) a re-authentication.
func signInFor(id, username string, reauth bool) string {
	q := url.Values{"return_to": {loginPath(id)}}
	if username != "" {
		q.Set("username", username)
	}
	if reauth {
		q.Set("reauth", "1")
	}
	return "/signin?" + q.Encode()
}

// appClient describes the request for the sign-in service, with the
// application as the target resource.
func appClient(r *http.Request, app application.Application, t signin.Target) signin.Client {
	info := httpx.Info(r.Context())
	if app.IsPublicClient() && t.ClientAppType == "" {
		// A public client signs in from a native app (loopback or custom
		// scheme redirect): Conditional Access sees "mobile apps and
		// desktop clients", as Entra does for them.
		t.ClientAppType = policy.ClientAppMobileAppsAndDesktopClients
	}
	return signin.Client{IP: info.ClientIP, UserAgent: info.UserAgent, CorrelationID: httpx.CorrelationID(r.Context()),
		AppID: app.AppID, AppDisplayName: app.DisplayName, Target: t}
}

// needsFreshProof reports whether the session's newest proof is too old
// for the request: prompt=login (and select_account, where the user may
// sign in as someone else) needs one made after the request arrived,
// max_age one made within that many seconds.
func needsFreshProof(p grant.Params, created, newest, now time.Time) bool {
	if (p.HasPrompt("login") || p.HasPrompt("select_account")) && !newest.After(created) {
		return true
	}
	return p.MaxAge != nil && newest.Before(now.Add(-time.Duration(*p.MaxAge)*time.Second))
}

// handleLogin: GET /oauth2/login?authRequestID=…, where the provider sends
// every new authorization request, and where the sign-in and step-up
// pages send the browser back. It decides nothing itself: the session says
// who is signed in and what they proved, the sign-in service decides what
// the application and each requested context require.
func (o *OIDC) handleLogin(rw http.ResponseWriter, r *http.Request) error {
	rw = o.toClient(rw, r)
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	req, app, err := o.auth.LoginRequest(ctx, id)
	if err != nil {
		return err
	}
	p := req.Params
	none := p.HasPrompt("none")
	now := o.w.Now()

	// Away to the sign-in page (or back to the client when it may not
	// show any), counting the trip.
	interact := func(to string, errCode, why string) error {
		if none {
			return o.auth.Fail(rw, r, id, errCode, why)
		}
		n, err := o.auth.Interact(ctx, id)
		if err != nil {
			return err
		}
		if n > maxInteractions {
			if errCode == "login_required" {
				errCode = "access_denied"
			}
			return o.auth.Fail(rw, r, id, errCode, "The sign-in was not completed: "+why)
		}
		http.Redirect(rw, r, to, http.StatusSeeOther)
		return nil
	}

	c := sessionFrom(ctx)
	switch {
	case c == nil:
		return interact(signInFor(id, p.LoginHint, false), "login_required", "the user is not signed in.")
	case !c.sess.Complete:
		return interact(signInFor(id, p.LoginHint, false), "login_required", "the user has not finished signing in.")
	case p.HintSubject != "" && c.user.ID != p.HintSubject:
		hint := p.LoginHint
		if u, err := o.w.DB.FindUserByID(ctx, p.HintSubject); err == nil {
			hint = u.UserPrincipalName
		}
		return interact(signInFor(id, hint, true), "login_required", "another user is signed in.")
	}
	if needsFreshProof(p, req.CreatedAt, c.sess.Evidence().Latest(), now) {
		return interact(signInFor(id, c.user.UserPrincipalName, true), "login_required", "the application asked for a fresh sign-in.")
	}

	// Conditional Access with the application as target resource.
	res, err := o.w.SignIn.Check(ctx, appClient(r, app, signin.Target{AppID: app.AppID}), c.sess)
	if err != nil {
		return err
	}
	switch res.Status {
	case signin.StatusBlocked:
		return o.blocked(rw, r, id, app, res.Decision, none)
	case signin.StatusAdditionalAuthenticationRequired:
		if len(res.Decision.Options) == 0 && !res.Decision.Register {
			return o.cannot(rw, r, id, app, res.Decision.Message, "access_denied", none)
		}
		return interact(signInFor(id, c.user.UserPrincipalName, true), "interaction_required", "more authentication is required: "+res.Decision.Message)
	}
	sess := res.Session

	// Multifactor evidence, when the application requires it (an essential
	// amr mfa claims request): prove another method on top.
	if p.RequireMFA && !sess.Evidence().IsMultifactor() {
		if none {
			return o.auth.Fail(rw, r, id, "interaction_required", "Multifactor authentication is required.")
		}
		n, err := o.auth.Interact(ctx, id)
		if err != nil {
			return err
		}
		if n > maxInteractions {
			return o.auth.Fail(rw, r, id, "unmet_authentication_requirements", "Multifactor authentication was not completed.")
		}
		http.Redirect(rw, r, signInFor(id, c.user.UserPrincipalName, true), http.StatusSeeOther)
		return nil
	}

	// Each authentication context the application asked for.
	var granted []grant.Context
	for _, cx := range p.Contexts {
		res, err := o.w.SignIn.Check(ctx, appClient(r, app, signin.Target{Context: cx}), sess)
		if err != nil {
			return err
		}
		switch res.Status {
		case signin.StatusBlocked:
			return o.blocked(rw, r, id, app, res.Decision, none)
		case signin.StatusAdditionalAuthenticationRequired:
			if len(res.Decision.Options) == 0 && !res.Decision.Register {
				return o.cannot(rw, r, id, app, res.Decision.Message, "unmet_authentication_requirements", none)
			}
			q := url.Values{"context": {cx}, "return_to": {loginPath(id)}}
			if none {
				return o.auth.Fail(rw, r, id, "interaction_required", "The authentication context "+cx+" needs a step-up.")
			}
			n, err := o.auth.Interact(ctx, id)
			if err != nil {
				return err
			}
			if n > maxInteractions {
				return o.auth.Fail(rw, r, id, "unmet_authentication_requirements", "The authentication context "+cx+" was not satisfied.")
			}
			http.Redirect(rw, r, PathStepUp+"?"+q.Encode(), http.StatusSeeOther)
			return nil
		}
		sess = res.Session
		granted = append(granted, grant.NewContext(cx, now, sess.Evidence().Latest(), res.Decision.FreshFor, res.Decision.EveryTime))
	}
	return o.auth.Complete(rw, r, id, grant.FromSession(sess, granted, p.ACRValues))
}

// blocked shows why the sign-in is blocked, with a way back to the
// application that tells it access_denied.
func (o *OIDC) blocked(rw http.ResponseWriter, r *http.Request, id string, app application.Application, d signin.Decision, none bool) error {
	if none {
		return o.auth.Fail(rw, r, id, "access_denied", "Access was blocked by a Conditional Access policy.")
	}
	msg := "Your organization's policies block access to " + app.DisplayName + "."
	if d.BlockedBy != "" {
		msg = "Access to " + app.DisplayName + " is blocked by the policy “" + d.BlockedBy + "”."
	}
	next := "If you need access, contact your administrator and tell them the request id below."
	if d.Message != "" {
		next = d.Message + " " + next
	}
	o.w.render(rw, r, http.StatusForbidden, &errorPage{frame: frame{Title: "Access blocked", Narrow: true}, Status: http.StatusForbidden,
		Heading: "You can't get to " + app.DisplayName + " from here", Message: msg, Next: next,
		RequestID: httpx.RequestID(r.Context()), LinkURL: cancelPath(id, "access_denied"), LinkText: "Return to " + app.DisplayName})
	return nil
}

// cannot says that what the application needs cannot be done by this
// user (no usable method), with a way back that tells the application.
func (o *OIDC) cannot(rw http.ResponseWriter, r *http.Request, id string, app application.Application, message, errCode string, none bool) error {
	if none {
		return o.auth.Fail(rw, r, id, errCode, message)
	}
	if message == "" {
		message = "You have no sign-in method that meets what " + app.DisplayName + " requires."
	}
	o.w.render(rw, r, http.StatusForbidden, &errorPage{frame: frame{Title: "Can't sign in", Narrow: true}, Status: http.StatusForbidden,
		Heading: "You can't sign in to " + app.DisplayName + " yet", Message: message,
		Next:      "Ask your administrator for a Temporary Access Pass and register a security key, then try again.",
		RequestID: httpx.RequestID(r.Context()), LinkURL: cancelPath(id, errCode), LinkText: "Return to " + app.DisplayName})
	return nil
}

func cancelPath(id, errCode string) string {
	return PathOIDCCancel + "?" + url.Values{"authRequestID": {id}, "error": {errCode}}.Encode()
}

// cancelDescriptions are the errors a user can send back to the
// application from a page, with what the application is told.
var cancelDescriptions = map[string]string{
	"access_denied":                     "The user's access was denied by policy.",
	"unmet_authentication_requirements": "The authentication requirements could not be met.",
	"interaction_required":              "The user did not complete the sign-in.",
}

// handleCancel: GET /oauth2/login/cancel?authRequestID=…&error=…, the link
// back to the application from the blocked and cannot pages.
func (o *OIDC) handleCancel(rw http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	desc, ok := cancelDescriptions[q.Get("error")]
	if !ok {
		return apperr.Invalidf("This link is not valid.")
	}
	return o.auth.Fail(o.toClient(rw, r), r, q.Get("authRequestID"), q.Get("error"), desc)
}

// logoutPage asks the browser to confirm a sign-out an application asked
// for without proving who it was for.
type logoutPage struct {
	frame
	SignedIn bool
}

func (*logoutPage) template() string { return "oidc_logout" }

// handleLogoutConfirm: GET /oauth2/logout/confirm. The form posts to the
// pages' /signout.
func (o *OIDC) handleLogoutConfirm(rw http.ResponseWriter, r *http.Request) error {
	c := sessionFrom(r.Context())
	o.w.render(rw, r, http.StatusOK, &logoutPage{frame: frame{Title: "Sign out", Narrow: true}, SignedIn: c != nil})
	return nil
}

// SessionOf returns the Strongroom session of the browser that sent r, for
// the provider's RP-initiated logout.
func (w *Web) SessionOf(r *http.Request) (sessionID, userID string, ok bool) {
	c := sessionFrom(w.withSession(r).Context())
	if c == nil {
		return "", "", false
	}
	return c.sess.ID, c.user.ID, true
}
