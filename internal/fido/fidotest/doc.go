// Package fidotest helps tests play the outside world of WebAuthn: software
// authenticators (github.com/descope/virtualwebauthn, with "none" and
// "packed" attestation, self or with a certificate chain), and a FIDO
// Metadata Service of their own (a root CA, an intermediate and a signing
// certificate made with crypto/x509, and MDS3 BLOBs signed with them).
//
// It works around virtualwebauthn v1.0.3's EC2 key flaw (X and Y without
// their leading zero bytes, so about one key in 128 is malformed) by
// drawing a new key until both coordinates take 32 bytes.
package fidotest
