package fidotest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/google/uuid"
)

// Attestation formats a test authenticator can produce.
const (
	None       = "none"       // fmt "none", no statement
	PackedSelf = "packed"     // packed self attestation (virtualwebauthn's own)
	PackedX5C  = "packed-x5c" // packed with an attestation certificate chain
)

// Authenticator is a software authenticator holding one credential.
type Authenticator struct {
	RP   virtualwebauthn.RelyingParty
	Auth virtualwebauthn.Authenticator
	Cred virtualwebauthn.Credential
	// Attestation is None, PackedSelf or PackedX5C.
	Attestation string
	// AttestationCert signs PackedX5C statements; Chain follows it in x5c.
	AttestationCert *CA
	Chain           []*x509.Certificate
}

// NewCredential returns a fresh EC2 (ES256) credential whose public key
// virtualwebauthn encodes correctly: it drops leading zero bytes of X and
// Y (big.Int.Bytes), so keys with a short coordinate are drawn again.
func NewCredential(t testing.TB) virtualwebauthn.Credential {
	t.Helper()
	for {
		c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		k, err := x509.ParsePKCS8PrivateKey(c.Key.Data)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := k.(*ecdsa.PrivateKey).PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			t.Fatal(err)
		}
		if pub[1] != 0 && pub[33] != 0 {
			return c
		}
	}
}

// New returns an authenticator for the relying party (ID "localhost"
// and origin, for Strongroom's test servers) with the given AAGUID
// (random when empty), a user handle (for username-less sign-in) and one
// fresh credential.
func New(t testing.TB, origin, aaguid string, userHandle []byte) *Authenticator {
	t.Helper()
	a := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: userHandle})
	if aaguid != "" {
		id := uuid.MustParse(aaguid)
		copy(a.Aaguid[:], id[:])
	}
	return &Authenticator{
		RP:          virtualwebauthn.RelyingParty{ID: "localhost", Name: "Strongroom", Origin: origin},
		Auth:        a,
		Cred:        NewCredential(t),
		Attestation: None,
	}
}

// AAGUID returns the authenticator's AAGUID as text.
func (a *Authenticator) AAGUID() string { return uuid.UUID(a.Auth.Aaguid).String() }

// CredentialID returns the credential id, base64url.
func (a *Authenticator) CredentialID() string { return base64.RawURLEncoding.EncodeToString(a.Cred.ID) }

// Create answers creation options (the JSON Strongroom sent) with a
// PublicKeyCredential JSON, in the authenticator's attestation format.
func (a *Authenticator) Create(t testing.TB, options []byte) []byte {
	t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(string(options))
	if err != nil {
		t.Fatalf("parsing creation options %s: %v", options, err)
	}
	resp := virtualwebauthn.CreateAttestationResponse(a.RP, a.Auth, a.Cred, *o)
	if a.Attestation == PackedSelf {
		return []byte(resp)
	}
	return a.reattest(t, []byte(resp))
}

// reattest rewrites virtualwebauthn's packed self attestation as "none" or
// as packed with an x5c chain (WebAuthn §8.2, §8.7).
func (a *Authenticator) reattest(t testing.TB, resp []byte) []byte {
	t.Helper()
	var cred map[string]any
	if err := json.Unmarshal(resp, &cred); err != nil {
		t.Fatal(err)
	}
	r := cred["response"].(map[string]any)
	raw, err := base64.RawURLEncoding.DecodeString(r["attestationObject"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		Fmt      string         `cbor:"fmt"`
		AttStmt  map[string]any `cbor:"attStmt"`
		AuthData []byte         `cbor:"authData"`
	}
	if err := webauthncbor.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	switch a.Attestation {
	case None:
		obj.Fmt, obj.AttStmt = "none", map[string]any{}
	case PackedX5C:
		cdj, err := base64.RawURLEncoding.DecodeString(r["clientDataJSON"].(string))
		if err != nil {
			t.Fatal(err)
		}
		cdh := sha256.Sum256(cdj)
		digest := sha256.Sum256(append(append([]byte{}, obj.AuthData...), cdh[:]...))
		sig, err := a.AttestationCert.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		x5c := []any{a.AttestationCert.Cert.Raw}
		for _, c := range a.Chain {
			x5c = append(x5c, c.Raw)
		}
		obj.Fmt, obj.AttStmt = "packed", map[string]any{"alg": int64(-7), "sig": sig, "x5c": x5c}
	default:
		t.Fatalf("unknown attestation %q", a.Attestation)
	}
	out, err := webauthncbor.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	r["attestationObject"] = base64.RawURLEncoding.EncodeToString(out)
	b, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Get answers request options with an assertion JSON by the credential.
func (a *Authenticator) Get(t testing.TB, options []byte) []byte {
	t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(string(options))
	if err != nil {
		t.Fatalf("parsing request options %s: %v", options, err)
	}
	return []byte(virtualwebauthn.CreateAssertionResponse(a.RP, a.Auth, a.Cred, *o))
}
