package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
)

// Set is a list of policies compiled against the tenant's facts for fast,
// repeated evaluation. A Set is immutable and safe for concurrent use;
// compile a new one when a policy, strength or named location changes.
//
// The cost of Evaluate is independent of the number of users in the
// directory: a sign-in carries its own user, groups and roles, and the Set
// indexes policies by the ids they name, so a user in g groups costs g map
// lookups whatever the number of policies.
type Set struct {
	policies []Policy
	cps      []cpolicy
	words    int // uint64 words in a bitset over policies

	users, groups, roles, apps   map[string]*incExc
	allUsers, guestInc, guestExc bits
	allApps                      bits
	actions, contexts            map[string]bits

	locWords       int
	prefixes       map[netip.Prefix]bits // masked prefix → locations
	v4Lens, v6Lens []int
	countries      map[string]bits // upper-case ISO code → locations
	unknownCountry bits            // locations that match an unknown country
	alwaysMatched  bits            // GPS locations that include unknown countries
	trusted        bits

	filters []*DeviceFilter
	hasLoc  bool
	ids     idFilter // every key of users, groups, roles and apps
}

type incExc struct{ inc, exc bits }

type bits []uint64

func newBits(words int) bits { return make(bits, words) }

func (b bits) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bits) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bits) or(o bits) {
	for i := range o {
		b[i] |= o[i]
	}
}
func (b bits) intersects(o bits) bool {
	for i := range o {
		if b[i]&o[i] != 0 {
			return true
		}
	}
	return false
}

type pstate uint8

const (
	psEnabled pstate = iota
	psDisabled
	psReportOnly
)

// cpolicy is one compiled policy.
type cpolicy struct {
	info    *PolicyInfo
	state   pstate
	empty   bool
	invalid bool

	hasUsers bool
	// Target kinds the policy names.
	targetApps, targetActions, targetContexts bool

	platCond, platIncAll   bool
	platInc, platExc       uint8
	locCond, locTrivial    bool
	locIncAll              bool
	locIncTrusted          bool
	locExcTrusted          bool
	locInc, locExc         bits // over named locations
	clientMask             uint8
	filter                 int // index in Set.filters, -1 for none
	filterExclude          bool
	signInRisk, userRisk   uint8
	insiderRisk, flowsMask uint8

	block    bool
	anyOf    bool // operator OR
	controls []ccontrol
	hasGrant bool

	freq        Freshness // Since unset; Window 0 for none
	hasFreq     bool
	persistent  string
	unenforced  []string
	hasSessions bool
}

type ccontrol struct {
	kind       ControlKind
	id         string
	strength   *authn.Strength
	matcher    *authn.Matcher
	verifiable bool
}

var (
	platformBits = map[string]uint8{PlatformAndroid: 1, PlatformIOS: 2, PlatformWindows: 4, PlatformWindowsPhone: 8, PlatformMacOS: 16, PlatformLinux: 32}
	clientBits   = map[string]uint8{ClientAppBrowser: 1, ClientAppMobileAppsAndDesktopClients: 2, ClientAppExchangeActiveSync: 4, ClientAppEASSupported: 4, ClientAppOther: 8}
	riskBits     = map[string]uint8{RiskLow: 1, RiskMedium: 2, RiskHigh: 4, RiskHidden: 8, RiskNone: 16}
	insiderBits  = map[string]uint8{InsiderRiskMinor: 1, InsiderRiskModerate: 2, InsiderRiskElevated: 4}
	flowBits     = map[string]uint8{TransferDeviceCodeFlow: 1, TransferAuthenticationTransfer: 2}
)

// lookupBit finds v (ignoring case) in m.
func lookupBit(m map[string]uint8, v string) (uint8, bool) {
	if v == "" {
		return 0, false
	}
	if b, ok := m[v]; ok {
		return b, true
	}
	for k, b := range m {
		if strings.EqualFold(k, v) {
			return b, true
		}
	}
	return 0, false
}

// builtIns are authn's built-in strengths, prepared once.
var builtIns = func() map[string]*authn.Strength {
	m := map[string]*authn.Strength{}
	for _, s := range authn.BuiltInStrengths() {
		m[s.ID] = &s
	}
	return m
}()

var mfaStrength = builtIns[authn.MultifactorAuthenticationID]

