package web

import (
	"net/http"
	"time"

	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// handleAPISignInPassword: POST /api/v1/signin/password
// {"userPrincipalName", "password"}.
func (w *Web) handleAPISignInPassword(rw http.ResponseWriter, r *http.Request) error {
	if !w.Passwords.Enabled() {
		return signin.ErrPasswordsOff
	}
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("signInWithPassword", "userPrincipalName", "password"); err != nil {
		return err
	}
	upn, _, err := o.String("userPrincipalName", false)
	if err != nil {
		return err
	}
	pw, _, err := o.String("password", false)
	if err != nil {
		return err
	}
	if upn == "" || pw == "" {
		return httpxInvalid("userPrincipalName and password are required.")
	}
	target, err := w.stepUpTarget(r, "") // ?context=cN: a step-up (Conditional Access work)
	if err != nil {
		return err
	}
	res, err := w.Passwords.SignIn(r.Context(), w.client(r, target), w.currentSession(r), upn, pw)
	if err != nil {
		return err
	}
	return w.answer(rw, res)
}

// handleAPISignInTOTP: POST /api/v1/signin/totp {"code"}, in the session a
// password sign-in started.
func (w *Web) handleAPISignInTOTP(rw http.ResponseWriter, r *http.Request) error {
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("signInWithVerificationCode", "code"); err != nil {
		return err
	}
	code, _, err := o.String("code", false)
	if err != nil {
		return err
	}
	if code == "" {
		return httpxInvalid("code is required: the six-digit code your authenticator app shows.")
	}
	target, err := w.stepUpTarget(r, "") // ?context=cN: a step-up (Conditional Access work)
	if err != nil {
		return err
	}
	res, err := w.TOTPSignIn.SignIn(r.Context(), w.client(r, target), w.currentSession(r), code)
	if err != nil {
		return err
	}
	return w.answer(rw, res)
}

// handleAPIMePassword: POST /api/v1/me/password {"currentPassword"?,
// "newPassword"}.
func (w *Web) handleAPIMePassword(rw http.ResponseWriter, r *http.Request, c *current) error {
	if !w.Passwords.Enabled() {
		return signin.ErrPasswordsOff
	}
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("passwordChange", "currentPassword", "newPassword"); err != nil {
		return err
	}
	cur, err := o.StringPtr("currentPassword", true)
	if err != nil {
		return err
	}
	pw, _, err := o.String("newPassword", false)
	if err != nil {
		return err
	}
	if pw == "" {
		return httpxInvalid("newPassword is required.")
	}
	if err := w.Passwords.Change(r.Context(), w.client(r, signin.Target{}), c.sess, c.user, cur, pw); err != nil {
		return err
	}
	rw.WriteHeader(http.StatusNoContent)
	return nil
}

// totpJSON is an authenticator app registration.
type totpJSON struct {
	ID              string    `json:"id"`
	DisplayName     string    `json:"displayName"`
	CreatedDateTime time.Time `json:"createdDateTime"`
}

func toTOTPJSON(m totp.Method) totpJSON {
	return totpJSON{ID: m.ID, DisplayName: m.DisplayName, CreatedDateTime: m.CreatedDateTime}
}

// handleAPIMeTOTPOptions: POST /api/v1/me/totp/options → a new secret (shown
// once) and the id of the pending registration.
func (w *Web) handleAPIMeTOTPOptions(rw http.ResponseWriter, r *http.Request, c *current) error {
	if o, err := readJSON(r); err != nil {
		return err
	} else if err := o.Allow("totpOptions"); err != nil {
		return err
	}
	m, k, err := w.TOTP.Begin(r.Context(), c.user, c.sess)
	if err != nil {
		return err
	}
	httpx.WriteJSON(rw, http.StatusOK, map[string]any{
		"id": m.ID, "secret": k.Secret, "otpauthUri": k.URI, "qrCodePng": k.QRCodeData,
		"expiresDateTime": m.CreatedDateTime.Add(totp.PendingLifetime),
	})
	return nil
}

// handleAPIMeTOTPCreate: POST /api/v1/me/totp {"id", "code", "displayName"}.
func (w *Web) handleAPIMeTOTPCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("totpRegistration", "id", "code", "displayName"); err != nil {
		return err
	}
	id, _, err := o.String("id", false)
	if err != nil {
		return err
	}
	code, _, err := o.String("code", false)
	if err != nil {
		return err
	}
	name, _, err := o.String("displayName", true)
	if err != nil {
		return err
	}
	if id == "" || code == "" {
		return httpxInvalid("id (from /api/v1/me/totp/options) and code are required.")
	}
	m, err := w.TOTP.Confirm(r.Context(), c.user, id, code, name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(rw, http.StatusCreated, toTOTPJSON(m))
	return nil
}

// handleAPIMeTOTPList: GET /api/v1/me/totp.
func (w *Web) handleAPIMeTOTPList(rw http.ResponseWriter, r *http.Request, c *current) error {
	ms, err := w.TOTP.Mine(r.Context(), c.user)
	if err != nil {
		return err
	}
	out := make([]totpJSON, len(ms))
	for i, m := range ms {
		out[i] = toTOTPJSON(m)
	}
	httpx.WriteJSON(rw, http.StatusOK, map[string]any{"value": out})
	return nil
}

// handleAPIMeTOTPDelete: DELETE /api/v1/me/totp/{id}.
func (w *Web) handleAPIMeTOTPDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := w.TOTP.DeleteMine(r.Context(), c.user, r.PathValue("id")); err != nil {
		return err
	}
	rw.WriteHeader(http.StatusNoContent)
	return nil
}
