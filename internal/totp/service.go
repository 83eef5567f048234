package totp

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/tap"
)

// Method is a user's authenticator app registration.
type Method struct {
	ID              string
	UserID          string
	Secret          []byte // sealed with SealPurpose
	DisplayName     string
	Confirmed       bool
	LastUsedStep    int64 // the last time step a code was accepted for
	CreatedDateTime time.Time
}

// SealPurpose binds sealed secrets to this use.
const SealPurpose = "totp-secret"

// Sealer seals and opens secrets at rest (secret.Keyring).
type Sealer interface {
	Seal(purpose string, plaintext []byte) []byte
	Open(purpose string, sealed []byte) ([]byte, error)
}

// OpenSecret returns m's base32 secret.
func OpenSecret(o Sealer, m Method) (string, error) {
	b, err := o.Open(SealPurpose, m.Secret)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "An authenticator app registration cannot be read with this server's key.")
	}
	return string(b), nil
}

// Audited activities, named as in Entra's audit log (AUDIT).
var (
	ActivityUserRegistered = audit.Activity{Category: "UserManagement", Name: "User registered security info", Operation: "Add", Service: "Authentication Methods"}
	ActivityUserDeleted    = audit.Activity{Category: "UserManagement", Name: "User deleted security info", Operation: "Delete", Service: "Authentication Methods"}
	ActivityAdminDeleted   = audit.Activity{Category: "UserManagement", Name: "Admin deleted security info", Operation: "Delete", Service: "Authentication Methods"}
)

// Reader is what the service reads.
type Reader interface {
	directory.Reader
	FindMethodPolicy(ctx context.Context) (method.Policy, error)
	// FindTOTPMethods returns a user's methods, pending ones too, oldest
	// first.
	FindTOTPMethods(ctx context.Context, userID string) ([]Method, error)
}

// Tx is what the service writes in a transaction.
type Tx interface {
	Reader
	Now() time.Time
	Audit(e audit.Event)
	CreateTOTPMethod(ctx context.Context, m Method) error
	// ConfirmTOTPMethod makes a pending method usable; NotFound when it is
	// not pending any more.
	ConfirmTOTPMethod(ctx context.Context, id, displayName string, step int64) error
	DeleteTOTPMethod(ctx context.Context, id string) error
	DeletePendingTOTPMethods(ctx context.Context, userID string) error
}

// Backend runs the service's reads and transactions.
type Backend interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Service registers, lists and removes authenticator apps.
type Service struct {
	store  Backend
	guard  method.Guard
	sealer Sealer
	issuer string
	now    func() time.Time
}

// NewService returns the TOTP service. issuer names Strongroom in the
// user's authenticator app.
func NewService(store Backend, guard method.Guard, sealer Sealer, issuer string, now func() time.Time) *Service {
	return &Service{store: store, guard: guard, sealer: sealer, issuer: issuer, now: now}
}

// PendingLifetime is how long a registration may wait for its first code.
const PendingLifetime = 15 * time.Minute

// RecentMFA is how recently a session must have proved multifactor
// authentication to add a method (the rule for passkeys, PK-PROF).
const RecentMFA = 5 * time.Minute

// RecentlyMultifactor reports whether s may add a sign-in method at now:
// it proved multifactor authentication within RecentMFA, or signed in with
// a one-time pass within tap.RegistrationWindow, or with a multi-use pass
// (which has no such limit, TAP-HOW, and caps the session anyway).
func RecentlyMultifactor(s session.Session, now time.Time) bool {
	if s.RegistrationByPolicy {
		return true
	}
	if s.Evidence().Since(now.Add(-RecentMFA)).IsMultifactor() {
		return true
	}
	for _, p := range s.Proofs {
		switch p.Mode {
		case authn.TemporaryAccessPassOneTime:
			if now.Sub(p.Time) <= tap.RegistrationWindow {
				return true
			}
		case authn.TemporaryAccessPassMultiUse:
			return true
		}
	}
	return false
}

// ErrRecentMFA asks the user to prove a second factor again.
var ErrRecentMFA = apperr.New(apperr.Forbidden, "To add a sign-in method, sign in again with a second factor first (it must be within the last %d minutes).", int(RecentMFA/time.Minute)).WithCode("recentMfaRequired")

var errNotEnabled = apperr.New(apperr.Forbidden, "Authenticator app codes are not enabled for your account. Ask your administrator.").WithCode("methodNotAllowed")

// inScope checks the SoftwareOath policy for u.
func inScope(ctx context.Context, r Reader, u directory.User) error {
	policy, err := r.FindMethodPolicy(ctx)
	if err != nil {
		return err
	}
	groups, err := method.UserGroupIDs(ctx, r, u.ID)
	if err != nil {
		return err
	}
	if !policy.SoftwareOath.InScope(u.ID, groups) {
		return errNotEnabled
	}
	return nil
}

// Begin starts registering an authenticator app for u, signed in with
// sess: it makes a secret and stores it sealed as a pending method
// (replacing any other pending one). The key is shown once.
func (s *Service) Begin(ctx context.Context, u directory.User, sess session.Session) (Method, Key, error) {
	if !RecentlyMultifactor(sess, s.now()) {
		return Method{}, Key{}, ErrRecentMFA
	}
	if err := inScope(ctx, s.store, u); err != nil {
		return Method{}, Key{}, err
	}
	k, err := NewKey(s.issuer, u.UserPrincipalName)
	if err != nil {
		return Method{}, Key{}, err
	}
	var m Method
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.DeletePendingTOTPMethods(ctx, u.ID); err != nil {
			return err
		}
		m = Method{ID: uuid.NewString(), UserID: u.ID, Secret: s.sealer.Seal(SealPurpose, []byte(k.Secret)), CreatedDateTime: tx.Now()}
		return tx.CreateTOTPMethod(ctx, m)
	})
	if err != nil {
		return Method{}, Key{}, err
	}
	return m, k, nil
}

