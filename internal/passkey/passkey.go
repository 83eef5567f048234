package passkey

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
)

// Credential is a registered passkey or security key (a WebAuthn
// credential record, WebAuthn §4 "credential record").
type Credential struct {
	ID           string // Strongroom's id for the key
	UserID       string
	CredentialID []byte // the authenticator's credential id
	PublicKey    []byte // COSE_Key
	AAGUID       string // lowercase GUID text; all zeros when the authenticator sent none
	SignCount    uint32
	Transports   []string
	// UserVerified records that registration verified the user (PIN or
	// biometric); Strongroom requires it, so it is always true for keys it
	// registered.
	UserVerified   bool
	BackupEligible bool // a synced passkey (BE flag); never changes
	BackupState    bool // currently backed up (BS flag)
	// AttestationFormat is the attestation statement format the key sent
	// at registration (none, packed, tpm, …).
	AttestationFormat string
	// AttestationTrusted is set when the attestation's certificate chain
	// was validated against the FIDO Metadata Service's roots.
	AttestationTrusted bool
	// AttestationCertificates are the SHA-1 thumbprints (lowercase hex) of
	// the attestation certificates the key sent, leaf first.
	AttestationCertificates []string
	DisplayName             string
	Model                   string // the authenticator's model name, for people
	CreatedAt               time.Time
	LastUsedAt              *time.Time
}

// Synced reports whether the key is a synced (multi-device) passkey.
func (c Credential) Synced() bool { return c.BackupEligible }

// Filter selects credentials.
type Filter struct {
	UserID string
}

// Update changes the fields that are non-nil.
type Update struct {
	DisplayName *string
}

// Use is what a successful sign-in changes in a credential record
// (WebAuthn §7.2 steps 22–25).
type Use struct {
	SignCount   uint32
	BackupState bool
	At          time.Time
}

// Reader finds credentials and what deciding about them needs.
type Reader interface {
	directory.Reader
	FindMethodPolicy(ctx context.Context) (method.Policy, error)
	FindPasskeyByID(ctx context.Context, id string) (Credential, error)
	// FindPasskeyByCredentialID returns the key with the authenticator's
	// credential id and its owner.
	FindPasskeyByCredentialID(ctx context.Context, credentialID []byte) (Credential, directory.User, error)
	FindPasskeys(ctx context.Context, f Filter) ([]Credential, error)
	// RegisteredModes lists the methods a user has registered and could
	// use (for the last-method warning).
	RegisteredModes(ctx context.Context, userID string) ([]authn.Mode, error)
}

// ChallengeTx records used challenges.
type ChallengeTx interface {
	// ConsumeChallenge records a challenge (by hash) as used until
	// expires; a second use is a Conflict.
	ConsumeChallenge(ctx context.Context, hash []byte, expires time.Time) error
}

// UseTx is what recording a sign-in with a key needs, inside the sign-in's
// transaction.
type UseTx interface {
	ChallengeTx
	// UpdatePasskeyUse records a use of the key, if its sign count is still
	// oldCount (compare and swap); NotFound otherwise.
	UpdatePasskeyUse(ctx context.Context, id string, oldCount uint32, u Use) error
}

// Tx is the passkey service's storage inside one transaction.
type Tx interface {
	Reader
	ChallengeTx
	Now() time.Time
	Audit(e audit.Event)
	CreatePasskey(ctx context.Context, c Credential) error
	UpdatePasskey(ctx context.Context, id string, u Update) error
	DeletePasskey(ctx context.Context, id string) error
	SaveMethodConfiguration(ctx context.Context, id string, cfg any) error
	DeleteMethodConfiguration(ctx context.Context, id string) error
}

// Store runs the passkey service's transactions.
type Store interface {
	Reader
	InTx(ctx context.Context, fn func(Tx) error) error
}

// UserHandle is the WebAuthn user handle (user.id) of a user: the 16 bytes
// of their id. It is opaque and carries nothing personal (WebAuthn §14.6.1).
func UserHandle(userID string) []byte {
	u, err := uuid.Parse(userID)
	if err != nil {
		return []byte(userID)
	}
	return u[:]
}

// UserIDFromHandle reverses UserHandle; false when h is not one.
func UserIDFromHandle(h []byte) (string, bool) {
	if len(h) != 16 {
		return "", false
	}
	u, err := uuid.FromBytes(h)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// NormalizeAAGUID returns a GUID in lowercase text form.
func NormalizeAAGUID(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ZeroAAGUID is what an authenticator that does not identify its model
// sends.
const ZeroAAGUID = "00000000-0000-0000-0000-000000000000"
