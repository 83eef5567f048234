package signin

import (
	"context"
	"errors"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/password"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// PasswordTx is what password sign-in and changes write in a transaction.
type PasswordTx interface {
	Tx
	FindPassword(ctx context.Context, userID string) (password.Credential, error)
	SetPassword(ctx context.Context, p password.Credential) error
	// RehashPassword replaces an unchanged hash; NotFound when the
	// password changed meanwhile.
	RehashPassword(ctx context.Context, userID, oldHash, newHash string) error
	DeleteOtherSessions(ctx context.Context, userID, keep string) error
}

// PasswordStore reads passwords and runs password transactions.
type PasswordStore interface {
	FindPassword(ctx context.Context, userID string) (password.Credential, error)
	InTx(ctx context.Context, fn func(PasswordTx) error) error
}

// Passwords signs in with passwords and lets users set and change theirs,
// sharing the Service's sessions, throttling, requirements and sign-in
// log.
type Passwords struct {
	svc     *Service
	store   PasswordStore
	hasher  *password.Hasher
	enabled bool
}

// NewPasswords returns password sign-in for s. When enabled is false (a
// passwordless tenant), every password call is refused and password
// proofs and registrations never count in s's decisions.
func NewPasswords(s *Service, st PasswordStore, h *password.Hasher, enabled bool) *Passwords {
	if !enabled {
		s.ExcludeModes(authn.Password)
	}
	return &Passwords{svc: s, store: st, hasher: h, enabled: enabled}
}

// Enabled reports whether passwords are switched on.
func (p *Passwords) Enabled() bool { return p.enabled }

// ErrPasswordsOff refuses password calls in a passwordless tenant.
var ErrPasswordsOff = apperr.New(apperr.Forbidden, "Passwords are switched off here. Sign in with a passkey or security key, or ask your administrator for a Temporary Access Pass.").WithCode(CodeMethodNotAllowed)

var errInvalidPassword = failure(CodeInvalidCredentials, "That user name and password do not match. Check what you typed and try again.")

// ExcludeModes makes ms never count: proofs of them are ignored and the
// user is not offered them (an operator switched the method off).
func (s *Service) ExcludeModes(ms ...authn.Mode) {
	s.excluded |= authn.SetOf(ms...)
}

// countable drops the excluded modes from what the requirements see.
func (s *Service) countable(registered []authn.Mode, ev authn.Evidence) ([]authn.Mode, authn.Evidence) {
	if s.excluded == 0 {
		return registered, ev
	}
	var reg []authn.Mode
	for _, m := range registered {
		if !s.excluded.Has(m) {
			reg = append(reg, m)
		}
	}
	var out authn.Evidence
	for _, p := range ev.Proofs {
		if !s.excluded.Has(p.Mode) {
			out.Proofs = append(out.Proofs, p)
		}
	}
	return reg, out
}

// SignIn signs in with a user name and password. An unknown or disabled
// account, an account without a password and a wrong password get the same
// answer after the same work (a dummy hash is verified).
func (p *Passwords) SignIn(ctx context.Context, c Client, current *session.Session, upn, pw string) (Result, error) {
	if !p.enabled {
		return Result{}, ErrPasswordsOff
	}
	s := p.svc
	if err := s.checkThrottle(ctx, c, upn); err != nil {
		return Result{}, err
	}
	u, err := s.findUser(ctx, upn)
	if err != nil {
		return Result{}, err
	}
	detail := AuthenticationDetail{AuthenticationMethod: MethodName(authn.Password), AuthenticationStepRequirement: "Primary authentication"}
	fail := func(u *directory.User, why string) (Result, error) {
		detail.AuthenticationStepResultDetail = why
		if err := s.recordFailure(ctx, c, upn, u, detail, ErrInvalidCredentials, "Invalid username or password."); err != nil {
			return Result{}, err
		}
		return Result{}, errInvalidPassword
	}
	if u == nil {
		p.hasher.VerifyDummy(pw)
		return fail(nil, "Unknown or disabled account")
	}
	cred, err := p.store.FindPassword(ctx, u.ID)
	if errors.Is(err, apperr.NotFound) {
		p.hasher.VerifyDummy(pw)
		return fail(u, "The account has no password")
	}
	if err != nil {
		return Result{}, err
	}
	ok, rehash, err := p.hasher.Verify(pw, cred.Hash)
	if err != nil {
		return fail(u, "The stored password hash cannot be read")
	}
	if !ok {
		return fail(u, "Wrong password")
	}
	newHash := ""
	if rehash {
		// Hashing is slow: do it before the transaction, which on SQLite
		// holds the only writer.
		newHash = p.hasher.Hash(pw)
	}
	groups, err := groupIDs(ctx, s.store, u.ID)
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = p.store.InTx(ctx, func(tx PasswordTx) error {
		if newHash != "" {
			if err := tx.RehashPassword(ctx, u.ID, cred.Hash, newHash); err != nil && !errors.Is(err, apperr.NotFound) {
				return err
			}
		}
		var err error
		res, err = s.prove(ctx, tx, c, *u, groups, current, authn.Proof{Mode: authn.Password, Time: tx.Now()}, nil)
		return err
	})
	return res, err
}

// Change sets the password of u, signed in with sess. Changing a password
// needs the current one (throttled and logged like a sign-in); setting a
// first password needs a session that proved multifactor authentication
// recently. Every other session of the user ends.
func (p *Passwords) Change(ctx context.Context, c Client, sess session.Session, u directory.User, current *string, newPassword string) error {
	if !p.enabled {
		return ErrPasswordsOff
	}
	s := p.svc
	if err := password.Check(newPassword, u.UserPrincipalName, u.DisplayName, u.Mail); err != nil {
		return err
	}
	cred, err := p.store.FindPassword(ctx, u.ID)
	had := err == nil
	if err != nil && !errors.Is(err, apperr.NotFound) {
		return err
	}
	if had {
		if current == nil || *current == "" {
			return apperr.Invalidf("currentPassword is required to change your password.")
		}
		if err := s.checkThrottle(ctx, c, u.UserPrincipalName); err != nil {
			return err
		}
		ok, _, err := p.hasher.Verify(*current, cred.Hash)
		if err != nil || !ok {
			detail := AuthenticationDetail{AuthenticationMethod: MethodName(authn.Password), AuthenticationStepRequirement: "Password change",
				AuthenticationStepResultDetail: "Wrong current password"}
			if err := s.recordFailure(ctx, c, u.UserPrincipalName, &u, detail, ErrInvalidCredentials, "Invalid current password."); err != nil {
				return err
			}
			return apperr.Invalidf("The current password is not correct.").WithCode(CodeInvalidCredentials)
		}
	} else if !totp.RecentlyMultifactor(sess, s.now()) {
		return totp.ErrRecentMFA
	}
	hash := p.hasher.Hash(newPassword)
	return p.store.InTx(ctx, func(tx PasswordTx) error {
		if err := tx.SetPassword(ctx, password.Credential{UserID: u.ID, Hash: hash, CreatedDateTime: tx.Now()}); err != nil {
			return err
		}
		if err := tx.DeleteOtherSessions(ctx, u.ID, sess.ID); err != nil {
			return err
		}
		act := password.ActivityChanged
		if !had {
			act = password.ActivityRegistered
		}
		e := audit.New(ctx, act, audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName, ModifiedProperties: []audit.ModifiedProperty{}})
		if !had {
			e = e.Detail("Method", "Password")
		}
		tx.Audit(e)
		return nil
	})
}
