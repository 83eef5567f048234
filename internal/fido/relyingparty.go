package fido

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // SHA-1 thumbprints name certificates, as Graph's attestationCertificates do; nothing is trusted on them.
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/passkey"
)

// Options configure the relying party.
type Options struct {
	// PublicURL is Strongroom's public URL: its host is the RP ID and its
	// origin the first allowed origin.
	PublicURL string
	// Origins are further allowed origins.
	Origins []string
	// ResidentKey is "preferred" (default) or "required".
	ResidentKey string
	// Metadata is the FIDO metadata, or nil.
	Metadata *Metadata
}

// RelyingParty runs WebAuthn ceremonies; it implements passkey.Ceremony.
type RelyingParty struct {
	wa          *webauthn.WebAuthn
	residentKey protocol.ResidentKeyRequirement
	md          *Metadata
}

var _ passkey.Ceremony = (*RelyingParty)(nil)

// credentialParameters are the algorithms Strongroom accepts, in order of
// preference: ES256, EdDSA, RS256 (WebAuthn §5.4 pubKeyCredParams).
var credentialParameters = []protocol.CredentialParameter{
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgEdDSA},
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
}

// New returns the relying party for the public URL: RP ID its host, origins
// its origin and the extra ones.
func New(o Options) (*RelyingParty, error) {
	u, err := url.Parse(o.PublicURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("fido: public URL %q is not an absolute URL", o.PublicURL)
	}
	origins := append([]string{u.Scheme + "://" + u.Host}, o.Origins...)
	rk := protocol.ResidentKeyRequirementPreferred
	if o.ResidentKey == "required" {
		rk = protocol.ResidentKeyRequirementRequired
	}
	timeout := webauthn.TimeoutConfig{Timeout: passkey.CeremonyLifetime, TimeoutUVD: passkey.CeremonyLifetime}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Strongroom",
		RPOrigins:     origins,
		// No authenticatorAttachment: security keys over USB and NFC,
		// platform authenticators and phones over hybrid all work.
		AuthenticatorSelection: protocol.AuthenticatorSelection{UserVerification: protocol.VerificationRequired},
		AttestationPreference:  protocol.PreferNoAttestation,
		Timeouts:               webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("fido: %w", err)
	}
	return &RelyingParty{wa: wa, residentKey: rk, md: o.Metadata}, nil
}

// user adapts a passkey.Account to go-webauthn's User.
type user struct{ a passkey.Account }

func (u user) WebAuthnID() []byte          { return u.a.Handle }
func (u user) WebAuthnName() string        { return u.a.Name }
func (u user) WebAuthnDisplayName() string { return u.a.DisplayName }
func (u user) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(u.a.Credentials))
	for i, c := range u.a.Credentials {
		out[i] = toLibrary(c)
	}
	return out
}

func toLibrary(c passkey.Credential) webauthn.Credential {
	var aaguid []byte
	if id, err := uuid.Parse(c.AAGUID); err == nil {
		aaguid = id[:]
	}
	ts := make([]protocol.AuthenticatorTransport, len(c.Transports))
	for i, t := range c.Transports {
		ts[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID: c.CredentialID, PublicKey: c.PublicKey, AttestationFormat: c.AttestationFormat, Transport: ts,
		Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: c.UserVerified, BackupEligible: c.BackupEligible, BackupState: c.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: aaguid, SignCount: c.SignCount},
	}
}

func begun(options any, sd *webauthn.SessionData) (passkey.Begun, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return passkey.Begun{}, err
	}
	d, err := json.Marshal(sd)
	if err != nil {
		return passkey.Begun{}, err
	}
	return passkey.Begun{Options: o, Challenge: sd.Challenge, Data: d}, nil
}

// BeginRegistration implements passkey.Ceremony (WebAuthn §5.4).
func (rp *RelyingParty) BeginRegistration(a passkey.Account, o passkey.RegistrationOptions) (passkey.Begun, error) {
	exclude := make([]protocol.CredentialDescriptor, len(o.Exclude))
	for i, c := range o.Exclude {
		lc := toLibrary(c)
		exclude[i] = lc.Descriptor()
	}
	conveyance := protocol.PreferNoAttestation
	if o.Direct {
		conveyance = protocol.PreferDirectAttestation
	}
	cc, sd, err := rp.wa.BeginRegistration(user{a},
		webauthn.WithCredentialParameters(credentialParameters),
		webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{UserVerification: protocol.VerificationRequired}),
		webauthn.WithResidentKeyRequirement(rp.residentKey),
		webauthn.WithConveyancePreference(conveyance),
	)
	if err != nil {
		return passkey.Begun{}, err
	}
	return begun(cc, sd)
}

func sessionData(data []byte) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if err := json.Unmarshal(data, &sd); err != nil {
		return sd, fmt.Errorf("fido: ceremony state: %w", err)
	}
	return sd, nil
}

// detail turns go-webauthn's error into one that carries its developer
// information, for the log.
func detail(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w (%s)", err, pe.DevInfo)
	}
	return err
}

// certPathTypes are the attestation types whose trust rests on a
// certificate chain that the metadata's roots can validate.
var certPathTypes = map[string]bool{"basic_full": true, "attca": true, "anonca": true}

