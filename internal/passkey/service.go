package passkey

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/session"
)

// Audited activities, named as in Entra's audit log where one exists.
var (
	ActivityUserRegistered = audit.Activity{Category: "UserManagement", Name: "User registered security info", Operation: "Add", Service: "Authentication Methods"}
	ActivityUserChanged    = audit.Activity{Category: "UserManagement", Name: "User changed security info", Operation: "Update", Service: "Authentication Methods"}
	ActivityUserDeleted    = audit.Activity{Category: "UserManagement", Name: "User deleted security info", Operation: "Delete", Service: "Authentication Methods"}
	ActivityAdminDeleted   = audit.Activity{Category: "UserManagement", Name: "Admin deleted security info", Operation: "Delete", Service: "Authentication Methods"}
	// ActivityCloneSuspected records a sign-in refused because the key's
	// signature counter did not increase (WebAuthn §7.2 step 22).
	ActivityCloneSuspected = audit.Activity{Category: "UserManagement", Name: "Suspected cloned security key", Operation: "Verify", Service: "Authentication Methods"}
)

// Hasher is a keyed hash (internal/secret.Keyring).
type Hasher interface {
	Hash(purpose, s string) []byte
}

// Deps are the passkey service's collaborators.
type Deps struct {
	Store    Store
	Ceremony Ceremony
	Sealer   Sealer
	Hasher   Hasher
	// Metadata is the FIDO Metadata Service, nil when none is configured.
	Metadata  Metadata
	Directory *directory.Service
	Now       func() time.Time
}

// Service registers, verifies and manages passkeys and security keys.
type Service struct {
	d Deps
}

// NewService returns the passkey service.
func NewService(d Deps) *Service { return &Service{d: d} }

// Metadata returns the configured FIDO metadata, or nil.
func (s *Service) Metadata() Metadata { return s.d.Metadata }

// Options is a started ceremony: the JSON for the browser and the sealed
// state to keep in its cookie until Expires.
type Options struct {
	JSON    []byte
	State   string
	Expires time.Time
}

func account(u directory.User, creds []Credential) Account {
	return Account{UserID: u.ID, Handle: UserHandle(u.ID), Name: u.UserPrincipalName, DisplayName: u.DisplayName, Credentials: creds}
}

func groupIDs(ctx context.Context, r directory.Reader, userID string) ([]string, error) {
	gs, err := r.FindMemberOf(ctx, userID, true)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids, nil
}

// Registration messages.
var (
	errRegMethodOff   = forbidden(CodeMethodNotAllowed, "Security keys and passkeys are not enabled for your account. Ask your administrator to include you in the FIDO2 security key policy.")
	errRegSelfService = forbidden(CodeSelfServiceRegistrationBlocked, "Your organization does not let users register security keys or passkeys themselves. Ask your administrator.")
	errRegNoMetadata  = forbidden(CodeAttestationRequired, "Your organization requires attested security keys, but Strongroom has no FIDO metadata to check them against. Ask your administrator to configure the FIDO Metadata Service BLOB.")
	errRegAttestation = forbidden(CodeAttestationRequired, "Your organization only accepts security keys that prove their make and model (attestation) with a certificate the FIDO Alliance lists. This key did not. Use another key, or ask your administrator which ones are allowed.")
	errRegChallenge   = apperr.New(apperr.Invalid, "%s", msgChallengeReg).WithCode(CodeChallengeInvalid)
	errRegDuplicate   = apperr.New(apperr.Conflict, "This security key or passkey is already registered.").WithCode(CodeAlreadyRegistered)
)

func errRegRejected(cause error) error {
	return apperr.Wrap(cause, apperr.Invalid, "Your security key or passkey could not be registered: its answer was not valid. Try again, and make sure to use your PIN or biometric when asked.").WithCode(CodeCredentialRejected)
}

// checkRegistrationPolicy applies the FIDO2 policy to a self-service
// registration.
func checkRegistrationPolicy(p method.Fido2, userID string, groups []string, hasMetadata bool) error {
	switch {
	case !p.InScope(userID, groups):
		return errRegMethodOff
	case !p.IsSelfServiceRegistrationAllowed:
		return errRegSelfService
	case p.IsAttestationEnforced && !hasMetadata:
		return errRegNoMetadata
	}
	return nil
}

