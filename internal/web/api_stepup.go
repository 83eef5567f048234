package web

import (
	"net/http"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// Step-up to an authentication context (Conditional Access work).
//
// POST /api/v1/me/contexts/{cN} asks whether the current session meets
// what the policies on cN require now. When it does not, the client proves
// a method through the sign-in endpoints in the same session, naming the
// context (?context=cN, or "context" in the passkey options), and the
// context is recorded in the session when met; then it asks again or
// reads GET /api/v1/me.

// stepUpAnswer is the JSON answer of POST /api/v1/me/contexts/{cN}.
type stepUpAnswer struct {
	Status  string `json:"status"` // satisfied, additionalAuthenticationRequired, blocked
	Context string `json:"context"`
	// satisfied
	DateTime *time.Time `json:"dateTime,omitempty"`
	// additionalAuthenticationRequired
	Strengths            []string       `json:"authenticationStrengths,omitempty"`
	Methods              [][]authn.Mode `json:"methods,omitempty"`
	RegistrationRequired bool           `json:"registrationRequired,omitempty"`
	// blocked
	Policy  string `json:"policy,omitempty"`
	Message string `json:"message,omitempty"`
}

// Step-up statuses.
const (
	stepUpSatisfied = "satisfied"
)

// contextID checks an authentication context id from a request and that
// the tenant defines it.
func (w *Web) contextID(r *http.Request, id string) (string, error) {
	if !policy.IsAuthContextID(id) {
		return "", apperr.Invalidf("'%s' is not an authentication context; contexts are named c1 to c99.", id).WithCode("invalidContext")
	}
	if w.CA == nil {
		return id, nil
	}
	if _, ok, err := w.CA.LookupContext(r.Context(), id); err != nil {
		return "", err
	} else if !ok {
		return "", apperr.NotFoundf("There is no authentication context %s here. Ask your administrator which context to use.", id).WithCode("unknownContext")
	}
	return id, nil
}

// handleMeContext: POST /api/v1/me/contexts/{id}.
func (w *Web) handleMeContext(rw http.ResponseWriter, r *http.Request, c *current) error {
	if o, err := readJSON(r); err != nil {
		return err
	} else if err := o.Allow("stepUp"); err != nil {
		return err
	}
	id, err := w.contextID(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	res, err := w.SignIn.Check(r.Context(), w.client(r, signin.Target{Context: id}), c.sess)
	if err != nil {
		return err
	}
	httpx.WriteJSON(rw, http.StatusOK, stepUpFrom(id, res))
	return nil
}

func stepUpFrom(id string, res signin.Result) stepUpAnswer {
	a := stepUpAnswer{Context: id}
	switch res.Status {
	case signin.StatusSignedIn:
		a.Status = stepUpSatisfied
		if t, ok := res.Session.Context(id); ok {
			a.DateTime = &t
		}
	case signin.StatusBlocked:
		a.Status, a.Policy, a.Message = signin.StatusBlocked, res.Decision.BlockedBy, res.Decision.Message
	default:
		a.Status = signin.StatusAdditionalAuthenticationRequired
		a.Strengths, a.Methods, a.Message, a.RegistrationRequired = res.Decision.Strengths, res.Decision.Options, res.Decision.Message, res.Decision.Register
		if a.Methods == nil {
			a.Methods = [][]authn.Mode{}
		}
	}
	return a
}

// stepUpTarget reads the optional authentication context of a sign-in
// call: ?context=cN (or, for the passkey options, the body's "context").
// With one, the proof adds to the current, complete session and the
// context is recorded when its policies are met; without a complete
// session there is nothing to step up, and the call is refused, so that a
// context's policies alone can never complete a sign-in.
func (w *Web) stepUpTarget(r *http.Request, fromBody string) (signin.Target, error) {
	id := r.URL.Query().Get("context")
	if id == "" {
		id = fromBody
	} else if fromBody != "" && fromBody != id {
		return signin.Target{}, apperr.Invalidf("context: the URL says %q and the body %q; send one.", id, fromBody)
	}
	if id == "" {
		return signin.Target{}, nil
	}
	id, err := w.contextID(r, id)
	if err != nil {
		return signin.Target{}, err
	}
	if c := sessionFrom(r.Context()); c == nil || !c.sess.Complete {
		return signin.Target{}, apperr.New(apperr.Unauthenticated, "Sign in first: a step-up to %s adds to a finished sign-in.", id).WithCode(session.ErrNoSession.Code)
	}
	return signin.Target{Context: id}, nil
}
