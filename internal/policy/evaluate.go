package policy

import (
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
)

// Evaluate decides a sign-in against policies: Compile(policies, f) then
// Set.Evaluate. Services that evaluate often should keep the compiled Set.
func Evaluate(s SignIn, policies []Policy, f Facts) Decision {
	return Compile(policies, f).Evaluate(s)
}

// WhatIf answers Graph's What If (G-WHATIF): Compile(policies, f) then
// Set.WhatIf.
func WhatIf(s SignIn, policies []Policy, f Facts, appliedPoliciesOnly bool) []WhatIfResult {
	return Compile(policies, f).WhatIf(s, appliedPoliciesOnly)
}

// Evaluate decides one sign-in (CA-POL, entra.md §4.7–4.8):
//
//   - A disabled policy is notEnabled. A policy with no grant or session
//     control is emptyPolicy and does nothing.
//   - Otherwise its conditions are checked in this order, and the first that
//     does not match is its analysis reason: users, target (application,
//     userActions, authenticationContext), devicePlatform, location,
//     clientApps, devices, signInRisk, userRisk, insiderRisk,
//     authenticationFlow. Within each, exclusion beats inclusion.
//   - Of the enabled policies that apply, any block blocks; every other one
//     becomes a Requirement, all of which must be satisfied. Under OR one
//     control suffices, under AND all. A control Strongroom cannot verify
//     is never satisfied.
//   - A policy's signInFrequency limits which proofs count for it: a
//     timeBased frequency counts proofs newer than Now−Type×Value, everyTime
//     counts proofs from the last EveryTimeTolerance (CA-SESS).
//   - Report-only policies are evaluated the same way and never affect the
//     outcome (CA-RO): reportOnlyFailure when they would block or demand a
//     control Strongroom cannot verify, reportOnlyInterrupted when they
//     would prompt for a method, reportOnlySuccess when already met.
//
// Unknown facts are treated as Entra treats them at sign-in: an unknown
// platform matches only includePlatforms "all" and is excluded by nothing;
// an unknown IP address matches no IP location and an unknown country only
// the country locations that include unknown countries, while "All" matches
// everywhere; an unknown client app type matches only "all"; an unknown
// device has every property null; empty sign-in and user risk are "none".
func (s *Set) Evaluate(in SignIn) Decision {
	var d Decision
	s.run(&in, false, &d)
	return d
}

// WhatIf evaluates a hypothetical sign-in and returns, per policy, Graph's
// whatIfAnalysisResult (G-WHATIF, G-WIRES). Enabled and report-only policies
// are evaluated (report-only ones may show policyApplies true, as the API's
// examples do); disabled ones give policyNotEnabled. With
// appliedPoliciesOnly, only the policies that apply are returned.
//
// What If differs from Evaluate on missing facts, because an administrator's
// question may simply leave them out (G-WHATIF: "that condition can't be
// evaluated"): a policy whose platform, location, client app or risk
// condition needs a fact the question does not give gets
// notEnoughInformation. A location needs an IP address or a country; a
// platform condition that is "all" with no exclusion, or a location
// condition that is "All" with no exclusion, needs nothing. A missing device
// is an unregistered device and a missing transfer method is no transfer,
// both real states that are evaluated, not missing.
func (s *Set) WhatIf(in SignIn, appliedPoliciesOnly bool) []WhatIfResult {
	var d Decision
	s.run(&in, true, &d)
	out := make([]WhatIfResult, 0, len(d.Policies))
	for i, r := range d.Policies {
		if appliedPoliciesOnly && !r.Applies {
			continue
		}
		out = append(out, WhatIfResult{Policy: s.policies[i], PolicyApplies: r.Applies, AnalysisReasons: r.AnalysisReasons})
	}
	return out
}

// evalState is the per-sign-in scratch state.
type evalState struct {
	userInc, userExc, appInc, appExc bits
	actions, contexts                bits
	locMatched                       bits
	platform, client                 uint8
	signInRisk, userRisk             uint8
	insiderRisk, flow                uint8
	device                           *Device
	filterMemo                       []int8 // 0 unknown, 1 match, 2 no match
	memo                             [8]memoEntry
	memoN                            int
}

type memoEntry struct {
	m     *authn.Matcher
	since time.Time
	ok    bool
}

var unknownDevice Device

