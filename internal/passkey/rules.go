package passkey

import (
	"fmt"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/tap"
)

// RecentMFAWindow is how recently a session must have proved multifactor
// authentication to register a key (PK-PROF: "MFA within the past 5
// minutes").
const RecentMFAWindow = 5 * time.Minute

// MayRegister reports whether session s may register a key at time at: it
// is complete, and either proved multifactor authentication in full within
// RecentMFAWindow (fido2, a Temporary Access Pass, or password and a second
// factor, all within the window), or signed in with a one-time Temporary
// Access Pass less than tap.RegistrationWindow ago (TAP-HOW).
func MayRegister(s session.Session, at time.Time) bool {
	if s.RegistrationByPolicy {
		return true
	}
	if !s.Complete {
		return false
	}
	if s.Evidence().Since(at.Add(-RecentMFAWindow)).IsMultifactor() {
		return true
	}
	for _, p := range s.Proofs {
		if p.Mode == authn.TemporaryAccessPassOneTime && !p.Time.After(at) && at.Sub(p.Time) < tap.RegistrationWindow {
			return true
		}
	}
	return false
}

// Usability reasons of a registered key.
const (
	UsableEnabled       = "enabledByPolicy"
	UsableDisabled      = "disabledByPolicy"
	UsableKeyRestricted = "keyRestricted"
	UsableNotTrusted    = "authenticatorNotTrusted"
)

// Usability says whether c may be used to sign in at time at by the user
// (with their transitive group ids): FIDO2 must be enabled for them, the
// key restrictions must allow its model (they apply at sign-in too, so
// removing an allowed AAGUID makes those keys unusable: PK-ENABLE), and
// the FIDO metadata must not report the model as untrusted.
func Usability(p method.Fido2, userID string, groups []string, c Credential, md Metadata, at time.Time) (bool, string) {
	switch {
	case !p.InScope(userID, groups):
		return false, UsableDisabled
	case !p.KeyRestrictions.Allows(c.AAGUID):
		return false, UsableKeyRestricted
	}
	if md != nil {
		if a, ok := md.Authenticator(c.AAGUID, at); ok && Refused(a.Status) {
			return false, UsableNotTrusted
		}
	}
	return true, UsableEnabled
}

// CheckUse is Usability as a sign-in refusal (nil when the key may be used).
func CheckUse(p method.Fido2, userID string, groups []string, c Credential, md Metadata, at time.Time) *Rejection {
	ok, why := Usability(p, userID, groups, c, md, at)
	if ok {
		return nil
	}
	switch why {
	case UsableDisabled:
		return &Rejection{Code: CodeMethodNotAllowed, Message: msgMethodOff, Reason: "FIDO2 is not enabled for the user by the authentication methods policy"}
	case UsableKeyRestricted:
		return &Rejection{Code: CodeKeyNotAllowed, Message: msgKeyBlocked, Reason: fmt.Sprintf("The key restrictions of the FIDO2 policy do not allow AAGUID %s", c.AAGUID)}
	}
	st := ""
	if md != nil {
		a, _ := md.Authenticator(c.AAGUID, at)
		st = a.Status
	}
	return &Rejection{Code: CodeAuthenticatorNotTrusted, Message: fmt.Sprintf(msgKeyNotTrusted, st), Reason: fmt.Sprintf("FIDO metadata status %s for AAGUID %s", st, c.AAGUID)}
}

// CounterCloned reports whether a received signature counter fails
// WebAuthn §7.2 step 22: when either the stored or the received counter is
// non-zero, the received one must be greater.
func CounterCloned(stored, received uint32) bool {
	return (stored != 0 || received != 0) && received <= stored
}
