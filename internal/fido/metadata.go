package fido

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-webauthn/webauthn/metadata"
	"github.com/go-webauthn/webauthn/metadata/providers/memory"
	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/passkey"
)

// blobAlgorithms are the JWS algorithms a BLOB may be signed with (the
// FIDO MDS uses RS256 today; ECDSA and EdDSA are allowed for test and
// future BLOBs). "none" and HMAC are never accepted.
var blobAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// Metadata is a verified FIDO MDS3 BLOB, indexed by AAGUID.
type Metadata struct {
	// Number is the BLOB's serial number ("no").
	Number int
	// NextUpdate is when the FIDO Alliance promises the next BLOB.
	NextUpdate time.Time
	// Skipped counts entries that could not be decoded and were left out.
	Skipped int

	entries  map[uuid.UUID]*metadata.Entry
	provider metadata.Provider
}

// Len is the number of FIDO2 authenticators (entries with an AAGUID).
func (m *Metadata) Len() int { return len(m.entries) }

// LoadMetadataFiles reads and verifies the BLOB at blobPath against the
// PEM root certificate at rootPath, at time now.
func LoadMetadataFiles(blobPath, rootPath string, now time.Time) (*Metadata, error) {
	blob, err := os.ReadFile(blobPath)
	if err != nil {
		return nil, fmt.Errorf("reading the FIDO metadata BLOB: %w", err)
	}
	root, err := os.ReadFile(rootPath)
	if err != nil {
		return nil, fmt.Errorf("reading the FIDO metadata root certificate: %w", err)
	}
	return LoadMetadata(blob, root, now)
}

// ParseRoot reads one PEM (or DER) certificate.
func ParseRoot(b []byte) (*x509.Certificate, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("the root file holds a PEM %q, not a CERTIFICATE", blk.Type)
		}
		b = blk.Bytes
	}
	return x509.ParseCertificate(b)
}

// LoadMetadata verifies a BLOB (FIDO MDS §3.2: the JWS signature, made by
// the first certificate of the x5c header, whose chain must lead to the
// trust anchor root at time now; without x5c, the root itself signs) and
// indexes its FIDO2 entries by AAGUID.
func LoadMetadata(blob, rootPEM []byte, now time.Time) (*Metadata, error) {
	root, err := ParseRoot(rootPEM)
	if err != nil {
		return nil, fmt.Errorf("the FIDO metadata root certificate: %w", err)
	}
	jws, err := jose.ParseSigned(strings.TrimSpace(string(blob)), blobAlgorithms)
	if err != nil {
		return nil, fmt.Errorf("the FIDO metadata BLOB is not a JWS signed with an accepted algorithm: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("the FIDO metadata BLOB must have exactly one signature")
	}
	hdr := jws.Signatures[0].Protected
	if _, ok := hdr.ExtraHeaders["x5u"]; ok {
		return nil, errors.New("the FIDO metadata BLOB names its chain with x5u, which Strongroom does not fetch; use a BLOB with x5c")
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	signer := root
	chains, err := hdr.Certificates(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	switch {
	case errors.Is(err, jose.ErrMissingX5cHeader):
		// No chain: the trust anchor itself signed the BLOB.
		if now.Before(root.NotBefore) || now.After(root.NotAfter) {
			return nil, errors.New("the FIDO metadata root certificate is not valid now")
		}
	case err != nil:
		return nil, fmt.Errorf("the FIDO metadata BLOB's certificate chain does not lead to the configured root: %w", err)
	default:
		signer = chains[0][0]
	}
	payload, err := jws.Verify(signer.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("the FIDO metadata BLOB's signature is not valid: %w", err)
	}
	var p metadata.PayloadJSON
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("the FIDO metadata BLOB's payload is not valid JSON: %w", err)
	}
	m := &Metadata{Number: p.Number, entries: map[uuid.UUID]*metadata.Entry{}}
	if m.NextUpdate, err = time.Parse(time.DateOnly, p.NextUpdate); err != nil {
		return nil, fmt.Errorf("the FIDO metadata BLOB's nextUpdate %q is not a date", p.NextUpdate)
	}
	for _, ej := range p.Entries {
		e, err := ej.Parse()
		if err != nil {
			m.Skipped++
			continue
		}
		if e.AaGUID == uuid.Nil {
			continue // UAF or U2F-only entries: Strongroom looks keys up by AAGUID
		}
		m.entries[e.AaGUID] = &e
	}
	// The provider go-webauthn uses to validate trust paths: every
	// attested key needs an entry, its attestation type must be one the
	// entry lists and its chain must lead to the entry's roots. Status is
	// judged by passkey.Refused on the latest report, not here.
	m.provider, err = memory.New(
		memory.WithMetadata(m.entries),
		memory.WithValidateEntry(true),
		memory.WithValidateEntryPermitZeroAAGUID(false),
		memory.WithValidateTrustAnchor(true),
		memory.WithValidateAttestationTypes(true),
		memory.WithValidateStatus(false),
	)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Authenticator implements passkey.Metadata: the model's description and
// its latest status report in effect at time at.
func (m *Metadata) Authenticator(aaguid string, at time.Time) (passkey.Authenticator, bool) {
	if m == nil {
		return passkey.Authenticator{}, false
	}
	id, err := uuid.Parse(aaguid)
	if err != nil {
		return passkey.Authenticator{}, false
	}
	e, ok := m.entries[id]
	if !ok {
		return passkey.Authenticator{}, false
	}
	a := passkey.Authenticator{Model: e.MetadataStatement.Description}
	if r := metadata.CurrentStatusReportAt(e.StatusReports, at); r != nil {
		a.Status = string(r.Status)
		a.StatusDate = r.EffectiveDate
	}
	return a, true
}
