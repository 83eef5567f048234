package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/tap"
)

// Permissions that open each admin page (any one of them).
var (
	permsUsers   = []authz.Permission{authz.UserReadAll}
	permsMethods = []authz.Permission{authz.PolicyReadAuthenticationMethod}
	permsUserMFA = []authz.Permission{authz.UserAuthenticationMethodReadWriteAll}
)

const usersPageSize = 50

// adminUsersPage is /admin/users: the directory's users, searchable.
type adminUsersPage struct {
	frame
	Query   string
	Users   []directory.User
	NextURL string
}

func (*adminUsersPage) template() string { return "admin_users" }

// handleAdminHome: GET /admin.
func (w *Web) handleAdminHome(rw http.ResponseWriter, r *http.Request, c *current) error {
	p := authz.FromContext(r.Context())
	if !p.Has(authz.UserReadAll) && p.Has(authz.PolicyReadAuthenticationMethod) {
		http.Redirect(rw, r, "/admin/methods", http.StatusSeeOther)
		return nil
	}
	http.Redirect(rw, r, "/admin/users", http.StatusSeeOther)
	return nil
}

// handleAdminUsers: GET /admin/users?q=&after=. A query with @ finds a
// user principal name; otherwise it matches the start of display names.
func (w *Web) handleAdminUsers(rw http.ResponseWriter, r *http.Request, c *current) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	f := directory.UserFilter{After: r.URL.Query().Get("after"), Limit: usersPageSize + 1}
	if strings.Contains(q, "@") {
		f.UPN = q
	} else if q != "" {
		f.DisplayNamePrefix = q
	}
	users, err := w.Directory.ListUsers(r.Context(), f)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsUsers...)
	}
	p := &adminUsersPage{frame: frame{Title: "Users", Nav: "admin-users", Wide: true}, Query: q, Users: users}
	if len(users) > usersPageSize {
		p.Users = users[:usersPageSize]
		v := url.Values{"after": {p.Users[usersPageSize-1].ID}}
		if q != "" {
			v.Set("q", q)
		}
		p.NextURL = "/admin/users?" + v.Encode()
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// adminUserPage is /admin/users/{id}: a user, their methods, and issuing
// a Temporary Access Pass.
type adminUserPage struct {
	frame
	Now     time.Time
	Subject directory.User
	Roles   []string
	// CanRead: the caller may see the user's methods; CanWrite: change them.
	CanRead, CanWrite bool
	Methods           userMethods
	// Issued is a pass just issued: shown this once.
	Issued      *issuedPass
	TAPPolicy   method.TAP
	Form        issueForm
	FieldErrors map[string]string
}

func (*adminUserPage) template() string { return "admin_user" }

// userMethods is what a user has registered, as pages show it.
type userMethods struct {
	Keys        []keyView
	TOTP        []totpView
	HasPassword bool
	TAP         *tapView
	// Known is false where a part could not be read (a service missing).
	PasswordKnown bool
}

// Count is how many sign-in methods the user has (the pass not counted).
func (m userMethods) Count() int {
	n := len(m.Keys) + len(m.TOTP)
	if m.HasPassword {
		n++
	}
	return n
}

// keyView is a security key or passkey.
type keyView struct {
	ID          string
	DisplayName string
	Model       string
	AAGUID      string
	Created     time.Time
	LastUsed    *time.Time
	Synced      bool
}

// totpView is an authenticator app.
type totpView struct {
	ID          string
	DisplayName string
	Created     time.Time
}

// tapView is a Temporary Access Pass's state (never its secret).
type tapView struct {
	ID       string
	Start    time.Time
	End      time.Time
	Once     bool
	Used     *time.Time
	Usable   bool
	Reason   string // in words
	Lifetime int
}

func toTAPView(v tap.View) *tapView {
	return &tapView{ID: v.ID, Start: v.StartDateTime, End: v.End(), Once: v.IsUsableOnce, Used: v.UsedDateTime,
		Usable: v.IsUsable, Reason: tapReason(v.Reason), Lifetime: v.LifetimeInMinutes}
}

func tapReason(r string) string {
	switch r {
	case tap.EnabledByPolicy:
		return "Usable"
	case tap.DisabledByPolicy:
		return "Turned off by the policy"
	case tap.Expired:
		return "Expired"
	case tap.NotYetValid:
		return "Not valid yet"
	case tap.OneTimeUsed:
		return "Used"
	}
	return r
}

// issuedPass is a pass with its secret, shown once.
type issuedPass struct {
	Secret string
	View   *tapView
}

// issueForm is the form that issues a pass.
type issueForm struct {
	Lifetime string
	Once     bool
	Start    string // datetime-local, UTC; "" for now
}

func (w *Web) loadAdminUser(r *http.Request, id string) (*adminUserPage, error) {
	ctx := r.Context()
	u, err := w.Directory.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &adminUserPage{frame: frame{Title: u.DisplayName, Nav: "admin-users", Wide: true}, Now: w.Now().UTC(), Subject: u, FieldErrors: map[string]string{}}
	roles, err := directory.ActiveRoleIDs(ctx, w.DB, u.ID, w.Now())
	if err != nil {
		return nil, err
	}
	for _, id := range roles {
		if rd, ok := directory.Role(id); ok {
			p.Roles = append(p.Roles, rd.DisplayName)
		}
	}
	pr := authz.FromContext(ctx)
	p.CanRead = pr.Has(authz.UserAuthenticationMethodReadAll)
	p.CanWrite = pr.Has(authz.UserAuthenticationMethodReadWriteAll)
	if p.CanRead {
		m, err := w.adminMethodsOf(r, u)
		if err != nil {
			return nil, err
		}
		p.Methods = m
	}
	if pol, err := w.DB.FindMethodPolicy(ctx); err == nil {
		p.TAPPolicy = pol.TAP
	} else {
		return nil, err
	}
	p.Form = issueForm{Lifetime: strconv.Itoa(p.TAPPolicy.DefaultLifetimeInMinutes), Once: p.TAPPolicy.IsUsableOnce}
	return p, nil
}

// adminMethodsOf reads a user's methods as the caller (the services
// check the caller may).
func (w *Web) adminMethodsOf(r *http.Request, u directory.User) (userMethods, error) {
	var m userMethods
	if w.TAPs != nil {
		vs, err := w.TAPs.List(r.Context(), u.ID)
		if err != nil {
			return m, err
		}
		if len(vs) > 0 {
			m.TAP = toTAPView(vs[0])
		}
	}
	keys, err := w.adminKeys(r, u)
	if err != nil {
		return m, err
	}
	m.Keys = keys
	others, err := w.otherMethods(r, u, true)
	if err != nil {
		return m, err
	}
	m.TOTP, m.HasPassword, m.PasswordKnown = others.TOTP, others.HasPassword, others.PasswordKnown
	return m, nil
}

// handleAdminUser: GET /admin/users/{id}.
func (w *Web) handleAdminUser(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.loadAdminUser(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsUsers...)
	}
	p.Notice = adminNotice(r.URL.Query().Get("done"))
	w.render(rw, r, http.StatusOK, p)
	return nil
}

