package authn

import (
	"slices"
	"time"
)

// Proof is one method a session proved, and when.
type Proof struct {
	Mode Mode
	Time time.Time
	// AAGUID is the authenticator model of a fido2 proof (lowercase GUID
	// text); empty for other modes or when the authenticator sent none.
	AAGUID string
	// UserVerified records that a fido2 proof carried the UV flag (PIN or
	// biometric). A fido2 proof without it proved possession only and is not
	// counted as fido2 by strengths: Entra's FIDO2 method always performs
	// user verification, which is what makes it multifactor (AS-CONCEPT).
	UserVerified bool
	// BackupEligible records a synced passkey (the BE flag). Strengths do not
	// distinguish synced from device-bound passkeys except through AAGUIDs
	// (AS-ADV), so it is kept for the record and for the passkey layer.
	BackupEligible bool
}

// Evidence is what a session has proved, in the order it was proved.
type Evidence struct {
	Proofs []Proof
}

// Since returns the evidence proved at or after t.
func (e Evidence) Since(t time.Time) Evidence {
	var out []Proof
	for _, p := range e.Proofs {
		if !p.Time.Before(t) {
			out = append(out, p)
		}
	}
	return Evidence{Proofs: out}
}

// Has reports whether some proof is of mode m.
func (e Evidence) Has(m Mode) bool {
	return slices.ContainsFunc(e.Proofs, func(p Proof) bool { return p.Mode == m })
}

// IsMultifactor reports whether e satisfies the built-in "Multifactor
// authentication" strength, which is what Conditional Access's "Require
// multifactor authentication" (mfa) grant control means (AS-CONCEPT).
func (e Evidence) IsMultifactor() bool {
	return mfaMatcher.Satisfied(e, time.Time{})
}

// Modes returns the distinct modes proved, in the order first proved.
func (e Evidence) Modes() []Mode {
	var out []Mode
	var seen ModeSet
	for _, p := range e.Proofs {
		b := p.Mode.set()
		if b == 0 {
			if !slices.Contains(out, p.Mode) {
				out = append(out, p.Mode)
			}
			continue
		}
		if seen&b == 0 {
			seen |= b
			out = append(out, p.Mode)
		}
	}
	return out
}

// Latest returns the time of the newest proof, or the zero time when there
// is none.
func (e Evidence) Latest() time.Time {
	var t time.Time
	for _, p := range e.Proofs {
		if p.Time.After(t) {
			t = p.Time
		}
	}
	return t
}
