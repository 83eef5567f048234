package passkey

import (
	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
)

// Stable error codes of the sign-in JSON API for passkeys.
const (
	CodeChallengeInvalid               = "challengeInvalid"
	CodeCredentialRejected             = "credentialRejected"
	CodeRegistrationRequiresRecentMFA  = "registrationRequiresRecentMfa"
	CodeMethodNotAllowed               = "methodNotAllowed"
	CodeKeyNotAllowed                  = "keyNotAllowed"
	CodeAttestationRequired            = "attestationRequired"
	CodeAuthenticatorNotTrusted        = "authenticatorNotTrusted"
	CodeAlreadyRegistered              = "alreadyRegistered"
	CodeLastMethod                     = "lastMethod"
	CodeSelfServiceRegistrationBlocked = "selfServiceRegistrationNotAllowed"
)

// Rejection is a refused sign-in with a key: what to tell the user, and
// what to log. It carries whatever was identified before the refusal.
type Rejection struct {
	Code    string // stable API code
	Message string // safe to show
	Reason  string // for the sign-in log
	Clone   bool   // the signature counter suggests a cloned key
	// SignCount is the counter the refused response carried (for Clone).
	SignCount uint32
	// User and Credential are set when the response identified them.
	User       *directory.User
	Credential *Credential
	Cause      error // hidden (protocol detail)
}

func (r *Rejection) Error() string {
	if r.Cause != nil {
		return r.Reason + ": " + r.Cause.Error()
	}
	return r.Reason
}

func (r *Rejection) Unwrap() error { return r.Cause }

// AppError is the error to show for the rejection.
func (r *Rejection) AppError() error {
	return apperr.Wrap(r, apperr.Unauthenticated, "%s", r.Message).WithCode(r.Code)
}

// Messages shown to people.
const (
	msgChallengeSignIn = "This sign-in request has expired or was already used. Start again and use your security key or passkey within five minutes."
	msgChallengeReg    = "This registration request has expired or was already used. Start again and finish within five minutes."
	msgRejected        = "Your security key or passkey was not accepted. Try again; if it keeps failing, sign in another way or ask your administrator."
	msgMethodOff       = "Security keys and passkeys are not enabled for your account. Sign in another way, or ask your administrator to include you in the FIDO2 security key policy."
	msgKeyBlocked      = "Your organization no longer allows this model of security key or passkey. Sign in another way and register an allowed key, or ask your administrator which models are allowed."
	msgKeyNotTrusted   = "The FIDO Alliance reports that this model of security key or passkey cannot be trusted (%s). Use another key, or ask your administrator."
	msgClone           = "Your security key was refused because its signature counter went backwards, which can mean it was copied. Sign in another way and tell your administrator."
)

func rejectChallenge(reason string, cause error) *Rejection {
	return &Rejection{Code: CodeChallengeInvalid, Message: msgChallengeSignIn, Reason: reason, Cause: cause}
}

func rejectCredential(reason string, cause error) *Rejection {
	return &Rejection{Code: CodeCredentialRejected, Message: msgRejected, Reason: reason, Cause: cause}
}

func forbidden(code, format string, args ...any) error {
	return apperr.New(apperr.Forbidden, format, args...).WithCode(code)
}

var errRecentMFA = forbidden(CodeRegistrationRequiresRecentMFA, "To register a security key or passkey, sign in again (with multifactor authentication) first: registration is allowed within 5 minutes of it, or within 10 minutes of signing in with a one-time Temporary Access Pass.")
