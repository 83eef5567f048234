package signin

import (
	"context"
	"net/netip"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
)

// Target is what a sign-in or step-up is for: an application, a user
// action (urn:user:registersecurityinfo) or an authentication context.
type Target struct {
	AppID      string
	UserAction string
	Context    string
	// ClientAppType is the Conditional Access client app type (policy
	// package values): empty means a browser; the OpenID provider passes
	// "mobileAppsAndDesktopClients" for native (public) clients.
	// (Added by the Conditional Access work.)
	ClientAppType string
}

// Attempt is everything the requirements are decided on.
type Attempt struct {
	User       directory.User
	GroupIDs   []string // transitive
	RoleIDs    []string // active role template ids
	Evidence   authn.Evidence
	Registered []authn.Mode // the methods the user has registered and may use
	Target     Target
	ClientIP   netip.Addr
	UserAgent  string
	Now        time.Time
}

// Decision is what the requirements say about an attempt.
type Decision struct {
	Satisfied bool
	Blocked   bool
	BlockedBy string // the blocking policy's name, for the user
	Message   string // what to do, in plain words
	// Options lists method combinations that would satisfy what is still
	// missing, restricted to what the user can use (each inner list is
	// proved together, e.g. password then softwareOath).
	Options [][]authn.Mode
	// Strengths names the authentication strengths still required.
	Strengths []string
	// Register is set when the user has no usable method that would do
	// and may register one (the registersecurityinfo user action allows).
	Register bool
	// Applied is each Conditional Access policy's result, for the log.
	Applied []AppliedPolicy
	// CAStatus is success, failure or notApplied, for the log.
	CAStatus string
	// FreshFor, when set, is how long the satisfying proofs count
	// (sign-in frequency); zero means no limit beyond the session's.
	FreshFor time.Duration
	// EveryTime means the proof must be fresh for each use (sign-in
	// frequency everyTime).
	EveryTime bool
	// PersistentBrowser is the persistentBrowser session control of the
	// applying policies: "always" (keep the browser session across
	// restarts), "never", or "" when no policy says. (Added by the
	// Conditional Access work.)
	PersistentBrowser string
}

// Requirements decides whether an attempt meets what is required. The
// Conditional Access engine implements it; MultifactorRequired is the
// rule without policies.
type Requirements interface {
	Evaluate(ctx context.Context, a Attempt) (Decision, error)
}

// MultifactorRequired requires multifactor evidence for everything, like
// Entra's security defaults.
type MultifactorRequired struct{}

// Evaluate implements Requirements.
func (MultifactorRequired) Evaluate(_ context.Context, a Attempt) (Decision, error) {
	if a.Evidence.IsMultifactor() {
		return Decision{Satisfied: true, CAStatus: "notApplied"}, nil
	}
	d := Decision{CAStatus: "notApplied", Message: "Prove a second factor to finish signing in."}
	var opts [][]authn.Mode
	for _, m := range a.Registered {
		switch m {
		case authn.Fido2, authn.TemporaryAccessPassOneTime, authn.TemporaryAccessPassMultiUse:
			opts = append(opts, []authn.Mode{m})
		case authn.SoftwareOath:
			if a.Evidence.Has(authn.Password) {
				opts = append(opts, []authn.Mode{authn.SoftwareOath})
			} else {
				opts = append(opts, []authn.Mode{authn.Password, authn.SoftwareOath})
			}
		}
	}
	d.Options = opts
	d.Strengths = []string{"Multifactor authentication"}
	if len(opts) == 0 {
		d.Message = "You have no second factor to finish signing in with. Ask your administrator for a Temporary Access Pass, then register a security key."
	}
	return d, nil
}
