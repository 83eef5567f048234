package enforcement

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// Snapshots gives the current compiled configuration; capolicy.Service
// is one, cached per node.
type Snapshots interface {
	Snapshot(ctx context.Context) (*capolicy.Snapshot, error)
}

// Countries finds the country of an address ("" when unknown);
// geoip.DB is one.
type Countries interface {
	Country(a netip.Addr) string
}

// Requirements is the Conditional Access engine as the sign-in service
// sees it.
type Requirements struct {
	snaps Snapshots
	geo   Countries
	// logged is the sign-in log's entry for every policy of one snapshot,
	// made once per snapshot; each decision copies it and fills in the
	// results.
	logged atomic.Pointer[loggedPolicies]
}

type loggedPolicies struct {
	snap    *capolicy.Snapshot
	entries []signin.AppliedPolicy
}

var _ signin.Requirements = (*Requirements)(nil)

// New returns the engine over snaps; geo may be nil (every country
// unknown).
func New(snaps Snapshots, geo Countries) *Requirements {
	return &Requirements{snaps: snaps, geo: geo}
}

// CA statuses of the sign-in log (Graph conditionalAccessStatus).
const (
	StatusSuccess    = "success"
	StatusFailure    = "failure"
	StatusNotApplied = "notApplied"
)

// Evaluate implements signin.Requirements.
func (r *Requirements) Evaluate(ctx context.Context, a signin.Attempt) (signin.Decision, error) {
	snap, err := r.snaps.Snapshot(ctx)
	if err != nil {
		return signin.Decision{}, err
	}
	in := r.signIn(a)
	d := snap.Set.Evaluate(in)
	out := translate(d, a, r.applied(snap, d))
	if !out.Satisfied && !out.Blocked && len(out.Options) == 0 {
		// Nothing the user has would do: may they register a method? An
		// enabled policy on the registersecurityinfo user action that the
		// session's evidence already meets says so (AS-HOW).
		reg := in
		reg.ApplicationID, reg.AuthenticationContext, reg.UserAction = "", "", policy.UserActionRegisterSecurityInfo
		rd := snap.Set.Evaluate(reg)
		out.Register = rd.Satisfied && anyEnforced(rd)
		out.Message = noMethodMessage(out.Strengths, out.Register)
	}
	return out, nil
}

// anyEnforced reports whether an enabled policy applied (and succeeded or
// failed) in d: registration is offered only when a policy on the
// registersecurityinfo user action says how it may be done.
func anyEnforced(d policy.Decision) bool {
	for _, r := range d.Policies {
		if r.Result == policy.ResultSuccess || r.Result == policy.ResultFailure {
			return true
		}
	}
	return false
}

// signIn builds the policy engine's view of an attempt.
func (r *Requirements) signIn(a signin.Attempt) policy.SignIn {
	in := policy.SignIn{
		UserID:                a.User.ID,
		UserType:              a.User.UserType,
		GroupIDs:              a.GroupIDs,
		RoleTemplateIDs:       a.RoleIDs,
		ApplicationID:         a.Target.AppID,
		UserAction:            a.Target.UserAction,
		AuthenticationContext: a.Target.Context,
		IPAddress:             a.ClientIP.Unmap(),
		DevicePlatform:        Platform(a.UserAgent),
		ClientAppType:         clientAppType(a.Target.ClientAppType),
		SignInRiskLevel:       policy.RiskNone,
		UserRiskLevel:         policy.RiskNone,
		Evidence:              a.Evidence,
		Registered:            &policy.Registered{Modes: authn.SetOf(a.Registered...)},
		Now:                   a.Now,
	}
	if in.UserType == "" {
		in.UserType = policy.UserTypeMember
	}
	if r.geo != nil && in.IPAddress.IsValid() {
		in.Country = r.geo.Country(in.IPAddress)
	}
	return in
}

// clientAppType is the client app type of a target: browser unless the
// caller (the OpenID provider, for a native client) says otherwise.
func clientAppType(t string) string {
	if t == "" {
		return policy.ClientAppBrowser
	}
	return t
}

