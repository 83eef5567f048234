package fido_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/fido"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
)

const (
	goodAAGUID    = "0d9b2e56-566b-c393-2940-f821b7f15d6d"
	revokedAAGUID = "5b6a9e3f-6f33-4b8e-a7a3-2a3c2c7b0f10"
	fixedAAGUID   = "8c97a730-3f7b-41a6-87d6-1e9b62bda6f0"
)

func TestLoadMetadata(t *testing.T) {
	m := fidotest.NewMDS(t)
	blob := m.BLOB(t,
		fidotest.Entry{AAGUID: goodAAGUID, Description: "Test Key 5 NFC"},
		fidotest.Entry{AAGUID: revokedAAGUID, Description: "Leaky Key", Status: "REVOKED", EarlierStatus: "FIDO_CERTIFIED_L1"},
		fidotest.Entry{AAGUID: fixedAAGUID, Description: "Fixed Key", Status: "FIDO_CERTIFIED_L2", EarlierStatus: "USER_VERIFICATION_BYPASS"},
	)
	md, err := fido.LoadMetadata(blob, m.Root.PEM(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if md.Len() != 3 || md.Number != 7 || md.Skipped != 0 {
		t.Fatalf("loaded %d entries (number %d, skipped %d)", md.Len(), md.Number, md.Skipped)
	}
	for _, tc := range []struct {
		aaguid, model, status string
		refused               bool
	}{
		{goodAAGUID, "Test Key 5 NFC", "FIDO_CERTIFIED_L1", false},
		{strings.ToUpper(goodAAGUID), "Test Key 5 NFC", "FIDO_CERTIFIED_L1", false},
		{revokedAAGUID, "Leaky Key", "REVOKED", true},
		// Only the latest report counts: a fixed bypass is trusted again.
		{fixedAAGUID, "Fixed Key", "FIDO_CERTIFIED_L2", false},
	} {
		a, ok := md.Authenticator(tc.aaguid, time.Now())
		if !ok || a.Model != tc.model || a.Status != tc.status || passkey.Refused(a.Status) != tc.refused {
			t.Errorf("%s: %+v %v", tc.aaguid, a, ok)
		}
	}
	if _, ok := md.Authenticator("00000000-0000-0000-0000-000000000001", time.Now()); ok {
		t.Error("an unknown AAGUID was found")
	}
	if got := passkey.ModelName(md, goodAAGUID, time.Now()); got != "Test Key 5 NFC" {
		t.Errorf("model name %q", got)
	}
	// Without metadata the built-in table names well-known models.
	if got := passkey.ModelName(nil, "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", time.Now()); got != "iCloud Keychain" {
		t.Errorf("model name %q", got)
	}
	if got := passkey.ModelName(nil, goodAAGUID, time.Now()); got != passkey.GenericModel {
		t.Errorf("model name %q", got)
	}
}

func TestLoadMetadataRefuses(t *testing.T) {
	m := fidotest.NewMDS(t)
	blob := m.BLOB(t, fidotest.Entry{AAGUID: goodAAGUID, Description: "Test Key"})
	other := fidotest.NewMDS(t)
	parts := strings.Split(string(blob), ".")
	forged := func(payload string) []byte {
		return []byte(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + parts[2])
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[5] ^= 0x40
	badSig := []byte(parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig))
	// A BLOB signed by a certificate that another root issued.
	foreign := other.BLOB(t, fidotest.Entry{AAGUID: goodAAGUID, Description: "Test Key"})
	// A chain whose signing certificate was not issued by the root at all
	// (self-signed), claiming to be the signer.
	rogue := fidotest.NewRoot(t, "Rogue")
	selfChained := fidotest.BLOB(t, rogue, nil, []fidotest.Entry{{AAGUID: goodAAGUID, Description: "Test Key", Roots: []*x509.Certificate{m.AttestationRoot.Cert}}}, 1, time.Now().AddDate(0, 1, 0))
	for _, tc := range []struct {
		name string
		blob []byte
		root []byte
		now  time.Time
		want string
	}{
		{"bad signature", badSig, m.Root.PEM(), time.Now(), "signature"},
		{"altered payload", forged(`{"no":8,"nextUpdate":"2099-01-01","entries":[]}`), m.Root.PEM(), time.Now(), "signature"},
		{"chain to another root", foreign, m.Root.PEM(), time.Now(), "chain"},
		{"self-signed signer", selfChained, m.Root.PEM(), time.Now(), "chain"},
		{"right BLOB, wrong root configured", blob, other.Root.PEM(), time.Now(), "chain"},
		{"certificates expired", blob, m.Root.PEM(), time.Date(2100, 6, 1, 0, 0, 0, 0, time.UTC), "chain"},
		{"not a JWS", []byte("hello"), m.Root.PEM(), time.Now(), "JWS"},
		{"unsigned (alg none)", []byte("eyJhbGciOiJub25lIn0." + parts[1] + "."), m.Root.PEM(), time.Now(), "JWS"},
		{"root is not a certificate", blob, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), time.Now(), "root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md, err := fido.LoadMetadata(tc.blob, tc.root, tc.now)
			if err == nil {
				t.Fatalf("loaded %d entries", md.Len())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// The good BLOB with its own root loads, also from DER.
	if _, err := fido.LoadMetadata(blob, m.Root.Cert.Raw, time.Now()); err != nil {
		t.Errorf("DER root: %v", err)
	}
	if !bytes.HasPrefix(m.Root.PEM(), []byte("-----BEGIN CERTIFICATE")) {
		t.Error("PEM")
	}
}