// BeginRegistration starts registering a key for u in session sess: the
// session must have proved multifactor authentication recently (see
// MayRegister) and the FIDO2 policy must allow self-service registration.
func (s *Service) BeginRegistration(ctx context.Context, u directory.User, sess session.Session) (Options, error) {
	now := s.d.Now()
	if sess.UserID != u.ID || !MayRegister(sess, now) {
		return Options{}, errRecentMFA
	}
	pol, err := s.d.Store.FindMethodPolicy(ctx)
	if err != nil {
		return Options{}, err
	}
	groups, err := groupIDs(ctx, s.d.Store, u.ID)
	if err != nil {
		return Options{}, err
	}
	if err := checkRegistrationPolicy(pol.Fido2, u.ID, groups, s.d.Metadata != nil); err != nil {
		return Options{}, err
	}
	creds, err := s.d.Store.FindPasskeys(ctx, Filter{UserID: u.ID})
	if err != nil {
		return Options{}, err
	}
	b, err := s.d.Ceremony.BeginRegistration(account(u, creds), RegistrationOptions{Exclude: creds, Direct: pol.Fido2.IsAttestationEnforced})
	if err != nil {
		return Options{}, apperr.Wrap(err, apperr.Internal, "Starting the registration failed.")
	}
	st := State{Purpose: PurposeRegister, Challenge: b.Challenge, UserID: u.ID, SessionID: sess.ID, IssuedAt: now, Expires: now.Add(CeremonyLifetime), Data: b.Data}
	sealed, err := seal(s.d.Sealer, st)
	if err != nil {
		return Options{}, apperr.Wrap(err, apperr.Internal, "Starting the registration failed.")
	}
	return Options{JSON: b.Options, State: sealed, Expires: st.Expires}, nil
}

// maxDisplayName is the longest key name, in characters.
const maxDisplayName = 64

// CleanDisplayName trims a key name and checks it; "" stays "" (the model
// name is used instead).
func CleanDisplayName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxDisplayName {
		return "", apperr.Invalidf("displayName is longer than %d characters.", maxDisplayName)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 || !utf8.ValidString(name) {
		return "", apperr.Invalidf("displayName must not contain control characters.")
	}
	return name, nil
}