// translate turns the engine's decision into the sign-in service's.
func translate(d policy.Decision, a signin.Attempt, applied []signin.AppliedPolicy) signin.Decision {
	out := signin.Decision{Satisfied: d.Satisfied, Applied: applied, CAStatus: caStatus(d)}
	if f := d.Session.SignInFrequency; f != nil {
		out.EveryTime = f.EveryTime
		if !f.EveryTime {
			out.FreshFor = f.Window
		}
	}
	out.PersistentBrowser = d.Session.PersistentBrowser
	if d.Block {
		out.Blocked, out.Satisfied = true, false
		names := make([]string, len(d.Blocking))
		for i, p := range d.Blocking {
			names[i] = p.DisplayName
		}
		out.BlockedBy = strings.Join(names, ", ")
		out.Message = blockedMessage(d.Blocking)
		return out
	}
	if d.Satisfied {
		return out
	}

	registered := authn.SetOf(a.Registered...)
	var steps [][]authn.Mode // every option that would meet all that is missing
	steps = [][]authn.Mode{{}}
	for _, req := range d.Unsatisfied() {
		reqSteps, impossible := requirementSteps(req, a.Evidence)
		if impossible != "" {
			// A control Strongroom cannot verify: fail closed and say which.
			out.Blocked, out.Satisfied = true, false
			out.BlockedBy = req.Policy.DisplayName
			out.Message = "The policy “" + req.Policy.DisplayName + "” requires " + impossible +
				", which Strongroom cannot check, so access cannot be granted. Contact your administrator."
			out.CAStatus = StatusFailure
			return out
		}
		steps = combine(steps, reqSteps)
		for _, c := range req.Controls {
			if !c.Satisfied && c.Strength != nil && !slices.Contains(out.Strengths, c.Strength.DisplayName) {
				out.Strengths = append(out.Strengths, c.Strength.DisplayName)
			}
		}
	}
	if !d.Session.Fresh && d.Session.SignInFrequency != nil {
		// The session is too old for a sign-in frequency: any fresh proof
		// renews it.
		var fresh [][]authn.Mode
		for _, m := range []authn.Mode{authn.Fido2, authn.TemporaryAccessPassMultiUse, authn.TemporaryAccessPassOneTime, authn.SoftwareOath, authn.Password} {
			fresh = append(fresh, []authn.Mode{m})
		}
		steps = combine(steps, fresh)
	}
	for _, s := range minimal(steps) {
		if len(s) > 0 && registeredAll(registered, s) {
			out.Options = append(out.Options, s)
		}
	}
	out.Message = stepMessage(out.Strengths, out.Options, d)
	return out
}

// requirementSteps returns the ways to meet one requirement, each the set
// of modes still to prove, or the name of the control that makes it
// impossible (an unverifiable control under AND, or only unverifiable
// ones under OR).
func requirementSteps(req policy.Requirement, e authn.Evidence) ([][]authn.Mode, string) {
	if !req.Freshness.Since.IsZero() {
		e = e.Since(req.Freshness.Since)
	}
	var out [][]authn.Mode
	var unverifiable string
	if req.Operator == policy.OperatorOR {
		for _, c := range req.Controls {
			if !c.Verifiable {
				if unverifiable == "" {
					unverifiable = controlName(c)
				}
				continue
			}
			out = append(out, controlSteps(c, e)...)
		}
		if len(out) == 0 {
			return nil, unverifiable
		}
		return out, ""
	}
	out = [][]authn.Mode{{}}
	for _, c := range req.Controls {
		if !c.Verifiable {
			return nil, controlName(c)
		}
		out = combine(out, controlSteps(c, e))
	}
	return out, ""
}

func controlSteps(c policy.Control, e authn.Evidence) [][]authn.Mode {
	if c.Strength == nil {
		return nil
	}
	if c.Satisfied {
		return [][]authn.Mode{{}}
	}
	if s := c.Strength.NextSteps(e); s != nil {
		return s
	}
	// Met by the whole evidence but not within the frequency window (the
	// caller passes the fresh part): the full combinations again.
	return c.Strength.SatisfyingModes()
}

func controlName(c policy.Control) string {
	switch c.Kind {
	case policy.KindTermsOfUse:
		return "accepting the terms of use " + c.ID
	case policy.KindCustomFactor:
		return "the custom control " + c.ID
	}
	return "“" + c.ID + "”"
}

// maxOptions bounds the combinations kept while combining requirements.
const maxOptions = 32

// combine returns every union of one option of a and one of b.
func combine(a, b [][]authn.Mode) [][]authn.Mode {
	var out [][]authn.Mode
	for _, x := range a {
		for _, y := range b {
			u := slices.Clone(x)
			for _, m := range y {
				if !slices.Contains(u, m) {
					u = append(u, m)
				}
			}
			out = append(out, u)
			if len(out) >= maxOptions {
				return minimal(out)
			}
		}
	}
	return minimal(out)
}

// minimal drops duplicates and supersets of other options, keeping
// shorter options first and otherwise the order given.
func minimal(opts [][]authn.Mode) [][]authn.Mode {
	sorted := slices.Clone(opts)
	slices.SortStableFunc(sorted, func(a, b []authn.Mode) int { return len(a) - len(b) })
	var out [][]authn.Mode
	var sets []authn.ModeSet
	for _, o := range sorted {
		s := authn.SetOf(o...)
		if slices.ContainsFunc(sets, func(k authn.ModeSet) bool { return k&^s == 0 }) {
			continue
		}
		sets = append(sets, s)
		out = append(out, o)
	}
	return out
}

