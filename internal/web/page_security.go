package web

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// securityPage is /mysecurityinfo: the user's own sign-in methods.
type securityPage struct {
	frame
	Now     time.Time
	Methods userMethods
	// Fido2: security keys are enabled for the user; SelfService: they may
	// add one themselves; CanRegister: this session is recent enough.
	Fido2, SelfService, CanRegister bool
	// TOTP: authenticator apps are enabled for the user.
	TOTP bool
	// Passwords: the tenant has passwords.
	Passwords bool
	// ReauthURL signs in again and comes back here.
	ReauthURL   string
	FieldErrors map[string]string
	// TOTPSetup is a started authenticator app registration.
	TOTPSetup *totpSetup
	// PasswordForm keeps what was typed in the password form (never the
	// passwords themselves).
	PasswordOpen bool
	// Registering: the sign-in is not finished; Conditional Access lets
	// the user add a method first, then ContinueURL finishes it.
	Registering bool
	ContinueURL string
}

func (*securityPage) template() string { return "security" }

// totpSetup is the QR code and secret of a pending authenticator app.
type totpSetup struct {
	ID      string
	Secret  string
	URI     string
	QRCode  template.URL
	Name    string
	Expires time.Time
}

func (w *Web) loadSecurityPage(r *http.Request, c *current) (*securityPage, error) {
	ctx := r.Context()
	now := w.Now().UTC()
	p := &securityPage{frame: frame{Title: "My security info", Nav: "security"}, Now: now, Passwords: w.passwordsEnabled(),
		ReauthURL: signInURL("/mysecurityinfo", true), FieldErrors: map[string]string{}}
	pol, err := w.DB.FindMethodPolicy(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := method.UserGroupIDs(ctx, w.DB, c.user.ID)
	if err != nil {
		return nil, err
	}
	p.Fido2 = pol.Fido2.InScope(c.user.ID, groups)
	p.SelfService = p.Fido2 && pol.Fido2.IsSelfServiceRegistrationAllowed
	p.TOTP = pol.SoftwareOath.InScope(c.user.ID, groups)
	p.CanRegister = passkey.MayRegister(c.sess, now)
	if c.sess.RegistrationByPolicy && !c.sess.Complete {
		p.Registering, p.ContinueURL = true, "/signin"
	}
	m, err := w.ownMethods(r, c.user)
	if err != nil {
		return nil, err
	}
	p.Methods = m
	return p, nil
}

// ownMethods reads the signed-in user's own methods.
func (w *Web) ownMethods(r *http.Request, u directory.User) (userMethods, error) {
	var m userMethods
	if w.TAPs != nil {
		vs, err := w.TAPs.ForUser(r.Context(), u)
		if err != nil {
			return m, err
		}
		if len(vs) > 0 {
			m.TAP = toTAPView(vs[0])
		}
	}
	keys, err := w.myKeys(r, u)
	if err != nil {
		return m, err
	}
	m.Keys = keys
	others, err := w.otherMethods(r, u, false)
	if err != nil {
		return m, err
	}
	m.TOTP, m.HasPassword, m.PasswordKnown = others.TOTP, others.HasPassword, others.PasswordKnown
	return m, nil
}

func securityNotice(done string) string {
	switch done {
	case "added":
		return "Your security key was added. You can now sign in with it."
	case "renamed":
		return "The key was renamed."
	case "deleted":
		return "The key was deleted. It can no longer be used to sign in to your account."
	case "totp-added":
		return "Your authenticator app was added."
	case "totp-deleted":
		return "The authenticator app was removed."
	case "password":
		return "Your password was saved. Other sessions of your account were signed out."
	}
	return ""
}

// handleSecurityInfo: GET /mysecurityinfo.
func (w *Web) handleSecurityInfo(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.loadSecurityPage(r, c)
	if err != nil {
		return err
	}
	p.Notice = securityNotice(r.URL.Query().Get("done"))
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// renameKeyPage renames a key.
type renameKeyPage struct {
	frame
	Key        keyView
	Name       string
	FieldError string
}

func (*renameKeyPage) template() string { return "rename_key" }

// handleKeyRenameForm: GET /mysecurityinfo/keys/{id}/rename.
func (w *Web) handleKeyRenameForm(rw http.ResponseWriter, r *http.Request, c *current) error {
	k, _, err := w.findMyKey(r, c.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, &renameKeyPage{frame: frame{Title: "Rename " + k.DisplayName, Nav: "security", Narrow: true}, Key: k, Name: k.DisplayName})
	return nil
}

// handleKeyRename: POST /mysecurityinfo/keys/{id}/rename.
func (w *Web) handleKeyRename(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	id := r.PathValue("id")
	name := strings.TrimSpace(r.PostForm.Get("displayName"))
	err := w.renameMyKey(r, c.user, id, name)
	if errors.Is(err, apperr.Invalid) {
		k, _, ferr := w.findMyKey(r, c.user, id)
		if ferr != nil {
			return ferr
		}
		w.render(rw, r, http.StatusBadRequest, &renameKeyPage{frame: frame{Title: "Rename " + k.DisplayName, Nav: "security", Narrow: true},
			Key: k, Name: name, FieldError: apperr.As(err).Message})
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/mysecurityinfo?done=renamed", http.StatusSeeOther)
	return nil
}

// confirmDeletePage asks before a key is deleted, and warns when it is
// the last way to sign in.
type confirmDeletePage struct {
	frame
	Key  keyView
	Last bool
	// Action is where the form posts; Back where "keep it" goes. Owner is
	// set when an administrator removes someone else's key.
	Action, Back, BackText, Owner string
}

func ownDeletePage(k keyView, last bool) *confirmDeletePage {
	return &confirmDeletePage{frame: frame{Title: "Delete " + k.DisplayName, Nav: "security", Narrow: true}, Key: k, Last: last,
		Action: "/mysecurityinfo/keys/" + k.ID + "/delete", Back: "/mysecurityinfo", BackText: "My security info"}
}

func (*confirmDeletePage) template() string { return "confirm_delete" }

func (w *Web) findMyKey(r *http.Request, u directory.User, id string) (keyView, []keyView, error) {
	keys, err := w.myKeys(r, u)
	if err != nil {
		return keyView{}, nil, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, keys, nil
		}
	}
	return keyView{}, nil, apperr.NotFoundf("There is no such security key or passkey in your account. It may have been deleted already.")
}

// handleKeyDeleteConfirm: GET /mysecurityinfo/keys/{id}/delete.
func (w *Web) handleKeyDeleteConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	k, _, err := w.findMyKey(r, c.user, r.PathValue("id"))
	if err != nil {
		return err
	}
	m, err := w.ownMethods(r, c.user)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, ownDeletePage(k, m.Count() <= 1 && (m.TAP == nil || !m.TAP.Usable)))
	return nil
}

