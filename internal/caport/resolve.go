package caport

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/cagraph"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// resolveMapped returns the Strongroom object the mapping names for the
// source id from of kind k. A target that does not exist, or a name that
// matches more than one object, is a problem of the mapping (nil, nil).
func (im *importer) resolveMapped(k Kind, from string) (*target, error) {
	key := mapKey(k, from)
	if t, ok := im.mapped[key]; ok {
		return t, nil
	}
	to, _ := lookupMap(im.opts.Mapping.section(k), from)
	im.used[key] = true
	t, err := im.find(k, to, true)
	if err != nil {
		var miss *missing
		if !errors.As(err, &miss) {
			return nil, err
		}
		im.ps.add(im.opts.MappingSource, sectionName(k)+"."+from, "%s", miss.msg)
		im.mapped[key] = nil
		return nil, nil
	}
	im.mapped[key] = t
	im.rep.Mapped = append(im.rep.Mapped, Mapped{Kind: k, From: from, To: t.id, DisplayName: t.name})
	return t, nil
}

// missing is find's answer for an object that is not there.
type missing struct{ msg string }

func (m *missing) Error() string { return m.msg }

func notFound(err error) bool { return errors.Is(err, apperr.NotFound) }

// find looks up a Strongroom object of kind k by id or, when byName, by
// the name a mapping file may use. Not found is a *missing error.
func (im *importer) find(k Kind, ref string, byName bool) (*target, error) {
	ctx, tx := im.ctx, im.tx
	ref = strings.TrimSpace(ref)
	lower := strings.ToLower(ref)
	switch k {
	case KindUser:
		u, err := tx.FindUserByID(ctx, lower)
		if notFound(err) && byName {
			u, err = tx.FindUserByUPN(ctx, ref)
		}
		if notFound(err) {
			return nil, &missing{fmt.Sprintf("there is no user %q in Strongroom (give a user id or user principal name)", ref)}
		}
		if err != nil {
			return nil, err
		}
		return &target{id: u.ID, name: u.UserPrincipalName}, nil
	case KindGroup:
		g, err := tx.FindGroupByID(ctx, lower)
		if err == nil {
			return &target{id: g.ID, name: g.DisplayName}, nil
		}
		if !notFound(err) {
			return nil, err
		}
		if byName {
			gs, err := tx.FindGroups(ctx, directory.GroupFilter{DisplayName: ref, Limit: 2})
			if err != nil {
				return nil, err
			}
			switch len(gs) {
			case 1:
				return &target{id: gs[0].ID, name: gs[0].DisplayName}, nil
			case 2:
				return nil, &missing{fmt.Sprintf("more than one group in Strongroom is named %q; give the group's id", ref)}
			}
		}
		return nil, &missing{fmt.Sprintf("there is no group %q in Strongroom (give a group id or display name)", ref)}
	case KindApplication, KindServicePrincipal:
		if strings.EqualFold(ref, policy.AdminPortalAppID) || strings.EqualFold(ref, policy.MyAccountAppID) {
			name := "Strongroom admin portal"
			if strings.EqualFold(ref, policy.MyAccountAppID) {
				name = "Strongroom My Account"
			}
			return &target{id: lower, name: name}, nil
		}
		a, err := tx.FindApplicationByAppID(ctx, lower)
		if notFound(err) {
			a, err = tx.FindApplicationByID(ctx, lower)
		}
		if notFound(err) && byName {
			var as []application.Application
			as, err = tx.FindApplications(ctx, application.Filter{DisplayName: ref, Limit: 2})
			switch {
			case err != nil:
			case len(as) == 1:
				a = as[0]
			case len(as) == 2:
				return nil, &missing{fmt.Sprintf("more than one application in Strongroom is named %q; give its application (client) id", ref)}
			default:
				err = apperr.NotFoundf("not found")
			}
		}
		if notFound(err) {
			return nil, &missing{fmt.Sprintf("there is no application %q in Strongroom (give an application (client) id or display name)", ref)}
		}
		if err != nil {
			return nil, err
		}
		if k == KindServicePrincipal {
			return &target{id: a.ID, name: a.DisplayName}, nil
		}
		return &target{id: a.AppID, name: a.DisplayName}, nil
	case KindNamedLocation:
		l, err := tx.FindNamedLocationByID(ctx, lower)
		if err == nil {
			return &target{id: l.ID, name: l.DisplayName}, nil
		}
		if !notFound(err) {
			return nil, err
		}
		if byName {
			all, err := tx.FindNamedLocations(ctx)
			if err != nil {
				return nil, err
			}
			var hits []policy.NamedLocation
			for _, l := range all {
				if strings.EqualFold(strings.TrimSpace(l.DisplayName), ref) {
					hits = append(hits, l)
				}
			}
			switch len(hits) {
			case 1:
				return &target{id: hits[0].ID, name: hits[0].DisplayName}, nil
			case 0:
			default:
				return nil, &missing{fmt.Sprintf("more than one named location in Strongroom is named %q; give its id", ref)}
			}
		}
		return nil, &missing{fmt.Sprintf("there is no named location %q in Strongroom (give a named location id or display name)", ref)}
	case KindStrength:
		for _, b := range authn.BuiltInStrengths() {
			if strings.EqualFold(b.ID, ref) || byName && strings.EqualFold(b.DisplayName, ref) {
				return &target{id: b.ID, name: b.DisplayName}, nil
			}
		}
		st, err := tx.FindAuthStrengthByID(ctx, lower)
		if err == nil {
			return &target{id: st.ID, name: st.DisplayName}, nil
		}
		if !notFound(err) {
			return nil, err
		}
		if byName {
			all, err := tx.FindAuthStrengths(ctx)
			if err != nil {
				return nil, err
			}
			for _, st := range all {
				if strings.EqualFold(strings.TrimSpace(st.DisplayName), ref) {
					return &target{id: st.ID, name: st.DisplayName}, nil
				}
			}
		}
		return nil, &missing{fmt.Sprintf("there is no authentication strength %q in Strongroom (give a strength id or display name)", ref)}
	case KindContext:
		c, err := tx.FindAuthContextByID(ctx, lower)
		if notFound(err) {
			return nil, &missing{fmt.Sprintf("there is no authentication context %q in Strongroom (give an id c1 to c99 that exists or that the import creates)", ref)}
		}
		if err != nil {
			return nil, err
		}
		return &target{id: c.ID, name: c.DisplayName}, nil
	}
	return nil, fmt.Errorf("caport: no lookup for %s", k)
}

