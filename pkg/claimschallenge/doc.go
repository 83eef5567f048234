// Package claimschallenge lets an API written in Go demand an
// authentication context from its callers, as Microsoft Entra ID's
// resource servers do: it verifies the caller's access token through the
// issuer's discovery document and JWKS, checks that the token's acrs claim
// contains the context the operation needs (c1 to c99), and otherwise
// answers 401 with a claims challenge:
//
//	WWW-Authenticate: Bearer realm="", authorization_uri="https://id.example.com/oauth2/authorize",
//	    client_id="<api client id>", error="insufficient_claims",
//	    claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19",
//	    cc_type="authcontext"
//
// The claims value is the base64url encoding of
// {"access_token":{"acrs":{"essential":true,"value":"c1"}}}. A client that
// understands the challenge (Strongroom's CLI, MSAL, the demo app) sends
// the user back to the authorization endpoint with that claims request,
// the user steps up, and the new token carries the context.
//
// It works with any OpenID provider that issues JWT access tokens with an
// acrs claim; it is tested against Strongroom. Strongroom signs with ES256,
// which is what the Verifier accepts unless told otherwise.
//
// A resource server protects an operation like this:
//
//	v, err := claimschallenge.NewVerifier(ctx, "https://id.example.com", "api://payroll")
//	if err != nil { … }
//	mux.Handle("POST /payroll/run", v.Require("c1", "<api client id>", runPayroll))
//
// and reads the verified claims in the handler with FromContext. Clients
// parse a challenge with Parse and replay its Claims.
package claimschallenge
