package tap

import (
	"context"
	"errors"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
)

// Audited activities, named as in Entra's audit log (AUDIT).
var (
	ActivityAdminRegistered = audit.Activity{Category: "UserManagement", Name: "Admin registered temporary access pass method for user", Operation: "Update", Service: "Authentication Methods"}
	ActivityAdminDeleted    = audit.Activity{Category: "UserManagement", Name: "Admin deleted temporary access pass method for user", Operation: "Update", Service: "Authentication Methods"}
)

// Reader is what the service reads outside a transaction.
type Reader interface {
	directory.Reader
	FindTAPByUser(ctx context.Context, userID string) (Pass, error)
	FindMethodPolicy(ctx context.Context) (method.Policy, error)
}

// Tx is what the service writes in a transaction.
type Tx interface {
	Reader
	Writer
	// DeleteTAP removes the user's pass; NotFound when there is none.
	DeleteTAP(ctx context.Context, userID string) error
	Now() time.Time
	Audit(e audit.Event)
}

// Backend runs the service's reads and transactions.
type Backend interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Service lets administrators issue, view and revoke passes (Graph's
// temporaryAccessPassMethods). Authorization follows entra.md §1.4.
type Service struct {
	store  Backend
	guard  method.Guard
	hasher Hasher
	now    func() time.Time
}

// NewService returns the pass service; guard is the directory's rule
// protecting administrators.
func NewService(store Backend, guard method.Guard, h Hasher, now func() time.Time) *Service {
	return &Service{store: store, guard: guard, hasher: h, now: now}
}

// IssueInput is what issuing a pass takes; nil fields take the policy's
// defaults.
type IssueInput struct {
	StartDateTime     *time.Time
	LifetimeInMinutes *int
	IsUsableOnce      *bool
}

// View is a pass as an administrator sees it, with whether it can be used
// now and why (Graph's isUsable and methodUsabilityReason).
type View struct {
	Pass
	IsUsable bool
	Reason   string
}

// maxStartAhead bounds how far in the future a pass may start.
const maxStartAhead = 30 * 24 * time.Hour

// Issue creates a pass for the user (by id or user principal name),
// replacing any pass they had, and returns it with its secret, which is
// never available again. Nobody issues a pass for themselves.
func (s *Service) Issue(ctx context.Context, idOrUPN string, in IssueInput) (View, string, error) {
	var (
		out    View
		secret string
	)
	err := s.store.InTx(ctx, func(tx Tx) error {
		u, err := method.AdminTarget(ctx, s.guard, tx, idOrUPN, true)
		if err != nil {
			return err
		}
		if p := authz.FromContext(ctx); p.Kind == authz.User && p.ID == u.ID {
			return apperr.Forbiddenf("You cannot issue a Temporary Access Pass for yourself; ask another administrator.").WithCode("Authorization_RequestDenied")
		}
		policy, err := tx.FindMethodPolicy(ctx)
		if err != nil {
			return err
		}
		cfg := policy.TAP
		now := tx.Now()
		lifetime := cfg.DefaultLifetimeInMinutes
		if in.LifetimeInMinutes != nil {
			lifetime = *in.LifetimeInMinutes
			if lifetime < cfg.MinimumLifetimeInMinutes || lifetime > cfg.MaximumLifetimeInMinutes {
				return apperr.Invalidf("lifetimeInMinutes must be between %d and %d minutes (the Temporary Access Pass policy's minimumLifetimeInMinutes and maximumLifetimeInMinutes), got %d.",
					cfg.MinimumLifetimeInMinutes, cfg.MaximumLifetimeInMinutes, lifetime)
			}
		}
		once := cfg.IsUsableOnce
		if in.IsUsableOnce != nil {
			once = *in.IsUsableOnce
			if cfg.IsUsableOnce && !once {
				return apperr.Invalidf("isUsableOnce must be true: the Temporary Access Pass policy allows one-time passes only.")
			}
		}
		start := now
		if in.StartDateTime != nil {
			start = in.StartDateTime.UTC().Truncate(time.Microsecond)
			switch {
			case start.After(now.Add(maxStartAhead)):
				return apperr.Invalidf("startDateTime must be within %d days from now.", int(maxStartAhead/(24*time.Hour)))
			case !now.Before(start.Add(time.Duration(lifetime) * time.Minute)):
				return apperr.Invalidf("startDateTime plus lifetimeInMinutes is already past: the pass would never be usable.")
			}
		}
		p, sec, err := IssueInTx(ctx, tx, s.hasher, u.ID, now, start, lifetime, cfg.DefaultLength, once)
		if err != nil {
			return err
		}
		secret = sec
		out, err = s.view(ctx, tx, u, p, now)
		if err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityAdminRegistered, passTarget(u, p, true)))
		return nil
	})
	if err != nil {
		return View{}, "", err
	}
	return out, secret, nil
}

