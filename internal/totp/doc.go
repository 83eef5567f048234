// Package totp is the software OATH method (Graph's softwareOath): time-based
// one-time passwords (RFC 6238) from an authenticator app.
//
// A user registers in two steps: Begin makes a secret (shown once, as text,
// an otpauth:// URI and a QR code) and a pending method whose secret is
// sealed at rest; Confirm checks a first code and makes the method usable.
// Codes have six digits and a 30-second step; one step of clock skew is
// accepted either way. Each method remembers the last time step it
// accepted, and a code for that step or an earlier one is refused, so a
// code works once (RFC 6238 §5.2).
package totp