// resolve resolves a policy's reference to an object of kind k: through
// the mapping first, then the import's own objects, then Strongroom's
// objects with that id. nil: unresolved (a placeholder).
func (im *importer) resolve(k Kind, id string) (*target, error) {
	if _, ok := lookupMap(im.opts.Mapping.section(k), id); ok {
		return im.resolveMapped(k, id)
	}
	importKind := k
	if k == KindServicePrincipal || k == KindApplication || k == KindUser {
		importKind = ""
	}
	if importKind != "" {
		if t, ok := im.imported[importKind][strings.ToLower(strings.TrimSpace(id))]; ok {
			return &t, nil
		}
	}
	key := string(k) + "\x00" + strings.ToLower(strings.TrimSpace(id))
	if t, ok := im.exists[key]; ok {
		return t, nil
	}
	t, err := im.find(k, id, false)
	var miss *missing
	if errors.As(err, &miss) {
		t, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	im.exists[key] = t
	return t, nil
}

// policyWork is one policy being prepared.
type policyWork struct {
	obj     Object
	p       policy.Policy
	refs    policy.References
	report  ObjectReport
	dropped []Kind // the kinds of the references dropped, for the state note
}

// placeholder records that a policy used an unresolved reference.
func (im *importer) placeholder(k Kind, id string, pw *policyWork, property string) {
	key := string(k) + "\x00" + strings.ToLower(id)
	ph, ok := im.phIndex[key]
	if !ok {
		ph = &Placeholder{Kind: k, ID: id}
		im.phIndex[key] = ph
		im.placeholders = append(im.placeholders, ph)
	}
	ph.UsedBy = append(ph.UsedBy, Use{Policy: pw.p.DisplayName, Source: pw.obj.Source, Property: property})
	pw.dropped = append(pw.dropped, k)
}

// roles keeps the role template ids Strongroom has. A role it does not
// have can be held by no one here, so dropping it changes nothing: a
// note, not a placeholder, and the policy keeps its state.
func roles(property string, ids []string, note func(string, ...any)) []string {
	if ids == nil {
		return nil
	}
	out := []string{}
	var unknown []string
	for _, id := range ids {
		r, ok := directory.Role(strings.ToLower(strings.TrimSpace(id)))
		switch {
		case !ok:
			unknown = append(unknown, id)
		case !slices.Contains(out, r.ID):
			out = append(out, r.ID)
		}
	}
	if len(unknown) > 0 {
		listed := strings.Join(unknown, ", ")
		if len(unknown) > 5 {
			listed = strings.Join(unknown[:5], ", ") + fmt.Sprintf(", and %d more", len(unknown)-5)
		}
		note("%s: %d role template ids that Strongroom does not have were dropped (no one can hold them here, so the policy means the same): %s",
			property, len(unknown), listed)
	}
	return out
}

// droppedSummary says "3 groups and 1 named location".
func droppedSummary(kinds []Kind) string {
	n := map[Kind]int{}
	var order []Kind
	for _, k := range kinds {
		if n[k] == 0 {
			order = append(order, k)
		}
		n[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		name := k.Singular()
		if n[k] > 1 {
			name = string(k)
			if k != KindPolicy {
				name = plural(k)
			}
		}
		parts[i] = fmt.Sprintf("%d %s", n[k], name)
	}
	return strings.Join(parts, ", ")
}

func plural(k Kind) string {
	s := k.Singular()
	if strings.HasSuffix(s, "y") {
		return strings.TrimSuffix(s, "y") + "ies"
	}
	return s + "s"
}

// list rewrites a list of references: special values are kept, resolved
// ids replaced by Strongroom's, unresolved ones dropped. Ids that resolve
// to the same object are kept once.
func (im *importer) list(pw *policyWork, k Kind, property string, ids []string, special ...string) ([]string, error) {
	if ids == nil {
		return nil, nil
	}
	out := []string{}
	for _, id := range ids {
		if slices.ContainsFunc(special, func(s string) bool { return strings.EqualFold(s, id) }) || strings.TrimSpace(id) == "" {
			out = append(out, id) // validation names an empty id
			continue
		}
		t, err := im.resolve(k, id)
		if err != nil {
			return nil, err
		}
		if t == nil {
			im.placeholder(k, id, pw, property)
			continue
		}
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, t.id) }) {
			out = append(out, t.id)
		}
	}
	return out, nil
}

