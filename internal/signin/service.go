package signin

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/tap"
)

// Reader is what sign-in reads outside a transaction.
type Reader interface {
	directory.Reader
	session.Reader
	FindMethodPolicy(ctx context.Context) (method.Policy, error)
	FindThrottle(ctx context.Context, key string) (Throttle, error)
	// RegisteredModes lists the methods a user has registered.
	RegisteredModes(ctx context.Context, userID string) ([]authn.Mode, error)
}

// Tx is what sign-in writes in a transaction.
type Tx interface {
	session.Tx
	tap.Store
	FindMethodPolicy(ctx context.Context) (method.Policy, error)
	RegisteredModes(ctx context.Context, userID string) ([]authn.Mode, error)
	AddSignIn(ctx context.Context, r Record) error
	AddFailure(ctx context.Context, key string, p ThrottlePolicy) (Throttle, error)
	ClearThrottle(ctx context.Context, key string) error
}

// Store runs sign-in transactions.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Hasher hashes and compares server-generated secrets.
type Hasher interface {
	Hash(purpose, s string) []byte
	Equal(purpose, s string, h []byte) bool
}

// Client describes who is signing in from where, and for what.
type Client struct {
	IP             netip.Addr
	UserAgent      string
	CorrelationID  string
	AppID          string // the application signed in to
	AppDisplayName string
	Target         Target
}

// Statuses of a sign-in answer (kept as the sign-in JSON API's values).
const (
	StatusSignedIn                         = "signedIn"
	StatusAdditionalAuthenticationRequired = "additionalAuthenticationRequired"
	StatusBlocked                          = "blocked"
)

// Result is the outcome of a successful proof.
type Result struct {
	Status   string
	Session  session.Session
	Token    string // the session's new cookie token
	User     directory.User
	Decision Decision
}

// Service runs sign-in and step-up.
type Service struct {
	store    Store
	sessions *session.Manager
	hasher   Hasher
	reqs     Requirements
	now      func() time.Time
	excluded authn.ModeSet // switched off by the operator; never count (ExcludeModes)
	// onSignedIn runs in the transaction of each sign-in that completes a
	// session (hook.go).
	onSignedIn SignedInHook
}

// NewService returns the sign-in service.
func NewService(store Store, sessions *session.Manager, h Hasher, reqs Requirements, now func() time.Time) *Service {
	return &Service{store: store, sessions: sessions, hasher: h, reqs: reqs, now: now}
}

// SetRequirements replaces the requirements (the Conditional Access engine
// plugs in here).
func (s *Service) SetRequirements(r Requirements) { s.reqs = r }

// Sessions returns the session manager.
func (s *Service) Sessions() *session.Manager { return s.sessions }

// Failure is a sign-in error to show: a stable code, a safe message, and
// (hidden) the Entra-style error number for the log.
func failure(code, msg string) *apperr.Error {
	return apperr.New(apperr.Unauthenticated, "%s", msg).WithCode(code)
}

// Sign-in error codes of the JSON API.
const (
	CodeInvalidCredentials = "invalidCredentials"
	CodeAccountLocked      = "accountLocked"
	CodePassNotUsable      = "passNotUsable"
	CodeMethodNotAllowed   = "methodNotAllowed"
	CodeChallengeInvalid   = "challengeInvalid"
	CodeCredentialRejected = "credentialRejected"
)

var errInvalidTAP = failure(CodeInvalidCredentials, "That user name and Temporary Access Pass do not match a usable pass. Check what you typed; if it still fails, ask your administrator for a new pass.")

func lockedError(d time.Duration) error {
	mins := int(d.Round(time.Minute) / time.Minute)
	if mins < 1 {
		mins = 1
	}
	return apperr.New(apperr.RateLimited, "Too many failed attempts. Wait %d minute(s) and try again, or ask your administrator for help.", mins).WithCode(CodeAccountLocked)
}

func userKey(upn string) string { return "upn:" + strings.ToLower(strings.TrimSpace(upn)) }