// Compile prepares policies for evaluation against facts. It never fails: a
// policy that cannot be evaluated as written (unknown strength or named
// location, unparsable device filter, unknown enum value) is compiled as
// invalid, and an invalid policy that targets a sign-in's user and resource
// fails closed (it blocks when enabled). Validate keeps such policies out.
func Compile(policies []Policy, f Facts) *Set {
	n := len(policies)
	s := &Set{
		policies:  slices.Clone(policies),
		cps:       make([]cpolicy, n),
		words:     max(1, (n+63)/64),
		users:     map[string]*incExc{},
		groups:    map[string]*incExc{},
		roles:     map[string]*incExc{},
		apps:      map[string]*incExc{},
		actions:   map[string]bits{},
		contexts:  map[string]bits{},
		prefixes:  map[netip.Prefix]bits{},
		countries: map[string]bits{},
	}
	s.allUsers, s.guestInc, s.guestExc, s.allApps = newBits(s.words), newBits(s.words), newBits(s.words), newBits(s.words)

	locIndex := s.compileLocations(f.NamedLocations)
	strengths := map[string]*authn.Strength{}
	matchers := map[*authn.Strength]*authn.Matcher{}
	resolve := func(id string) (*authn.Strength, *authn.Matcher) {
		st, ok := builtIns[id]
		if !ok {
			st, ok = strengths[id]
		}
		if !ok {
			fs, found := f.Strengths[id]
			if !found {
				return nil, nil
			}
			st = &fs
			strengths[id] = st
		}
		m, ok := matchers[st]
		if !ok {
			m = st.Matcher()
			matchers[st] = m
		}
		return st, m
	}
	filterIndex := map[string]int{}
	for i := range s.policies {
		s.compilePolicy(i, &s.policies[i], locIndex, resolve, filterIndex)
	}
	return s
}

func (s *Set) compileLocations(locs map[string]NamedLocation) map[string]int {
	ids := make([]string, 0, len(locs))
	for id := range locs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := make(map[string]int, len(ids))
	s.locWords = max(1, (len(ids)+63)/64)
	s.unknownCountry, s.trusted, s.alwaysMatched = newBits(s.locWords), newBits(s.locWords), newBits(s.locWords)
	v4, v6 := map[int]bool{}, map[int]bool{}
	for j, id := range ids {
		index[strings.ToLower(id)] = j
		l := locs[id]
		switch {
		case l.IsIP():
			if l.IsTrusted {
				s.trusted.set(j)
			}
			for _, r := range l.IPRanges {
				pfx, err := parseRange(r)
				if err != nil {
					continue // Validate rejects it; an unparsable range matches nothing
				}
				pfx = pfx.Masked()
				b, ok := s.prefixes[pfx]
				if !ok {
					b = newBits(s.locWords)
					s.prefixes[pfx] = b
				}
				b.set(j)
				if pfx.Addr().Is4() {
					v4[pfx.Bits()] = true
				} else {
					v6[pfx.Bits()] = true
				}
			}
		case l.IsCountry():
			if strings.EqualFold(l.CountryLookupMethod, CountryLookupGPS) {
				// No GPS signal: the country is always unknown.
				if l.IncludeUnknownCountriesAndRegions {
					s.alwaysMatched.set(j)
				}
				continue
			}
			if l.IncludeUnknownCountriesAndRegions {
				s.unknownCountry.set(j)
			}
			for _, c := range l.CountriesAndRegions {
				c = strings.ToUpper(c)
				b, ok := s.countries[c]
				if !ok {
					b = newBits(s.locWords)
					s.countries[c] = b
				}
				b.set(j)
			}
		}
	}
	s.v4Lens, s.v6Lens = sortedKeys(v4), sortedKeys(v6)
	return index
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	slices.Reverse(out) // longest prefixes first
	return out
}

// lower returns s in lower case, without allocating when it already is.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func (s *Set) index(m map[string]*incExc, id string, i int, exclude bool) {
	id = lower(id)
	s.ids.add(id)
	e, ok := m[id]
	if !ok {
		e = &incExc{inc: newBits(s.words), exc: newBits(s.words)}
		m[id] = e
	}
	if exclude {
		e.exc.set(i)
	} else {
		e.inc.set(i)
	}
}

