package fidotest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/google/uuid"
)

// CA is a certificate with its key: a root, an intermediate or a leaf.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// PEM returns the certificate in PEM.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// Validity of the test certificates: wide, so that tests with a fake
// clock far from now still find them valid.
var (
	notBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

var serial int64 = 1000

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, tmpl *x509.Certificate, parent *CA, key *ecdsa.PrivateKey) *CA {
	t.Helper()
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = notBefore, notAfter
	}
	signerCert, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signerCert, signerKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: cert, Key: key}
}

// NewRoot returns a self-signed root CA.
func NewRoot(t testing.TB, name string) *CA {
	t.Helper()
	return issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: name, Organization: []string{"Strongroom Tests"}}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, newKey(t))
}

// Intermediate returns a CA issued by c.
func (c *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	return issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: name, Organization: []string{"Strongroom Tests"}}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, c, newKey(t))
}

// Signer returns a leaf for signing (the BLOB's signing certificate).
func (c *CA) Signer(t testing.TB, name string) *CA {
	t.Helper()
	return issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: name, Organization: []string{"Strongroom Tests"}}, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, c, newKey(t))
}

var oidFIDOAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}

// Attestation returns an attestation certificate issued by c for the
// authenticator model aaguid, with the subject FIDO's packed format
// requires (WebAuthn §8.2.1: C, O, OU "Authenticator Attestation", CN) and
// the id-fido-gen-ce-aaguid extension.
func (c *CA) Attestation(t testing.TB, aaguid string) *CA {
	t.Helper()
	id := uuid.MustParse(aaguid)
	ext, err := asn1.Marshal(id[:])
	if err != nil {
		t.Fatal(err)
	}
	return issue(t, &x509.Certificate{
		Subject:               pkix.Name{Country: []string{"SE"}, Organization: []string{"Strongroom Tests"}, OrganizationalUnit: []string{"Authenticator Attestation"}, CommonName: "Test Authenticator " + aaguid[:8]},
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidFIDOAAGUID, Value: ext}},
	}, c, newKey(t))
}
