// Package passkey manages passkeys and FIDO2 security keys: WebAuthn
// credentials registered by users, the rules that decide whether one may
// be registered or used (the FIDO2 authentication methods policy, key
// restrictions by AAGUID, the authenticator's FIDO metadata status), and
// the state of a WebAuthn ceremony between its options and its response.
//
// The WebAuthn protocol itself (options, attestation and assertion
// verification) sits behind the Ceremony port; internal/fido implements it
// with github.com/go-webauthn/webauthn. That library's packages import
// net/http, which domain packages may not depend on, so it stays out of
// here.
//
// Ceremony state travels sealed (AES-GCM, bound to a purpose) in the
// browser rather than in the database, so that asking for options costs no
// write. The state carries the challenge, its purpose, who asked and when it
// expires (five minutes). When a response comes back, the challenge is
// recorded as used in the same transaction that signs the user in or stores
// the key, so a challenge is accepted once: a replayed or re-signed
// response, even with the state cookie copied, is refused. A challenge is
// bound to the browser that asked for it because only that browser holds
// the sealed state.
//
// Username-first sign-in must not tell whether an account exists
// (WebAuthn §14.6.2): for an unknown or disabled user, or one without
// passkeys, the options list one plausible credential whose id and
// transports are derived with a keyed hash from the user name, so the same
// name always gets the same answer, indistinguishable in shape from a real
// one. Any response to such options is refused like an unknown key.
package passkey
