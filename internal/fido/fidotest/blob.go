package fidotest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Entry is one authenticator in a test BLOB.
type Entry struct {
	AAGUID      string
	Description string
	// Status is the latest status report's status; FIDO_CERTIFIED_L1 when
	// empty.
	Status string
	// EarlierStatus, when set, is a report that took effect before Status.
	EarlierStatus string
	// Roots are the attestationRootCertificates.
	Roots []*x509.Certificate
	// AttestationTypes default to basic_full.
	AttestationTypes []string
}

func b64(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

func (e Entry) json() map[string]any {
	status := e.Status
	if status == "" {
		status = "FIDO_CERTIFIED_L1"
	}
	reports := []map[string]any{}
	if e.EarlierStatus != "" {
		reports = append(reports, map[string]any{"status": e.EarlierStatus, "effectiveDate": "2020-01-01"})
	}
	reports = append(reports, map[string]any{"status": status, "effectiveDate": "2021-06-01"})
	roots := []string{}
	for _, r := range e.Roots {
		roots = append(roots, b64(r.Raw))
	}
	types := e.AttestationTypes
	if types == nil {
		types = []string{"basic_full"}
	}
	return map[string]any{
		"aaguid": e.AAGUID,
		"metadataStatement": map[string]any{
			"legalHeader": "Test metadata, not for production.", "aaguid": e.AAGUID, "description": e.Description,
			"authenticatorVersion": 1, "protocolFamily": "fido2", "schema": 3,
			"upv":                         []map[string]int{{"major": 1, "minor": 0}},
			"authenticationAlgorithms":    []string{"secp256r1_ecdsa_sha256_raw"},
			"publicKeyAlgAndEncodings":    []string{"cose"},
			"attestationTypes":            types,
			"userVerificationDetails":     [][]map[string]any{{{"userVerificationMethod": "passcode_internal"}}},
			"keyProtection":               []string{"hardware", "secure_element"},
			"matcherProtection":           []string{"on_chip"},
			"attachmentHint":              []string{"external", "wired"},
			"tcDisplay":                   []string{},
			"attestationRootCertificates": roots,
		},
		"statusReports":          reports,
		"timeOfLastStatusChange": "2021-06-01",
	}
}

// BLOB returns an MDS3 BLOB (FIDO MDS §3.1.6) listing entries, signed by
// signer (ES256) with x5c: signer's certificate then chain (the
// intermediates, not the root).
func BLOB(t testing.TB, signer *CA, chain []*x509.Certificate, entries []Entry, number int, nextUpdate time.Time) []byte {
	t.Helper()
	es := make([]map[string]any, len(entries))
	for i, e := range entries {
		es[i] = e.json()
	}
	payload, err := json.Marshal(map[string]any{
		"legalHeader": "Test metadata, not for production.", "no": number,
		"nextUpdate": nextUpdate.Format(time.DateOnly), "entries": es,
	})
	if err != nil {
		t.Fatal(err)
	}
	x5c := []string{b64(signer.Cert.Raw)}
	for _, c := range chain {
		x5c = append(x5c, b64(c.Raw))
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5c", x5c)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: signer.Key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

// MDS is a test FIDO Metadata Service: a root, an intermediate and a BLOB
// signing certificate, and an attestation CA for test authenticators.
type MDS struct {
	Root, Intermediate, Signer *CA
	// AttestationRoot issues the test authenticators' attestation
	// certificates; entries list it as their attestation root.
	AttestationRoot *CA
}

// NewMDS makes the certificates.
func NewMDS(t testing.TB) *MDS {
	t.Helper()
	root := NewRoot(t, "Test FIDO MDS Root")
	inter := root.Intermediate(t, "Test FIDO MDS Intermediate")
	return &MDS{Root: root, Intermediate: inter, Signer: inter.Signer(t, "Test FIDO MDS BLOB Signer"), AttestationRoot: NewRoot(t, "Test Authenticator Vendor Root")}
}

// BLOB signs entries (whose Roots default to the attestation root).
func (m *MDS) BLOB(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	for i := range entries {
		if entries[i].Roots == nil {
			entries[i].Roots = []*x509.Certificate{m.AttestationRoot.Cert}
		}
	}
	return BLOB(t, m.Signer, []*x509.Certificate{m.Intermediate.Cert}, entries, 7, time.Now().AddDate(0, 1, 0))
}
