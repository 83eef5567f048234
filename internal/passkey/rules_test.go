package passkey

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/secret"
	"github.com/strongroom-id/strongroom/internal/session"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestMayRegister(t *testing.T) {
	p := func(m authn.Mode, ago time.Duration) authn.Proof {
		return authn.Proof{Mode: m, Time: t0.Add(-ago), UserVerified: m == authn.Fido2}
	}
	for _, tc := range []struct {
		name     string
		complete bool
		proofs   []authn.Proof
		want     bool
	}{
		{"passkey just now", true, []authn.Proof{p(authn.Fido2, 0)}, true},
		{"passkey 4m59s ago", true, []authn.Proof{p(authn.Fido2, 5*time.Minute-time.Second)}, true},
		{"passkey 5m ago", true, []authn.Proof{p(authn.Fido2, 5*time.Minute)}, true},
		{"passkey 5m01s ago", true, []authn.Proof{p(authn.Fido2, 5*time.Minute+time.Second)}, false},
		{"multi-use pass 6m ago", true, []authn.Proof{p(authn.TemporaryAccessPassMultiUse, 6*time.Minute)}, false},
		{"one-time pass 9m59s ago", true, []authn.Proof{p(authn.TemporaryAccessPassOneTime, 10*time.Minute-time.Second)}, true},
		{"one-time pass 10m ago", true, []authn.Proof{p(authn.TemporaryAccessPassOneTime, 10*time.Minute)}, false},
		{"password and code just now", true, []authn.Proof{p(authn.Password, time.Minute), p(authn.SoftwareOath, 0)}, true},
		{"code now, password an hour ago", true, []authn.Proof{p(authn.Password, time.Hour), p(authn.SoftwareOath, 0)}, false},
		{"password only", true, []authn.Proof{p(authn.Password, 0)}, false},
		{"incomplete session", false, []authn.Proof{p(authn.Fido2, 0)}, false},
		{"passkey without user verification", true, []authn.Proof{{Mode: authn.Fido2, Time: t0}}, false},
	} {
		s := session.Session{Complete: tc.complete, Proofs: tc.proofs}
		if got := MayRegister(s, t0); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCounterCloned(t *testing.T) {
	for _, tc := range []struct {
		stored, received uint32
		want             bool
	}{{0, 0, false}, {0, 1, false}, {5, 6, false}, {5, 5, true}, {5, 4, true}, {5, 0, true}, {4294967295, 0, true}} {
		if got := CounterCloned(tc.stored, tc.received); got != tc.want {
			t.Errorf("stored %d received %d: %v", tc.stored, tc.received, got)
		}
	}
}

type fakeMD map[string]Authenticator

func (m fakeMD) Authenticator(aaguid string, _ time.Time) (Authenticator, bool) {
	a, ok := m[aaguid]
	return a, ok
}

func TestUsability(t *testing.T) {
	const yubi, bad = "cb69481e-8ff7-4039-93ec-0a2729a154a8", "5b6a9e3f-6f33-4b8e-a7a3-2a3c2c7b0f10"
	md := fakeMD{bad: {Model: "Leaky", Status: "USER_KEY_REMOTE_COMPROMISE"}, yubi: {Model: "YubiKey", Status: "FIDO_CERTIFIED_L2"}}
	base := method.DefaultFido2()
	blockYubi := base
	blockYubi.KeyRestrictions = method.KeyRestrictions{IsEnforced: true, EnforcementType: "block", AAGUIDs: []string{yubi}}
	allowYubi := base
	allowYubi.KeyRestrictions = method.KeyRestrictions{IsEnforced: true, EnforcementType: "allow", AAGUIDs: []string{yubi}}
	off := base
	off.State = method.Disabled
	excluded := base
	excluded.ExcludeTargets = []method.Target{{TargetType: "group", ID: "g1"}}
	for _, tc := range []struct {
		name   string
		p      method.Fido2
		aaguid string
		md     Metadata
		want   string
	}{
		{"default", base, yubi, nil, UsableEnabled},
		{"blocked model", blockYubi, yubi, nil, UsableKeyRestricted},
		{"other model with a block list", blockYubi, bad, nil, UsableEnabled},
		{"allowed model", allowYubi, yubi, md, UsableEnabled},
		{"model not on the allow list", allowYubi, ZeroAAGUID, md, UsableKeyRestricted},
		{"FIDO2 off", off, yubi, nil, UsableDisabled},
		{"user's group excluded", excluded, yubi, nil, UsableDisabled},
		{"compromised model", base, bad, md, UsableNotTrusted},
	} {
		_, why := Usability(tc.p, "u1", []string{"g1"}, Credential{AAGUID: tc.aaguid}, tc.md, t0)
		if why != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, why, tc.want)
		}
		r := CheckUse(tc.p, "u1", []string{"g1"}, Credential{AAGUID: tc.aaguid}, tc.md, t0)
		if (r == nil) != (tc.want == UsableEnabled) {
			t.Errorf("%s: CheckUse %v", tc.name, r)
		}
	}
}

