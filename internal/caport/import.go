package caport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Reader is what an export reads, and an import looks up.
type Reader interface {
	capolicy.Reader
	application.Lister
}

// Tx is what an import writes in its one transaction: Conditional Access
// objects and groups.
type Tx interface {
	capolicy.Tx
	directory.Tx
	application.Lister
}

// Store runs the import's transaction.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Service imports and exports Conditional Access objects.
type Service struct {
	store Store
	ca    *capolicy.Service
}

// NewService returns the service over store. ca, when set, is told about
// the import's changes once they commit, so that its compiled policies
// are fresh at once (other nodes see the version change).
func NewService(store Store, ca *capolicy.Service) *Service {
	return &Service{store: store, ca: ca}
}

// Options are how to import.
type Options struct {
	// DryRun does everything in a transaction that is rolled back, so
	// that the report is what the import would do; nothing is written or
	// audited.
	DryRun bool
	// Mapping resolves references to objects outside the import.
	Mapping Mapping
	// MappingSource names the mapping in problems ("map.yaml", "map").
	MappingSource string
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// Import creates objs in one transaction and reports what it did. The
// caller needs Policy.ReadWrite.ConditionalAccess, and Group.ReadWrite.All
// when groups are created. Invalid input (an object that fails
// validation once its references are resolved, a mapping target that
// does not exist) imports nothing: the error is apperr.Invalid wrapping an
// *InputError that lists every problem.
func (s *Service) Import(ctx context.Context, objs []Object, opts Options) (Report, error) {
	if err := authz.Require(ctx, authz.PolicyReadWriteConditionalAccess); err != nil {
		return Report{}, err
	}
	if opts.MappingSource == "" {
		opts.MappingSource = "mapping"
	}
	if err := checkDuplicates(objs); err != nil {
		return Report{}, err
	}
	if slices.ContainsFunc(objs, func(o Object) bool {
		_, mapped := lookupMap(opts.Mapping.Groups, o.SourceID)
		return o.Kind == KindGroup && !(mapped && o.SourceID != "")
	}) {
		if err := authz.Require(ctx, authz.GroupReadWriteAll); err != nil {
			return Report{}, apperr.Wrap(err, apperr.Forbidden, "The import creates groups, which needs %s as well as %s.",
				authz.GroupReadWriteAll, authz.PolicyReadWriteConditionalAccess).WithCode("Authorization_RequestDenied")
		}
	}
	var rep Report
	err := s.store.InTx(ctx, func(tx Tx) error {
		im := newImporter(ctx, tx, opts)
		r, err := im.run(objs)
		if err != nil {
			return err
		}
		rep = r
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return Report{}, err
	}
	rep.DryRun = opts.DryRun
	if opts.DryRun {
		for i := range rep.Objects {
			if rep.Objects[i].Action == ActionCreate && rep.Objects[i].Kind != KindContext {
				rep.Objects[i].ID = ""
			}
		}
	} else if s.ca != nil {
		// A failed reload leaves the policies marked stale; the next
		// Snapshot retries.
		_ = s.ca.Changed(ctx)
	}
	rep.normalize()
	return rep, nil
}

// checkDuplicates refuses two objects of one kind with the same id, but
// for a strength expanded in a policy that is also in the import (or in
// another policy) with the same definition.
func checkDuplicates(objs []Object) error {
	var ps problems
	seen := map[string]int{}
	for i, o := range objs {
		if o.SourceID == "" || o.Kind == KindPolicy {
			continue
		}
		key := string(o.Kind) + "\x00" + strings.ToLower(o.SourceID)
		j, dup := seen[key]
		if !dup {
			seen[key] = i
			continue
		}
		if o.Kind == KindStrength && (isInline(o) || isInline(objs[j])) {
			if sameStrength(o.Strength, objs[j].Strength) {
				continue
			}
			ps.add(o.Source, "", "the authentication strength %s differs from its definition in %s; make them the same", o.SourceID, objs[j].Source)
			continue
		}
		ps.add(o.Source, "id", "%s %q is also in %s; an import holds each object once", o.Kind.Singular(), o.SourceID, objs[j].Source)
	}
	return ps.err()
}

func isInline(o Object) bool { return strings.Contains(o.Source, "#grantControls") }

// sameStrength compares what a strength requires, not its ids or times.
func sameStrength(a, b authn.Strength) bool {
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = strings.ToLower(x)
		}
		slices.Sort(out)
		return out
	}
	if !strings.EqualFold(strings.TrimSpace(a.DisplayName), strings.TrimSpace(b.DisplayName)) || a.Description != b.Description ||
		!slices.Equal(norm(a.AllowedCombinations), norm(b.AllowedCombinations)) || len(a.CombinationConfigurations) != len(b.CombinationConfigurations) {
		return false
	}
	key := func(c authn.CombinationConfiguration) string {
		return strings.ToLower(c.ODataType) + "|" + strings.Join(norm(c.AppliesToCombinations), ",") + "|" + strings.Join(norm(c.AllowedAAGUIDs), ",") +
			"|" + strings.Join(norm(c.AllowedIssuerSkis), ",") + "|" + strings.Join(norm(c.AllowedPolicyOIDs), ",")
	}
	ka, kb := make([]string, len(a.CombinationConfigurations)), make([]string, len(b.CombinationConfigurations))
	for i := range ka {
		ka[i], kb[i] = key(a.CombinationConfigurations[i]), key(b.CombinationConfigurations[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// target is the Strongroom object a reference resolves to.
type target struct {
	id, name string
}

// importer is one import's state, inside its transaction.
type importer struct {
	ctx  context.Context
	tx   Tx
	opts Options
	ps   problems
	rep  Report

	// imported maps kind → lower-case source id → the Strongroom object
	// that the import's object became.
	imported map[Kind]map[string]target
	// created holds the ids of the groups this import creates (empty).
	created map[string]bool
	// exists caches lookups of Strongroom objects by kind and id.
	exists map[string]*target
	// mapped caches resolved mapping entries; used marks those used.
	mapped map[string]*target
	used   map[string]bool
	// placeholders in the order first met.
	placeholders []*Placeholder
	phIndex      map[string]*Placeholder
}

func newImporter(ctx context.Context, tx Tx, opts Options) *importer {
	im := &importer{ctx: ctx, tx: tx, opts: opts, imported: map[Kind]map[string]target{}, created: map[string]bool{},
		exists: map[string]*target{}, mapped: map[string]*target{}, used: map[string]bool{}, phIndex: map[string]*Placeholder{}}
	for _, k := range []Kind{KindPolicy, KindNamedLocation, KindStrength, KindContext, KindGroup} {
		im.imported[k] = map[string]target{}
	}
	return im
}

// fatal reports whether err must end the transaction now: anything but a
// validation failure (which comes before any write, so the transaction
// can go on to find more problems).
func fatal(err error) bool {
	return !errors.Is(err, apperr.Invalid)
}

// wrap names the object in an error that ends the import.
func wrap(o Object, err error) error {
	ae := apperr.As(err)
	if ae == nil {
		return fmt.Errorf("%s: %w", o.Source, err)
	}
	out := apperr.Wrap(err, ae.Kind, "%s: %s", o.Source, ae.Message)
	if ae.Code != "" {
		out = out.WithCode(ae.Code)
	}
	return out
}

func (im *importer) run(objs []Object) (Report, error) {
	if _, err := im.tx.BumpCAVersion(im.ctx); err != nil {
		return Report{}, err
	}
	steps := []struct {
		kind Kind
		fn   func(Object) error
	}{
		{KindContext, im.context},
		{KindNamedLocation, im.location},
		{KindStrength, im.strength},
		{KindGroup, im.group},
	}
	for _, st := range steps {
		for _, o := range objs {
			if o.Kind != st.kind {
				continue
			}
			if err := st.fn(o); err != nil {
				return Report{}, err
			}
		}
	}
	var policies []*policyWork
	for _, o := range objs {
		if o.Kind == KindPolicy {
			pw, err := im.preparePolicy(o)
			if err != nil {
				return Report{}, err
			}
			policies = append(policies, pw)
		}
	}
	if len(policies) > 0 {
		existing, err := im.tx.FindCAPolicies(im.ctx)
		if err != nil {
			return Report{}, err
		}
		if n := len(existing) + len(policies); n > policy.MaxPolicies {
			im.ps.add("import", "", "Strongroom has %d Conditional Access policies and the import adds %d; a tenant can have at most %d, counting every state", len(existing), len(policies), policy.MaxPolicies)
		}
	}
	im.checkMappings()
	if err := im.ps.err(); err != nil {
		return Report{}, err
	}
	for _, pw := range policies {
		p, err := capolicy.CreatePolicyInTx(im.ctx, im.tx, pw.p, pw.refs)
		if err != nil {
			return Report{}, wrap(pw.obj, err)
		}
		pw.report.ID = p.ID
		im.rep.Objects = append(im.rep.Objects, pw.report)
		im.rep.Created.add(KindPolicy)
	}
	for _, p := range im.placeholders {
		im.rep.Placeholders = append(im.rep.Placeholders, *p)
	}
	return im.rep, nil
}

// report starts an object's report.
func report(o Object, action Action, id string) ObjectReport {
	return ObjectReport{Kind: o.Kind, Source: o.Source, SourceID: o.SourceID, DisplayName: o.DisplayName(), Action: action, ID: id,
		Ignored: slices.Clone(o.Ignored)}
}

// remember records what the import's object o became.
func (im *importer) remember(o Object, t target) {
	if o.SourceID != "" {
		im.imported[o.Kind][strings.ToLower(o.SourceID)] = t
	}
}

// mappedTo returns the mapping's target for an object of the import, if
// the mapping names it.
func (im *importer) mappedTo(o Object) (string, bool) {
	if o.SourceID == "" {
		return "", false
	}
	return lookupMap(im.opts.Mapping.section(o.Kind), o.SourceID)
}

// useMapped resolves the mapping for an object of the import that is not
// created; false when the target is missing (a problem is recorded).
func (im *importer) useMapped(o Object) (bool, error) {
	to, ok := im.mappedTo(o)
	if !ok {
		return false, nil
	}
	t, err := im.resolveMapped(o.Kind, o.SourceID)
	if err != nil || t == nil {
		return true, err
	}
	r := report(o, ActionUse, t.id)
	r.Notes = append(r.Notes, fmt.Sprintf("mapped to %s %q: not created", o.Kind.Singular(), nameOr(t, to)))
	im.rep.Objects = append(im.rep.Objects, r)
	im.remember(o, *t)
	return true, nil
}

func nameOr(t *target, fallback string) string {
	if t != nil && t.name != "" {
		return t.name
	}
	return fallback
}

// context creates an authentication context unless it exists (an import
// never changes one) or is mapped to an existing one; a context mapped to
// an id that does not exist yet is created with that id.
func (im *importer) context(o Object) error {
	c := o.Context
	if to, ok := im.mappedTo(o); ok {
		im.used[mapKey(KindContext, o.SourceID)] = true
		to = strings.ToLower(to)
		if !policy.IsAuthContextID(to) {
			im.ps.add(im.opts.MappingSource, "authenticationContexts."+o.SourceID, "%q is not an authentication context id (c1 to c99)", to)
			return nil
		}
		c.ID = to
	}
	old, err := im.tx.FindAuthContextByID(im.ctx, c.ID)
	switch {
	case err == nil:
		r := report(o, ActionUse, old.ID)
		if old.DisplayName != c.DisplayName || old.Description != c.Description || old.IsAvailable != c.IsAvailable {
			r.Notes = append(r.Notes, fmt.Sprintf("Strongroom already has %s (%q, published %v); it is left as it is, and the imported policies that target %s now apply to it; map %s to another id to keep them apart",
				old.ID, old.DisplayName, old.IsAvailable, o.SourceID, o.SourceID))
		}
		im.rep.Objects = append(im.rep.Objects, r)
		im.remember(o, target{id: old.ID, name: old.DisplayName})
		return nil
	case !errors.Is(err, apperr.NotFound):
		return err
	}
	created, err := capolicy.CreateContextInTx(im.ctx, im.tx, c)
	if err != nil {
		if fatal(err) {
			return wrap(o, err)
		}
		im.ps.addErr(o.Source, "", err)
		return nil
	}
	r := report(o, ActionCreate, created.ID)
	if created.ID != o.SourceID {
		r.Notes = append(r.Notes, fmt.Sprintf("created as %s (mapped)", created.ID))
	}
	im.rep.Objects = append(im.rep.Objects, r)
	im.rep.Created.add(KindContext)
	im.remember(o, target{id: created.ID, name: created.DisplayName})
	return nil
}

func (im *importer) location(o Object) error {
	if done, err := im.useMapped(o); done || err != nil {
		return err
	}
	l, err := capolicy.CreateNamedLocationInTx(im.ctx, im.tx, o.Location)
	if err != nil {
		if fatal(err) {
			return wrap(o, err)
		}
		im.ps.addErr(o.Source, "", err)
		return nil
	}
	r := report(o, ActionCreate, l.ID)
	r.NotEnforced = locationNotEnforced(l)
	im.rep.Objects = append(im.rep.Objects, r)
	im.rep.Created.add(KindNamedLocation)
	im.remember(o, target{id: l.ID, name: l.DisplayName})
	return nil
}

// strength skips built-ins, uses an existing custom strength with the same
// name and definition, and creates the others.
func (im *importer) strength(o Object) error {
	st := o.Strength
	if t, done := im.imported[KindStrength][strings.ToLower(o.SourceID)]; done && o.SourceID != "" {
		// The same strength again (checkDuplicates made sure), in its own
		// file and expanded in a policy, or in two policies.
		r := report(o, ActionUse, t.id)
		r.Notes = append(r.Notes, "the same strength is earlier in this import: imported once")
		im.rep.Objects = append(im.rep.Objects, r)
		return nil
	}
	if authn.IsBuiltInID(strings.ToLower(st.ID)) || strings.EqualFold(st.PolicyType, authn.PolicyTypeBuiltIn) {
		b, ok := authn.BuiltInStrength(strings.ToLower(st.ID))
		if !ok {
			im.ps.add(o.Source, "id", "a built-in authentication strength must have a built-in id (%s, %s or %s), not %q",
				authn.MultifactorAuthenticationID, authn.PasswordlessMFAID, authn.PhishingResistantMFAID, st.ID)
			return nil
		}
		r := report(o, ActionSkip, b.ID)
		r.Notes = append(r.Notes, "built-in strength: Strongroom has its own, with the same id")
		im.rep.Objects = append(im.rep.Objects, r)
		im.remember(o, target{id: b.ID, name: b.DisplayName})
		return nil
	}
	if done, err := im.useMapped(o); done || err != nil {
		return err
	}
	existing, err := im.tx.FindAuthStrengths(im.ctx)
	if err != nil {
		return err
	}
	for _, e := range existing {
		if !strings.EqualFold(strings.TrimSpace(e.DisplayName), strings.TrimSpace(st.DisplayName)) {
			continue
		}
		if !sameStrength(e, st) {
			im.ps.add(o.Source, "displayName", "Strongroom already has a different authentication strength named %q; rename one, or map %s to it in the mapping file (authenticationStrengths)", e.DisplayName, o.SourceID)
			return nil
		}
		r := report(o, ActionUse, e.ID)
		r.Notes = append(r.Notes, "Strongroom already has this strength (same name and combinations): not created")
		im.rep.Objects = append(im.rep.Objects, r)
		im.remember(o, target{id: e.ID, name: e.DisplayName})
		return nil
	}
	created, err := capolicy.CreateStrengthInTx(im.ctx, im.tx, st)
	if err != nil {
		if fatal(err) && !errors.Is(err, apperr.Conflict) {
			return wrap(o, err)
		}
		im.ps.addErr(o.Source, "", err)
		return nil
	}
	r := report(o, ActionCreate, created.ID)
	r.NotEnforced = strengthNotEnforced(created)
	im.rep.Objects = append(im.rep.Objects, r)
	im.rep.Created.add(KindStrength)
	im.remember(o, target{id: created.ID, name: created.DisplayName})
	return nil
}

// group creates a security group, without members.
func (im *importer) group(o Object) error {
	if done, err := im.useMapped(o); done || err != nil {
		return err
	}
	g := o.Group
	in := directory.GroupInput{DisplayName: g.DisplayName, Description: g.Description, MailNickname: g.MailNickname, IsAssignableToRole: g.IsAssignableToRole}
	var notes []string
	if (g.SecurityEnabled != nil && !*g.SecurityEnabled) || (g.MailEnabled != nil && *g.MailEnabled) {
		notes = append(notes, "Strongroom has security groups only: created as a security group (securityEnabled true, mailEnabled false)")
	}
	for _, t := range g.GroupTypes {
		switch {
		case strings.EqualFold(t, "DynamicMembership"):
			notes = append(notes, "groupTypes DynamicMembership: Strongroom has static membership only; membershipRule is not stored")
		case strings.EqualFold(t, "Unified"):
			notes = append(notes, "groupTypes Unified (Microsoft 365 group): created as a security group")
		default:
			notes = append(notes, fmt.Sprintf("groupTypes %q: not stored", t))
		}
	}
	if g.MembershipRule != "" && !slices.ContainsFunc(g.GroupTypes, func(t string) bool { return strings.EqualFold(t, "DynamicMembership") }) {
		notes = append(notes, "membershipRule: Strongroom has static membership only; not stored")
	}
	notes = append(notes, "created without members (exports carry none): add them")
	created, err := directory.CreateGroupInTx(im.ctx, im.tx, in)
	if err != nil {
		if fatal(err) {
			return wrap(o, err)
		}
		im.ps.addErr(o.Source, "", err)
		return nil
	}
	r := report(o, ActionCreate, created.ID)
	r.Notes = notes
	im.rep.Objects = append(im.rep.Objects, r)
	im.rep.Created.add(KindGroup)
	im.created[created.ID] = true
	im.remember(o, target{id: created.ID, name: created.DisplayName})
	return nil
}

// checkMappings warns about mapping entries nothing used.
func (im *importer) checkMappings() {
	for _, k := range sectionKinds {
		sec := im.opts.Mapping.section(k)
		keys := make([]string, 0, len(sec))
		for from := range sec {
			keys = append(keys, from)
		}
		slices.Sort(keys)
		for _, from := range keys {
			if !im.used[mapKey(k, from)] && !(k == KindApplication && im.used[mapKey(KindServicePrincipal, from)]) {
				im.rep.Warnings = append(im.rep.Warnings, fmt.Sprintf("%s: %s.%s is not used by the import", im.opts.MappingSource, sectionName(k), from))
			}
		}
	}
}

func sectionName(k Kind) string {
	if k == KindServicePrincipal {
		return string(KindApplication)
	}
	return string(k)
}

func mapKey(k Kind, from string) string {
	return string(k) + "\x00" + strings.ToLower(strings.TrimSpace(from))
}
