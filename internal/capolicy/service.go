package capolicy

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Audited activities, named as in Entra's audit log (entra.md §3.5,
// AUDIT). Entra names no activity for authentication contexts; these
// follow its pattern for the other Conditional Access objects.
var (
	ActivityAddPolicy    = audit.Activity{Category: "Policy", Name: "Add conditional access policy", Operation: "Add", Service: "Conditional Access"}
	ActivityUpdatePolicy = audit.Activity{Category: "Policy", Name: "Update conditional access policy", Operation: "Update", Service: "Conditional Access"}
	ActivityDeletePolicy = audit.Activity{Category: "Policy", Name: "Delete conditional access policy", Operation: "Delete", Service: "Conditional Access"}

	ActivityAddNamedLocation    = audit.Activity{Category: "Policy", Name: "Add named location", Operation: "Add", Service: "Conditional Access"}
	ActivityUpdateNamedLocation = audit.Activity{Category: "Policy", Name: "Update named location", Operation: "Update", Service: "Conditional Access"}
	ActivityDeleteNamedLocation = audit.Activity{Category: "Policy", Name: "Delete named location", Operation: "Delete", Service: "Conditional Access"}

	ActivityAddContext    = audit.Activity{Category: "Policy", Name: "Add authentication context", Operation: "Add", Service: "Conditional Access"}
	ActivityUpdateContext = audit.Activity{Category: "Policy", Name: "Update authentication context", Operation: "Update", Service: "Conditional Access"}
	ActivityDeleteContext = audit.Activity{Category: "Policy", Name: "Delete authentication context", Operation: "Delete", Service: "Conditional Access"}

	ActivityCreateStrength = audit.Activity{Category: "Policy", Name: "Authentication Strength Policy Create", Operation: "Add", Service: "Authentication Methods"}
	ActivityUpdateStrength = audit.Activity{Category: "Policy", Name: "Authentication Strength Policy Update", Operation: "Update", Service: "Authentication Methods"}
	ActivityDeleteStrength = audit.Activity{Category: "Policy", Name: "Authentication Strength Policy Delete", Operation: "Delete", Service: "Authentication Methods"}

	ActivityCreateCombination = audit.Activity{Category: "Policy", Name: "Authentication Strength Combination Configuration Create", Operation: "Add", Service: "Authentication Methods"}
	ActivityUpdateCombination = audit.Activity{Category: "Policy", Name: "Authentication Strength Combination Configuration Update", Operation: "Update", Service: "Authentication Methods"}
	ActivityDeleteCombination = audit.Activity{Category: "Policy", Name: "Authentication Strength Combination Configuration Delete", Operation: "Delete", Service: "Authentication Methods"}
)

// Reader is what the service reads: the Conditional Access objects, the
// version, and the directory and applications that policies refer to.
type Reader interface {
	directory.Reader
	application.Reader
	FindCAVersion(ctx context.Context) (int64, error)
	FindCAPolicies(ctx context.Context) ([]policy.Policy, error)
	FindCAPolicyByID(ctx context.Context, id string) (policy.Policy, error)
	FindAuthStrengths(ctx context.Context) ([]authn.Strength, error)
	FindAuthStrengthByID(ctx context.Context, id string) (authn.Strength, error)
	FindNamedLocations(ctx context.Context) ([]policy.NamedLocation, error)
	FindNamedLocationByID(ctx context.Context, id string) (policy.NamedLocation, error)
	FindAuthContexts(ctx context.Context) ([]policy.AuthenticationContext, error)
	FindAuthContextByID(ctx context.Context, id string) (policy.AuthenticationContext, error)
}

// PolicyWriter creates policies; bootstrap needs only this.
type PolicyWriter interface {
	Now() time.Time
	Audit(e audit.Event)
	// BumpCAVersion increments the version row, locking it until the
	// transaction ends, and returns the new version.
	BumpCAVersion(ctx context.Context) (int64, error)
	CreateCAPolicy(ctx context.Context, p policy.Policy) error
}

