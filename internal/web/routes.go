package web

import (
	"net/http"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

func httpxInvalid(msg string) error { return apperr.Invalidf("%s", msg) }

// Routes registers the sign-in JSON API and the pages on mux.
func (w *Web) Routes(mux *http.ServeMux) {
	// Sign-in JSON API (docs/api.md). Keep these paths and bodies:
	// custom login screens and scripts rely on them.
	mux.Handle("POST /api/v1/signin/tap", w.api(w.handleSignInTAP))
	mux.Handle("POST /api/v1/signout", w.api(w.handleSignOut))
	mux.Handle("GET /api/v1/me", w.api(w.handleMe))
	// passkeys: section owned by the passkey work
	// password and TOTP: section owned by the password/TOTP work
	// pages: section owned by the pages work
}