// passTarget describes the user and the pass for the audit log (never the
// secret).
func passTarget(u directory.User, p Pass, created bool) audit.Target {
	props := []audit.ModifiedProperty{}
	if created {
		props = append(props,
			audit.Change("StartDateTime", nil, p.StartDateTime.UTC().Format(time.RFC3339)),
			audit.Change("LifetimeInMinutes", nil, p.LifetimeInMinutes),
			audit.Change("IsUsableOnce", nil, p.IsUsableOnce))
	} else {
		props = append(props, audit.Change("MethodId", p.ID, nil))
	}
	return audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName, ModifiedProperties: props}
}

// view adds the usability of p for u at now.
func (s *Service) view(ctx context.Context, r Reader, u directory.User, p Pass, now time.Time) (View, error) {
	policy, err := r.FindMethodPolicy(ctx)
	if err != nil {
		return View{}, err
	}
	groups, err := method.UserGroupIDs(ctx, r, u.ID)
	if err != nil {
		return View{}, err
	}
	ok, why := Usability(p, policy.TAP.InScope(u.ID, groups), policy.TAP.IsUsableOnce, now)
	return View{Pass: p, IsUsable: ok, Reason: why}, nil
}

// List returns the user's passes: none or one.
func (s *Service) List(ctx context.Context, idOrUPN string) ([]View, error) {
	u, err := method.AdminTarget(ctx, s.guard, s.store, idOrUPN, false)
	if err != nil {
		return nil, err
	}
	return s.ForUser(ctx, u)
}

// ForUser returns u's passes (none or one) without an authorization check,
// for callers that made their own (self-service, the methods list).
func (s *Service) ForUser(ctx context.Context, u directory.User) ([]View, error) {
	p, err := s.store.FindTAPByUser(ctx, u.ID)
	if errors.Is(err, apperr.NotFound) {
		return []View{}, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, s.store, u, p, s.now().UTC())
	if err != nil {
		return nil, err
	}
	return []View{v}, nil
}

func errNoPass(id string) error {
	return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
}

// Get returns the user's pass with method id id.
func (s *Service) Get(ctx context.Context, idOrUPN, id string) (View, error) {
	vs, err := s.List(ctx, idOrUPN)
	if err != nil {
		return View{}, err
	}
	for _, v := range vs {
		if v.ID == id {
			return v, nil
		}
	}
	return View{}, errNoPass(id)
}

// Delete revokes the user's pass with method id id.
func (s *Service) Delete(ctx context.Context, idOrUPN, id string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := method.AdminTarget(ctx, s.guard, tx, idOrUPN, true)
		if err != nil {
			return err
		}
		p, err := tx.FindTAPByUser(ctx, u.ID)
		if errors.Is(err, apperr.NotFound) || err == nil && p.ID != id {
			return errNoPass(id)
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteTAP(ctx, u.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityAdminDeleted, passTarget(u, p, false)))
		return nil
	})
}