// Tx is what the service writes in a transaction.
type Tx interface {
	Reader
	PolicyWriter
	UpdateCAPolicy(ctx context.Context, p policy.Policy) error
	DeleteCAPolicy(ctx context.Context, id string) error
	CreateAuthStrength(ctx context.Context, s authn.Strength) error
	UpdateAuthStrength(ctx context.Context, s authn.Strength) error
	DeleteAuthStrength(ctx context.Context, id string) error
	CreateNamedLocation(ctx context.Context, l policy.NamedLocation) error
	UpdateNamedLocation(ctx context.Context, l policy.NamedLocation) error
	DeleteNamedLocation(ctx context.Context, id string) error
	SaveAuthContext(ctx context.Context, c policy.AuthenticationContext) error
	DeleteAuthContext(ctx context.Context, id string) error
}

// Store runs the service's transactions.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// DefaultRecheck is how often a node asks the database whether the
// policies changed on another node.
const DefaultRecheck = time.Second

// Service manages Conditional Access objects and keeps the compiled
// policies of this node.
type Service struct {
	store Store
	now   func() time.Time
	// Recheck bounds how stale another node's change can be here; zero
	// checks the version on every Snapshot.
	Recheck time.Duration
	// Countries, when set, gives What If the country of an IP address the
	// question names without a country.
	Countries interface{ Country(netip.Addr) string }
	// mono is the monotonic clock for Recheck (not the business clock:
	// a fake clock in tests must not freeze cache freshness).
	mono func() time.Time

	mu         sync.Mutex // one reload at a time
	snap       atomic.Pointer[Snapshot]
	checked    atomic.Int64 // mono time of the last version check, ns
	stale      atomic.Bool  // this node changed something, or a reload failed
	refreshing atomic.Bool  // a background reload is running
}

// NewService returns the service over store; now is the business clock.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now, Recheck: DefaultRecheck, mono: time.Now}
}

// invalidate drops the compiled policies after a change made here.
func (s *Service) invalidate() { s.stale.Store(true) }

// Permissions that read and change each kind of object (Graph's names).
// Conditional Access administrators manage strengths too, as in Entra.
var (
	readCA        = []authz.Permission{authz.PolicyReadConditionalAccess}
	writeCA       = []authz.Permission{authz.PolicyReadWriteConditionalAccess}
	readStrength  = []authz.Permission{authz.PolicyReadAuthenticationMethod, authz.PolicyReadConditionalAccess}
	writeStrength = []authz.Permission{authz.PolicyReadWriteAuthenticationMethod, authz.PolicyReadWriteConditionalAccess}
)

// write runs fn in a transaction after bumping the version (which also
// serialises Conditional Access writes) and, once it commits, reloads this
// node's compiled policies, so that the change is in force here when the
// call returns. A failed reload leaves them stale; the next Snapshot
// retries.
func (s *Service) write(ctx context.Context, fn func(tx Tx) error) error {
	return s.writeInTx(ctx, func(tx Tx) error {
		if _, err := tx.BumpCAVersion(ctx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// writeInTx runs fn, which bumps the version itself (the …InTx
// functions), and reloads after a commit.
func (s *Service) writeInTx(ctx context.Context, fn func(tx Tx) error) error {
	err := s.store.InTx(ctx, fn)
	if err == nil {
		s.invalidate()
		_, _ = s.reload(context.WithoutCancel(ctx))
	}
	return err
}

// Changed tells the service that Conditional Access objects changed in a
// transaction it did not run (bootstrap, an import through
// CreatePolicyInTx): it reloads now.
func (s *Service) Changed(ctx context.Context) error {
	s.invalidate()
	_, err := s.reload(ctx)
	return err
}

// rawJSON makes an audit value that is embedded as JSON, not as a string.
func rawJSON(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return json.RawMessage(b)
}

func notFound(what, id string) error {
	return apperr.NotFoundf("There is no %s with id '%s'.", what, id).WithCode("Request_ResourceNotFound")
}

func isNotFound(err error) bool { return errors.Is(err, apperr.NotFound) }

// quoteNames lists names as “a”, “b”.
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	return strings.Join(q, ", ")
}

// policiesUsing returns the display names of the policies for which use
// reports true, sorted.
func policiesUsing(ps []policy.Policy, use func(policy.Policy) bool) []string {
	var out []string
	for _, p := range ps {
		if use(p) {
			out = append(out, p.DisplayName)
		}
	}
	slices.Sort(out)
	return out
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}