// FinishRegistration verifies the browser's response to the options in
// the sealed state and stores the key under displayName (or, when empty,
// its model name).
func (s *Service) FinishRegistration(ctx context.Context, u directory.User, sess session.Session, sealed, displayName string, response []byte) (Credential, error) {
	name, err := CleanDisplayName(displayName)
	if err != nil {
		return Credential{}, err
	}
	now := s.d.Now()
	st, err := open(s.d.Sealer, PurposeRegister, sealed, now)
	if err != nil || st.UserID != u.ID || st.SessionID != sess.ID {
		return Credential{}, errRegChallenge
	}
	// The recent-MFA rule is judged when the ceremony began: the key may
	// take the user a while.
	if !MayRegister(sess, st.IssuedAt) {
		return Credential{}, errRecentMFA
	}
	pol, err := s.d.Store.FindMethodPolicy(ctx)
	if err != nil {
		return Credential{}, err
	}
	groups, err := groupIDs(ctx, s.d.Store, u.ID)
	if err != nil {
		return Credential{}, err
	}
	if err := checkRegistrationPolicy(pol.Fido2, u.ID, groups, s.d.Metadata != nil); err != nil {
		return Credential{}, err
	}
	creds, err := s.d.Store.FindPasskeys(ctx, Filter{UserID: u.ID})
	if err != nil {
		return Credential{}, err
	}
	att, err := s.d.Ceremony.FinishRegistration(account(u, creds), st.Data, response, pol.Fido2.IsAttestationEnforced)
	if errors.Is(err, ErrChallengeMismatch) {
		return Credential{}, errRegChallenge
	}
	if errors.Is(err, ErrAttestationNotTrusted) {
		return Credential{}, apperr.Wrap(err, apperr.Forbidden, "%s", apperr.As(errRegAttestation).Message).WithCode(CodeAttestationRequired)
	}
	if err != nil {
		return Credential{}, errRegRejected(err)
	}
	aaguid := NormalizeAAGUID(att.AAGUID)
	model := ModelName(s.d.Metadata, aaguid, now)
	if !pol.Fido2.KeyRestrictions.Allows(aaguid) {
		return Credential{}, forbidden(CodeKeyNotAllowed, "Your organization does not allow this model of security key or passkey (%s, AAGUID %s). Use another key, or ask your administrator which models are allowed.", model, aaguid)
	}
	if s.d.Metadata != nil {
		if a, ok := s.d.Metadata.Authenticator(aaguid, now); ok && Refused(a.Status) {
			return Credential{}, forbidden(CodeAuthenticatorNotTrusted, msgKeyNotTrusted, a.Status)
		}
	}
	if name == "" {
		name = model
	}
	transports := att.Transports
	if transports == nil {
		transports = []string{}
	}
	certs := att.Certificates
	if certs == nil {
		certs = []string{}
	}
	c := Credential{
		ID: uuid.NewString(), UserID: u.ID, CredentialID: att.CredentialID, PublicKey: att.PublicKey, AAGUID: aaguid,
		SignCount: att.SignCount, Transports: transports, UserVerified: att.UserVerified, BackupEligible: att.BackupEligible,
		BackupState: att.BackupState, AttestationFormat: att.AttestationFormat, AttestationTrusted: att.AttestationTrusted,
		AttestationCertificates: certs, DisplayName: name, Model: model,
	}
	err = s.d.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.ConsumeChallenge(ctx, challengeHash(st.Challenge), st.Expires); err != nil {
			if errors.Is(err, apperr.Conflict) {
				return errRegChallenge
			}
			return err
		}
		c.CreatedAt = tx.Now()
		if err := tx.CreatePasskey(ctx, c); err != nil {
			if errors.Is(err, apperr.Conflict) {
				return errRegDuplicate
			}
			return err
		}
		tx.Audit(audit.New(ctx, ActivityUserRegistered, keyTarget(u, c, nil, &c)))
		return nil
	})
	if err != nil {
		return Credential{}, err
	}
	return c, nil
}

// keyJSON is how a key appears in audit records.
type keyJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	AAGUID      string `json:"aaGuid"`
	Model       string `json:"model"`
}

func keyTarget(u directory.User, c Credential, old, new *Credential) audit.Target {
	var ov, nv any
	if old != nil {
		ov = keyJSON{ID: old.ID, DisplayName: old.DisplayName, AAGUID: old.AAGUID, Model: old.Model}
	}
	if new != nil {
		nv = keyJSON{ID: new.ID, DisplayName: new.DisplayName, AAGUID: new.AAGUID, Model: new.Model}
	}
	return audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName,
		ModifiedProperties: []audit.ModifiedProperty{audit.Change("Fido2AuthenticationMethod", ov, nv)}}
}

// View is a key with whether it can be used to sign in now.
type View struct {
	Credential
	Usable          bool
	UsabilityReason string
}

