package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// signInPage is /signin: the first step (a security key, or a user name
// with a Temporary Access Pass or a password) or, when the session still
// needs more, the next step.
type signInPage struct {
	frame
	ReturnTo  string
	Passwords bool // passwords are on for the tenant
	Form      signInForm
	// FieldErrors by input name.
	FieldErrors map[string]string
	// Reauth: the user is signed in and proves again (for a sensitive
	// action such as adding a key).
	Reauth bool
	// Next is set when the session needs another method.
	Next *nextStep
	// Reference is this request's correlation id: the sign-in log finds
	// the attempt by it, so a blocked user can quote it.
	Reference string
}

func (*signInPage) template() string { return "signin" }

// nextStep says what would finish an incomplete sign-in.
type nextStep struct {
	UserName string
	Proved   []string // what the session proved, in words
	Message  string
	Key      bool // a security key or passkey would do
	TOTP     bool // a code from an authenticator app would do
	Password bool // a password (then perhaps a code) would do
	TAP      bool // a Temporary Access Pass would do
	Register bool // nothing registered would do: the user must register
	Blocked  bool
	// Policy names the policy that blocks; Strengths the authentication
	// strengths still required.
	Policy    string
	Strengths []string
}

// signInForm is the first step's form.
type signInForm struct {
	UserName string
	Method   string // "tap" or "password"
	Secret   string // the pass or the password; never rendered back
	Code     string // TOTP second step
	ReturnTo string
}

func parseSignInForm(r *http.Request) (signInForm, error) {
	if err := r.ParseForm(); err != nil {
		return signInForm{}, apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	f := signInForm{
		UserName: strings.TrimSpace(r.PostForm.Get("username")),
		Method:   r.PostForm.Get("method"),
		ReturnTo: safeReturn(r.PostForm.Get("return_to")),
		Code:     strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("code")), " ", ""),
	}
	switch f.Method {
	case "password":
		f.Secret = r.PostForm.Get("password")
	default:
		f.Method = "tap"
		// Passes are shown in groups; spaces are not part of them.
		f.Secret = strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("pass")), " ", "")
	}
	return f, nil
}

// returnTo reads ?return_to=, keeping only local paths.
func returnTo(r *http.Request) string { return safeReturn(r.URL.Query().Get("return_to")) }

// safeReturn is where to go after signing in: rt when it is a local path,
// else My security info.
func safeReturn(rt string) string {
	if p := localPath(rt); p != "/" {
		return p
	}
	return "/mysecurityinfo"
}

func (w *Web) newSignInPage(r *http.Request, rt string) *signInPage {
	p := &signInPage{frame: frame{Title: "Sign in", Narrow: true}, ReturnTo: rt, Passwords: w.passwordsEnabled(),
		FieldErrors: map[string]string{}, Reference: httpx.CorrelationID(r.Context())}
	p.Form.Method = "tap"
	if p.Passwords {
		p.Form.Method = "password"
	}
	if m := r.URL.Query().Get("method"); m == "tap" || (m == "password" && p.Passwords) {
		p.Form.Method = m
	}
	return p
}