func addrKey(a netip.Addr) string {
	if !a.IsValid() {
		return "ip:unknown"
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// checkThrottle refuses when the account name or the address is locked.
func (s *Service) checkThrottle(ctx context.Context, c Client, upn string) error {
	now := s.now()
	for _, k := range []struct {
		key string
		p   ThrottlePolicy
	}{{userKey(upn), UserThrottle}, {addrKey(c.IP), AddrThrottle}} {
		t, err := s.store.FindThrottle(ctx, k.key)
		if err != nil {
			return err
		}
		if locked, d := k.p.Locked(t, now); locked {
			if err := s.recordLocked(ctx, c, upn); err != nil {
				return err
			}
			return lockedError(d)
		}
	}
	return nil
}

// recordFailure counts a failed attempt against the account name and the
// address and writes the sign-in log, in one transaction.
func (s *Service) recordFailure(ctx context.Context, c Client, upn string, u *directory.User, detail AuthenticationDetail, code int, reason string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.AddFailure(ctx, userKey(upn), UserThrottle); err != nil {
			return err
		}
		if _, err := tx.AddFailure(ctx, addrKey(c.IP), AddrThrottle); err != nil {
			return err
		}
		r := s.newRecord(tx.Now(), c, upn, u)
		detail.Succeeded = false
		if detail.AuthenticationStepDateTime.IsZero() {
			detail.AuthenticationStepDateTime = tx.Now()
		}
		r.AuthenticationDetails = []AuthenticationDetail{detail}
		r.Status = Status{ErrorCode: code, FailureReason: reason}
		r.ConditionalAccessStatus = "notApplied"
		return tx.AddSignIn(ctx, r)
	})
}

func (s *Service) newRecord(now time.Time, c Client, upn string, u *directory.User) Record {
	r := Record{
		// Time-ordered (version 7), so new records append to the id index.
		ID: uuid.Must(uuid.NewV7()).String(), CreatedDateTime: now, UserPrincipalName: upn, AppID: c.AppID, AppDisplayName: c.AppDisplayName,
		IPAddress: ipString(c.IP), ClientAppUsed: "Browser", UserAgent: c.UserAgent, CorrelationID: c.CorrelationID,
		IsInteractive: true, RiskLevelAggregated: "none", AuthenticationMethodsUsed: []string{},
		AuthenticationDetails: []AuthenticationDetail{}, AuthenticationContextClassReferences: []ContextReference{},
		AppliedConditionalAccessPolicies: []AppliedPolicy{}, DeviceDetail: deviceDetail(c.UserAgent),
		AuthenticationRequirement: "singleFactorAuthentication",
	}
	if u != nil {
		r.UserID, r.UserPrincipalName, r.UserDisplayName = u.ID, u.UserPrincipalName, u.DisplayName
	}
	if c.Target.Context != "" {
		r.AuthenticationContextClassReferences = []ContextReference{{ID: c.Target.Context, Detail: "required"}}
	}
	return r
}

func ipString(a netip.Addr) string {
	if a.IsValid() {
		return a.String()
	}
	return ""
}

// MethodName is how the sign-in log names a method (Entra's wording).
func MethodName(m authn.Mode) string {
	switch m {
	case authn.Fido2:
		return "FIDO2 security key"
	case authn.TemporaryAccessPassOneTime, authn.TemporaryAccessPassMultiUse:
		return "Temporary Access Pass"
	case authn.Password:
		return "Password"
	case authn.SoftwareOath:
		return "OATH verification code"
	}
	return string(m)
}

// findUser looks a user up by name for sign-in; unknown and disabled
// users are both "no usable user", and the caller answers the same way.
func (s *Service) findUser(ctx context.Context, upn string) (*directory.User, error) {
	u, err := s.store.FindUserByUPN(ctx, strings.TrimSpace(upn))
	if errors.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.AccountEnabled {
		return nil, nil
	}
	return &u, nil
}

// groupIDs returns the user's transitive group ids.
func groupIDs(ctx context.Context, r directory.Reader, userID string) ([]string, error) {
	return r.FindTransitiveGroupIDs(ctx, userID)
}

