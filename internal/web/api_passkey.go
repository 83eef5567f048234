package web

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/passkey"
)

// Cookies holding a WebAuthn ceremony's sealed state between its options
// and its response, one per kind of ceremony so that a page may run both.
const (
	passkeySignInCookie   = "strongroom_passkey_signin"
	passkeyRegisterCookie = "strongroom_passkey_register"
)

func (w *Web) ceremonyCookieName(base string) string {
	if w.secure {
		return "__Host-" + base
	}
	return base
}

// setCeremonyCookie sets (or, with an empty value, clears) a ceremony
// cookie: HttpOnly, SameSite=Strict, lasting as long as the ceremony.
func (w *Web) setCeremonyCookie(rw http.ResponseWriter, base, value string) {
	c := &http.Cookie{Name: w.ceremonyCookieName(base), Value: value, Path: "/", HttpOnly: true, Secure: w.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(passkey.CeremonyLifetime / time.Second)}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(rw, c)
}

func (w *Web) ceremonyCookie(r *http.Request, base string) string {
	c, err := r.Cookie(w.ceremonyCookieName(base))
	if err != nil {
		return ""
	}
	return c.Value
}

// writeRawJSON writes JSON that is already encoded (the options
// go-webauthn marshalled).
func writeRawJSON(rw http.ResponseWriter, status int, b []byte) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, _ = rw.Write(b)
	_, _ = rw.Write([]byte("\n"))
}

// readCredential reads a PublicKeyCredential as JSON
// (PublicKeyCredential.toJSON()): an object with an id.
func readCredential(raw []byte) error {
	o, err := httpx.ParseObject(raw)
	if err != nil {
		return err
	}
	if id, _, err := o.String("id", false); err != nil || id == "" {
		return httpxInvalid("Send the PublicKeyCredential as JSON (PublicKeyCredential.toJSON()), with id, rawId, type and response.")
	}
	return nil
}

// handleSignInPasskeyOptions: POST /api/v1/signin/passkey/options with {}
// (username-less) or {"userPrincipalName"} (username-first) →
// {"publicKey": PublicKeyCredentialRequestOptions}, and the ceremony's
// sealed state in an HttpOnly cookie.
func (w *Web) handleSignInPasskeyOptions(rw http.ResponseWriter, r *http.Request) error {
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("passkeySignInOptions", "userPrincipalName", "context"); err != nil {
		return err
	}
	upn, _, err := o.String("userPrincipalName", true)
	if err != nil {
		return err
	}
	// Step-up (Conditional Access work): {"context": "cN"} asks for the
	// signed-in user's own keys; the verification then names the context.
	cx, _, err := o.String("context", true)
	if err != nil {
		return err
	}
	target, err := w.stepUpTarget(r, cx)
	if err != nil {
		return err
	}
	if target.Context != "" {
		upn = sessionFrom(r.Context()).user.UserPrincipalName
	}
	opts, err := w.Passkeys.PasskeyOptions(r.Context(), w.client(r, target), upn)
	if err != nil {
		return err
	}
	w.setCeremonyCookie(rw, passkeySignInCookie, opts.State)
	writeRawJSON(rw, http.StatusOK, opts.JSON)
	return nil
}

// handleSignInPasskey: POST /api/v1/signin/passkey with the
// PublicKeyCredential JSON (id, rawId, type, response {clientDataJSON,
// authenticatorData, signature, userHandle}) → the sign-in answer.
func (w *Web) handleSignInPasskey(rw http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return errNotJSON
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
	}
	if err := readCredential(raw); err != nil {
		return err
	}
	// Step-up (Conditional Access work): ?context=cN proves for that
	// authentication context in the current session.
	target, err := w.stepUpTarget(r, "")
	if err != nil {
		return err
	}
	state := w.ceremonyCookie(r, passkeySignInCookie)
	// The state serves one attempt, whatever its outcome.
	w.setCeremonyCookie(rw, passkeySignInCookie, "")
	res, err := w.Passkeys.SignInWithPasskey(r.Context(), w.client(r, target), w.currentSession(r), state, raw)
	if err != nil {
		return err
	}
	return w.answer(rw, res)
}

// passkeyJSON is a user's own key in the sign-in JSON API.
type passkeyJSON struct {
	ID               string     `json:"id"`
	DisplayName      string     `json:"displayName"`
	AAGUID           string     `json:"aaGuid"`
	Model            string     `json:"model"`
	CreatedDateTime  time.Time  `json:"createdDateTime"`
	LastUsedDateTime *time.Time `json:"lastUsedDateTime"`
	Transports       []string   `json:"transports"`
	// IsSynced is set for a synced (backup-eligible) passkey.
	IsSynced         bool   `json:"isSynced"`
	AttestationLevel string `json:"attestationLevel"` // attested or notAttested, as Graph
	IsUsable         bool   `json:"isUsable"`
	UsabilityReason  string `json:"usabilityReason"`
}

