package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
)

// Context is an authentication context satisfied in the session.
type Context struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
}

// Session is a signed-in (or signing-in) browser.
type Session struct {
	ID         string
	UserID     string
	TokenHash  []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end, already capped
	Proofs     []authn.Proof
	Contexts   []Context
	Complete   bool // the sign-in requirements were met
	Persistent bool
	ClientIP   string
	UserAgent  string
	// RegistrationByPolicy is set for one request, never stored, by the
	// edge when the session is not complete but Conditional Access (a
	// policy on the registersecurityinfo user action that the session
	// meets) lets it register a method because the user has none that
	// would do: "registration required" during sign-in.
	RegistrationByPolicy bool
}

// Evidence is what the session proved.
func (s Session) Evidence() authn.Evidence { return authn.Evidence{Proofs: s.Proofs} }

// AuthTime is when the session's first method was proved.
func (s Session) AuthTime() time.Time {
	if len(s.Proofs) == 0 {
		return s.CreatedAt
	}
	t := s.Proofs[0].Time
	for _, p := range s.Proofs {
		if p.Time.Before(t) {
			t = p.Time
		}
	}
	return t
}

// Context returns the time context id was last satisfied.
func (s Session) Context(id string) (time.Time, bool) {
	for _, c := range s.Contexts {
		if c.ID == id {
			return c.Time, true
		}
	}
	return time.Time{}, false
}

// Reader finds sessions.
type Reader interface {
	FindSessionByTokenHash(ctx context.Context, h []byte) (Session, error)
	FindSessionsByUser(ctx context.Context, userID string) ([]Session, error)
}

// Tx writes sessions inside a transaction.
type Tx interface {
	Reader
	directory.Reader
	Now() time.Time
	Audit(e audit.Event)
	CreateSession(ctx context.Context, s Session) error
	UpdateSession(ctx context.Context, s Session) error
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID string) error
}

// Hasher hashes tokens with the secret key.
type Hasher interface {
	Hash(purpose, s string) []byte
}

// TokenPurpose is the keyed-hash purpose of session tokens.
const TokenPurpose = "session-token"

// DefaultLifetime is how long a browser session lasts at most.
const DefaultLifetime = 12 * time.Hour

// Manager creates, finds and ends sessions.
type Manager struct {
	reader interface {
		Reader
		directory.Reader
	}
	hasher   Hasher
	now      func() time.Time
	Lifetime time.Duration
}

// NewManager returns a session manager.
func NewManager(r interface {
	Reader
	directory.Reader
}, h Hasher, now func() time.Time) *Manager {
	return &Manager{reader: r, hasher: h, now: now, Lifetime: DefaultLifetime}
}

// newToken returns a fresh random token.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (m *Manager) hash(token string) []byte { return m.hasher.Hash(TokenPurpose, token) }

// ErrNoSession means the request has no valid session.
var ErrNoSession = apperr.New(apperr.Unauthenticated, "You are not signed in, or your session has ended. Sign in again.").WithCode("notSignedIn")

// Resolve returns the live session for token and its user. It refuses an
// expired session and the sessions of a disabled user, or of a user whose
// sessions were revoked after this one began.
func (m *Manager) Resolve(ctx context.Context, token string) (Session, directory.User, error) {
	if token == "" {
		return Session{}, directory.User{}, ErrNoSession
	}
	s, err := m.reader.FindSessionByTokenHash(ctx, m.hash(token))
	if errors.Is(err, apperr.NotFound) {
		return Session{}, directory.User{}, ErrNoSession
	}
	if err != nil {
		return Session{}, directory.User{}, err
	}
	if !m.now().Before(s.ExpiresAt) {
		return Session{}, directory.User{}, ErrNoSession
	}
	u, err := m.reader.FindUserByID(ctx, s.UserID)
	if errors.Is(err, apperr.NotFound) {
		return Session{}, directory.User{}, ErrNoSession
	}
	if err != nil {
		return Session{}, directory.User{}, err
	}
	if !u.AccountEnabled || s.CreatedAt.Before(u.TokensValidAfter) {
		return Session{}, directory.User{}, ErrNoSession
	}
	return s, u, nil
}

// Options shape a new session.
type Options struct {
	Cap        *time.Time // the session may not last beyond this
	ClientIP   string
	UserAgent  string
	Persistent bool
}

// Begin creates a session for userID having proved p, inside tx, and
// returns it with its token (to set in the cookie).
func (m *Manager) Begin(ctx context.Context, tx Tx, userID string, p authn.Proof, o Options) (Session, string, error) {
	s, token := m.New(tx.Now(), userID, p, o)
	if err := tx.CreateSession(ctx, s); err != nil {
		return Session{}, "", err
	}
	return s, token, nil
}

// New returns a session for userID having proved p at now, with its token,
// without storing it: the caller stores it with Create once it knows the
// session's final state (one write per sign-in).
func (m *Manager) New(now time.Time, userID string, p authn.Proof, o Options) (Session, string) {
	token := newToken()
	s := Session{
		// Time-ordered (version 7): new sessions append to the id index.
		ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, TokenHash: m.hash(token), CreatedAt: now,
		ExpiresAt: now.Add(m.Lifetime), Proofs: []authn.Proof{p}, Persistent: o.Persistent,
		ClientIP: o.ClientIP, UserAgent: o.UserAgent,
	}
	if o.Cap != nil && o.Cap.Before(s.ExpiresAt) {
		s.ExpiresAt = *o.Cap
	}
	return s, token
}

// Create stores a session made by New.
func (m *Manager) Create(ctx context.Context, tx Tx, s Session) error {
	return tx.CreateSession(ctx, s)
}

// Prove records a further proof in s (a second factor, a step-up), caps
// the session if asked, and replaces its token.
func (m *Manager) Prove(ctx context.Context, tx Tx, s Session, p authn.Proof, cap *time.Time) (Session, string, error) {
	s, token := m.WithProof(s, p, cap)
	if err := tx.UpdateSession(ctx, s); err != nil {
		return Session{}, "", err
	}
	return s, token, nil
}

// WithProof returns s having also proved p, capped if asked, with a new
// token, without storing it (the caller stores it with Save).
func (m *Manager) WithProof(s Session, p authn.Proof, cap *time.Time) (Session, string) {
	s.Proofs = append(slices.Clip(s.Proofs), p)
	if cap != nil && cap.Before(s.ExpiresAt) {
		s.ExpiresAt = *cap
	}
	token := newToken()
	s.TokenHash = m.hash(token)
	return s, token
}

// Save writes s's state (completion, contexts) without a new token.
func (m *Manager) Save(ctx context.Context, tx Tx, s Session) error {
	return tx.UpdateSession(ctx, s)
}

// End deletes the session (sign-out).
func (m *Manager) End(ctx context.Context, tx Tx, s Session) error {
	return tx.DeleteSession(ctx, s.ID)
}
