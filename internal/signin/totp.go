package signin

import (
	"context"
	"errors"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// TOTPTx is what code sign-in needs in its transaction.
type TOTPTx interface {
	Tx
	FindTOTPMethods(ctx context.Context, userID string) ([]totp.Method, error)
	// UseTOTPStep records an accepted code's time step; NotFound when that
	// step (or a later one) was already used.
	UseTOTPStep(ctx context.Context, id string, step int64) error
}

// TOTPStore runs code sign-in transactions.
type TOTPStore interface {
	InTx(ctx context.Context, fn func(TOTPTx) error) error
}

// TOTP proves an authenticator app code (softwareOath) as a further factor
// in the browser's session, sharing the Service's sessions, throttling,
// requirements and sign-in log.
type TOTP struct {
	svc    *Service
	store  TOTPStore
	sealer totp.Sealer
}

// NewTOTP returns code sign-in for s.
func NewTOTP(s *Service, st TOTPStore, sealer totp.Sealer) *TOTP {
	return &TOTP{svc: s, store: st, sealer: sealer}
}

var (
	errFirstFactor = apperr.New(apperr.Unauthenticated, "Sign in with your password first, then enter the code from your authenticator app.").WithCode("notSignedIn")
	errWrongCode   = failure(CodeInvalidCredentials, "That code is not right. Enter the six-digit code your authenticator app shows now.")
	errUsedCode    = failure(CodeInvalidCredentials, "That code was already used. Wait for your authenticator app to show the next one.")
	errOathOff     = apperr.New(apperr.Forbidden, "Authenticator app codes are not enabled for your account. Sign in another way or ask your administrator.").WithCode(CodeMethodNotAllowed)
)

// SignIn checks code against the authenticator apps of the session's user
// and adds softwareOath to the session. A code is accepted once: each
// method remembers the last time step it accepted.
func (t *TOTP) SignIn(ctx context.Context, c Client, current *session.Session, code string) (Result, error) {
	s := t.svc
	if current == nil {
		return Result{}, errFirstFactor
	}
	u, err := s.store.FindUserByID(ctx, current.UserID)
	if errors.Is(err, apperr.NotFound) {
		return Result{}, errFirstFactor
	}
	if err != nil {
		return Result{}, err
	}
	if err := s.checkThrottle(ctx, c, u.UserPrincipalName); err != nil {
		return Result{}, err
	}
	detail := AuthenticationDetail{AuthenticationMethod: MethodName(authn.SoftwareOath), AuthenticationStepRequirement: "Secondary authentication"}
	fail := func(u *directory.User, code int, why string, e error) (Result, error) {
		detail.AuthenticationStepResultDetail = why
		if err := s.recordFailure(ctx, c, u.UserPrincipalName, u, detail, code, why); err != nil {
			return Result{}, err
		}
		return Result{}, e
	}
	groups, err := groupIDs(ctx, s.store, u.ID)
	if err != nil {
		return Result{}, err
	}
	policy, err := s.store.FindMethodPolicy(ctx)
	if err != nil {
		return Result{}, err
	}
	if !policy.SoftwareOath.InScope(u.ID, groups) {
		return fail(&u, ErrMethodNotAllowed, "OATH verification codes are disabled for the user by the authentication methods policy", errOathOff)
	}
	var (
		res     Result
		failWhy string
		failErr error
	)
	err = t.store.InTx(ctx, func(tx TOTPTx) error {
		ms, err := tx.FindTOTPMethods(ctx, u.ID)
		if err != nil {
			return err
		}
		now := tx.Now()
		failWhy, failErr = "Invalid verification code", errWrongCode
		for _, m := range ms {
			if !m.Confirmed {
				continue
			}
			secret, err := totp.OpenSecret(t.sealer, m)
			if err != nil {
				return err
			}
			step, ok := totp.Match(secret, code, now)
			if !ok {
				continue
			}
			if step <= m.LastUsedStep {
				failWhy, failErr = "Verification code already used", errUsedCode
				continue
			}
			if err := tx.UseTOTPStep(ctx, m.ID, step); errors.Is(err, apperr.NotFound) {
				failWhy, failErr = "Verification code already used", errUsedCode
				continue
			} else if err != nil {
				return err
			}
			failWhy, failErr = "", nil
			res, err = s.prove(ctx, tx, c, u, groups, current, authn.Proof{Mode: authn.SoftwareOath, Time: now}, nil)
			return err
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if failErr != nil {
		return fail(&u, ErrInvalidCredentials, failWhy, failErr)
	}
	return res, nil
}