// List returns u's own keys, oldest first, with their usability.
func (s *Service) List(ctx context.Context, u directory.User) ([]View, error) {
	creds, err := s.d.Store.FindPasskeys(ctx, Filter{UserID: u.ID})
	if err != nil {
		return nil, err
	}
	pol, err := s.d.Store.FindMethodPolicy(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := groupIDs(ctx, s.d.Store, u.ID)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	out := make([]View, len(creds))
	for i, c := range creds {
		ok, why := Usability(pol.Fido2, u.ID, groups, c, s.d.Metadata, now)
		out[i] = View{Credential: c, Usable: ok, UsabilityReason: why}
	}
	return out, nil
}

var errKeyNotFound = apperr.NotFoundf("There is no such security key or passkey.").WithCode("Request_ResourceNotFound")

// Rename changes the name of one of u's keys.
func (s *Service) Rename(ctx context.Context, u directory.User, id, displayName string) (Credential, error) {
	name, err := CleanDisplayName(displayName)
	if err != nil {
		return Credential{}, err
	}
	if name == "" {
		return Credential{}, apperr.Invalidf("displayName must not be empty.")
	}
	var c Credential
	err = s.d.Store.InTx(ctx, func(tx Tx) error {
		old, err := ownKey(ctx, tx, u.ID, id)
		if err != nil {
			return err
		}
		if err := tx.UpdatePasskey(ctx, id, Update{DisplayName: &name}); err != nil {
			return err
		}
		c = old
		c.DisplayName = name
		tx.Audit(audit.New(ctx, ActivityUserChanged, keyTarget(u, c, &old, &c)))
		return nil
	})
	return c, err
}

func ownKey(ctx context.Context, r Reader, userID, id string) (Credential, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Credential{}, errKeyNotFound
	}
	c, err := r.FindPasskeyByID(ctx, id)
	if errors.Is(err, apperr.NotFound) || err == nil && c.UserID != userID {
		return Credential{}, errKeyNotFound
	}
	return c, err
}

// Delete removes one of u's keys. Deleting the last method the user could
// sign in with is refused with Conflict (code lastMethod) unless confirm
// is set: the user would be locked out until an administrator issues a
// Temporary Access Pass.
func (s *Service) Delete(ctx context.Context, u directory.User, id string, confirm bool) error {
	return s.d.Store.InTx(ctx, func(tx Tx) error {
		c, err := ownKey(ctx, tx, u.ID, id)
		if err != nil {
			return err
		}
		if !confirm {
			last, err := s.isLastMethod(ctx, tx, u.ID, c.ID)
			if err != nil {
				return err
			}
			if last {
				return apperr.Conflictf("This is the last way you can sign in. If you delete it, you will need your administrator to give you a Temporary Access Pass. To delete it anyway, confirm (add ?confirm=true).").WithCode(CodeLastMethod)
			}
		}
		if err := tx.DeletePasskey(ctx, c.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityUserDeleted, keyTarget(u, c, &c, nil)))
		return nil
	})
}