// handleSignInPage: GET /signin.
func (w *Web) handleSignInPage(rw http.ResponseWriter, r *http.Request) error {
	rt := returnTo(r)
	p := w.newSignInPage(r, rt)
	p.Form.UserName = strings.TrimSpace(r.URL.Query().Get("username"))
	c := sessionFrom(r.Context())
	switch {
	case c != nil && c.sess.Complete && r.URL.Query().Get("reauth") != "":
		p.Reauth = true
		p.Title = "Confirm it's you"
		p.Form.UserName = c.user.UserPrincipalName
	case c != nil && c.sess.Complete:
		http.Redirect(rw, r, rt, http.StatusSeeOther)
		return nil
	case c != nil:
		// Signed in part of the way: ask for what is still missing.
		res, err := w.SignIn.Check(r.Context(), w.client(r, signin.Target{}), c.sess)
		if err != nil {
			return err
		}
		if res.Status == signin.StatusSignedIn {
			http.Redirect(rw, r, rt, http.StatusSeeOther)
			return nil
		}
		p.Next = nextFrom(res)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleSignInForm: POST /signin, the first step without JavaScript or
// with it: a user name and a Temporary Access Pass or a password, through
// the same sign-in service as the JSON API.
func (w *Web) handleSignInForm(rw http.ResponseWriter, r *http.Request) error {
	f, err := parseSignInForm(r)
	if err != nil {
		return err
	}
	p := w.newSignInPage(r, f.ReturnTo)
	p.Form = f
	p.Form.Secret = ""
	if c := sessionFrom(r.Context()); c != nil && c.sess.Complete {
		p.Reauth = true
	}
	if f.UserName == "" {
		p.FieldErrors["username"] = "Enter your user name, like name@example.com."
	}
	if f.Secret == "" {
		if f.Method == "password" {
			p.FieldErrors["password"] = "Enter your password."
		} else {
			p.FieldErrors["pass"] = "Enter the Temporary Access Pass your administrator gave you."
		}
	}
	if f.Method == "password" && !p.Passwords {
		p.Error = "Passwords are switched off here. Sign in with a security key, or ask your administrator for a Temporary Access Pass."
	}
	if len(p.FieldErrors) > 0 || p.Error != "" {
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	var res signin.Result
	if f.Method == "password" {
		res, err = w.signInWithPassword(r, f.UserName, f.Secret)
	} else {
		res, err = w.SignIn.SignInWithTAP(r.Context(), w.client(r, signin.Target{}), w.currentSession(r), f.UserName, f.Secret)
	}
	if err != nil {
		return w.signInFailed(rw, r, p, err)
	}
	return w.signInResult(rw, r, p, res)
}

// handleSignInTOTP: POST /signin/totp, the code after a password.
func (w *Web) handleSignInTOTP(rw http.ResponseWriter, r *http.Request) error {
	f, err := parseSignInForm(r)
	if err != nil {
		return err
	}
	p := w.newSignInPage(r, f.ReturnTo)
	c := sessionFrom(r.Context())
	if c == nil {
		p.Error = "Your sign-in has timed out. Start again."
		w.render(rw, r, http.StatusUnauthorized, p)
		return nil
	}
	if f.Code == "" {
		p.FieldErrors["code"] = "Enter the 6-digit code from your authenticator app."
		res, err := w.SignIn.Check(r.Context(), w.client(r, signin.Target{}), c.sess)
		if err != nil {
			return err
		}
		p.Next = nextFrom(res)
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	res, err := w.signInWithTOTP(r, f.Code)
	if err != nil {
		p.FieldErrors["code"] = apperr.As(err).Message
		if cr, cerr := w.SignIn.Check(r.Context(), w.client(r, signin.Target{}), c.sess); cerr == nil {
			p.Next = nextFrom(cr)
		}
		w.render(rw, r, httpStatusOf(err), p)
		return nil
	}
	return w.signInResult(rw, r, p, res)
}

// signInResult sets the cookie and goes on: to return_to when signed in,
// to the next step when more is needed.
func (w *Web) signInResult(rw http.ResponseWriter, r *http.Request, p *signInPage, res signin.Result) error {
	if res.Token != "" {
		w.setSessionCookie(rw, res.Token, persistentUntil(res.Session))
	} else if res.Status == signin.StatusBlocked {
		w.setSessionCookie(rw, "", res.Session.ExpiresAt)
	}
	switch res.Status {
	case signin.StatusSignedIn:
		http.Redirect(rw, r, p.ReturnTo, http.StatusSeeOther)
		return nil
	case signin.StatusBlocked:
		p.Next = nextFrom(res)
		w.render(rw, r, http.StatusForbidden, p)
		return nil
	}
	p.Next = nextFrom(res)
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// signInFailed re-renders the form with the service's safe message.
func (w *Web) signInFailed(rw http.ResponseWriter, r *http.Request, p *signInPage, err error) error {
	e := apperr.As(err)
	switch e.Kind {
	case apperr.Unauthenticated, apperr.RateLimited, apperr.Invalid, apperr.Forbidden:
		p.Error = e.Message
		w.render(rw, r, httpStatusOf(err), p)
		return nil
	}
	return err
}

func httpStatusOf(err error) int {
	if s := statusOf(err); s != 0 {
		return s
	}
	return http.StatusBadRequest
}

// nextFrom turns the service's decision into the next step to show.
func nextFrom(res signin.Result) *nextStep {
	n := &nextStep{UserName: res.User.UserPrincipalName, Message: res.Decision.Message, Register: res.Decision.Register,
		Blocked: res.Status == signin.StatusBlocked, Policy: res.Decision.BlockedBy, Strengths: res.Decision.Strengths}
	for _, pr := range res.Session.Proofs {
		name := signin.MethodName(pr.Mode)
		if !slices.Contains(n.Proved, name) {
			n.Proved = append(n.Proved, name)
		}
	}
	for _, opt := range res.Decision.Options {
		if len(opt) == 0 {
			continue
		}
		switch opt[0] {
		case authn.Fido2:
			n.Key = true
		case authn.SoftwareOath:
			n.TOTP = true
		case authn.Password:
			n.Password = true
		case authn.TemporaryAccessPassOneTime, authn.TemporaryAccessPassMultiUse:
			n.TAP = true
		}
	}
	if n.Message == "" && !n.Blocked {
		n.Message = "One more step is needed to finish signing in."
	}
	return n
}

// signedOutPage is /signedout.
type signedOutPage struct{ frame }

func (*signedOutPage) template() string { return "signedout" }

// handleSignedOut: GET /signedout.
func (w *Web) handleSignedOut(rw http.ResponseWriter, r *http.Request) error {
	w.render(rw, r, http.StatusOK, &signedOutPage{frame: frame{Title: "Signed out", Narrow: true}})
	return nil
}

// handleSignOutForm: POST /signout, the button in the page header.
func (w *Web) handleSignOutForm(rw http.ResponseWriter, r *http.Request) error {
	if c := sessionFrom(r.Context()); c != nil {
		if err := w.SignIn.SignOut(r.Context(), c.sess); err != nil {
			return err
		}
	}
	w.setSessionCookie(rw, "", w.Now())
	http.Redirect(rw, r, "/signedout", http.StatusSeeOther)
	return nil
}

// handleHome: GET /, to My security info when signed in, else to sign in.
func (w *Web) handleHome(rw http.ResponseWriter, r *http.Request) error {
	if c := sessionFrom(r.Context()); c != nil && c.sess.Complete {
		http.Redirect(rw, r, "/mysecurityinfo", http.StatusSeeOther)
		return nil
	}
	http.Redirect(rw, r, "/signin", http.StatusSeeOther)
	return nil
}

// signInURL is where to send someone to sign in (again) and come back.
func signInURL(back string, reauth bool) string {
	q := url.Values{"return_to": {localPath(back)}}
	if reauth {
		q.Set("reauth", "1")
	}
	return "/signin?" + q.Encode()
}

var errNoPasswords = apperr.Invalidf("Passwords are switched off here. Sign in with a security key, or ask your administrator for a Temporary Access Pass.")