func registeredAll(reg authn.ModeSet, modes []authn.Mode) bool {
	for _, m := range modes {
		if !reg.Has(m) {
			return false
		}
	}
	return true
}

// applied returns every policy's entry for the sign-in log, with its
// result and, when it did not apply, why.
func (r *Requirements) applied(snap *capolicy.Snapshot, d policy.Decision) []signin.AppliedPolicy {
	lp := r.logged.Load()
	if lp == nil || lp.snap != snap || len(lp.entries) != len(d.Policies) {
		lp = &loggedPolicies{snap: snap, entries: make([]signin.AppliedPolicy, len(d.Policies))}
		for i, res := range d.Policies {
			lp.entries[i] = signin.AppliedPolicy{ID: res.Policy.ID, DisplayName: res.Policy.DisplayName,
				EnforcedGrantControls: nonNil(res.Policy.EnforcedGrantControls), EnforcedSessionControls: nonNil(res.Policy.EnforcedSessionControls)}
		}
		r.logged.Store(lp)
	}
	out := slices.Clone(lp.entries)
	for i := range out {
		res := &d.Policies[i]
		out[i].Result = res.Result.String()
		if !res.Applies || res.AnalysisReasons != policy.ReasonNotSet {
			out[i].ConditionsNotSatisfied = res.AnalysisReasons.String()
		}
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// caStatus is Graph's conditionalAccessStatus for the sign-in: failure
// when blocked or not (yet) satisfied, success when an enabled policy
// applied and is met, notApplied when none applied.
func caStatus(d policy.Decision) string {
	appliedAny := false
	for _, r := range d.Policies {
		if r.Result == policy.ResultSuccess || r.Result == policy.ResultFailure {
			appliedAny = true
			break
		}
	}
	switch {
	case d.Block || (appliedAny && !d.Satisfied):
		return StatusFailure
	case appliedAny:
		return StatusSuccess
	case !d.Satisfied:
		return StatusFailure
	}
	return StatusNotApplied
}

func blockedMessage(ps []*policy.PolicyInfo) string {
	if len(ps) == 0 {
		return "A Conditional Access policy blocks this. If you need access, contact your administrator."
	}
	p := ps[0]
	if p.Invalid != "" {
		return "The Conditional Access policy “" + p.DisplayName + "” cannot be evaluated as written, so it blocks access until it is fixed. Contact your administrator."
	}
	return "Access is blocked by the Conditional Access policy “" + p.DisplayName + "”. If you need access, contact your administrator and tell them the name of the policy."
}

// modeWords says how a user proves a mode.
func modeWords(m authn.Mode) string {
	switch m {
	case authn.Fido2:
		return "your security key or passkey"
	case authn.TemporaryAccessPassOneTime, authn.TemporaryAccessPassMultiUse:
		return "a Temporary Access Pass"
	case authn.SoftwareOath:
		return "a code from your authenticator app"
	case authn.Password:
		return "your password"
	}
	return string(m)
}

func stepMessage(strengths []string, options [][]authn.Mode, d policy.Decision) string {
	var b strings.Builder
	switch {
	case len(strengths) == 1:
		b.WriteString("This needs the authentication strength “" + strengths[0] + "”.")
	case len(strengths) > 1:
		b.WriteString("This needs the authentication strengths “" + strings.Join(strengths, "”, “") + "”.")
	default:
		b.WriteString("Sign in again: this needs a recent proof that it's you.")
	}
	if f := d.Session.SignInFrequency; f != nil && f.EveryTime && len(strengths) > 0 {
		b.WriteString(" It asks for a fresh proof every time.")
	}
	if len(options) == 0 {
		return b.String()
	}
	var ways []string
	for _, o := range options {
		words := make([]string, len(o))
		for i, m := range o {
			words[i] = modeWords(m)
		}
		w := strings.Join(words, " and then ")
		if !slices.Contains(ways, w) {
			ways = append(ways, w)
		}
	}
	b.WriteString(" Use " + strings.Join(ways, ", or ") + ".")
	return b.String()
}

func noMethodMessage(strengths []string, register bool) string {
	need := "what this requires"
	if len(strengths) > 0 {
		need = "“" + strings.Join(strengths, "”, “") + "”"
	}
	if register {
		return "You have no sign-in method that meets " + need + ". Register a security key or passkey in My security info, then try again."
	}
	return "You have no sign-in method that meets " + need + ". Ask your administrator for a Temporary Access Pass, then register a security key or passkey."
}