func (s *Set) compilePolicy(i int, p *Policy, locIndex map[string]int, resolve func(string) (*authn.Strength, *authn.Matcher), filterIndex map[string]int) {
	cp := &s.cps[i]
	info := &PolicyInfo{ID: p.ID, DisplayName: p.DisplayName, State: p.State}
	cp.info = info
	cp.filter = -1
	var invalid []string
	bad := func(format string, args ...any) { invalid = append(invalid, fmt.Sprintf(format, args...)) }

	switch state, _ := canon(states, p.State); state {
	case StateEnabled:
		cp.state = psEnabled
	case StateDisabled:
		cp.state = psDisabled
	case StateReportOnly:
		cp.state = psReportOnly
	default:
		cp.state = psEnabled // fail closed: an unknown state is enforced, as invalid
		bad("state %q is not one of %s", p.State, quoteList(states...))
	}

	c := &p.Conditions
	// Users (CA-USERS). Exclusion beats inclusion.
	if u := c.Users; u != nil {
		cp.hasUsers = true
		for _, id := range u.IncludeUsers {
			switch {
			case eq(id, UsersAll):
				s.allUsers.set(i)
			case eq(id, UsersNone):
			case eq(id, UsersGuestsOrExternalUsers):
				s.guestInc.set(i)
			default:
				s.index(s.users, id, i, false)
			}
		}
		for _, id := range u.ExcludeUsers {
			if eq(id, UsersGuestsOrExternalUsers) {
				s.guestExc.set(i)
			} else {
				s.index(s.users, id, i, true)
			}
		}
		for _, id := range u.IncludeGroups {
			s.index(s.groups, id, i, false)
		}
		for _, id := range u.ExcludeGroups {
			s.index(s.groups, id, i, true)
		}
		for _, id := range u.IncludeRoles {
			s.index(s.roles, id, i, false)
		}
		for _, id := range u.ExcludeRoles {
			s.index(s.roles, id, i, true)
		}
		if coversInternalGuests(u.IncludeGuestsOrExternalUsers) {
			s.guestInc.set(i)
		}
		if coversInternalGuests(u.ExcludeGuestsOrExternalUsers) {
			s.guestExc.set(i)
		}
	}

	// Target resources (CA-APPS).
	if a := c.Applications; a != nil {
		if len(a.IncludeApplications) > 0 || a.ApplicationFilter != nil || a.NetworkAccess != nil || a.GlobalSecureAccess != nil {
			cp.targetApps = true
		}
		for _, id := range a.IncludeApplications {
			switch {
			case eq(id, AppsAll):
				s.allApps.set(i)
			case eq(id, AppsNone), eq(id, AppsOffice365):
			case eq(id, AppsMicrosoftAdminPortals):
				s.index(s.apps, AdminPortalAppID, i, false)
			default:
				s.index(s.apps, id, i, false)
			}
		}
		for _, id := range a.ExcludeApplications {
			switch {
			case eq(id, AppsOffice365):
			case eq(id, AppsMicrosoftAdminPortals):
				s.index(s.apps, AdminPortalAppID, i, true)
			default:
				s.index(s.apps, id, i, true)
			}
		}
		if f := a.ApplicationFilter; f != nil {
			if _, ok := canon(filterModes, f.Mode); !ok {
				bad("applicationFilter mode %q is not one of %s", f.Mode, quoteList(filterModes...))
			}
		}
		for _, ua := range a.IncludeUserActions {
			cp.targetActions = true
			if v, ok := canon(userActions, ua); ok {
				s.setIn(s.actions, v, i)
			} else {
				bad("user action %q is not one of %s", ua, quoteList(userActions...))
			}
		}
		for _, ctx := range a.IncludeAuthenticationContextClassReferences {
			cp.targetContexts = true
			s.setIn(s.contexts, strings.ToLower(ctx), i)
		}
	}

	// Device platforms (G-CAPLAT).
	if pl := c.Platforms; pl != nil && (len(pl.IncludePlatforms) > 0 || len(pl.ExcludePlatforms) > 0) {
		cp.platCond = true
		for _, v := range pl.IncludePlatforms {
			if eq(v, PlatformAll) {
				cp.platIncAll = true
			} else if b, ok := lookupBit(platformBits, v); ok {
				cp.platInc |= b
			} else {
				bad("platform %q is not known", v)
			}
		}
		for _, v := range pl.ExcludePlatforms {
			if b, ok := lookupBit(platformBits, v); ok {
				cp.platExc |= b
			} else {
				bad("platform %q is not known", v)
			}
		}
	}

	// Locations (G-CALOC, CA-NET).
	if l := c.Locations; l != nil && (len(l.IncludeLocations) > 0 || len(l.ExcludeLocations) > 0) {
		cp.locCond = true
		s.hasLoc = true
		cp.locInc, cp.locExc = newBits(s.locWords), newBits(s.locWords)
		for _, id := range l.IncludeLocations {
			switch {
			case eq(id, LocationsAll):
				cp.locIncAll = true
			case eq(id, LocationsAllTrusted):
				cp.locIncTrusted = true
			default:
				if j, ok := locIndex[strings.ToLower(id)]; ok {
					cp.locInc.set(j)
				} else {
					bad("named location %q does not exist", id)
				}
			}
		}
		for _, id := range l.ExcludeLocations {
			switch {
			case eq(id, LocationsAllTrusted):
				cp.locExcTrusted = true
			case eq(id, LocationsAll):
				bad("\"All\" cannot be excluded")
			default:
				if j, ok := locIndex[strings.ToLower(id)]; ok {
					cp.locExc.set(j)
				} else {
					bad("named location %q does not exist", id)
				}
			}
		}
		cp.locTrivial = cp.locIncAll && len(l.ExcludeLocations) == 0
	}

	// Client app types; "all" or none configured matches every client (CA-POL).
	for _, v := range c.ClientAppTypes {
		if eq(v, ClientAppAll) {
			cp.clientMask = 0
			break
		}
		if b, ok := lookupBit(clientBits, v); ok {
			cp.clientMask |= b
		} else {
			bad("client app type %q is not known", v)
		}
	}

	// Device filter (G-CADEV, entra.md §4.9).
	if d := c.Devices; d != nil && d.DeviceFilter != nil {
		df := d.DeviceFilter
		mode, ok := canon(filterModes, df.Mode)
		if !ok {
			bad("device filter mode %q is not one of %s", df.Mode, quoteList(filterModes...))
		}
		cp.filterExclude = mode == FilterExclude
		if j, ok := filterIndex[df.Rule]; ok {
			cp.filter = j
		} else if f, err := ParseDeviceFilter(df.Rule); err != nil {
			bad("%v", err)
		} else {
			cp.filter = len(s.filters)
			filterIndex[df.Rule] = cp.filter
			s.filters = append(s.filters, f)
		}
	}

	enumMask := func(what string, m map[string]uint8, vals []string) uint8 {
		var mask uint8
		for _, v := range vals {
			if b, ok := lookupBit(m, v); ok {
				mask |= b
			} else {
				bad("%s %q is not known", what, v)
			}
		}
		return mask
	}
	cp.signInRisk = enumMask("sign-in risk level", riskBits, c.SignInRiskLevels)
	cp.userRisk = enumMask("user risk level", riskBits, c.UserRiskLevels)
	cp.insiderRisk = enumMask("insider risk level", insiderBits, c.InsiderRiskLevels)
	if fl := c.AuthenticationFlows; fl != nil {
		cp.flowsMask = enumMask("transfer method", flowBits, fl.TransferMethods)
	}

	// Grant controls (G-CAGRANT).
	if g := p.GrantControls; g != nil {
		cp.anyOf = eq(g.Operator, OperatorOR)
		for _, name := range g.BuiltInControls {
			ctl, _ := canon(builtInControls, name)
			if ctl == "" {
				ctl = name // unknown control: kept, never satisfied
			}
			info.EnforcedGrantControls = append(info.EnforcedGrantControls, ctl)
			switch ctl {
			case ControlBlock:
				cp.block = true
			case ControlMFA:
				cp.controls = append(cp.controls, ccontrol{kind: KindMFA, id: ControlMFA, strength: mfaStrength, matcher: mfaStrengthMatcher, verifiable: true})
			default:
				cp.controls = append(cp.controls, ccontrol{kind: ControlKind(ctl), id: ctl})
			}
		}
		if ref := g.AuthenticationStrength; ref != nil {
			info.EnforcedGrantControls = append(info.EnforcedGrantControls, string(KindAuthenticationStrength))
			st, m := resolve(ref.ID)
			if st == nil {
				bad("authentication strength %q does not exist", ref.ID)
			}
			cp.controls = append(cp.controls, ccontrol{kind: KindAuthenticationStrength, id: ref.ID, strength: st, matcher: m, verifiable: st != nil})
		}
		for _, id := range g.TermsOfUse {
			info.EnforcedGrantControls = append(info.EnforcedGrantControls, id)
			cp.controls = append(cp.controls, ccontrol{kind: KindTermsOfUse, id: id})
		}
		for _, id := range g.CustomAuthenticationFactors {
			info.EnforcedGrantControls = append(info.EnforcedGrantControls, id)
			cp.controls = append(cp.controls, ccontrol{kind: KindCustomFactor, id: id})
		}
		cp.hasGrant = cp.block || len(cp.controls) > 0
	}

	// Session controls (G-CASESS, CA-SESS).
	if sc := p.SessionControls; sc != nil {
		names := &info.EnforcedSessionControls
		if f := sc.SignInFrequency; f != nil && f.IsEnabled {
			*names = append(*names, "signInFrequency")
			cp.hasFreq = true
			if eq(f.FrequencyInterval, FrequencyEveryTime) {
				cp.freq = Freshness{EveryTime: true, Window: EveryTimeTolerance}
			} else {
				unit := time.Hour
				if eq(f.Type, FrequencyDays) {
					unit = 24 * time.Hour
				} else if !eq(f.Type, FrequencyHours) {
					bad("sign-in frequency type %q is not one of %s", f.Type, quoteList(frequencyTypes...))
				}
				v := min(int64(f.Value), 36500*24) // a century at most; no overflow
				if v <= 0 {
					bad("sign-in frequency value %d is not positive", f.Value)
					v = 0 // fail closed: a window of nothing demands a proof now
				}
				cp.freq = Freshness{Window: time.Duration(v) * unit}
			}
		}
		if b := sc.PersistentBrowser; b != nil && b.IsEnabled {
			*names = append(*names, "persistentBrowser")
			mode, ok := canon(browserModes, b.Mode)
			if !ok {
				bad("persistent browser mode %q is not one of %s", b.Mode, quoteList(browserModes...))
				mode = PersistentBrowserNever
			}
			cp.persistent = mode
		}
		unenforced := func(on bool, name string) {
			if on {
				*names = append(*names, name)
				cp.unenforced = append(cp.unenforced, name)
			}
		}
		unenforced(sc.ApplicationEnforcedRestrictions != nil && sc.ApplicationEnforcedRestrictions.IsEnabled, "applicationEnforcedRestrictions")
		unenforced(sc.CloudAppSecurity != nil && sc.CloudAppSecurity.IsEnabled, "cloudAppSecurity")
		unenforced(sc.DisableResilienceDefaults != nil && *sc.DisableResilienceDefaults, "disableResilienceDefaults")
		unenforced(sc.SecureSignInSession != nil && sc.SecureSignInSession.IsEnabled, "secureSignInSession")
		unenforced(sc.NetworkAccessSecurity != nil && sc.NetworkAccessSecurity.IsEnabled, "networkAccessSecurity")
		unenforced(sc.GlobalSecureAccessFilteringProfile != nil && sc.GlobalSecureAccessFilteringProfile.IsEnabled, "globalSecureAccessFilteringProfile")
		cp.hasSessions = len(*names) > 0
	}
	cp.empty = !cp.hasGrant && !cp.hasSessions

	if len(invalid) > 0 {
		cp.invalid = true
		info.Invalid = strings.Join(invalid, "; ")
	}
}

var mfaStrengthMatcher = mfaStrength.Matcher()

func (s *Set) setIn(m map[string]bits, key string, i int) {
	b, ok := m[key]
	if !ok {
		b = newBits(s.words)
		m[key] = b
	}
	b.set(i)
}

// coversInternalGuests reports whether a guestsOrExternalUsers condition
// covers Strongroom's guests, which are internalGuest (G-CAGUEST).
func coversInternalGuests(g *GuestsOrExternalUsers) bool {
	return g != nil && containsFoldList(g.GuestOrExternalUserTypes, GuestTypeInternalGuest)
}
