package signin

import (
	"context"
	"errors"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/session"
)

// PasskeyTx is what a passkey sign-in writes in its transaction: the
// session and sign-in log (Tx), the used challenge and the key's counter.
type PasskeyTx interface {
	Tx
	passkey.UseTx
}

// PasskeyStore runs passkey sign-in transactions.
type PasskeyStore interface {
	InTx(ctx context.Context, fn func(PasskeyTx) error) error
}

// Passkeys signs in with passkeys and security keys, sharing the Service's
// sessions, requirements, throttling and sign-in log.
type Passkeys struct {
	svc   *Service
	store PasskeyStore
	keys  *passkey.Service
}

// NewPasskeys returns passkey sign-in for s.
func NewPasskeys(s *Service, st PasskeyStore, keys *passkey.Service) *Passkeys {
	return &Passkeys{svc: s, store: st, keys: keys}
}

// Keys returns the passkey service (registration and management).
func (p *Passkeys) Keys() *passkey.Service { return p.keys }

// PasskeyOptions starts a passkey sign-in: username-less when upn is empty,
// else username-first (see passkey.Service.BeginSignIn for how an unknown
// name is answered). It writes nothing: the state comes back sealed, for
// the browser's cookie.
func (p *Passkeys) PasskeyOptions(ctx context.Context, c Client, upn string) (passkey.Options, error) {
	return p.keys.BeginSignIn(ctx, upn)
}

// SignInWithPasskey verifies a passkey assertion against the sealed state
// from PasskeyOptions and signs the key's owner in (or adds the proof to
// the browser's session, current). The FIDO2 policy and its key
// restrictions are applied at every sign-in.
//
// Throttling: a failed passkey sign-in counts against the client address,
// like every sign-in failure, but not against the account, and an account
// locked by wrong passwords or passes can still sign in with a key. A key
// cannot be guessed, and the user name's lock would otherwise let anyone
// who knows a name (and, from username-first options, its credential ids)
// lock its owner out of the phishing-resistant method too.
func (p *Passkeys) SignInWithPasskey(ctx context.Context, c Client, current *session.Session, sealedState string, credentialJSON []byte) (Result, error) {
	s := p.svc
	t, err := s.store.FindThrottle(ctx, addrKey(c.IP))
	if err != nil {
		return Result{}, err
	}
	if locked, d := AddrThrottle.Locked(t, s.now()); locked {
		return Result{}, lockedError(d)
	}
	v, err := p.keys.VerifySignIn(ctx, sealedState, credentialJSON)
	if err != nil {
		return p.fail(ctx, c, err)
	}
	groups, err := groupIDs(ctx, s.store, v.User.ID)
	if err != nil {
		return Result{}, err
	}
	pol, err := s.store.FindMethodPolicy(ctx)
	if err != nil {
		return Result{}, err
	}
	if r := passkey.CheckUse(pol.Fido2, v.User.ID, groups, v.Credential, p.keys.Metadata(), s.now()); r != nil {
		r.User, r.Credential = &v.User, &v.Credential
		return p.fail(ctx, c, r)
	}
	var res Result
	err = p.store.InTx(ctx, func(tx PasskeyTx) error {
		now := tx.Now()
		if err := p.keys.RecordUse(ctx, tx, now, v); err != nil {
			return err
		}
		proof := authn.Proof{Mode: authn.Fido2, Time: now, AAGUID: v.Credential.AAGUID, UserVerified: v.Asserted.UserVerified, BackupEligible: v.Asserted.BackupEligible}
		var err error
		res, err = s.prove(ctx, tx, c, v.User, groups, current, proof, nil)
		return err
	})
	if err != nil {
		return p.fail(ctx, c, err)
	}
	return res, nil
}

// fail records a refused passkey sign-in (and, for a suspected clone, an
// audit event) and returns the error to show; other errors pass through.
func (p *Passkeys) fail(ctx context.Context, c Client, err error) (Result, error) {
	var r *passkey.Rejection
	if !errors.As(err, &r) {
		return Result{}, err
	}
	s := p.svc
	code := ErrCredentialNotValid
	switch {
	case r.Clone:
		code = ErrCloneSuspected
	case r.Code == passkey.CodeChallengeInvalid:
		code = ErrChallengeNotValid
	case r.Code == passkey.CodeMethodNotAllowed:
		code = ErrMethodNotAllowed
	}
	upn := ""
	if r.User != nil {
		upn = r.User.UserPrincipalName
	}
	detail := AuthenticationDetail{AuthenticationMethod: MethodName(authn.Fido2), AuthenticationStepRequirement: "Primary authentication",
		AuthenticationStepResultDetail: r.Reason}
	if r.Credential != nil {
		detail.AuthenticationMethodDetail = r.Credential.AAGUID
	}
	werr := p.store.InTx(ctx, func(tx PasskeyTx) error {
		if _, err := tx.AddFailure(ctx, addrKey(c.IP), AddrThrottle); err != nil {
			return err
		}
		rec := s.newRecord(tx.Now(), c, upn, r.User)
		detail.AuthenticationStepDateTime = tx.Now()
		rec.AuthenticationMethodsUsed = []string{}
		rec.AuthenticationDetails = []AuthenticationDetail{detail}
		rec.Status = Status{ErrorCode: code, FailureReason: r.Reason}
		if r.Cause != nil {
			rec.Status.AdditionalDetails = r.Cause.Error()
		}
		rec.ConditionalAccessStatus = "notApplied"
		if r.Clone && r.User != nil && r.Credential != nil {
			tx.Audit(passkey.CloneEvent(ctx, *r.User, *r.Credential, r.SignCount, ipString(c.IP)))
		}
		return tx.AddSignIn(ctx, rec)
	})
	if werr != nil {
		return Result{}, werr
	}
	return Result{}, r.AppError()
}