func toPasskeyJSON(v passkey.View) passkeyJSON {
	level := "notAttested"
	if v.AttestationTrusted {
		level = "attested"
	}
	ts := v.Transports
	if ts == nil {
		ts = []string{}
	}
	return passkeyJSON{ID: v.ID, DisplayName: v.DisplayName, AAGUID: v.AAGUID, Model: v.Model, CreatedDateTime: v.CreatedAt,
		LastUsedDateTime: v.LastUsedAt, Transports: ts, IsSynced: v.BackupEligible, AttestationLevel: level,
		IsUsable: v.Usable, UsabilityReason: v.UsabilityReason}
}

// handleMePasskeyOptions: POST /api/v1/me/passkeys/options →
// {"publicKey": PublicKeyCredentialCreationOptions}, and the ceremony's
// sealed state in an HttpOnly cookie.
func (w *Web) handleMePasskeyOptions(rw http.ResponseWriter, r *http.Request, c *current) error {
	if o, err := readJSON(r); err != nil {
		return err
	} else if err := o.Allow("passkeyRegistrationOptions"); err != nil {
		return err
	}
	opts, err := w.Passkeys.Keys().BeginRegistration(r.Context(), c.user, c.sess)
	if err != nil {
		return err
	}
	w.setCeremonyCookie(rw, passkeyRegisterCookie, opts.State)
	writeRawJSON(rw, http.StatusOK, opts.JSON)
	return nil
}

// handleMePasskeyCreate: POST /api/v1/me/passkeys {"displayName",
// "credential": PublicKeyCredential JSON from create()} → 201 with the key.
func (w *Web) handleMePasskeyCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("passkeyRegistration", "displayName", "credential"); err != nil {
		return err
	}
	name, _, err := o.String("displayName", true)
	if err != nil {
		return err
	}
	cred, ok := o["credential"]
	if !ok || len(bytes.TrimSpace(cred)) == 0 || bytes.TrimSpace(cred)[0] != '{' {
		return httpxInvalid("credential is required: the PublicKeyCredential from navigator.credentials.create(), as JSON.")
	}
	if err := readCredential(cred); err != nil {
		return err
	}
	state := w.ceremonyCookie(r, passkeyRegisterCookie)
	w.setCeremonyCookie(rw, passkeyRegisterCookie, "")
	k, err := w.Passkeys.Keys().FinishRegistration(r.Context(), c.user, c.sess, state, name, cred)
	if err != nil {
		return err
	}
	rw.Header().Set("Location", w.PublicURL.String()+"/api/v1/me/passkeys/"+k.ID)
	httpx.WriteJSON(rw, http.StatusCreated, toPasskeyJSON(passkey.View{Credential: k, Usable: true, UsabilityReason: passkey.UsableEnabled}))
	return nil
}

// handleMePasskeyList: GET /api/v1/me/passkeys.
func (w *Web) handleMePasskeyList(rw http.ResponseWriter, r *http.Request, c *current) error {
	vs, err := w.Passkeys.Keys().List(r.Context(), c.user)
	if err != nil {
		return err
	}
	out := make([]passkeyJSON, len(vs))
	for i, v := range vs {
		out[i] = toPasskeyJSON(v)
	}
	httpx.WriteJSON(rw, http.StatusOK, map[string]any{"value": out})
	return nil
}

// handleMePasskeyUpdate: PATCH /api/v1/me/passkeys/{id} {"displayName"}.
func (w *Web) handleMePasskeyUpdate(rw http.ResponseWriter, r *http.Request, c *current) error {
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("passkey", "displayName"); err != nil {
		return err
	}
	name, ok, err := o.String("displayName", false)
	if err != nil {
		return err
	}
	if !ok {
		return httpxInvalid("displayName is required.")
	}
	if _, err := w.Passkeys.Keys().Rename(r.Context(), c.user, r.PathValue("id"), name); err != nil {
		return err
	}
	vs, err := w.Passkeys.Keys().List(r.Context(), c.user)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.ID == r.PathValue("id") {
			httpx.WriteJSON(rw, http.StatusOK, toPasskeyJSON(v))
			return nil
		}
	}
	return apperr.NotFoundf("There is no such security key or passkey.")
}

// handleMePasskeyDelete: DELETE /api/v1/me/passkeys/{id}[?confirm=true].
// Deleting the last method the user can sign in with answers 409 with code
// lastMethod unless confirm=true.
func (w *Web) handleMePasskeyDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	confirm := false
	switch v := r.URL.Query().Get("confirm"); v {
	case "", "false":
	case "true":
		confirm = true
	default:
		return httpxInvalid("confirm must be true or false.")
	}
	if err := w.Passkeys.Keys().Delete(r.Context(), c.user, r.PathValue("id"), confirm); err != nil {
		return err
	}
	rw.WriteHeader(http.StatusNoContent)
	return nil
}