func TestSealedState(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	kr, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	st := State{Purpose: PurposeSignIn, Challenge: "abc", IssuedAt: t0, Expires: t0.Add(CeremonyLifetime), Data: []byte(`{"challenge":"abc"}`)}
	sealed, err := seal(kr, st)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := open(kr, PurposeSignIn, sealed, t0.Add(CeremonyLifetime-time.Nanosecond)); err != nil || got.Challenge != "abc" {
		t.Fatalf("open: %v %v", got, err)
	}
	if _, err := open(kr, PurposeSignIn, sealed, t0.Add(CeremonyLifetime)); !errors.Is(err, errStateExpired) {
		t.Errorf("expired: %v", err)
	}
	if _, err := open(kr, PurposeRegister, sealed, t0); !errors.Is(err, errStateInvalid) {
		t.Errorf("other purpose: %v", err)
	}
	b := []byte(sealed)
	b[len(b)/2] ^= 1
	for _, bad := range []string{"", "!!!", string(b), sealed[:20]} {
		if _, err := open(kr, PurposeSignIn, bad, t0); !errors.Is(err, errStateInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// A state sealed with another key does not open.
	key[0] ^= 1
	other, _ := secret.New(key)
	if _, err := open(other, PurposeSignIn, sealed, t0); !errors.Is(err, errStateInvalid) {
		t.Errorf("other key: %v", err)
	}
}

func TestPolicyPatch(t *testing.T) {
	yes, allow, ids := true, "allow", []string{"CB69481E-8FF7-4039-93EC-0A2729A154A8", "cb69481e-8ff7-4039-93ec-0a2729a154a8"}
	c := PolicyPatch{KeyRestrictions: &KeyRestrictionsPatch{IsEnforced: &yes, EnforcementType: &allow, AAGUIDs: &ids}}.Apply(method.DefaultFido2())
	if len(c.KeyRestrictions.AAGUIDs) != 1 || c.KeyRestrictions.AAGUIDs[0] != "cb69481e-8ff7-4039-93ec-0a2729a154a8" || !c.KeyRestrictions.IsEnforced || c.State != method.Enabled {
		t.Errorf("applied %+v", c)
	}
	if err := CheckRestrictions(c); err != nil {
		t.Error(err)
	}
	empty := []string{}
	c = PolicyPatch{KeyRestrictions: &KeyRestrictionsPatch{AAGUIDs: &empty}}.Apply(c)
	if CheckRestrictions(c) == nil {
		t.Error("an empty enforced allow list passed")
	}
}

func TestCleanDisplayName(t *testing.T) {
	for in, want := range map[string]string{"  Desk  ": "Desk", "": "", "Ключ 🔑": "Ключ 🔑"} {
		if got, err := CleanDisplayName(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"a\nb", "x\x00", strings.Repeat("x", 64)} {
		if _, err := CleanDisplayName(bad + "z"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
