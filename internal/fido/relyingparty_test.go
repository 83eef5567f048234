package fido_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/fido"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
)

func TestRelyingPartyConfiguration(t *testing.T) {
	rp, err := fido.New(fido.Options{PublicURL: "https://id.example.com:8443/base", Origins: []string{"https://login.example.com"}, ResidentKey: "required"})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	acct := passkey.Account{UserID: id, Handle: passkey.UserHandle(id), Name: "ada@example.com", DisplayName: "Ada"}
	b, err := rp.BeginRegistration(acct, passkey.RegistrationOptions{Direct: true})
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		PublicKey struct {
			RP                     map[string]any `json:"rp"`
			User                   map[string]any `json:"user"`
			Attestation            string         `json:"attestation"`
			AuthenticatorSelection map[string]any `json:"authenticatorSelection"`
			Timeout                int            `json:"timeout"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(b.Options, &o); err != nil {
		t.Fatal(err)
	}
	pk := o.PublicKey
	if pk.RP["id"] != "id.example.com" || pk.Attestation != "direct" || pk.AuthenticatorSelection["residentKey"] != "required" ||
		pk.AuthenticatorSelection["requireResidentKey"] != true || pk.Timeout != 300000 || pk.User["name"] != "ada@example.com" {
		t.Errorf("creation options %s", b.Options)
	}
	// The user handle is the user's id, 16 bytes, nothing personal.
	if got, ok := passkey.UserIDFromHandle(acct.Handle); !ok || got != id || len(acct.Handle) != 16 {
		t.Errorf("user handle %x", acct.Handle)
	}

	// Both the public URL's origin and the extra origin are accepted;
	// anything else is not.
	for _, tc := range []struct {
		origin string
		ok     bool
	}{{"https://id.example.com:8443", true}, {"https://login.example.com", true}, {"https://id.example.com", false}, {"http://id.example.com:8443", false}} {
		a := fidotest.New(t, tc.origin, "", acct.Handle)
		a.RP.ID = "id.example.com"
		b, err := rp.BeginRegistration(acct, passkey.RegistrationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = rp.FinishRegistration(acct, b.Data, a.Create(t, b.Options), false)
		if (err == nil) != tc.ok {
			t.Errorf("origin %s: %v", tc.origin, err)
		}
	}

	// A response to another ceremony's challenge is named as such.
	a := fidotest.New(t, "https://id.example.com:8443", "", acct.Handle)
	a.RP.ID = "id.example.com"
	b1, _ := rp.BeginRegistration(acct, passkey.RegistrationOptions{})
	b2, _ := rp.BeginRegistration(acct, passkey.RegistrationOptions{})
	if _, err := rp.FinishRegistration(acct, b2.Data, a.Create(t, b1.Options), false); !errors.Is(err, passkey.ErrChallengeMismatch) {
		t.Errorf("other challenge: %v", err)
	}
	// Enforced attestation without metadata cannot be trusted.
	if _, err := rp.FinishRegistration(acct, b1.Data, a.Create(t, b1.Options), true); !errors.Is(err, passkey.ErrAttestationNotTrusted) {
		t.Errorf("enforced without metadata: %v", err)
	}

	if _, err := fido.New(fido.Options{PublicURL: "not a url"}); err == nil {
		t.Error("a relative public URL was accepted")
	}
}
