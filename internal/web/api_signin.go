package web

import (
	"net/http"
	"time"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// signInAnswer is the JSON answer to every sign-in and step-up call.
type signInAnswer struct {
	Status  string       `json:"status"`
	User    *userJSON    `json:"user,omitempty"`
	Session *sessionJSON `json:"session,omitempty"`
	// additionalAuthenticationRequired
	Message              string         `json:"message,omitempty"`
	Methods              [][]authn.Mode `json:"methods,omitempty"`
	Strengths            []string       `json:"authenticationStrengths,omitempty"`
	RegistrationRequired bool           `json:"registrationRequired,omitempty"`
	// blocked
	Policy string `json:"policy,omitempty"`
}

type userJSON struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
}

type sessionJSON struct {
	ID              string    `json:"id"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	ExpiresDateTime time.Time `json:"expiresDateTime"`
	Complete        bool      `json:"complete"`
}

func toUserJSON(u directory.User) *userJSON {
	return &userJSON{ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName}
}

func toSessionJSON(s session.Session) *sessionJSON {
	return &sessionJSON{ID: s.ID, CreatedDateTime: s.CreatedAt, ExpiresDateTime: s.ExpiresAt, Complete: s.Complete}
}

// answer writes a sign-in result and sets the cookie.
func (w *Web) answer(rw http.ResponseWriter, res signin.Result) error {
	if res.Token != "" {
		w.setSessionCookie(rw, res.Token, persistentUntil(res.Session))
	} else if res.Status == signin.StatusBlocked {
		w.setSessionCookie(rw, "", time.Time{})
	}
	a := signInAnswer{Status: res.Status}
	switch res.Status {
	case signin.StatusSignedIn:
		a.User, a.Session = toUserJSON(res.User), toSessionJSON(res.Session)
	case signin.StatusAdditionalAuthenticationRequired:
		a.User, a.Session = toUserJSON(res.User), toSessionJSON(res.Session)
		a.Message, a.Methods, a.Strengths, a.RegistrationRequired = res.Decision.Message, res.Decision.Options, res.Decision.Strengths, res.Decision.Register
		if a.Methods == nil {
			a.Methods = [][]authn.Mode{}
		}
	case signin.StatusBlocked:
		a.Policy, a.Message = res.Decision.BlockedBy, res.Decision.Message
	}
	httpx.WriteJSON(rw, http.StatusOK, a)
	return nil
}

func (w *Web) currentSession(r *http.Request) *session.Session {
	if c := sessionFrom(r.Context()); c != nil {
		s := c.sess
		return &s
	}
	return nil
}

// handleSignInTAP: POST /api/v1/signin/tap {"userPrincipalName", "temporaryAccessPass"}.
func (w *Web) handleSignInTAP(rw http.ResponseWriter, r *http.Request) error {
	o, err := readJSON(r)
	if err != nil {
		return err
	}
	if err := o.Allow("signInWithTemporaryAccessPass", "userPrincipalName", "temporaryAccessPass"); err != nil {
		return err
	}
	upn, _, err := o.String("userPrincipalName", false)
	if err != nil {
		return err
	}
	pass, _, err := o.String("temporaryAccessPass", false)
	if err != nil {
		return err
	}
	if upn == "" || pass == "" {
		return httpxInvalid("userPrincipalName and temporaryAccessPass are required.")
	}
	target, err := w.stepUpTarget(r, "") // ?context=cN: a step-up (Conditional Access work)
	if err != nil {
		return err
	}
	res, err := w.SignIn.SignInWithTAP(r.Context(), w.client(r, target), w.currentSession(r), upn, pass)
	if err != nil {
		return err
	}
	return w.answer(rw, res)
}

// handleSignOut: POST /api/v1/signout.
func (w *Web) handleSignOut(rw http.ResponseWriter, r *http.Request) error {
	if c := sessionFrom(r.Context()); c != nil {
		if err := w.SignIn.SignOut(r.Context(), c.sess); err != nil {
			return err
		}
	}
	w.setSessionCookie(rw, "", time.Time{})
	rw.WriteHeader(http.StatusNoContent)
	return nil
}

// meJSON is GET /api/v1/me.
type meJSON struct {
	User        *userJSON     `json:"user"`
	Session     *sessionJSON  `json:"session"`
	Methods     []proofJSON   `json:"methods"`
	Contexts    []contextJSON `json:"contexts"`
	ActiveRoles []roleJSON    `json:"activeRoles"`
}

type proofJSON struct {
	Method         authn.Mode `json:"method"`
	DateTime       time.Time  `json:"dateTime"`
	AAGUID         string     `json:"aaGuid,omitempty"`
	UserVerified   *bool      `json:"userVerified,omitempty"`
	BackupEligible *bool      `json:"backupEligible,omitempty"`
}

type contextJSON struct {
	ID       string    `json:"id"`
	DateTime time.Time `json:"dateTime"`
}

type roleJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// handleMe: GET /api/v1/me. A session still waiting for its second factor
// is shown too, with complete false.
func (w *Web) handleMe(rw http.ResponseWriter, r *http.Request) error {
	c := sessionFrom(r.Context())
	if c == nil {
		return session.ErrNoSession
	}
	out := meJSON{User: toUserJSON(c.user), Session: toSessionJSON(c.sess), Methods: []proofJSON{}, Contexts: []contextJSON{}, ActiveRoles: []roleJSON{}}
	for _, p := range c.sess.Proofs {
		pj := proofJSON{Method: p.Mode, DateTime: p.Time}
		if p.Mode == authn.Fido2 {
			uv, be := p.UserVerified, p.BackupEligible
			pj.AAGUID, pj.UserVerified, pj.BackupEligible = p.AAGUID, &uv, &be
		}
		out.Methods = append(out.Methods, pj)
	}
	for _, cx := range c.sess.Contexts {
		out.Contexts = append(out.Contexts, contextJSON{ID: cx.ID, DateTime: cx.Time})
	}
	if c.sess.Complete {
		roles, err := directory.ActiveRoleIDs(r.Context(), w.DB, c.user.ID, w.Now())
		if err != nil {
			return err
		}
		for _, id := range roles {
			rd, _ := directory.Role(id)
			out.ActiveRoles = append(out.ActiveRoles, roleJSON{ID: id, DisplayName: rd.DisplayName})
		}
	}
	httpx.WriteJSON(rw, http.StatusOK, out)
	return nil
}
