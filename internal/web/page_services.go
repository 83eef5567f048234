package web

import (
	"errors"
	"net/http"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// The pages' calls into the method services (passwords, codes, keys), in
// one place.

func (w *Web) passwordsEnabled() bool { return w.Passwords != nil && w.Passwords.Enabled() }

func (w *Web) signInWithPassword(r *http.Request, upn, pw string) (signin.Result, error) {
	if !w.passwordsEnabled() {
		return signin.Result{}, errNoPasswords
	}
	return w.Passwords.SignIn(r.Context(), w.client(r, signin.Target{}), w.currentSession(r), upn, pw)
}

func (w *Web) signInWithTOTP(r *http.Request, code string) (signin.Result, error) {
	if w.TOTPSignIn == nil {
		return signin.Result{}, apperr.Invalidf("Authenticator app codes are not available here.")
	}
	return w.TOTPSignIn.SignIn(r.Context(), w.client(r, signin.Target{}), w.currentSession(r), code)
}

func statusOf(err error) int { return httpx.Status(err) }

// otherMethods reads a user's authenticator apps and whether they have a
// password: their own (admin false) or, for an administrator, anyone's.
func (w *Web) otherMethods(r *http.Request, u directory.User, admin bool) (userMethods, error) {
	var m userMethods
	if w.TOTP != nil {
		var (
			ms  []totp.Method
			err error
		)
		if admin {
			ms, err = w.TOTP.List(r.Context(), u.ID)
		} else {
			ms, err = w.TOTP.Mine(r.Context(), u)
		}
		if err != nil {
			return m, err
		}
		for _, t := range ms {
			m.TOTP = append(m.TOTP, totpView{ID: t.ID, DisplayName: t.DisplayName, Created: t.CreatedDateTime})
		}
	}
	if _, err := w.DB.FindPassword(r.Context(), u.ID); err == nil {
		m.HasPassword, m.PasswordKnown = true, true
	} else if errors.Is(err, apperr.NotFound) {
		m.PasswordKnown = true
	} else {
		return m, err
	}
	return m, nil
}

// Security keys and passkeys.

func (w *Web) myKeys(r *http.Request, u directory.User) ([]keyView, error) {
	if w.Passkeys == nil {
		return nil, nil
	}
	vs, err := w.Passkeys.Keys().List(r.Context(), u)
	if err != nil {
		return nil, err
	}
	out := make([]keyView, len(vs))
	for i, v := range vs {
		out[i] = keyFromView(v.Credential)
	}
	return out, nil
}

func (w *Web) renameMyKey(r *http.Request, u directory.User, id, name string) error {
	_, err := w.Passkeys.Keys().Rename(r.Context(), u, id, name)
	return err
}

func (w *Web) deleteMyKey(r *http.Request, u directory.User, id string, confirm bool) error {
	return w.Passkeys.Keys().Delete(r.Context(), u, id, confirm)
}

func (w *Web) adminKeys(r *http.Request, u directory.User) ([]keyView, error) {
	if w.Passkeys == nil {
		return nil, nil
	}
	cs, err := w.Passkeys.Keys().UserKeys(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]keyView, len(cs))
	for i, c := range cs {
		out[i] = keyFromView(c)
	}
	return out, nil
}

func (w *Web) adminDeleteKey(r *http.Request, userID, keyID string) error {
	return w.Passkeys.Keys().DeleteUserKey(r.Context(), userID, keyID)
}
