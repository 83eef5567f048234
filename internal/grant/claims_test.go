package grant

import (
	"slices"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/session"
)

func TestAMR(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	key := func(uv, be bool) authn.Proof {
		return authn.Proof{Mode: authn.Fido2, Time: t0, UserVerified: uv, BackupEligible: be}
	}
	for _, tc := range []struct {
		name   string
		proofs []authn.Proof
		want   []string
	}{
		{"security key with PIN", []authn.Proof{key(true, false)}, []string{"hwk", "pin", "user", "mfa"}},
		{"synced passkey", []authn.Proof{key(true, true)}, []string{"swk", "pin", "user", "mfa"}},
		{"key without verification", []authn.Proof{key(false, false)}, []string{"hwk", "user"}},
		{"password", []authn.Proof{{Mode: authn.Password, Time: t0}}, []string{"pwd"}},
		{"password and code", []authn.Proof{{Mode: authn.Password, Time: t0}, {Mode: authn.SoftwareOath, Time: t0}}, []string{"pwd", "otp", "mfa"}},
		{"one-time pass", []authn.Proof{{Mode: authn.TemporaryAccessPassOneTime, Time: t0}}, []string{"otp", "mfa"}},
		{"multi-use pass", []authn.Proof{{Mode: authn.TemporaryAccessPassMultiUse, Time: t0}}, []string{"otp", "mfa"}},
		{"pass then key", []authn.Proof{{Mode: authn.TemporaryAccessPassOneTime, Time: t0}, key(true, false)}, []string{"otp", "hwk", "pin", "user", "mfa"}},
		{"nothing", nil, []string{}},
	} {
		if got := AMR(authn.Evidence{Proofs: tc.proofs}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestACR(t *testing.T) {
	for _, tc := range []struct {
		requested, satisfied []string
		mfa                  bool
		want                 string
	}{
		{nil, nil, false, "1"},
		{nil, nil, true, "2"},
		{[]string{"c1"}, []string{"c1"}, true, "c1"},
		{[]string{"c7", "c1"}, []string{"c1"}, true, "c1"},
		{[]string{"c7"}, []string{"c1"}, true, "2"},
		{[]string{"urn:mace:incommon:iap:silver"}, nil, false, "1"},
	} {
		if got := ACR(tc.requested, tc.satisfied, tc.mfa); got != tc.want {
			t.Errorf("ACR(%v, %v, %v) = %q, want %q", tc.requested, tc.satisfied, tc.mfa, got, tc.want)
		}
	}
}

func TestContextFreshness(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	session := NewContext("c1", at, at.Add(-time.Minute), 0, false)
	every := NewContext("c2", at, at, 0, true)
	hourly := NewContext("c3", at, at.Add(-10*time.Minute), time.Hour, false)
	a := Authentication{Contexts: []Context{hourly, every, session}}
	for _, tc := range []struct {
		now  time.Time
		want []string
	}{
		{at, []string{"c1", "c2", "c3"}},
		{at.Add(4 * time.Minute), []string{"c1", "c2", "c3"}},
		{at.Add(6 * time.Minute), []string{"c1", "c3"}},
		{at.Add(51 * time.Minute), []string{"c1"}},
	} {
		if got := a.ContextIDs(tc.now); !slices.Equal(got, tc.want) {
			t.Errorf("at +%v: %v, want %v", tc.now.Sub(at), got, tc.want)
		}
	}
	if !IsContextID("c1") || !IsContextID("c99") || IsContextID("c0") || IsContextID("c100") || IsContextID("C1") || IsContextID("c01") {
		t.Error("IsContextID")
	}
}

func TestFromSession(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s := session.Session{ID: "s1", UserID: "u1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), Proofs: []authn.Proof{
		{Mode: authn.TemporaryAccessPassOneTime, Time: t0}, {Mode: authn.Fido2, Time: t0.Add(5 * time.Minute), UserVerified: true},
	}}
	a := FromSession(s, []Context{{ID: "c1", At: t0.Add(5 * time.Minute)}}, []string{"c1"})
	if a.AuthTime != t0.Add(5*time.Minute) || a.ACR != "c1" || a.Expires != s.ExpiresAt || a.SessionID != "s1" || a.UserID != "u1" {
		t.Errorf("authentication %+v", a)
	}
	if got := a.Cap(t0.Add(2 * time.Hour)); got != s.ExpiresAt {
		t.Errorf("cap %v", got)
	}
}