// DefaultDisplayName names a method whose user gave no name.
const DefaultDisplayName = "Authenticator app"

func displayName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultDisplayName, nil
	}
	if utf8.RuneCountInString(s) > 64 {
		return "", apperr.Invalidf("displayName must be at most 64 characters.")
	}
	return s, nil
}

var errPendingGone = apperr.NotFoundf("There is no pending authenticator app registration with that id; it may have expired (after %d minutes). Start again.", int(PendingLifetime/time.Minute)).WithCode("registrationNotFound")

// Confirm finishes a registration with the first code the app shows. The
// code's time step is remembered, so that it cannot then sign in.
func (s *Service) Confirm(ctx context.Context, u directory.User, id, code, name string) (Method, error) {
	name, err := displayName(name)
	if err != nil {
		return Method{}, err
	}
	if err := inScope(ctx, s.store, u); err != nil {
		return Method{}, err
	}
	var out Method
	err = s.store.InTx(ctx, func(tx Tx) error {
		ms, err := tx.FindTOTPMethods(ctx, u.ID)
		if err != nil {
			return err
		}
		var m *Method
		for i := range ms {
			if ms[i].ID == id && !ms[i].Confirmed {
				m = &ms[i]
			}
		}
		now := tx.Now()
		if m == nil || now.Sub(m.CreatedDateTime) > PendingLifetime {
			return errPendingGone
		}
		secret, err := OpenSecret(s.sealer, *m)
		if err != nil {
			return err
		}
		step, ok := Match(secret, code, now)
		if !ok {
			return apperr.Invalidf("That code is not right. Enter the six-digit code your app shows now; if it keeps failing, check the time on your phone.").WithCode("invalidCode")
		}
		if err := tx.ConfirmTOTPMethod(ctx, m.ID, name, step); err != nil {
			if errors.Is(err, apperr.NotFound) {
				return errPendingGone
			}
			return err
		}
		m.Confirmed, m.DisplayName, m.LastUsedStep = true, name, step
		out = *m
		tx.Audit(audit.New(ctx, ActivityUserRegistered, methodTarget(u, *m)).Detail("Method", "Software OATH token"))
		return nil
	})
	return out, err
}

func methodTarget(u directory.User, m Method) audit.Target {
	return audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName,
		ModifiedProperties: []audit.ModifiedProperty{audit.Change("SoftwareOathMethod", nil, map[string]string{"id": m.ID, "displayName": m.DisplayName})}}
}

// confirmed keeps the usable methods.
func confirmed(ms []Method) []Method {
	out := []Method{}
	for _, m := range ms {
		if m.Confirmed {
			out = append(out, m)
		}
	}
	return out
}

// Mine lists u's authenticator apps.
func (s *Service) Mine(ctx context.Context, u directory.User) ([]Method, error) {
	ms, err := s.store.FindTOTPMethods(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return confirmed(ms), nil
}

func errNoMethod(id string) error {
	return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
}

// remove deletes u's confirmed method id, audited as act.
func (s *Service) remove(ctx context.Context, tx Tx, u directory.User, id string, act audit.Activity) error {
	ms, err := tx.FindTOTPMethods(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, m := range confirmed(ms) {
		if m.ID == id {
			if err := tx.DeleteTOTPMethod(ctx, id); err != nil {
				return err
			}
			t := methodTarget(u, m)
			t.ModifiedProperties = []audit.ModifiedProperty{audit.Change("SoftwareOathMethod", map[string]string{"id": m.ID, "displayName": m.DisplayName}, nil)}
			tx.Audit(audit.New(ctx, act, t))
			return nil
		}
	}
	return errNoMethod(id)
}

// DeleteMine removes one of u's authenticator apps.
func (s *Service) DeleteMine(ctx context.Context, u directory.User, id string) error {
	return s.store.InTx(ctx, func(tx Tx) error { return s.remove(ctx, tx, u, id, ActivityUserDeleted) })
}

// List returns a user's authenticator apps, for an administrator.
func (s *Service) List(ctx context.Context, idOrUPN string) ([]Method, error) {
	u, err := method.AdminTarget(ctx, s.guard, s.store, idOrUPN, false)
	if err != nil {
		return nil, err
	}
	return s.Mine(ctx, u)
}

// Get returns one of a user's authenticator apps, for an administrator.
func (s *Service) Get(ctx context.Context, idOrUPN, id string) (Method, error) {
	ms, err := s.List(ctx, idOrUPN)
	if err != nil {
		return Method{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return Method{}, errNoMethod(id)
}

// Delete removes one of a user's authenticator apps, for an administrator.
func (s *Service) Delete(ctx context.Context, idOrUPN, id string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		u, err := method.AdminTarget(ctx, s.guard, tx, idOrUPN, true)
		if err != nil {
			return err
		}
		return s.remove(ctx, tx, u, id, ActivityAdminDeleted)
	})
}