func adminNotice(done string) string {
	switch done {
	case "tap-revoked":
		return "The Temporary Access Pass was revoked. It no longer works."
	case "key-deleted":
		return "The security key was removed. It can no longer be used to sign in."
	case "totp-deleted":
		return "The authenticator app was removed."
	}
	return ""
}

// handleAdminIssueTAP: POST /admin/users/{id}/tap. The pass is shown in
// this answer only (not stored, not in a redirect).
func (w *Web) handleAdminIssueTAP(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	p, err := w.loadAdminUser(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsUsers...)
	}
	f := issueForm{Lifetime: strings.TrimSpace(r.PostForm.Get("lifetime")), Once: r.PostForm.Get("once") == "on", Start: strings.TrimSpace(r.PostForm.Get("start"))}
	p.Form = f
	var in tap.IssueInput
	if f.Lifetime != "" {
		n, err := strconv.Atoi(f.Lifetime)
		if err != nil {
			p.FieldErrors["lifetime"] = "Enter a whole number of minutes."
		} else {
			in.LifetimeInMinutes = &n
		}
	}
	once := f.Once
	in.IsUsableOnce = &once
	if f.Start != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Start, time.UTC)
		if err != nil {
			p.FieldErrors["start"] = "Enter a date and time, or leave it empty to start now."
		} else {
			in.StartDateTime = &t
		}
	}
	status := http.StatusBadRequest
	if len(p.FieldErrors) == 0 {
		v, secret, err := w.TAPs.Issue(r.Context(), p.Subject.ID, in)
		switch {
		case err == nil:
			status = http.StatusOK
			p.Issued = &issuedPass{Secret: secret, View: toTAPView(v)}
			p.Methods.TAP = p.Issued.View
		case errors.Is(err, apperr.Invalid):
			msg := apperr.As(err).Message
			switch {
			case strings.Contains(msg, "lifetimeInMinutes"):
				p.FieldErrors["lifetime"] = msg
			case strings.Contains(msg, "startDateTime"):
				p.FieldErrors["start"] = msg
			case strings.Contains(msg, "isUsableOnce"):
				p.FieldErrors["once"] = msg
			default:
				p.Error = "The pass was not issued. " + msg
			}
		case errors.Is(err, apperr.Forbidden):
			status = http.StatusForbidden
			p.Error = "The pass was not issued. " + apperr.As(err).Message
		default:
			return err
		}
	}
	if p.Issued == nil && p.Error == "" {
		p.Error = "The pass was not issued. Correct the fields marked below."
	}
	w.render(rw, r, status, p)
	return nil
}

