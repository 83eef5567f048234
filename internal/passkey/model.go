package passkey

import (
	"slices"
	"time"
)

// GenericModel is the model name shown when the authenticator's AAGUID is
// not known.
const GenericModel = "Security key or passkey"

// knownModels names well-known authenticators by AAGUID, for when no FIDO
// metadata is configured (from the authenticators' vendors and the
// community passkey AAGUID list).
var knownModels = map[string]string{
	"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
	"dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain (Managed)",
	"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
	"adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
	"08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
	"9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
	"6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
	"bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
	"d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
	"531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
	"de1e552d-db1d-4423-a619-566b625cdc84": "Microsoft Authenticator (Android)",
	"90a3ccdf-635c-4729-a248-9b709135078f": "Microsoft Authenticator (iOS)",
	"cb69481e-8ff7-4039-93ec-0a2729a154a8": "YubiKey 5 Series",
	"ee882879-721c-4913-9775-3dfcce97072a": "YubiKey 5 Series",
	"fa2b99dc-9e39-4257-8f92-4a30d23c4118": "YubiKey 5 Series with NFC",
	"2fc0579f-8113-47ea-b116-bb5a8db9202a": "YubiKey 5 Series with NFC",
	"c5ef55ff-ad9a-4b9f-b580-adebafe026d0": "YubiKey 5Ci",
	"73bb0cd4-e502-49b8-9c6f-b59445bf720b": "YubiKey 5 FIPS Series",
	"d8522d9f-575b-4866-88a9-ba99fa02f35b": "YubiKey Bio Series",
	"149a2021-8ef6-4133-96b8-81f8d5b7f1f5": "Security Key by Yubico with NFC",
}

// KnownModel returns the built-in model name for an AAGUID.
func KnownModel(aaguid string) (string, bool) {
	m, ok := knownModels[NormalizeAAGUID(aaguid)]
	return m, ok
}

// Authenticator is what the FIDO Metadata Service says about a model.
type Authenticator struct {
	// Model is the metadata statement's description.
	Model string
	// Status is the authenticator's latest status report in effect
	// (FIDO_CERTIFIED_L1, REVOKED, …); empty when it has none.
	Status string
	// StatusDate is when that status took effect, if the report says.
	StatusDate *time.Time
}

// Metadata looks authenticators up by AAGUID; internal/fido implements it
// from an MDS3 BLOB.
type Metadata interface {
	Authenticator(aaguid string, at time.Time) (Authenticator, bool)
}

// RefusedStatuses are the FIDO authenticator statuses that make Strongroom
// refuse a model, at registration and at sign-in: the vendor or the FIDO
// Alliance says it cannot be trusted (FIDO MDS §3.1.4, AuthenticatorStatus).
var RefusedStatuses = []string{
	"REVOKED",
	"USER_VERIFICATION_BYPASS",
	"ATTESTATION_KEY_COMPROMISE",
	"USER_KEY_REMOTE_COMPROMISE",
	"USER_KEY_PHYSICAL_COMPROMISE",
}

// Refused reports whether a status makes the model untrusted.
func Refused(status string) bool { return slices.Contains(RefusedStatuses, status) }

// ModelName returns the name to show for an authenticator: the metadata's
// description, else the built-in table's name, else a generic name.
func ModelName(md Metadata, aaguid string, at time.Time) string {
	if md != nil {
		if a, ok := md.Authenticator(aaguid, at); ok && a.Model != "" {
			return a.Model
		}
	}
	if m, ok := KnownModel(aaguid); ok {
		return m
	}
	return GenericModel
}
