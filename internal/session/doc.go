// Package session holds browser sessions: what a signed-in browser (or an
// API client with a cookie jar) has proved, and until when.
//
// A session is created when a first factor succeeds and records every
// method proved in it, with its time (and, for fido2, the authenticator's
// AAGUID and whether user verification happened), the authentication
// contexts satisfied in it, and whether the sign-in requirements were met.
// The cookie carries a random 256-bit token; the database keeps only its
// keyed hash. The token is replaced whenever the session proves something
// new, so a token seen before a step-up is worthless after it. A session
// never outlives its cap (for a Temporary Access Pass sign-in, the pass's
// end), and a disabled user's sessions end at once.
package session
