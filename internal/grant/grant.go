package grant

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/session"
)

// Lifetimes.
const (
	// RequestLifetime is how long a user has to finish signing in.
	RequestLifetime = 15 * time.Minute
	// CodeLifetime is how long an authorization code may be redeemed
	// (RFC 6749 §4.1.2 recommends at most ten minutes; a redirect takes
	// seconds).
	CodeLifetime = 60 * time.Second
	// AccessTokenLifetime is how long an access token lasts at most; a
	// redeemed code is kept this long, so that a second use of it can still
	// revoke the access token it gave.
	AccessTokenLifetime = time.Hour
)

// Params are an authorization request's parameters, as validated.
type Params struct {
	RedirectURI         string   `json:"redirect_uri"`
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	ResponseType        string   `json:"response_type"`
	ResponseMode        string   `json:"response_mode,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	// MaxAge is the max_age parameter in seconds; nil when absent.
	MaxAge    *int64 `json:"max_age,omitempty"`
	LoginHint string `json:"login_hint,omitempty"`
	// HintSubject is the subject of a valid id_token_hint.
	HintSubject string `json:"hint_subject,omitempty"`
	// Contexts are the authentication contexts the client requires, from
	// an acrs claims request or acr_values.
	Contexts []string `json:"contexts,omitempty"`
	// ACRValues are the acr values asked for, in order of preference.
	ACRValues []string `json:"acr_values,omitempty"`
	// RequireMFA is set when the client requires multifactor evidence (an
	// essential amr claim with the value mfa).
	RequireMFA bool `json:"require_mfa,omitempty"`
}

// HasPrompt reports whether prompt p was asked for.
func (p Params) HasPrompt(v string) bool { return slices.Contains(p.Prompt, v) }

// Request is an authorization request being signed in.
type Request struct {
	ID           string
	ClientID     string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	Params       Params
	Interactions int // trips to a sign-in or step-up page so far
	Done         bool
	SessionID    string
	Auth         *Authentication // set when Done
	CodeHash     []byte
	CodeExpires  *time.Time
	CodeUsed     *time.Time
	// What the code issued, for revocation if it is used again.
	FamilyID        string
	AccessTokenID   string
	AccessExpiresAt *time.Time
}

// RefreshToken is a stored refresh token (its value is only hashed).
type RefreshToken struct {
	ID              string
	Hash            []byte
	FamilyID        string
	ClientID        string
	Scopes          []string
	Audience        []string
	Auth            Authentication
	CreatedAt       time.Time
	ExpiresAt       time.Time
	AccessTokenID   string
	AccessExpiresAt time.Time
	RotatedAt       *time.Time
	RevokedAt       *time.Time
}

// Issued is an access token the provider is about to sign.
type Issued struct {
	ID        string
	ExpiresAt time.Time
}

// RevokedToken is an access token to put on the revocation list.
type RevokedToken struct {
	ID        string
	ExpiresAt time.Time
}

// Reader is what the grant service reads.
type Reader interface {
	FindAuthRequest(ctx context.Context, id string) (Request, error)
	FindAuthRequestByCode(ctx context.Context, hash []byte) (Request, error)
	FindRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
	FindRefreshTokenByID(ctx context.Context, id string) (RefreshToken, error)
	IsTokenRevoked(ctx context.Context, id string) (bool, error)
	FindSessionByID(ctx context.Context, id string) (session.Session, error)
	FindUserByID(ctx context.Context, id string) (directory.User, error)
}

// Tx is grant storage in a transaction.
type Tx interface {
	Reader
	Now() time.Time
	CreateAuthRequest(ctx context.Context, r Request) error
	// UpdateAuthRequest writes the sign-in state: interactions, done,
	// session and authentication.
	UpdateAuthRequest(ctx context.Context, r Request) error
	// SetAuthCode records the code of a done request that has none yet;
	// NotFound otherwise.
	SetAuthCode(ctx context.Context, id string, hash []byte, expires, keepUntil time.Time) error
	// RedeemAuthCode marks the code used, with what it issued; NotFound when
	// it was used already.
	RedeemAuthCode(ctx context.Context, r Request) error
	DeleteAuthRequest(ctx context.Context, id string) error
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RotateRefreshToken marks a live token rotated; NotFound when it was
	// rotated or revoked already.
	RotateRefreshToken(ctx context.Context, id string, at time.Time) error
	// RevokeRefreshFamily revokes every live token of a family and returns
	// the access tokens they issued that have not expired.
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) ([]RevokedToken, error)
	RevokeRefreshToken(ctx context.Context, id string, at time.Time) error
	RevokeTokens(ctx context.Context, ts []RevokedToken) error
	// SessionTokens returns the unexpired access tokens issued from a
	// session (through codes and refreshes).
	SessionTokens(ctx context.Context, sessionID string, now time.Time) ([]RevokedToken, error)
	DeleteSession(ctx context.Context, id string) error
	DeleteExpiredGrants(ctx context.Context) error
}

// Store runs grant transactions.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Hasher hashes codes and refresh tokens with the secret key.
type Hasher interface {
	Hash(purpose, s string) []byte
}

// Keyed-hash purposes.
const (
	CodePurpose    = "oidc-code"
	RefreshPurpose = "oidc-refresh-token"
)

// Errors the token endpoint turns into invalid_grant.
var (
	ErrUnknown      = apperr.New(apperr.Invalid, "The code or token is unknown, expired or revoked.")
	ErrCodeReused   = apperr.New(apperr.Invalid, "The code was used before; what it issued has been revoked.")
	ErrCodeExpired  = apperr.New(apperr.Invalid, "The code has expired.")
	ErrTokenReused  = apperr.New(apperr.Invalid, "The refresh token was used before; every token descended from it has been revoked.")
	ErrSessionEnded = apperr.New(apperr.Invalid, "The sign-in session this grant belongs to has ended; sign in again.")
)

// Service keeps authorization requests and tokens.
type Service struct {
	store  Store
	hasher Hasher
	now    func() time.Time
}

// NewService returns the grant service.
func NewService(s Store, h Hasher, now func() time.Time) *Service {
	return &Service{store: s, hasher: h, now: now}
}

// Begin stores a new authorization request.
func (s *Service) Begin(ctx context.Context, clientID string, p Params) (Request, error) {
	r := Request{ID: uuid.NewString(), ClientID: clientID, Params: p}
	err := s.store.InTx(ctx, func(tx Tx) error {
		r.CreatedAt = tx.Now()
		r.ExpiresAt = r.CreatedAt.Add(RequestLifetime)
		return tx.CreateAuthRequest(ctx, r)
	})
	return r, err
}

var errRequestGone = apperr.NotFoundf("This sign-in request has expired or was already used. Go back to the application and sign in again.").WithCode("authRequestNotFound")

// Find returns a pending or done request that has not expired.
func (s *Service) Find(ctx context.Context, id string) (Request, error) {
	r, err := s.store.FindAuthRequest(ctx, id)
	if errors.Is(err, apperr.NotFound) || err == nil && (!s.now().Before(r.ExpiresAt) || r.CodeHash != nil) {
		return Request{}, errRequestGone
	}
	return r, err
}

// Interact counts one more trip to a sign-in or step-up page and returns
// the count.
func (s *Service) Interact(ctx context.Context, id string) (int, error) {
	var n int
	err := s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.FindAuthRequest(ctx, id)
		if err != nil {
			return err
		}
		r.Interactions++
		n = r.Interactions
		return tx.UpdateAuthRequest(ctx, r)
	})
	return n, err
}

// Complete records the sign-in for a request.
func (s *Service) Complete(ctx context.Context, id string, a Authentication) (Request, error) {
	var r Request
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		r, err = tx.FindAuthRequest(ctx, id)
		if err != nil {
			return err
		}
		if r.CodeHash != nil || !tx.Now().Before(r.ExpiresAt) {
			return errRequestGone
		}
		r.Done, r.SessionID, r.Auth = true, a.SessionID, &a
		return tx.UpdateAuthRequest(ctx, r)
	})
	return r, err
}

// Cancel forgets a request (after an error was sent to the client).
func (s *Service) Cancel(ctx context.Context, id string) error {
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteAuthRequest(ctx, id) })
	if errors.Is(err, apperr.NotFound) {
		return nil
	}
	return err
}

// SaveCode records the code of a done request; a request gets one code.
func (s *Service) SaveCode(ctx context.Context, id, code string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		exp := tx.Now().Add(CodeLifetime)
		err := tx.SetAuthCode(ctx, id, s.hasher.Hash(CodePurpose, code), exp, exp.Add(AccessTokenLifetime))
		if errors.Is(err, apperr.NotFound) {
			return errRequestGone
		}
		return err
	})
}

// ByCode returns the done request a code belongs to. A code used before
// revokes what it issued and is refused; so is an expired one.
func (s *Service) ByCode(ctx context.Context, code string) (Request, error) {
	r, err := s.store.FindAuthRequestByCode(ctx, s.hasher.Hash(CodePurpose, code))
	if errors.Is(err, apperr.NotFound) {
		return Request{}, ErrUnknown
	}
	if err != nil {
		return Request{}, err
	}
	if r.CodeUsed != nil {
		if err := s.revokeCode(ctx, r); err != nil {
			return Request{}, err
		}
		return Request{}, ErrCodeReused
	}
	if r.CodeExpires == nil || !s.now().Before(*r.CodeExpires) {
		return Request{}, ErrCodeExpired
	}
	if !r.Done || r.Auth == nil {
		return Request{}, ErrUnknown
	}
	return r, nil
}

// revokeCode revokes the tokens a used code issued (RFC 6749 §4.1.2).
func (s *Service) revokeCode(ctx context.Context, r Request) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		return s.revokeCodeTx(ctx, tx, r)
	})
}

func (s *Service) revokeCodeTx(ctx context.Context, tx Tx, r Request) error {
	cur, err := tx.FindAuthRequest(ctx, r.ID)
	if errors.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var revoked []RevokedToken
	if cur.AccessTokenID != "" && cur.AccessExpiresAt != nil {
		revoked = append(revoked, RevokedToken{ID: cur.AccessTokenID, ExpiresAt: *cur.AccessExpiresAt})
	}
	if cur.FamilyID != "" {
		more, err := tx.RevokeRefreshFamily(ctx, cur.FamilyID, tx.Now())
		if err != nil {
			return err
		}
		revoked = append(revoked, more...)
	}
	return tx.RevokeTokens(ctx, revoked)
}

// live reports whether a session may still have tokens issued from it.
func live(sess session.Session, u directory.User, now time.Time) bool {
	return sess.Complete && now.Before(sess.ExpiresAt) && u.AccountEnabled && !sess.CreatedAt.Before(u.TokensValidAfter)
}

func (s *Service) checkSession(ctx context.Context, r Reader, sessionID, userID string, now time.Time) error {
	sess, err := r.FindSessionByID(ctx, sessionID)
	if errors.Is(err, apperr.NotFound) {
		return ErrSessionEnded
	}
	if err != nil {
		return err
	}
	u, err := r.FindUserByID(ctx, userID)
	if errors.Is(err, apperr.NotFound) {
		return ErrSessionEnded
	}
	if err != nil {
		return err
	}
	if sess.UserID != userID || !live(sess, u, now) {
		return ErrSessionEnded
	}
	return nil
}

// NewRefreshToken returns a fresh opaque refresh token: 256 random bits.
func NewRefreshToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Redeem exchanges a request's code: it marks the code used, checks that
// the session still stands, and (when offline access was granted) starts a
// refresh-token family. It returns the refresh token in clear, or "".
func (s *Service) Redeem(ctx context.Context, r Request, access Issued, offline bool, audience []string) (string, error) {
	var token string
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := tx.Now()
		if err := s.checkSession(ctx, tx, r.Auth.SessionID, r.Auth.UserID, now); err != nil {
			return err
		}
		r.AccessTokenID, r.AccessExpiresAt = access.ID, &access.ExpiresAt
		if offline {
			r.FamilyID = uuid.NewString()
		}
		if err := tx.RedeemAuthCode(ctx, r); err != nil {
			if errors.Is(err, apperr.NotFound) {
				// Another request redeemed it a moment ago: a reuse.
				if err := s.revokeCodeTx(ctx, tx, r); err != nil {
					return err
				}
				return ErrCodeReused
			}
			return err
		}
		if !offline {
			return nil
		}
		token = NewRefreshToken()
		return tx.CreateRefreshToken(ctx, RefreshToken{
			ID: uuid.NewString(), Hash: s.hasher.Hash(RefreshPurpose, token), FamilyID: r.FamilyID, ClientID: r.ClientID,
			Scopes: r.Params.Scopes, Audience: audience, Auth: *r.Auth, CreatedAt: now, ExpiresAt: r.Auth.Expires,
			AccessTokenID: access.ID, AccessExpiresAt: access.ExpiresAt,
		})
	})
	if errors.Is(err, ErrCodeReused) {
		// The revocation must stand even though the exchange failed.
		_ = s.revokeCode(ctx, r)
	}
	return token, err
}

// Refresh returns the live refresh token for token. A token that was
// rotated already revokes its family and is refused.
func (s *Service) Refresh(ctx context.Context, token string) (RefreshToken, error) {
	t, err := s.store.FindRefreshToken(ctx, s.hasher.Hash(RefreshPurpose, token))
	if errors.Is(err, apperr.NotFound) {
		return RefreshToken{}, ErrUnknown
	}
	if err != nil {
		return RefreshToken{}, err
	}
	now := s.now()
	switch {
	case t.RevokedAt != nil:
		return RefreshToken{}, ErrUnknown
	case t.RotatedAt != nil:
		if err := s.RevokeFamily(ctx, t.FamilyID); err != nil {
			return RefreshToken{}, err
		}
		return RefreshToken{}, ErrTokenReused
	case !now.Before(t.ExpiresAt):
		return RefreshToken{}, ErrUnknown
	}
	if err := s.checkSession(ctx, s.store, t.Auth.SessionID, t.Auth.UserID, now); err != nil {
		return RefreshToken{}, err
	}
	return t, nil
}

// RevokeFamily revokes every token of a family and the access tokens they
// issued.
func (s *Service) RevokeFamily(ctx context.Context, familyID string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		revoked, err := tx.RevokeRefreshFamily(ctx, familyID, tx.Now())
		if err != nil {
			return err
		}
		return tx.RevokeTokens(ctx, revoked)
	})
}

// Rotate replaces old with a new token of the same family, recording the
// access token issued with it, and returns the new token in clear.
func (s *Service) Rotate(ctx context.Context, old RefreshToken, access Issued) (string, error) {
	token := NewRefreshToken()
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := tx.Now()
		if err := tx.RotateRefreshToken(ctx, old.ID, now); err != nil {
			if errors.Is(err, apperr.NotFound) {
				// Rotated by a concurrent request: the same token used twice.
				revoked, err := tx.RevokeRefreshFamily(ctx, old.FamilyID, now)
				if err != nil {
					return err
				}
				if err := tx.RevokeTokens(ctx, revoked); err != nil {
					return err
				}
				return ErrTokenReused
			}
			return err
		}
		n := old
		n.ID, n.Hash, n.CreatedAt, n.RotatedAt, n.RevokedAt = uuid.NewString(), s.hasher.Hash(RefreshPurpose, token), now, nil, nil
		n.AccessTokenID, n.AccessExpiresAt = access.ID, access.ExpiresAt
		return tx.CreateRefreshToken(ctx, n)
	})
	if errors.Is(err, ErrTokenReused) {
		_ = s.RevokeFamily(ctx, old.FamilyID)
		return "", err
	}
	return token, err
}

// FindRefresh returns the refresh token for token whatever its state, for
// revocation; NotFound when there is none.
func (s *Service) FindRefresh(ctx context.Context, token string) (RefreshToken, error) {
	return s.store.FindRefreshToken(ctx, s.hasher.Hash(RefreshPurpose, token))
}

// RevokeRefresh revokes a refresh token and, with it, its family: a client
// that revokes a refresh token means to end the grant (RFC 7009 §2.1).
func (s *Service) RevokeRefresh(ctx context.Context, id string) error {
	t, err := s.store.FindRefreshTokenByID(ctx, id)
	if errors.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.RevokeFamily(ctx, t.FamilyID)
}

// RevokeAccess puts an access token on the revocation list until it
// expires.
func (s *Service) RevokeAccess(ctx context.Context, id string, expires time.Time) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		return tx.RevokeTokens(ctx, []RevokedToken{{ID: id, ExpiresAt: expires}})
	})
}

// IsRevoked reports whether an access token was revoked.
func (s *Service) IsRevoked(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	return s.store.IsTokenRevoked(ctx, id)
}

// EndSession ends a browser session (RP-initiated logout): the session is
// deleted, with it every refresh token bound to it, and the access tokens
// issued from it go on the revocation list.
func (s *Service) EndSession(ctx context.Context, sessionID, userID string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		sess, err := tx.FindSessionByID(ctx, sessionID)
		if errors.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if userID != "" && sess.UserID != userID {
			return nil
		}
		revoked, err := tx.SessionTokens(ctx, sessionID, tx.Now())
		if err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, revoked); err != nil {
			return err
		}
		err = tx.DeleteSession(ctx, sessionID)
		if errors.Is(err, apperr.NotFound) {
			return nil
		}
		return err
	})
}

// Cleanup deletes what can no longer matter: expired requests, refresh
// tokens and revocation entries.
func (s *Service) Cleanup(ctx context.Context) error {
	return s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteExpiredGrants(ctx) })
}

// FindRefreshByID returns a refresh token by id, whatever its state.
func (s *Service) FindRefreshByID(ctx context.Context, id string) (RefreshToken, error) {
	return s.store.FindRefreshTokenByID(ctx, id)
}