// SignInWithTAP signs in with a Temporary Access Pass. current is the
// browser's session, if any.
func (s *Service) SignInWithTAP(ctx context.Context, c Client, current *session.Session, upn, pass string) (Result, error) {
	if err := s.checkThrottle(ctx, c, upn); err != nil {
		return Result{}, err
	}
	u, err := s.findUser(ctx, upn)
	if err != nil {
		return Result{}, err
	}
	detail := AuthenticationDetail{AuthenticationMethod: MethodName(authn.TemporaryAccessPassOneTime), AuthenticationStepRequirement: "Primary authentication"}
	if u == nil {
		// Hash anyway so that an unknown account takes as long.
		_ = s.hasher.Equal(tap.HashPurpose, pass, make([]byte, 32))
		detail.AuthenticationStepResultDetail = "Unknown or disabled account"
		if err := s.recordFailure(ctx, c, upn, nil, detail, ErrInvalidCredentials, "Invalid username or Temporary Access Pass."); err != nil {
			return Result{}, err
		}
		return Result{}, errInvalidTAP
	}
	groups, err := groupIDs(ctx, s.store, u.ID)
	if err != nil {
		return Result{}, err
	}
	policy, err := s.store.FindMethodPolicy(ctx)
	if err != nil {
		return Result{}, err
	}
	var (
		res      Result
		failCode int
		failWhy  string
		failErr  error
	)
	err = s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.FindTAPByUser(ctx, u.ID)
		if err != nil && !errors.Is(err, apperr.NotFound) {
			return err
		}
		if errors.Is(err, apperr.NotFound) || !s.hasher.Equal(tap.HashPurpose, pass, p.Hash) {
			failCode, failWhy, failErr = ErrInvalidCredentials, "Invalid username or Temporary Access Pass.", errInvalidTAP
			return nil
		}
		now := tx.Now()
		ok, reason := tap.Usability(p, policy.TAP.InScope(u.ID, groups), policy.TAP.IsUsableOnce, now)
		if !ok {
			failCode, failWhy = ErrTAPNotUsable, "Temporary Access Pass not usable: "+reason
			failErr = passNotUsable(reason)
			return nil
		}
		mode := authn.TemporaryAccessPassMultiUse
		if p.IsUsableOnce {
			mode = authn.TemporaryAccessPassOneTime
			if err := tx.MarkTAPUsed(ctx, p.ID, now); errors.Is(err, apperr.NotFound) {
				failCode, failWhy, failErr = ErrTAPNotUsable, "Temporary Access Pass not usable: "+tap.OneTimeUsed, passNotUsable(tap.OneTimeUsed)
				return nil
			} else if err != nil {
				return err
			}
		}
		end := p.End()
		res, err = s.prove(ctx, tx, c, *u, groups, current, authn.Proof{Mode: mode, Time: now}, &end)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if failErr != nil {
		detail.AuthenticationStepResultDetail = failWhy
		if err := s.recordFailure(ctx, c, upn, u, detail, failCode, failWhy); err != nil {
			return Result{}, err
		}
		return Result{}, failErr
	}
	return res, nil
}

func passNotUsable(reason string) error {
	msg := "This Temporary Access Pass cannot be used now. Ask your administrator for a new pass."
	switch reason {
	case tap.Expired:
		msg = "This Temporary Access Pass has expired. Ask your administrator for a new pass."
	case tap.NotYetValid:
		msg = "This Temporary Access Pass is not valid yet. Try again from the start time your administrator gave you."
	case tap.OneTimeUsed:
		msg = "This Temporary Access Pass was for one use and has been used. Ask your administrator for a new pass."
	case tap.DisabledByPolicy:
		msg = "Temporary Access Pass sign-in is not enabled for your account. Ask your administrator to include you in the Temporary Access Pass policy or to give you another way to sign in."
	}
	return failure(CodePassNotUsable, msg)
}