// preparePolicy resolves a policy's references, applies the import's
// rules for unresolved references and states, and validates it.
func (im *importer) preparePolicy(o Object) (*policyWork, error) {
	cp, err := clonePolicy(o.Policy)
	if err != nil {
		return nil, err
	}
	pw := &policyWork{obj: o, p: cp}
	p := &pw.p
	p.ID, p.CreatedDateTime, p.ModifiedDateTime = "", time.Time{}, time.Time{}
	pw.report = report(o, ActionCreate, "")
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }

	c := &p.Conditions
	if u := c.Users; u != nil {
		includes := len(u.IncludeUsers) + len(u.IncludeGroups) + len(u.IncludeRoles)
		steps := []struct {
			list    *[]string
			kind    Kind
			prop    string
			special []string
		}{
			{&u.IncludeUsers, KindUser, "conditions.users.includeUsers", []string{policy.UsersAll, policy.UsersNone, policy.UsersGuestsOrExternalUsers}},
			{&u.ExcludeUsers, KindUser, "conditions.users.excludeUsers", []string{policy.UsersAll, policy.UsersNone, policy.UsersGuestsOrExternalUsers}},
			{&u.IncludeGroups, KindGroup, "conditions.users.includeGroups", nil},
			{&u.ExcludeGroups, KindGroup, "conditions.users.excludeGroups", nil},
		}
		for _, st := range steps {
			if *st.list, err = im.list(pw, st.kind, st.prop, *st.list, st.special...); err != nil {
				return nil, err
			}
		}
		u.IncludeRoles = roles("conditions.users.includeRoles", u.IncludeRoles, note)
		u.ExcludeRoles = roles("conditions.users.excludeRoles", u.ExcludeRoles, note)
		if includes > 0 && len(u.IncludeUsers)+len(u.IncludeGroups)+len(u.IncludeRoles) == 0 && u.IncludeGuestsOrExternalUsers == nil {
			u.IncludeUsers = []string{policy.UsersNone}
			note("conditions.users: no included user, group or role is left; includeUsers is set to None")
		}
		if p.State == policy.StateEnabled {
			for _, id := range u.ExcludeGroups {
				if im.created[id] {
					note("conditions.users.excludeGroups: the group %q is new and has no members yet; add them before relying on the exclusion (the policy is enabled)", im.groupName(id))
				}
			}
		}
	}
	if a := c.Applications; a != nil {
		before := len(a.IncludeApplications) + len(a.IncludeAuthenticationContextClassReferences)
		specialApps := []string{policy.AppsAll, policy.AppsNone, policy.AppsOffice365, policy.AppsMicrosoftAdminPortals}
		if a.IncludeApplications, err = im.list(pw, KindApplication, "conditions.applications.includeApplications", a.IncludeApplications, specialApps...); err != nil {
			return nil, err
		}
		if a.ExcludeApplications, err = im.list(pw, KindApplication, "conditions.applications.excludeApplications", a.ExcludeApplications, specialApps...); err != nil {
			return nil, err
		}
		if a.IncludeAuthenticationContextClassReferences, err = im.list(pw, KindContext, "conditions.applications.includeAuthenticationContextClassReferences", a.IncludeAuthenticationContextClassReferences); err != nil {
			return nil, err
		}
		targets := len(a.IncludeApplications) + len(a.IncludeUserActions) + len(a.IncludeAuthenticationContextClassReferences)
		if before > 0 && targets == 0 && a.ApplicationFilter == nil && a.NetworkAccess == nil && a.GlobalSecureAccess == nil {
			a.IncludeApplications = []string{policy.AppsNone}
			note("conditions.applications: every included application and authentication context was unresolved; includeApplications is set to None")
		}
	}
	if ca := c.ClientApplications; ca != nil {
		before := len(ca.IncludeServicePrincipals)
		sp := []string{policy.ServicePrincipalsInMyTenant}
		if ca.IncludeServicePrincipals, err = im.list(pw, KindServicePrincipal, "conditions.clientApplications.includeServicePrincipals", ca.IncludeServicePrincipals, sp...); err != nil {
			return nil, err
		}
		if ca.ExcludeServicePrincipals, err = im.list(pw, KindServicePrincipal, "conditions.clientApplications.excludeServicePrincipals", ca.ExcludeServicePrincipals, sp...); err != nil {
			return nil, err
		}
		if before > 0 && len(ca.IncludeServicePrincipals) == 0 && ca.ServicePrincipalFilter == nil {
			ca.IncludeServicePrincipals = []string{policy.ServicePrincipalsInMyTenant}
			note("conditions.clientApplications: every included service principal was unresolved; includeServicePrincipals is set to ServicePrincipalsInMyTenant (Strongroom never applies workload identity policies)")
		}
	}
	if l := c.Locations; l != nil {
		before := len(l.IncludeLocations)
		special := []string{policy.LocationsAll, policy.LocationsAllTrusted}
		if l.IncludeLocations, err = im.list(pw, KindNamedLocation, "conditions.locations.includeLocations", l.IncludeLocations, special...); err != nil {
			return nil, err
		}
		if l.ExcludeLocations, err = im.list(pw, KindNamedLocation, "conditions.locations.excludeLocations", l.ExcludeLocations, special...); err != nil {
			return nil, err
		}
		if before > 0 && len(l.IncludeLocations) == 0 {
			if len(l.ExcludeLocations) > 0 {
				l.IncludeLocations = []string{policy.LocationsAll}
				note("conditions.locations.includeLocations: every included location was unresolved; set to All (with the exclusions kept), which is wider than the source: review it before enabling the policy")
			} else {
				c.Locations = nil
				note("conditions.locations: every included location was unresolved; the location condition is removed, which is wider than the source: review it before enabling the policy")
			}
		}
	}
	if g := p.GrantControls; g != nil && g.AuthenticationStrength != nil && !authn.IsBuiltInID(strings.ToLower(g.AuthenticationStrength.ID)) {
		id := g.AuthenticationStrength.ID
		t, err := im.resolve(KindStrength, id)
		if err != nil {
			return nil, err
		}
		if t == nil {
			im.placeholder(KindStrength, id, pw, "grantControls.authenticationStrength")
			g.AuthenticationStrength = nil
		} else {
			g.AuthenticationStrength = &policy.StrengthRef{ID: t.id}
		}
	} else if g != nil && g.AuthenticationStrength != nil {
		g.AuthenticationStrength.ID = strings.ToLower(g.AuthenticationStrength.ID)
	}

	// States: never enable, nor keep report-only, a policy that lost a
	// reference; and a report-only policy on a user action, which Graph
	// refuses (CA-RO), is imported disabled.
	sourceState := p.State
	if a := c.Applications; a != nil && len(a.IncludeUserActions) > 0 && strings.EqualFold(p.State, policy.StateReportOnly) {
		p.State = policy.StateDisabled
		note("state: imported disabled because a policy on a user action (%s) cannot be report-only (Graph refuses it); enable it when it is ready", strings.Join(a.IncludeUserActions, ", "))
	}
	if len(pw.dropped) > 0 && sourceState != policy.StateDisabled {
		p.State = policy.StateDisabled
		note("state: imported disabled because unresolved references were dropped (%s; see the placeholders); map them and import again, or fix the policy and enable it", droppedSummary(pw.dropped))
	}
	if p.State != sourceState {
		pw.report.SourceState = sourceState
	}
	pw.report.State = p.State
	pw.report.Notes = append(pw.report.Notes, notes...)
	pw.report.NotEnforced = policyNotEnforced(*p)

	refs, err := capolicy.References(im.ctx, im.tx, *p)
	if err != nil {
		return nil, err
	}
	pw.refs = refs
	for _, fe := range policy.Check(*p, refs) {
		im.ps.add(o.Source, fe.Path, "%s", fe.Message)
	}
	return pw, nil
}

// clonePolicy copies p deeply (through its stored form), so that an
// import never changes the objects it was given.
func clonePolicy(p policy.Policy) (policy.Policy, error) {
	b, err := cagraph.MarshalPolicyDocument(p)
	if err != nil {
		return p, err
	}
	out, _, err := cagraph.DecodePolicy(b, cagraph.Lenient)
	if err != nil {
		return p, apperr.Wrap(err, apperr.Internal, "copying a conditional access policy")
	}
	return out, nil
}

func (im *importer) groupName(id string) string {
	for _, t := range im.imported[KindGroup] {
		if t.id == id {
			return t.name
		}
	}
	return id
}
