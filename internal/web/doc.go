// Package web is Strongroom's browser surface: the sign-in JSON API under
// /api/v1 (cookie session, used by Strongroom's own pages and by custom
// sign-in screens and apps) and the server-rendered pages.
//
// Every route here uses the session cookie, so every state-changing
// request is checked by http.CrossOriginProtection; JSON endpoints also
// require a JSON body. Handlers translate; the signin, session and method
// services decide.
package web
