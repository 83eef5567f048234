package passkey

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// Account is a user as a WebAuthn ceremony sees them.
type Account struct {
	UserID      string
	Handle      []byte // UserHandle(UserID)
	Name        string // user principal name
	DisplayName string
	Credentials []Credential
}

// Begun is the start of a ceremony: the options for the browser and the
// library's state to keep until the response comes back.
type Begun struct {
	// Options is the JSON to give to the browser: {"publicKey": {…}},
	// WebAuthn JSON with base64url binary values.
	Options []byte
	// Challenge is the challenge as clientDataJSON carries it (base64url).
	Challenge string
	// Data is the protocol library's ceremony state, opaque here.
	Data []byte
}

// Attested is a verified registration response.
type Attested struct {
	CredentialID       []byte
	PublicKey          []byte
	AAGUID             string
	SignCount          uint32
	Transports         []string
	UserVerified       bool
	BackupEligible     bool
	BackupState        bool
	AttestationFormat  string
	AttestationType    string // none, self, basic_full, attca, anonca, …
	AttestationTrusted bool   // the chain was validated against the metadata's roots
	Certificates       []string
}

// Asserted is a verified sign-in response.
type Asserted struct {
	Account    Account    // the key's owner, as the lookup returned them
	Credential Credential // the stored key that signed
	// SignCount is the authenticator's counter in this assertion.
	SignCount uint32
	// CloneWarning is set when the counter did not increase although one
	// of the stored and received counters is non-zero (WebAuthn §7.2
	// step 22): the key may have been cloned.
	CloneWarning   bool
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
}

// Lookup finds the owner of a credential during sign-in, given the
// credential id and the user handle the authenticator returned (empty for
// a non-discoverable credential). The account must hold the credential.
type Lookup func(credentialID, userHandle []byte) (Account, error)

// RegistrationOptions shape a registration ceremony.
type RegistrationOptions struct {
	// Exclude lists the user's keys, so that an authenticator that holds
	// one does not register again (excludeCredentials).
	Exclude []Credential
	// Direct asks for attestation ("direct" conveyance) rather than "none".
	Direct bool
}

// Ceremony runs the WebAuthn protocol. Registration requires user
// verification, prefers (or requires) a discoverable credential and offers
// ES256, EdDSA and RS256, with no authenticatorAttachment restriction;
// sign-in requires user verification. Origin, RP ID, user presence, user
// verification and signatures are checked by FinishRegistration and
// FinishLogin.
type Ceremony interface {
	BeginRegistration(a Account, o RegistrationOptions) (Begun, error)
	// FinishRegistration verifies a registration response. With
	// requireTrusted, the attestation must carry a certificate chain that
	// validates against the FIDO metadata's roots for the authenticator's
	// AAGUID, or it fails with ErrAttestationNotTrusted.
	FinishRegistration(a Account, data, response []byte, requireTrusted bool) (Attested, error)
	// BeginLogin starts a sign-in: with a nil account, for any
	// discoverable credential (username-less); otherwise listing the
	// account's credentials (allowCredentials).
	BeginLogin(a *Account) (Begun, error)
	// FinishLogin verifies a sign-in response, calling lookup to find the
	// key and its owner.
	FinishLogin(data, response []byte, lookup Lookup) (Asserted, error)
}

// ErrAttestationNotTrusted means enforced attestation could not be
// validated: no certificate chain, no metadata for the authenticator, or a
// chain that does not lead to the metadata's roots.
var ErrAttestationNotTrusted = errors.New("passkey: the attestation could not be validated against the FIDO metadata")

// ErrChallengeMismatch means the response answers another challenge than
// the one in this browser's ceremony state (another browser's or an older
// one).
var ErrChallengeMismatch = errors.New("passkey: the response answers another challenge than this ceremony's")

// Sealer seals ceremony state (internal/secret.Keyring).
type Sealer interface {
	Seal(purpose string, plaintext []byte) []byte
	Open(purpose string, sealed []byte) ([]byte, error)
}

// Ceremony purposes.
const (
	PurposeSignIn   = "signin"
	PurposeRegister = "register"
)

// CeremonyLifetime is how long a ceremony's options stay good.
const CeremonyLifetime = 5 * time.Minute

// State is a ceremony's state between its options and its response. It
// travels sealed in an HttpOnly cookie.
type State struct {
	Purpose   string    `json:"p"`
	Challenge string    `json:"c"`
	UserID    string    `json:"u,omitempty"` // registration: the user; sign-in: the named user, if any
	SessionID string    `json:"s,omitempty"` // registration: the session that asked
	Fake      bool      `json:"f,omitempty"` // sign-in options for an unknown user
	IssuedAt  time.Time `json:"i"`
	Expires   time.Time `json:"e"`
	Data      []byte    `json:"d"`
}

func sealPurpose(purpose string) string { return "webauthn-ceremony:" + purpose }

// seal encodes and seals st for its purpose, as cookie-safe text.
func seal(s Sealer, st State) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.Seal(sealPurpose(st.Purpose), b)), nil
}

// errStateInvalid is why a sealed state is refused (for the log).
var errStateInvalid = errors.New("passkey: the ceremony state is missing, forged or for another purpose")

// errStateExpired is an expired ceremony.
var errStateExpired = errors.New("passkey: the ceremony expired")

// open reverses seal, checking the purpose and the expiry at now.
func open(s Sealer, purpose, text string, now time.Time) (State, error) {
	if text == "" {
		return State{}, errStateInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return State{}, errStateInvalid
	}
	b, err := s.Open(sealPurpose(purpose), raw)
	if err != nil {
		return State{}, errStateInvalid
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil || st.Purpose != purpose || st.Challenge == "" {
		return State{}, errStateInvalid
	}
	if !now.Before(st.Expires) {
		return State{}, errStateExpired
	}
	return st, nil
}

// challengeHash is what the used-challenge table keeps.
func challengeHash(challenge string) []byte {
	h := sha256.Sum256([]byte("webauthn-challenge\x00" + challenge))
	return h[:]
}
