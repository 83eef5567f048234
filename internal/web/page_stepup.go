package web

import (
	"net/http"
	"slices"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// contextStepUpPage is /stepup (Conditional Access work): what an
// authentication context asks for, and a button to prove it with a
// security key; or, when a policy blocks it, why and what to do.
type contextStepUpPage struct {
	frame
	Context     string
	ContextName string
	ReturnTo    string
	UserName    string
	Message     string
	Key         bool // a security key or passkey would do
	Register    bool // nothing registered would do; registering one may
	Blocked     bool
	Policy      string
	// Reference is this request's correlation id, for the sign-in log.
	Reference string
}

func (*contextStepUpPage) template() string { return "stepup" }

// handleStepUpPage: GET /stepup?context=cN&return_to=<local URL>. When the
// session already meets the context (it is then recorded) the browser goes
// straight on to return_to; otherwise the page asks for the key and the
// script proves it with ?context=cN, then goes on.
func (w *Web) handleStepUpPage(rw http.ResponseWriter, r *http.Request, c *current) error {
	id, err := w.contextID(r, r.URL.Query().Get("context"))
	if err != nil {
		return err
	}
	back := returnTo(r)
	res, err := w.SignIn.Check(r.Context(), w.client(r, signin.Target{Context: id}), c.sess)
	if err != nil {
		return err
	}
	if res.Status == signin.StatusSignedIn {
		http.Redirect(rw, r, back, http.StatusSeeOther)
		return nil
	}
	p := &contextStepUpPage{frame: frame{Title: "Confirm it's you", Narrow: true}, Context: id, ReturnTo: back,
		UserName: c.user.UserPrincipalName, Message: res.Decision.Message, Reference: httpx.CorrelationID(r.Context())}
	if w.CA != nil {
		if cx, ok, err := w.CA.LookupContext(r.Context(), id); err == nil && ok {
			p.ContextName = cx.DisplayName
		}
	}
	status := http.StatusOK
	if res.Status == signin.StatusBlocked {
		p.Title, p.Blocked, p.Policy = "Blocked", true, res.Decision.BlockedBy
		status = http.StatusForbidden
	} else {
		p.Key = slices.ContainsFunc(res.Decision.Options, func(o []authn.Mode) bool { return slices.Contains(o, authn.Fido2) })
		p.Register = res.Decision.Register
	}
	w.render(rw, r, status, p)
	return nil
}