// handleKeyDelete: POST /mysecurityinfo/keys/{id}/delete.
func (w *Web) handleKeyDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	id := r.PathValue("id")
	err := w.deleteMyKey(r, c.user, id, r.PostForm.Get("confirm") == "last")
	if errors.Is(err, apperr.Conflict) {
		// The last method after all (something changed since the page
		// was shown): ask again, with the warning.
		k, _, ferr := w.findMyKey(r, c.user, id)
		if ferr != nil {
			return ferr
		}
		w.render(rw, r, http.StatusConflict, ownDeletePage(k, true))
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, "/mysecurityinfo?done=deleted", http.StatusSeeOther)
	return nil
}

// handleTOTPBegin: POST /mysecurityinfo/totp, starts adding an
// authenticator app: the answer shows the QR code once.
func (w *Web) handleTOTPBegin(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.loadSecurityPage(r, c)
	if err != nil {
		return err
	}
	if w.TOTP == nil {
		return apperr.NotFoundf("Authenticator apps are not available here.")
	}
	m, k, err := w.TOTP.Begin(r.Context(), c.user, c.sess)
	if errors.Is(err, apperr.Forbidden) {
		p.Error = apperr.As(err).Message
		w.render(rw, r, http.StatusForbidden, p)
		return nil
	}
	if err != nil {
		return err
	}
	p.TOTPSetup = &totpSetup{ID: m.ID, Secret: k.Secret, URI: k.URI, QRCode: template.URL(k.QRCodeData), Expires: m.CreatedDateTime.Add(totp.PendingLifetime)}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleTOTPConfirm: POST /mysecurityinfo/totp/{id}/confirm, the first
// code from the app.
func (w *Web) handleTOTPConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	if w.TOTP == nil {
		return apperr.NotFoundf("Authenticator apps are not available here.")
	}
	code := strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("code")), " ", "")
	name := strings.TrimSpace(r.PostForm.Get("displayName"))
	id := r.PathValue("id")
	_, err := w.TOTP.Confirm(r.Context(), c.user, id, code, name)
	if err == nil {
		http.Redirect(rw, r, "/mysecurityinfo?done=totp-added", http.StatusSeeOther)
		return nil
	}
	if !errors.Is(err, apperr.Invalid) && !errors.Is(err, apperr.Unauthenticated) && !errors.Is(err, apperr.NotFound) {
		return err
	}
	p, lerr := w.loadSecurityPage(r, c)
	if lerr != nil {
		return lerr
	}
	if errors.Is(err, apperr.NotFound) {
		// The pending registration expired: start over.
		p.Error = apperr.As(err).Message
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	// Show the same QR code again: the secret is still pending.
	p.TOTPSetup = &totpSetup{ID: id, Name: name}
	p.FieldErrors["code"] = apperr.As(err).Message
	if code == "" {
		p.FieldErrors["code"] = "Enter the 6-digit code your app shows."
	}
	w.render(rw, r, http.StatusBadRequest, p)
	return nil
}

