package grant

import (
	"regexp"
	"slices"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/session"
)

// RFC 8176 authentication method reference values Strongroom issues.
const (
	AMRHardwareKey = "hwk"  // proof of possession of a device-bound key
	AMRSoftwareKey = "swk"  // proof of possession of a synced (software-held) key
	AMRPIN         = "pin"  // the authenticator verified the user (PIN or biometric)
	AMRUser        = "user" // user presence test
	AMRPassword    = "pwd"
	AMROTP         = "otp"
	AMRMFA         = "mfa"
)

// amrOrder is the order values appear in: what was proved, then mfa.
var amrOrder = []string{AMRPassword, AMROTP, AMRHardwareKey, AMRSoftwareKey, AMRPIN, AMRUser, AMRMFA}

// AMR returns the RFC 8176 values for what a session proved:
//
//   - fido2: hwk for a device-bound key, swk for a synced passkey (backup
//     eligible), pin when the authenticator verified the user, and user for
//     the presence test every assertion carries;
//   - password: pwd; softwareOath: otp; a Temporary Access Pass: otp (a
//     one-time or short-lived code issued out of band);
//   - mfa when the evidence is multifactor (the built-in Multifactor
//     authentication strength).
func AMR(e authn.Evidence) []string {
	set := map[string]bool{}
	for _, p := range e.Proofs {
		switch p.Mode {
		case authn.Fido2:
			if p.BackupEligible {
				set[AMRSoftwareKey] = true
			} else {
				set[AMRHardwareKey] = true
			}
			if p.UserVerified {
				set[AMRPIN] = true
			}
			set[AMRUser] = true
		case authn.Password:
			set[AMRPassword] = true
		case authn.SoftwareOath, authn.HardwareOath, authn.TemporaryAccessPassOneTime, authn.TemporaryAccessPassMultiUse:
			set[AMROTP] = true
		}
	}
	if e.IsMultifactor() {
		set[AMRMFA] = true
	}
	out := []string{}
	for _, v := range amrOrder {
		if set[v] {
			out = append(out, v)
		}
	}
	return out
}

// Assurance levels Strongroom reports in acr when no authentication
// context was asked for.
const (
	ACRSingleFactor = "1"
	ACRMultifactor  = "2"
)

// ACR decides the acr claim. When the client asked for acr values
// (acr_values, or an acr claims request) and one of them is an
// authentication context satisfied in this sign-in, acr is that value, as
// OpenID Connect Core §5.5.1.1 expects. Otherwise it is "2" for
// multifactor evidence and "1" for a single factor; contexts themselves are
// reported in acrs.
func ACR(requested []string, satisfied []string, multifactor bool) string {
	for _, v := range requested {
		if slices.Contains(satisfied, v) {
			return v
		}
	}
	if multifactor {
		return ACRMultifactor
	}
	return ACRSingleFactor
}

var contextID = regexp.MustCompile(`^c([1-9]|[1-9][0-9])$`)

// IsContextID reports whether s is an authentication context id, c1 to c99.
func IsContextID(s string) bool { return contextID.MatchString(s) }

// EveryTimeTolerance is how long a context satisfied under sign-in
// frequency "every time" still counts: Entra allows five minutes of skew.
const EveryTimeTolerance = 5 * time.Minute

// Context is an authentication context satisfied in a sign-in, and until
// when tokens may carry it.
type Context struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Until is when the context stops counting; nil means for as long as
	// the session lasts.
	Until *time.Time `json:"until,omitempty"`
}

// NewContext records context id as satisfied at, given how long the
// requirements said the proofs count: everyTime for sign-in frequency
// "every time" (a few minutes), freshFor for a time-based frequency counted
// from the newest proof, neither for the session's lifetime.
func NewContext(id string, at, newestProof time.Time, freshFor time.Duration, everyTime bool) Context {
	c := Context{ID: id, At: at}
	switch {
	case everyTime:
		u := at.Add(EveryTimeTolerance)
		c.Until = &u
	case freshFor > 0:
		u := newestProof.Add(freshFor)
		if u.Before(at) {
			u = at
		}
		c.Until = &u
	}
	return c
}

// Valid reports whether the context still counts at now.
func (c Context) Valid(now time.Time) bool { return c.Until == nil || now.Before(*c.Until) }

// Authentication is what a sign-in established, for the tokens it leads to.
type Authentication struct {
	UserID    string    `json:"user_id"`
	SessionID string    `json:"session_id"`
	AuthTime  time.Time `json:"auth_time"`
	AMR       []string  `json:"amr"`
	ACR       string    `json:"acr"`
	Contexts  []Context `json:"contexts,omitempty"`
	// Expires caps every token issued from this sign-in: the session's end
	// (for a Temporary Access Pass sign-in, the pass's end).
	Expires time.Time `json:"expires"`
}

// ContextIDs returns the contexts that still count at now, sorted: the
// acrs claim.
func (a Authentication) ContextIDs(now time.Time) []string {
	out := []string{}
	for _, c := range a.Contexts {
		if c.Valid(now) && !slices.Contains(out, c.ID) {
			out = append(out, c.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Cap returns t, or the authentication's cap when that is earlier.
func (a Authentication) Cap(t time.Time) time.Time {
	if !a.Expires.IsZero() && a.Expires.Before(t) {
		return a.Expires
	}
	return t
}

// FromSession returns what a complete session establishes for a sign-in to
// an application, with the contexts satisfied for it. auth_time is the
// time of the session's newest proof: the last time the user actively
// authenticated (a sign-in, a re-authentication for prompt=login or
// max_age, or a step-up), which is what a client's max_age check needs.
func FromSession(s session.Session, contexts []Context, acrValues []string) Authentication {
	e := s.Evidence()
	at := e.Latest()
	if at.IsZero() {
		at = s.CreatedAt
	}
	var ids []string
	for _, c := range contexts {
		ids = append(ids, c.ID)
	}
	return Authentication{
		UserID: s.UserID, SessionID: s.ID, AuthTime: at, AMR: AMR(e),
		ACR: ACR(acrValues, ids, e.IsMultifactor()), Contexts: contexts, Expires: s.ExpiresAt,
	}
}