func (s *Set) run(in *SignIn, whatIf bool, d *Decision) {
	w := s.words
	buf := make(bits, 4*w)
	st := &evalState{userInc: buf[0:w], userExc: buf[w : 2*w], appInc: buf[2*w : 3*w], appExc: buf[3*w:]}

	// Users: one lookup per id the sign-in carries.
	st.userInc.or(s.allUsers)
	s.orEntry(st.userInc, st.userExc, s.users, in.UserID)
	for _, g := range in.GroupIDs {
		s.orEntry(st.userInc, st.userExc, s.groups, g)
	}
	for _, r := range in.RoleTemplateIDs {
		s.orEntry(st.userInc, st.userExc, s.roles, r)
	}
	if eq(in.UserType, UserTypeGuest) {
		st.userInc.or(s.guestInc)
		st.userExc.or(s.guestExc)
	}

	// Target.
	if in.ApplicationID != "" {
		st.appInc.or(s.allApps)
		s.orEntry(st.appInc, st.appExc, s.apps, in.ApplicationID)
	}
	if in.UserAction != "" {
		if v, ok := canon(userActions, in.UserAction); ok {
			st.actions = s.actions[v]
		}
	}
	if in.AuthenticationContext != "" {
		st.contexts = s.contexts[lower(in.AuthenticationContext)]
	}

	// Location: which named locations the sign-in is in.
	if s.hasLoc {
		st.locMatched = s.matchLocations(in)
	}

	st.platform, _ = lookupBit(platformBits, in.DevicePlatform)
	st.client, _ = lookupBit(clientBits, in.ClientAppType)
	st.signInRisk, st.userRisk = riskOf(in.SignInRiskLevel, whatIf), riskOf(in.UserRiskLevel, whatIf)
	st.insiderRisk, _ = lookupBit(insiderBits, in.InsiderRiskLevel)
	st.flow, _ = lookupBit(flowBits, in.AuthenticationFlow)
	st.device = in.Device
	if st.device == nil {
		st.device = &unknownDevice
	}
	if len(s.filters) > 0 {
		st.filterMemo = make([]int8, len(s.filters))
	}

	// Pass 1: which policies apply, and how much room their requirements
	// need, so that the decision is allocated once and exactly.
	d.Policies = make([]PolicyResult, len(s.cps))
	d.Session.Fresh = true
	nReq, nCtl := 0, 0
	for i := range s.cps {
		cp := &s.cps[i]
		r := &d.Policies[i]
		r.Policy = cp.info
		r.AnalysisReasons = s.match(i, cp, st, in, whatIf)
		if r.AnalysisReasons != ReasonNotSet {
			switch {
			case cp.state == psDisabled:
				r.Result = ResultNotEnabled
			case cp.state == psReportOnly:
				r.Result = ResultReportOnlyNotApplied
			default:
				r.Result = ResultNotApplied
			}
			continue
		}
		r.Applies = true
		if cp.invalid {
			r.AnalysisReasons = ReasonInvalidPolicy
		} else if cp.state == psEnabled && !cp.block && len(cp.controls) > 0 {
			nReq++
			nCtl += len(cp.controls)
		}
	}
	var ctlBuf []Control
	if nReq > 0 {
		ctlBuf = make([]Control, 0, nCtl)
		d.Requirements = make([]Requirement, 0, nReq)
	}
	var strictest *cpolicy

	// Pass 2: the policies that apply.
	for i := range s.cps {
		cp := &s.cps[i]
		r := &d.Policies[i]
		if !r.Applies {
			continue
		}
		reportOnly := cp.state == psReportOnly

		if cp.block || cp.invalid {
			// Block beats grant; an invalid policy fails closed.
			if reportOnly {
				r.Result = ResultReportOnlyFailure
			} else {
				r.Result = ResultFailure
				d.Block = true
				d.Blocking = append(d.Blocking, cp.info)
			}
			continue
		}

		var since time.Time
		var fresh = true
		if cp.hasFreq {
			since = in.Now.Add(-cp.freq.Window)
			fresh = hasProofSince(in.Evidence, since)
		}
		satisfied, prompt := true, true
		var req *Requirement
		if len(cp.controls) > 0 {
			if !reportOnly {
				start := len(ctlBuf)
				ctlBuf = ctlBuf[:start+len(cp.controls)]
				op := OperatorAND
				if cp.anyOf {
					op = OperatorOR
				}
				d.Requirements = append(d.Requirements, Requirement{Policy: cp.info, Operator: op, Controls: ctlBuf[start : start+len(cp.controls) : start+len(cp.controls)]})
				req = &d.Requirements[len(d.Requirements)-1]
				if cp.hasFreq {
					req.Freshness = cp.freq
					req.Freshness.Since = since
				}
			}
			satisfied, prompt = s.grant(cp, st, in, since, req)
		}
		if req != nil {
			req.Satisfied = satisfied
		}
		ok := satisfied && fresh
		switch {
		case reportOnly && ok:
			r.Result = ResultReportOnlySuccess
		case reportOnly && prompt:
			r.Result = ResultReportOnlyInterrupted
		case reportOnly:
			r.Result = ResultReportOnlyFailure
		case ok:
			r.Result = ResultSuccess
		default:
			r.Result = ResultFailure
		}
		if reportOnly {
			continue
		}

		// Session controls of enabled, applying policies.
		if cp.hasFreq {
			if !fresh {
				d.Session.Fresh = false
			}
			if strictest == nil || stricter(cp.freq, strictest.freq) {
				strictest = cp
			}
		}
		switch cp.persistent {
		case PersistentBrowserNever:
			d.Session.PersistentBrowser = PersistentBrowserNever
		case PersistentBrowserAlways:
			if d.Session.PersistentBrowser == "" {
				d.Session.PersistentBrowser = PersistentBrowserAlways
			}
		}
		for _, name := range cp.unenforced {
			if !containsString(d.Session.Unenforced, name) {
				d.Session.Unenforced = append(d.Session.Unenforced, name)
			}
		}
	}
	if strictest != nil {
		f := strictest.freq
		f.Since = in.Now.Add(-f.Window)
		d.Session.SignInFrequency = &f
	}
	d.Satisfied = !d.Block && d.Session.Fresh
	for i := range d.Requirements {
		if !d.Requirements[i].Satisfied {
			d.Satisfied = false
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stricter reports whether frequency a is stricter than b: everyTime beats
// any time-based window, and a shorter window beats a longer one.
func stricter(a, b Freshness) bool {
	if a.EveryTime != b.EveryTime {
		return a.EveryTime
	}
	return a.Window < b.Window
}

func hasProofSince(e authn.Evidence, t time.Time) bool {
	for i := range e.Proofs {
		if !e.Proofs[i].Time.Before(t) {
			return true
		}
	}
	return false
}

func riskOf(level string, whatIf bool) uint8 {
	if level == "" {
		if whatIf {
			return 0 // not given: notEnoughInformation where a policy needs it
		}
		return riskBits[RiskNone]
	}
	b, _ := lookupBit(riskBits, level)
	return b
}

func (s *Set) orEntry(inc, exc bits, m map[string]*incExc, id string) {
	if e := lookupID(&s.ids, m, id); e != nil {
		inc.or(e.inc)
		exc.or(e.exc)
	}
}

// matchLocations returns the named locations the sign-in is in.
func (s *Set) matchLocations(in *SignIn) bits {
	m := newBits(s.locWords)
	m.or(s.alwaysMatched)
	if a := in.IPAddress.Unmap(); a.IsValid() {
		lens := s.v6Lens
		if a.Is4() {
			lens = s.v4Lens
		}
		for _, l := range lens {
			if p, err := a.Prefix(l); err == nil {
				if b, ok := s.prefixes[p]; ok {
					m.or(b)
				}
			}
		}
	}
	if c := in.Country; len(c) == 2 {
		var up [2]byte
		for i := 0; i < 2; i++ {
			up[i] = c[i]
			if 'a' <= up[i] && up[i] <= 'z' {
				up[i] -= 'a' - 'A'
			}
		}
		if b, ok := s.countries[string(up[:])]; ok {
			m.or(b)
		}
	} else {
		m.or(s.unknownCountry)
	}
	return m
}

// match checks a policy's state and conditions and returns ReasonNotSet when
// it applies, else why not.
func (s *Set) match(i int, cp *cpolicy, st *evalState, in *SignIn, whatIf bool) AnalysisReason {
	if cp.state == psDisabled {
		return ReasonPolicyNotEnabled
	}
	if cp.empty && !cp.invalid {
		return ReasonEmptyPolicy
	}
	// Users: include and not exclude (CA-USERS).
	if !cp.hasUsers || !st.userInc.has(i) || st.userExc.has(i) {
		return ReasonUsers
	}
	// Target resource: applications, a user action or an authentication
	// context (CA-APPS).
	appOK := cp.targetApps && st.appInc.has(i) && !st.appExc.has(i)
	actionOK := cp.targetActions && st.actions != nil && st.actions.has(i)
	ctxOK := cp.targetContexts && st.contexts != nil && st.contexts.has(i)
	if !appOK && !actionOK && !ctxOK {
		switch {
		case cp.targetApps:
			return ReasonApplication
		case cp.targetActions:
			return ReasonUserActions
		case cp.targetContexts:
			return ReasonAuthenticationContext
		}
		return ReasonApplication
	}
	if cp.invalid {
		return ReasonNotSet // fails closed; the caller marks it invalidPolicy
	}
	// Device platform (G-CAPLAT): unknown matches only "all".
	if cp.platCond {
		if st.platform == 0 && whatIf && !(cp.platIncAll && cp.platExc == 0) {
			return ReasonNotEnoughInformation
		}
		inc := cp.platIncAll || cp.platInc&st.platform != 0
		if !inc || cp.platExc&st.platform != 0 {
			return ReasonDevicePlatform
		}
	}
	// Locations (CA-NET).
	if cp.locCond && !cp.locTrivial {
		if whatIf && !in.IPAddress.IsValid() && in.Country == "" {
			return ReasonNotEnoughInformation
		}
		m := st.locMatched
		inTrusted := m.intersects(s.trusted)
		inc := cp.locIncAll || cp.locIncTrusted && inTrusted || m.intersects(cp.locInc)
		exc := cp.locExcTrusted && inTrusted || m.intersects(cp.locExc)
		if !inc || exc {
			return ReasonLocation
		}
	}
	// Client app types.
	if cp.clientMask != 0 {
		if st.client == 0 && whatIf {
			return ReasonNotEnoughInformation
		}
		if cp.clientMask&st.client == 0 {
			return ReasonClientApps
		}
	}
	// Device filter (entra.md §4.9): include mode applies to matching
	// devices, exclude mode to the others.
	if cp.filter >= 0 {
		memo := &st.filterMemo[cp.filter]
		if *memo == 0 {
			*memo = 2
			if s.filters[cp.filter].match(st.device) {
				*memo = 1
			}
		}
		if (*memo == 1) == cp.filterExclude {
			return ReasonDevices
		}
	}
	// Risks.
	if cp.signInRisk != 0 {
		if st.signInRisk == 0 && whatIf {
			return ReasonNotEnoughInformation
		}
		if cp.signInRisk&st.signInRisk == 0 {
			return ReasonSignInRisk
		}
	}
	if cp.userRisk != 0 {
		if st.userRisk == 0 && whatIf {
			return ReasonNotEnoughInformation
		}
		if cp.userRisk&st.userRisk == 0 {
			return ReasonUserRisk
		}
	}
	if cp.insiderRisk != 0 {
		if st.insiderRisk == 0 && whatIf && in.InsiderRiskLevel == "" {
			return ReasonNotEnoughInformation
		}
		if cp.insiderRisk&st.insiderRisk == 0 {
			return ReasonInsiderRisk
		}
	}
	// Authentication flows: no transfer matches no transfer condition.
	if cp.flowsMask != 0 && cp.flowsMask&st.flow == 0 {
		return ReasonAuthenticationFlow
	}
	return ReasonNotSet
}

// grant checks a policy's grant controls against the evidence made at or
// after since. It fills req's controls when req is not nil and returns
// whether the policy is satisfied and, if not, whether the user could be
// prompted for it (every missing control of an AND, or some control of an
// OR, is one Strongroom can verify).
func (s *Set) grant(cp *cpolicy, st *evalState, in *SignIn, since time.Time, req *Requirement) (satisfied, prompt bool) {
	anyOK, allOK := false, true
	anyVerifiable, allMissingVerifiable := false, true
	for j := range cp.controls {
		c := &cp.controls[j]
		ok := c.verifiable && st.satisfied(c.matcher, in.Evidence, since)
		if ok {
			anyOK = true
		} else {
			allOK = false
			if !c.verifiable {
				allMissingVerifiable = false
			}
		}
		if c.verifiable {
			anyVerifiable = true
		}
		if req != nil {
			ctl := &req.Controls[j]
			*ctl = Control{Kind: c.kind, ID: c.id, Strength: c.strength, Verifiable: c.verifiable, Satisfied: ok}
			if c.verifiable && in.Registered != nil {
				ctl.Registered = c.matcher.Achievable(in.Registered.Modes, in.Registered.AAGUIDs)
			}
		}
	}
	if cp.anyOf {
		return anyOK, anyVerifiable
	}
	return allOK, allMissingVerifiable
}

// satisfied memoises Matcher.Satisfied per (matcher, cut-off): many
// policies share a strength and a sign-in frequency.
func (st *evalState) satisfied(m *authn.Matcher, e authn.Evidence, since time.Time) bool {
	for i := 0; i < st.memoN; i++ {
		if me := &st.memo[i]; me.m == m && me.since.Equal(since) {
			return me.ok
		}
	}
	ok := m.Satisfied(e, since)
	if st.memoN < len(st.memo) {
		st.memo[st.memoN] = memoEntry{m: m, since: since, ok: ok}
		st.memoN++
	}
	return ok
}
