package tap

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/secret"
)

// Pass is a stored Temporary Access Pass (the secret itself is never kept).
type Pass struct {
	ID                string
	UserID            string
	Hash              []byte
	CreatedDateTime   time.Time
	StartDateTime     time.Time
	LifetimeInMinutes int
	IsUsableOnce      bool
	UsedDateTime      *time.Time
}

// End is when the pass stops working.
func (p Pass) End() time.Time {
	return p.StartDateTime.Add(time.Duration(p.LifetimeInMinutes) * time.Minute)
}

// HashPurpose is the keyed-hash purpose for passes.
const HashPurpose = "temporary-access-pass"

// Generate returns a new pass of length characters.
func Generate(length int) string { return secret.Generate(secret.Readable, length) }

// Hasher hashes and compares server-generated secrets.
type Hasher interface {
	Hash(purpose, s string) []byte
	Equal(purpose, s string, h []byte) bool
}

// Writer stores passes.
type Writer interface {
	// ReplaceTAP stores p as the user's only pass.
	ReplaceTAP(ctx context.Context, p Pass) error
}

// IssueInTx creates a pass for userID starting at start and stores it,
// replacing any previous one. It returns the pass and its secret in clear.
func IssueInTx(ctx context.Context, w Writer, h Hasher, userID string, now, start time.Time, lifetimeMinutes, length int, once bool) (Pass, string, error) {
	s := Generate(length)
	p := Pass{ID: uuid.NewString(), UserID: userID, Hash: h.Hash(HashPurpose, s), CreatedDateTime: now, StartDateTime: start, LifetimeInMinutes: lifetimeMinutes, IsUsableOnce: once}
	if err := w.ReplaceTAP(ctx, p); err != nil {
		return Pass{}, "", err
	}
	return p, s, nil
}

// Usability reasons, as Graph's methodUsabilityReason.
const (
	EnabledByPolicy  = "EnabledByPolicy"
	DisabledByPolicy = "DisabledByPolicy"
	Expired          = "Expired"
	NotYetValid      = "NotYetValid"
	OneTimeUsed      = "OneTimeUsed"
)

// Usability says whether p can be used at now: the policy must enable
// passes for the user (inScope) and, when it demands one-time passes, p
// must be one; p must have started and not ended; a one-time pass must not
// have been used.
func Usability(p Pass, enabledForUser, policyRequiresOnce bool, now time.Time) (bool, string) {
	switch {
	case !enabledForUser, policyRequiresOnce && !p.IsUsableOnce:
		return false, DisabledByPolicy
	case p.IsUsableOnce && p.UsedDateTime != nil:
		return false, OneTimeUsed
	case now.Before(p.StartDateTime):
		return false, NotYetValid
	case !now.Before(p.End()):
		return false, Expired
	}
	return true, EnabledByPolicy
}

// Store is what verifying a pass needs inside a transaction.
type Store interface {
	FindTAPByUser(ctx context.Context, userID string) (Pass, error)
	// MarkTAPUsed records the first use of a one-time pass; it returns
	// NotFound when the pass was already used (another request won).
	MarkTAPUsed(ctx context.Context, id string, at time.Time) error
}

// RegistrationWindow is how long after signing in with a one-time pass the
// user may still register a passwordless method (TAP-HOW).
const RegistrationWindow = 10 * time.Minute