// handleTOTPDelete: POST /mysecurityinfo/totp/{id}/delete.
func (w *Web) handleTOTPDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	if w.TOTP == nil {
		return apperr.NotFoundf("Authenticator apps are not available here.")
	}
	if err := w.TOTP.DeleteMine(r.Context(), c.user, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(rw, r, "/mysecurityinfo?done=totp-deleted", http.StatusSeeOther)
	return nil
}

// handlePasswordSave: POST /mysecurityinfo/password, set or change.
func (w *Web) handlePasswordSave(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	if !w.passwordsEnabled() {
		return signin.ErrPasswordsOff
	}
	p, err := w.loadSecurityPage(r, c)
	if err != nil {
		return err
	}
	p.PasswordOpen = true
	cur := r.PostForm.Get("current")
	pw, again := r.PostForm.Get("new"), r.PostForm.Get("confirm")
	switch {
	case p.Methods.HasPassword && cur == "":
		p.FieldErrors["current"] = "Enter your current password."
	case pw == "":
		p.FieldErrors["new"] = "Enter a new password."
	case pw != again:
		p.FieldErrors["confirm"] = "The two new passwords are not the same."
	}
	if len(p.FieldErrors) == 0 {
		var curp *string
		if p.Methods.HasPassword {
			curp = &cur
		}
		err = w.Passwords.Change(r.Context(), w.client(r, signin.Target{}), c.sess, c.user, curp, pw)
		if err == nil {
			http.Redirect(rw, r, "/mysecurityinfo?done=password", http.StatusSeeOther)
			return nil
		}
		e := apperr.As(err)
		switch {
		case e.Code == signin.CodeInvalidCredentials:
			p.FieldErrors["current"] = e.Message
		case errors.Is(err, apperr.Invalid):
			p.FieldErrors["new"] = e.Message
		case errors.Is(err, apperr.Forbidden), errors.Is(err, apperr.RateLimited):
			p.Error = e.Message
		default:
			return err
		}
	}
	w.render(rw, r, http.StatusBadRequest, p)
	return nil
}

// keyFromView turns a passkey into what pages show.
func keyFromView(c passkey.Credential) keyView {
	return keyView{ID: c.ID, DisplayName: c.DisplayName, Model: c.Model, AAGUID: c.AAGUID, Created: c.CreatedAt, LastUsed: c.LastUsedAt, Synced: c.Synced()}
}
