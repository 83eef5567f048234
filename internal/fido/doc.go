// Package fido is Strongroom's adapter to github.com/go-webauthn/webauthn:
// it runs WebAuthn ceremonies for internal/passkey (the passkey.Ceremony
// port) and loads the FIDO Metadata Service (MDS3) BLOB (the
// passkey.Metadata port).
//
// It is an adapter, not a domain package, because go-webauthn's packages
// import net/http (for helpers Strongroom does not use); it does no I/O of
// its own besides reading the two metadata files named in the
// configuration.
//
// The BLOB is a JWS. Its signature and its x5c certificate chain are
// verified with github.com/go-jose/go-jose/v4 against the root certificate
// the operator configures, at the injected time, with an explicit list of
// signature algorithms; the payload's entries are then decoded with
// go-webauthn's metadata types, so that go-webauthn validates attestation
// trust paths against them. go-webauthn's own BLOB decoder was not used: it
// takes the root as base64 DER rather than PEM, checks the chain at the
// wall-clock time, and fetches CRLs and OCSP responses over the network
// for the chain's certificates, which a self-hosted server reading an
// operator-supplied file should not do behind the operator's back.
package fido