// handleAdminRevokeTAP: POST /admin/users/{id}/tap/{tap}/delete.
func (w *Web) handleAdminRevokeTAP(rw http.ResponseWriter, r *http.Request, c *current) error {
	id := r.PathValue("id")
	if err := w.TAPs.Delete(r.Context(), id, r.PathValue("tap")); err != nil {
		return w.handleServiceError(rw, r, err, permsUserMFA...)
	}
	http.Redirect(rw, r, "/admin/users/"+url.PathEscape(id)+"?done=tap-revoked", http.StatusSeeOther)
	return nil
}

// handleAdminDeleteKeyConfirm: GET /admin/users/{id}/keys/{key}/delete.
func (w *Web) handleAdminDeleteKeyConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.loadAdminUser(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsUsers...)
	}
	for _, k := range p.Methods.Keys {
		if k.ID == r.PathValue("key") {
			back := "/admin/users/" + url.PathEscape(p.Subject.ID)
			w.render(rw, r, http.StatusOK, &confirmDeletePage{frame: frame{Title: "Remove " + k.DisplayName, Nav: "admin-users", Narrow: true},
				Key: k, Last: p.Methods.Count() <= 1 && (p.Methods.TAP == nil || !p.Methods.TAP.Usable),
				Action: back + "/keys/" + url.PathEscape(k.ID) + "/delete", Back: back, BackText: p.Subject.DisplayName, Owner: p.Subject.DisplayName})
			return nil
		}
	}
	return apperr.NotFoundf("%s has no such security key or passkey. It may have been removed already.", p.Subject.DisplayName)
}

// handleAdminDeleteKey: POST /admin/users/{id}/keys/{key}/delete.
func (w *Web) handleAdminDeleteKey(rw http.ResponseWriter, r *http.Request, c *current) error {
	id := r.PathValue("id")
	if err := w.adminDeleteKey(r, id, r.PathValue("key")); err != nil {
		return w.handleServiceError(rw, r, err, permsUserMFA...)
	}
	http.Redirect(rw, r, "/admin/users/"+url.PathEscape(id)+"?done=key-deleted", http.StatusSeeOther)
	return nil
}
