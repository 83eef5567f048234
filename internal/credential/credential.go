package credential

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/password"
	"github.com/strongroom-id/strongroom/internal/tap"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// Kinds of method, named like Graph's authenticationMethod types.
const (
	KindPassword            = "password"
	KindSoftwareOath        = "softwareOath"
	KindTemporaryAccessPass = "temporaryAccessPass"
	KindFido2               = "fido2"
)

// Method is one registered method of any kind; the field for its kind is
// set.
type Method struct {
	Kind            string
	ID              string
	CreatedDateTime *time.Time
	Password        *password.Credential
	SoftwareOath    *totp.Method
	Pass            *tap.View
	Passkey         *passkey.Credential
}

// Reader reads what the list needs beyond the kinds' services.
type Reader interface {
	directory.Reader
	FindPassword(ctx context.Context, userID string) (password.Credential, error)
	FindPasskeys(ctx context.Context, f passkey.Filter) ([]passkey.Credential, error)
}

// Service lists a user's methods.
type Service struct {
	store Reader
	guard method.Guard
	taps  *tap.Service
	totps *totp.Service
}

// NewService returns the service.
func NewService(r Reader, guard method.Guard, taps *tap.Service, totps *totp.Service) *Service {
	return &Service{store: r, guard: guard, taps: taps, totps: totps}
}

// Passwords returns the user's password method (none or one; never the
// password).
func (s *Service) Passwords(ctx context.Context, idOrUPN string) ([]password.Credential, error) {
	u, err := method.AdminTarget(ctx, s.guard, s.store, idOrUPN, false)
	if err != nil {
		return nil, err
	}
	return s.passwords(ctx, u)
}

func (s *Service) passwords(ctx context.Context, u directory.User) ([]password.Credential, error) {
	p, err := s.store.FindPassword(ctx, u.ID)
	if errors.Is(err, apperr.NotFound) {
		return []password.Credential{}, nil
	}
	if err != nil {
		return nil, err
	}
	p.Hash = ""
	return []password.Credential{p}, nil
}

// List returns every method the user has registered: password first,
// then the others by creation time.
func (s *Service) List(ctx context.Context, idOrUPN string) ([]Method, error) {
	u, err := method.AdminTarget(ctx, s.guard, s.store, idOrUPN, false)
	if err != nil {
		return nil, err
	}
	var out, rest []Method
	pws, err := s.passwords(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, p := range pws {
		out = append(out, Method{Kind: KindPassword, ID: password.GraphMethodID, CreatedDateTime: &p.CreatedDateTime, Password: &p})
	}
	oaths, err := s.totps.Mine(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, m := range oaths {
		rest = append(rest, Method{Kind: KindSoftwareOath, ID: m.ID, CreatedDateTime: &m.CreatedDateTime, SoftwareOath: &m})
	}
	passes, err := s.taps.ForUser(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, v := range passes {
		rest = append(rest, Method{Kind: KindTemporaryAccessPass, ID: v.ID, CreatedDateTime: &v.CreatedDateTime, Pass: &v})
	}
	keys, err := s.store.FindPasskeys(ctx, passkey.Filter{UserID: u.ID})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		rest = append(rest, Method{Kind: KindFido2, ID: k.ID, CreatedDateTime: &k.CreatedAt, Passkey: &k})
	}
	slices.SortStableFunc(rest, func(a, b Method) int { return a.CreatedDateTime.Compare(*b.CreatedDateTime) })
	return append(out, rest...), nil
}
