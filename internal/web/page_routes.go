package web

import (
	"net/http"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/httpx"
)

// pageRoutes registers the pages, their form handlers and static files.
// Every page goes through http.CrossOriginProtection (w.page), so a form
// posted from another site is refused.
func (w *Web) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{file}", w.handleStatic)
	mux.Handle("GET /{$}", w.page(w.handleHome))

	mux.Handle("GET /signin", w.page(w.handleSignInPage))
	mux.Handle("POST /signin", w.page(w.handleSignInForm))
	mux.Handle("POST /signin/totp", w.page(w.handleSignInTOTP))
	mux.Handle("POST /signout", w.page(w.handleSignOutForm))
	mux.Handle("GET /signedout", w.page(w.handleSignedOut))

	mux.Handle("GET /mysecurityinfo", w.registrationPage(w.handleSecurityInfo))
	mux.Handle("GET /mysecurityinfo/keys/{id}/rename", w.userPage(w.handleKeyRenameForm))
	mux.Handle("POST /mysecurityinfo/keys/{id}/rename", w.userPage(w.handleKeyRename))
	mux.Handle("GET /mysecurityinfo/keys/{id}/delete", w.userPage(w.handleKeyDeleteConfirm))
	mux.Handle("POST /mysecurityinfo/keys/{id}/delete", w.userPage(w.handleKeyDelete))
	mux.Handle("POST /mysecurityinfo/totp", w.registrationPage(w.handleTOTPBegin))
	mux.Handle("POST /mysecurityinfo/totp/{id}/confirm", w.registrationPage(w.handleTOTPConfirm))
	mux.Handle("POST /mysecurityinfo/totp/{id}/delete", w.userPage(w.handleTOTPDelete))
	mux.Handle("POST /mysecurityinfo/password", w.userPage(w.handlePasswordSave))

	admin := append(append(append([]authz.Permission{}, permsUsers...), permsMethods...), authz.UserAuthenticationMethodReadAll)
	mux.Handle("GET /admin", w.adminPage(admin, w.handleAdminHome))
	mux.Handle("GET /admin/{$}", w.adminPage(admin, w.handleAdminHome))
	mux.Handle("GET /admin/users", w.adminPage(permsUsers, w.handleAdminUsers))
	mux.Handle("GET /admin/users/{id}", w.adminPage(permsUsers, w.handleAdminUser))
	mux.Handle("POST /admin/users/{id}/tap", w.adminPage(permsUsers, w.handleAdminIssueTAP))
	mux.Handle("POST /admin/users/{id}/tap/{tap}/delete", w.adminPage(permsUsers, w.handleAdminRevokeTAP))
	mux.Handle("GET /admin/users/{id}/keys/{key}/delete", w.adminPage(permsUsers, w.handleAdminDeleteKeyConfirm))
	mux.Handle("POST /admin/users/{id}/keys/{key}/delete", w.adminPage(permsUsers, w.handleAdminDeleteKey))
	mux.Handle("GET /admin/methods", w.adminPage(permsMethods, w.handleAdminMethods))
	mux.Handle("GET /admin/methods/fido2", w.adminPage(permsMethods, w.handleAdminFido2))
	mux.Handle("POST /admin/methods/fido2", w.adminPage(permsMethods, w.handleAdminFido2Save))
	mux.Handle("GET /admin/methods/tap", w.adminPage(permsMethods, w.handleAdminTAPPolicy))
	mux.Handle("POST /admin/methods/tap", w.adminPage(permsMethods, w.handleAdminTAPPolicySave))
	mux.Handle("GET /admin/methods/softwareoath", w.adminPage(permsMethods, w.handleAdminOathPolicy))
	mux.Handle("POST /admin/methods/softwareoath", w.adminPage(permsMethods, w.handleAdminOathPolicySave))

	// Privileged Identity Management: section owned by the PIM work
	// (page_pim.go).
	w.pimPageRoutes(mux)
	// Conditional Access, sign-in and audit logs (page_admin_ca*.go,
	// page_admin_logs.go).
	w.caPageRoutes(mux)

	// Anything else: JSON under /api/ (405 for a known path with another
	// method), a 404 page elsewhere. These catch-all patterns match every
	// method, so the mux cannot answer 405 itself.
	mux.HandleFunc("/api/", func(rw http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			rw.Header().Set("Allow", strings.Join(allow, ", "))
			_, body := httpx.ToGraph(r.Context(), apperr.Invalidf("The method %s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")).WithCode("methodNotAllowed"))
			httpx.WriteJSON(rw, http.StatusMethodNotAllowed, body)
			return
		}
		w.handleNotFound(rw, r)
	})
	mux.HandleFunc("/", w.handleNotFound)
}

// allowedMethods lists the methods that have a route for r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); strings.HasPrefix(pattern, m+" ") {
			out = append(out, m)
		}
	}
	return out
}