// FinishRegistration implements passkey.Ceremony (WebAuthn §7.1):
// challenge, origin, RP ID, UP, UV, algorithm and the attestation
// statement of any format go-webauthn verifies. The trust path is
// validated against the metadata when it is configured; with
// requireTrusted it must validate.
func (rp *RelyingParty) FinishRegistration(a passkey.Account, data, response []byte, requireTrusted bool) (passkey.Attested, error) {
	sd, err := sessionData(data)
	if err != nil {
		return passkey.Attested{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return passkey.Attested{}, detail(err)
	}
	if parsed.Response.CollectedClientData.Challenge != sd.Challenge {
		return passkey.Attested{}, passkey.ErrChallengeMismatch
	}
	cred, err := rp.wa.CreateCredential(user{a}, sd, parsed)
	if err != nil {
		return passkey.Attested{}, detail(err)
	}
	trusted := false
	if rp.md != nil && certPathTypes[cred.AttestationType] {
		check := *cred
		if err := check.Verify(rp.md.provider, rp.wa.Config.Attestation, rp.wa.Config.Signature); err == nil {
			trusted = true
		} else if requireTrusted {
			return passkey.Attested{}, fmt.Errorf("%w: %w", passkey.ErrAttestationNotTrusted, detail(err))
		}
	}
	if requireTrusted && !trusted {
		return passkey.Attested{}, fmt.Errorf("%w: attestation type %q (format %q) has no certificate chain to validate", passkey.ErrAttestationNotTrusted, cred.AttestationType, cred.AttestationFormat)
	}
	aaguid := passkey.ZeroAAGUID
	if id, err := uuid.FromBytes(cred.Authenticator.AAGUID); err == nil {
		aaguid = id.String()
	}
	ts := make([]string, len(cred.Transport))
	for i, t := range cred.Transport {
		ts[i] = string(t)
	}
	return passkey.Attested{
		CredentialID: cred.ID, PublicKey: cred.PublicKey, AAGUID: aaguid, SignCount: cred.Authenticator.SignCount,
		Transports: ts, UserVerified: cred.Flags.UserVerified, BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
		AttestationFormat: cred.AttestationFormat, AttestationType: cred.AttestationType, AttestationTrusted: trusted,
		Certificates: thumbprints(parsed.Response.AttestationObject),
	}, nil
}

// thumbprints lists the SHA-1 thumbprints of the attestation statement's
// x5c certificates (leaf first).
func thumbprints(att protocol.AttestationObject) []string {
	x5c, _ := att.AttStatement["x5c"].([]any)
	out := []string{}
	for _, c := range x5c {
		if der, ok := c.([]byte); ok {
			sum := sha1.Sum(der) //nolint:gosec // a name, not a security decision
			out = append(out, hex.EncodeToString(sum[:]))
		}
	}
	return out
}

// BeginLogin implements passkey.Ceremony (WebAuthn §5.5).
func (rp *RelyingParty) BeginLogin(a *passkey.Account) (passkey.Begun, error) {
	var (
		ca  *protocol.CredentialAssertion
		sd  *webauthn.SessionData
		err error
	)
	if a == nil {
		ca, sd, err = rp.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	} else {
		ca, sd, err = rp.wa.BeginLogin(user{*a}, webauthn.WithUserVerification(protocol.VerificationRequired))
	}
	if err != nil {
		return passkey.Begun{}, err
	}
	return begun(ca, sd)
}

// FinishLogin implements passkey.Ceremony (WebAuthn §7.2): the key must be
// one the options allowed (username-first) or the user handle must name
// its owner (username-less); then challenge, origin, RP ID, UP, UV and the
// signature are checked, and the counter compared.
func (rp *RelyingParty) FinishLogin(data, response []byte, lookup passkey.Lookup) (passkey.Asserted, error) {
	sd, err := sessionData(data)
	if err != nil {
		return passkey.Asserted{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return passkey.Asserted{}, detail(err)
	}
	if parsed.Response.CollectedClientData.Challenge != sd.Challenge {
		return passkey.Asserted{}, passkey.ErrChallengeMismatch
	}
	var (
		acct passkey.Account
		cred *webauthn.Credential
	)
	if len(sd.UserID) > 0 {
		if acct, err = lookup(parsed.RawID, parsed.Response.UserHandle); err != nil {
			return passkey.Asserted{}, err
		}
		cred, err = rp.wa.ValidateLogin(user{acct}, sd, parsed)
	} else {
		var lookupErr error
		_, cred, err = rp.wa.ValidatePasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) {
			acct, lookupErr = lookup(rawID, handle)
			if lookupErr != nil {
				return nil, lookupErr
			}
			return user{acct}, nil
		}, sd, parsed)
		if lookupErr != nil {
			return passkey.Asserted{}, lookupErr
		}
	}
	if err != nil {
		return passkey.Asserted{}, detail(err)
	}
	var stored passkey.Credential
	found := false
	for _, c := range acct.Credentials {
		if bytes.Equal(c.CredentialID, cred.ID) {
			stored, found = c, true
			break
		}
	}
	if !found {
		return passkey.Asserted{}, errors.New("fido: the verified key is not among the account's keys")
	}
	flags := parsed.Response.AuthenticatorData.Flags
	return passkey.Asserted{
		Account: acct, Credential: stored, SignCount: parsed.Response.AuthenticatorData.Counter,
		CloneWarning: cred.Authenticator.CloneWarning, UserVerified: flags.HasUserVerified(),
		BackupEligible: flags.HasBackupEligible(), BackupState: flags.HasBackupState(),
	}, nil
}

// Metadata returns the relying party's FIDO metadata, or nil.
func (rp *RelyingParty) Metadata() *Metadata { return rp.md }