// isLastMethod reports whether the user has no usable way to sign in
// besides key id: no other key the policy allows, and no other registered
// method (Temporary Access Pass, password, TOTP).
func (s *Service) isLastMethod(ctx context.Context, tx Tx, userID, id string) (bool, error) {
	modes, err := tx.RegisteredModes(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, m := range modes {
		if m != authn.Fido2 {
			return false, nil
		}
	}
	creds, err := tx.FindPasskeys(ctx, Filter{UserID: userID})
	if err != nil {
		return false, err
	}
	pol, err := tx.FindMethodPolicy(ctx)
	if err != nil {
		return false, err
	}
	groups, err := groupIDs(ctx, tx, userID)
	if err != nil {
		return false, err
	}
	for _, c := range creds {
		if c.ID == id {
			continue
		}
		if ok, _ := Usability(pol.Fido2, userID, groups, c, s.d.Metadata, tx.Now()); ok {
			return false, nil
		}
	}
	return true, nil
}

// BeginSignIn starts a sign-in. With an empty upn it is username-less: any
// discoverable credential for this site will do. With a upn it lists that
// user's keys (allowCredentials); for a user who does not exist, is
// disabled or has no key, it lists one plausible made-up key instead, the
// same for the same name every time, so the answer does not tell whether
// the account exists (WebAuthn §14.6.2).
func (s *Service) BeginSignIn(ctx context.Context, upn string) (Options, error) {
	now := s.d.Now()
	st := State{Purpose: PurposeSignIn, IssuedAt: now, Expires: now.Add(CeremonyLifetime)}
	var b Begun
	var err error
	upn = strings.TrimSpace(upn)
	if upn == "" {
		b, err = s.d.Ceremony.BeginLogin(nil)
	} else {
		var acct *Account
		u, ferr := s.d.Store.FindUserByUPN(ctx, upn)
		switch {
		case ferr == nil && u.AccountEnabled:
			creds, err := s.d.Store.FindPasskeys(ctx, Filter{UserID: u.ID})
			if err != nil {
				return Options{}, err
			}
			if len(creds) > 0 {
				a := account(u, creds)
				acct = &a
				st.UserID = u.ID
			}
		case ferr != nil && !errors.Is(ferr, apperr.NotFound):
			return Options{}, ferr
		}
		if acct == nil {
			a := s.fakeAccount(upn)
			acct = &a
			st.Fake = true
		}
		b, err = s.d.Ceremony.BeginLogin(acct)
	}
	if err != nil {
		return Options{}, apperr.Wrap(err, apperr.Internal, "Starting the sign-in failed.")
	}
	st.Challenge, st.Data = b.Challenge, b.Data
	sealed, err := seal(s.d.Sealer, st)
	if err != nil {
		return Options{}, apperr.Wrap(err, apperr.Internal, "Starting the sign-in failed.")
	}
	return Options{JSON: b.Options, State: sealed, Expires: st.Expires}, nil
}

// fakeTransports are the transport lists a made-up key may show.
var fakeTransports = [][]string{{"usb", "nfc"}, {"internal", "hybrid"}, {"usb"}, {"hybrid", "internal"}, {"nfc", "usb"}}

// fakeAccount returns the made-up account and key for an unknown name,
// derived with a keyed hash so that it is stable and unpredictable.
func (s *Service) fakeAccount(upn string) Account {
	key := strings.ToLower(upn)
	h := s.d.Hasher.Hash("webauthn-fake-credential", key)
	id := append(append([]byte{}, h...), s.d.Hasher.Hash("webauthn-fake-credential-2", key)...)
	n := []int{16, 32, 48, 64}[int(h[0])%4]
	c := Credential{CredentialID: id[:n], Transports: fakeTransports[int(h[1])%len(fakeTransports)]}
	handle := s.d.Hasher.Hash("webauthn-fake-handle", key)[:16]
	return Account{UserID: "", Handle: handle, Name: upn, DisplayName: upn, Credentials: []Credential{c}}
}

// Verified is a sign-in response that passed the protocol checks.
type Verified struct {
	State      State
	User       directory.User
	Credential Credential
	Asserted   Asserted
}

// Errors from the lookup during FinishLogin, for the log.
var (
	errUnknownKey  = errors.New("passkey: no key with this credential id is registered")
	errNotNamed    = errors.New("passkey: the key belongs to another user than the one named")
	errBadHandle   = errors.New("passkey: the user handle does not match the key's owner")
	errUserGone    = errors.New("passkey: the key's owner does not exist or is disabled")
	errFakeOptions = errors.New("passkey: response to the options given for an unknown user")
)

// VerifySignIn checks a sign-in response against its sealed state: the
// state must be for sign-in and unexpired, and the response must be a
// valid assertion (origin, RP ID, challenge, user presence and
// verification, signature) by a registered key of an enabled user. It
// writes nothing; RecordUse does, in the sign-in's transaction. Refusals
// are *Rejection errors.
func (s *Service) VerifySignIn(ctx context.Context, sealed string, response []byte) (Verified, error) {
	st, err := open(s.d.Sealer, PurposeSignIn, sealed, s.d.Now())
	if errors.Is(err, errStateExpired) {
		return Verified{}, rejectChallenge("The WebAuthn challenge expired", err)
	}
	if err != nil {
		return Verified{}, rejectChallenge("The WebAuthn challenge is missing or not from this browser", err)
	}
	if st.Fake {
		return Verified{}, rejectCredential("Unknown security key", errFakeOptions)
	}
	var (
		user *directory.User
		key  *Credential
	)
	lookup := func(credentialID, handle []byte) (Account, error) {
		// A key's owner always exists: deleting a user deletes its keys.
		c, u, err := s.d.Store.FindPasskeyByCredentialID(ctx, credentialID)
		if errors.Is(err, apperr.NotFound) {
			return Account{}, errUnknownKey
		}
		if err != nil {
			return Account{}, err
		}
		key = &c
		if st.UserID != "" && c.UserID != st.UserID {
			return Account{}, errNotNamed
		}
		if len(handle) > 0 {
			if id, ok := UserIDFromHandle(handle); !ok || id != c.UserID {
				return Account{}, errBadHandle
			}
		}
		user = &u
		if !u.AccountEnabled {
			return Account{}, errUserGone
		}
		creds := []Credential{c}
		if st.UserID != "" {
			// Username-first: the protocol checks the key against every
			// key the options listed.
			if creds, err = s.d.Store.FindPasskeys(ctx, Filter{UserID: u.ID}); err != nil {
				return Account{}, err
			}
		}
		return account(u, creds), nil
	}
	a, err := s.d.Ceremony.FinishLogin(st.Data, response, lookup)
	if errors.Is(err, ErrChallengeMismatch) {
		return Verified{}, rejectChallenge("The response answers a WebAuthn challenge from another browser or ceremony", err)
	}
	if err != nil {
		r := rejectCredential("The security key's response was not valid", err)
		switch {
		case errors.Is(err, errUnknownKey), errors.Is(err, errNotNamed), errors.Is(err, errBadHandle):
			r.Reason = "Unknown security key"
		case errors.Is(err, errUserGone):
			r.Reason = "The key's owner is disabled or deleted"
		}
		if user != nil && user.AccountEnabled {
			r.User = user
		}
		r.Credential = key
		return Verified{}, r
	}
	v := Verified{State: st, User: *user, Credential: a.Credential, Asserted: a}
	if a.CloneWarning || CounterCloned(a.Credential.SignCount, a.SignCount) {
		return Verified{}, &Rejection{Code: CodeCredentialRejected, Message: msgClone, Clone: true, SignCount: a.SignCount, User: user, Credential: &v.Credential,
			Reason: "The signature counter did not increase: possible cloned authenticator"}
	}
	return v, nil
}

// RecordUse records a verified sign-in inside the sign-in's transaction:
// the challenge becomes used (a second use is refused, even with the same
// sealed state), and the key's counter, backup state and last use are
// updated if nobody used the key concurrently.
func (s *Service) RecordUse(ctx context.Context, tx UseTx, now time.Time, v Verified) error {
	if err := tx.ConsumeChallenge(ctx, challengeHash(v.State.Challenge), v.State.Expires); err != nil {
		if errors.Is(err, apperr.Conflict) {
			r := rejectChallenge("The WebAuthn challenge was already used", err)
			r.User, r.Credential = &v.User, &v.Credential
			return r
		}
		return err
	}
	err := tx.UpdatePasskeyUse(ctx, v.Credential.ID, v.Credential.SignCount, Use{SignCount: v.Asserted.SignCount, BackupState: v.Asserted.BackupState, At: now})
	if errors.Is(err, apperr.NotFound) {
		return &Rejection{Code: CodeCredentialRejected, Message: msgClone, Clone: true, SignCount: v.Asserted.SignCount, User: &v.User, Credential: &v.Credential,
			Reason: "The key's signature counter changed during this sign-in: possible cloned authenticator"}
	}
	return err
}

// CloneEvent is the audit event for a sign-in refused as a possible clone,
// initiated by whoever presented the key (as the user, from ip).
func CloneEvent(ctx context.Context, u directory.User, c Credential, received uint32, ip string) audit.Event {
	e := audit.New(ctx, ActivityCloneSuspected, audit.Target{ID: u.ID, DisplayName: u.DisplayName, Type: "User", UserPrincipalName: u.UserPrincipalName, ModifiedProperties: []audit.ModifiedProperty{}})
	e.InitiatedBy = audit.Initiator{User: &audit.UserIdentity{ID: u.ID, DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName, IPAddress: ip}}
	e = e.Failed("The signature counter of the security key did not increase; it may have been cloned.")
	e = e.Detail("Fido2MethodId", c.ID).Detail("AAGUID", c.AAGUID).
		Detail("StoredSignCount", strconv.FormatUint(uint64(c.SignCount), 10)).Detail("ReceivedSignCount", strconv.FormatUint(uint64(received), 10))
	return e
}
