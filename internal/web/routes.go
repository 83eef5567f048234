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
	mux.Handle("POST /api/v1/signin/passkey/options", w.api(w.handleSignInPasskeyOptions))
	mux.Handle("POST /api/v1/signin/passkey", w.api(w.handleSignInPasskey))
	mux.Handle("POST /api/v1/me/passkeys/options", w.registering(w.handleMePasskeyOptions))
	mux.Handle("POST /api/v1/me/passkeys", w.registering(w.handleMePasskeyCreate))
	mux.Handle("GET /api/v1/me/passkeys", w.signedIn(w.handleMePasskeyList))
	mux.Handle("PATCH /api/v1/me/passkeys/{id}", w.signedIn(w.handleMePasskeyUpdate))
	mux.Handle("DELETE /api/v1/me/passkeys/{id}", w.signedIn(w.handleMePasskeyDelete))
	// password and TOTP: section owned by the password/TOTP work
	mux.Handle("POST /api/v1/signin/password", w.api(w.handleAPISignInPassword))
	mux.Handle("POST /api/v1/signin/totp", w.api(w.handleAPISignInTOTP))
	mux.Handle("POST /api/v1/me/password", w.signedIn(w.handleAPIMePassword))
	mux.Handle("POST /api/v1/me/totp/options", w.registering(w.handleAPIMeTOTPOptions))
	mux.Handle("POST /api/v1/me/totp", w.registering(w.handleAPIMeTOTPCreate))
	mux.Handle("GET /api/v1/me/totp", w.signedIn(w.handleAPIMeTOTPList))
	mux.Handle("DELETE /api/v1/me/totp/{id}", w.signedIn(w.handleAPIMeTOTPDelete))
	// step-up to an authentication context: section owned by the
	// Conditional Access work (api_stepup.go, page_stepup.go)
	mux.Handle("POST /api/v1/me/contexts/{id}", w.signedIn(w.handleMeContext))
	mux.Handle("GET /stepup", w.userPage(w.handleStepUpPage))
	// pages: section owned by the pages work
	w.pageRoutes(mux)
}
