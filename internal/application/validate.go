package application

import (
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// Limits, as Entra sets them for app registrations.
const (
	maxDisplayName  = 256
	maxDescription  = 1024
	maxRedirectURIs = 256 // across all kinds
	maxURILength    = 256
	maxPasswords    = 20
)

// isLoopbackHost reports whether host names this machine: "localhost", or
// a loopback IP address (127.0.0.0/8, ::1).
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseURI checks the common rules: absolute, no fragment, no wildcard, not
// too long, not a duplicate.
func parseURI(field, s string) (*url.URL, error) {
	if s == "" {
		return nil, apperr.Invalidf("%s contains an empty URI.", field)
	}
	if len(s) > maxURILength {
		return nil, apperr.Invalidf("%s: %q is longer than %d characters.", field, s, maxURILength)
	}
	if strings.ContainsAny(s, "* \t\r\n") {
		return nil, apperr.Invalidf("%s: %q must not contain wildcards or white space; register each URI exactly.", field, s)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return nil, apperr.Invalidf("%s: %q is not an absolute URI.", field, s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return nil, apperr.Invalidf("%s: %q must not contain a fragment (#…); OAuth 2.0 forbids it (RFC 6749 §3.1.2).", field, s)
	}
	if u.User != nil {
		return nil, apperr.Invalidf("%s: %q must not contain a user name or password.", field, s)
	}
	return u, nil
}

// validateWebURI accepts https, and http only for this machine (Entra's
// rule): a confidential client's codes must not travel in clear.
func validateWebURI(field, s string) error {
	u, err := parseURI(field, s)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	}
	return apperr.Invalidf("%s: %q must use https (http is accepted only for localhost, 127.0.0.1 and [::1]).", field, s)
}

// unsafeSchemes are never redirect targets.
var unsafeSchemes = []string{"javascript", "data", "file", "vbscript", "about", "blob"}

// validatePublicURI accepts what RFC 8252 §7 allows a native app: https,
// http on the loopback interface (any port is accepted at sign-in when
// the host is a loopback IP), or a private-use scheme such as
// com.example.app:/callback.
func validatePublicURI(field, s string) error {
	u, err := parseURI(field, s)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return apperr.Invalidf("%s: %q: a public client may use http only on the loopback interface (http://127.0.0.1/… or http://[::1]/…, RFC 8252 §7.3).", field, s)
	case slices.Contains(unsafeSchemes, u.Scheme):
		return apperr.Invalidf("%s: %q uses a scheme that cannot be a redirect URI.", field, s)
	}
	return nil // a private-use URI scheme (RFC 8252 §7.1)
}

func validateURIs(field string, uris []string, check func(string, string) error) error {
	for i, s := range uris {
		if err := check(field, s); err != nil {
			return err
		}
		if slices.Contains(uris[:i], s) {
			return apperr.Invalidf("%s lists %q twice.", field, s)
		}
	}
	return nil
}

func validateText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return apperr.Invalidf("%s is required.", field)
	}
	if utf8.RuneCountInString(s) > max {
		return apperr.Invalidf("%s is longer than %d characters.", field, max)
	}
	return nil
}

// validate checks every property of a, returning the first problem.
func validate(a Application) error {
	errs := []error{
		validateText("displayName", a.DisplayName, maxDisplayName, true),
		validateText("description", a.Description, maxDescription, false),
		validateURIs("web.redirectUris", a.WebRedirectURIs, validateWebURI),
		validateURIs("publicClient.redirectUris", a.PublicClientRedirectURIs, validatePublicURI),
	}
	if a.LogoutURL != "" {
		errs = append(errs, validateWebURI("web.logoutUrl", a.LogoutURL))
	}
	if n := len(a.WebRedirectURIs) + len(a.PublicClientRedirectURIs); n > maxRedirectURIs {
		errs = append(errs, apperr.Invalidf("An application may have at most %d redirect URIs; this one would have %d.", maxRedirectURIs, n))
	}
	for _, p := range a.Permissions {
		if !authz.Known(p) {
			errs = append(errs, apperr.Invalidf("permissions: %q is not an application permission Strongroom knows (for example User.Read.All).", p))
		}
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ErrBuiltIn is returned when a built-in application would be changed.
var ErrBuiltIn = errors.New("built-in application")