// prove adds a proof to the browser's session (or starts one), decides the
// requirements, marks the session complete or not, and logs the sign-in.
// It runs inside the caller's transaction.
func (s *Service) prove(ctx context.Context, tx Tx, c Client, u directory.User, groups []string, current *session.Session, p authn.Proof, cap *time.Time) (Result, error) {
	// The session is built here and written once, in its final state,
	// after the decision.
	var (
		sess  session.Session
		token string
	)
	existing := current != nil && current.UserID == u.ID
	if existing {
		sess, token = s.sessions.WithProof(*current, p, cap)
	} else {
		if current != nil {
			// Another user signs in on this browser: the old session ends.
			if err := tx.DeleteSession(ctx, current.ID); err != nil && !errors.Is(err, apperr.NotFound) {
				return Result{}, err
			}
		}
		sess, token = s.sessions.New(tx.Now(), u.ID, p, session.Options{Cap: cap, ClientIP: ipString(c.IP), UserAgent: c.UserAgent})
	}
	store := func(sess session.Session) error {
		if existing {
			return s.sessions.Save(ctx, tx, sess)
		}
		return s.sessions.Create(ctx, tx, sess)
	}
	dec, err := s.decide(ctx, tx, c, u, groups, sess)
	if err != nil {
		return Result{}, err
	}
	res := Result{Session: sess, Token: token, User: u, Decision: dec}
	r := s.newRecord(tx.Now(), c, u.UserPrincipalName, &u)
	for _, pr := range sess.Proofs {
		r.AuthenticationMethodsUsed = appendUnique(r.AuthenticationMethodsUsed, MethodName(pr.Mode))
		d := AuthenticationDetail{AuthenticationMethod: MethodName(pr.Mode), AuthenticationStepDateTime: pr.Time, Succeeded: true,
			AuthenticationStepResultDetail: "MFA completed in Strongroom"}
		if pr.Time.Before(p.Time) {
			d.AuthenticationStepResultDetail = "Previously satisfied"
		}
		if pr.Mode == authn.Fido2 {
			d.AuthenticationMethodDetail = pr.AAGUID
		}
		r.AuthenticationDetails = append(r.AuthenticationDetails, d)
	}
	if sess.Evidence().IsMultifactor() {
		r.AuthenticationRequirement = "multiFactorAuthentication"
	}
	r.AppliedConditionalAccessPolicies = dec.Applied
	if r.AppliedConditionalAccessPolicies == nil {
		r.AppliedConditionalAccessPolicies = []AppliedPolicy{}
	}
	r.ConditionalAccessStatus = dec.CAStatus
	completes := false
	switch {
	case dec.Blocked:
		res.Status = StatusBlocked
		r.Status = Status{ErrorCode: ErrBlockedByPolicy, FailureReason: "Access has been blocked by Conditional Access policies.", AdditionalDetails: dec.BlockedBy}
		// A blocked sign-in leaves no session behind.
		if existing {
			if err := tx.DeleteSession(ctx, sess.ID); err != nil {
				return Result{}, err
			}
		}
		res.Token = ""
	case dec.Satisfied:
		res.Status = StatusSignedIn
		completes = !sess.Complete
		sess.Complete = true
		// persistentBrowser (Conditional Access work): "always" keeps the
		// browser session across browser restarts, "never" ends it with
		// the browser; the web edge sets the cookie accordingly.
		switch dec.PersistentBrowser {
		case "always":
			sess.Persistent = true
		case "never":
			sess.Persistent = false
		}
		if id := c.Target.Context; id != "" {
			sess.Contexts = slices.DeleteFunc(sess.Contexts, func(x session.Context) bool { return x.ID == id })
			sess.Contexts = append(sess.Contexts, session.Context{ID: id, Time: tx.Now()})
		}
		if err := store(sess); err != nil {
			return Result{}, err
		}
		res.Session = sess
		if err := tx.ClearThrottle(ctx, userKey(u.UserPrincipalName)); err != nil {
			return Result{}, err
		}
	default:
		res.Status = StatusAdditionalAuthenticationRequired
		r.Status = Status{ErrorCode: ErrStrongAuthRequired, FailureReason: "Strong authentication is required.", AdditionalDetails: dec.Message}
		if err := store(sess); err != nil {
			return Result{}, err
		}
		if sess.Complete {
			// A step-up that is not yet met leaves an already complete
			// session complete: only the asked-for target is unmet.
			res.Session = sess
		}
	}
	if err := tx.AddSignIn(ctx, r); err != nil {
		return Result{}, err
	}
	if completes && s.onSignedIn != nil {
		if err := s.onSignedIn(ctx, tx, u, r); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// decide asks the requirements about the session's evidence.
func (s *Service) decide(ctx context.Context, tx Tx, c Client, u directory.User, groups []string, sess session.Session) (Decision, error) {
	roles, err := directory.ActiveRoleIDs(ctx, tx, u.ID, tx.Now())
	if err != nil {
		return Decision{}, err
	}
	_, evidence := s.countable(nil, sess.Evidence())
	a := Attempt{
		User: u, GroupIDs: groups, RoleIDs: roles, Evidence: evidence,
		Target: c.Target, ClientIP: c.IP, UserAgent: c.UserAgent, Now: tx.Now(),
	}
	// What the user has registered only shapes the advice when the
	// evidence falls short, so it is read only then (most sign-ins
	// succeed at once).
	d, err := s.reqs.Evaluate(ctx, a)
	if err != nil || d.Satisfied || d.Blocked {
		return d, err
	}
	registered, err := tx.RegisteredModes(ctx, u.ID)
	if err != nil {
		return Decision{}, err
	}
	a.Registered, _ = s.countable(registered, a.Evidence)
	return s.reqs.Evaluate(ctx, a)
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, sess session.Session) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		err := s.sessions.End(ctx, tx, sess)
		if errors.Is(err, apperr.NotFound) {
			return nil
		}
		return err
	})
}
