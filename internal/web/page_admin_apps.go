package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
)

// The admin pages for application registrations (the OpenID provider's
// clients): list and register, redirect URIs, secrets shown once, delete.
// They call the application service as the signed-in administrator, so its
// permission checks and audit apply as for the API.

var permsApps = []authz.Permission{authz.ApplicationReadAll}

const appsPageSize = 50

// appForm is the register and edit form.
type appForm struct {
	DisplayName string
	Description string
	Web         string // one URI a line
	Public      string
	LogoutURL   string
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func parseAppForm(r *http.Request) (appForm, error) {
	if err := r.ParseForm(); err != nil {
		return appForm{}, apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	return appForm{
		DisplayName: strings.TrimSpace(r.PostForm.Get("displayName")), Description: strings.TrimSpace(r.PostForm.Get("description")),
		Web: r.PostForm.Get("web"), Public: r.PostForm.Get("public"), LogoutURL: strings.TrimSpace(r.PostForm.Get("logoutUrl")),
	}, nil
}

func formOf(a application.Application) appForm {
	return appForm{DisplayName: a.DisplayName, Description: a.Description, Web: strings.Join(a.WebRedirectURIs, "\n"),
		Public: strings.Join(a.PublicClientRedirectURIs, "\n"), LogoutURL: a.LogoutURL}
}

// adminAppsPage is /admin/applications.
type adminAppsPage struct {
	frame
	Apps     []application.Application
	NextURL  string
	CanWrite bool
	Form     appForm
}

func (*adminAppsPage) template() string { return "admin_apps" }

func canWriteApps(r *http.Request) bool {
	return authz.FromContext(r.Context()).Has(authz.ApplicationReadWriteAll)
}

func (o *OIDC) appsPage(r *http.Request) (*adminAppsPage, error) {
	apps, err := o.apps.List(r.Context(), application.Filter{After: r.URL.Query().Get("after"), Limit: appsPageSize + 1})
	if err != nil {
		return nil, err
	}
	p := &adminAppsPage{frame: frame{Title: "Applications", Nav: "admin-apps", Wide: true}, Apps: apps, CanWrite: canWriteApps(r)}
	if len(apps) > appsPageSize {
		p.Apps = apps[:appsPageSize]
		p.NextURL = "/admin/applications?" + url.Values{"after": {p.Apps[appsPageSize-1].ID}}.Encode()
	}
	return p, nil
}

// handleAdminApps: GET /admin/applications.
func (o *OIDC) handleAdminApps(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := o.appsPage(r)
	if err != nil {
		return o.w.handleServiceError(rw, r, err, permsApps...)
	}
	o.w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminAppCreate: POST /admin/applications registers an application
// and opens it.
func (o *OIDC) handleAdminAppCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	f, err := parseAppForm(r)
	if err != nil {
		return err
	}
	a, err := o.apps.Create(r.Context(), application.Input{DisplayName: f.DisplayName, Description: f.Description,
		WebRedirectURIs: lines(f.Web), PublicClientRedirectURIs: lines(f.Public), LogoutURL: f.LogoutURL})
	if err != nil {
		if !errors.Is(err, apperr.Invalid) {
			return o.w.handleServiceError(rw, r, err, authz.ApplicationReadWriteAll)
		}
		p, lerr := o.appsPage(r)
		if lerr != nil {
			return lerr
		}
		p.Form, p.Error = f, "The application was not registered. "+apperr.As(err).Message
		o.w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	http.Redirect(rw, r, "/admin/applications/"+url.PathEscape(a.ID)+"?created=1", http.StatusSeeOther)
	return nil
}

// adminAppPage is /admin/applications/{id}.
type adminAppPage struct {
	frame
	App      application.Application
	Form     appForm
	CanWrite bool
	Issuer   string
	// Secret is a client secret just added: shown this once.
	Secret  string
	Expired map[string]bool
}

func (*adminAppPage) template() string { return "admin_app" }

func (o *OIDC) appPage(r *http.Request, id string) (*adminAppPage, error) {
	a, err := o.apps.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := &adminAppPage{frame: frame{Title: a.DisplayName, Nav: "admin-apps", Wide: true}, App: a, Form: formOf(a),
		CanWrite: canWriteApps(r) && !a.BuiltIn, Issuer: o.w.PublicURL.String(), Expired: map[string]bool{}}
	now := o.w.Now()
	for _, s := range a.Passwords {
		p.Expired[s.KeyID] = !now.Before(s.EndDateTime)
	}
	return p, nil
}

// handleAdminApp: GET /admin/applications/{id}.
func (o *OIDC) handleAdminApp(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := o.appPage(r, r.PathValue("id"))
	if err != nil {
		return o.w.handleServiceError(rw, r, err, permsApps...)
	}
	if r.URL.Query().Get("created") != "" {
		p.Notice = "Application registered. Add redirect URIs and, for a web application, a secret."
	}
	o.w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminAppSave: POST /admin/applications/{id}: name, description,
// redirect URIs, logout URL.
func (o *OIDC) handleAdminAppSave(rw http.ResponseWriter, r *http.Request, c *current) error {
	f, err := parseAppForm(r)
	if err != nil {
		return err
	}
	web, public := lines(f.Web), lines(f.Public)
	_, err = o.apps.Modify(r.Context(), r.PathValue("id"), application.Update{DisplayName: &f.DisplayName, Description: &f.Description,
		WebRedirectURIs: &web, PublicClientRedirectURIs: &public, LogoutURL: &f.LogoutURL})
	p, perr := o.appPage(r, r.PathValue("id"))
	if perr != nil {
		return o.w.handleServiceError(rw, r, perr, permsApps...)
	}
	status := http.StatusOK
	switch {
	case err == nil:
		p.Notice = "Saved."
	case errors.Is(err, apperr.Invalid):
		status, p.Form, p.Error = http.StatusBadRequest, f, "Not saved. "+apperr.As(err).Message
	default:
		return o.w.handleServiceError(rw, r, err, authz.ApplicationReadWriteAll)
	}
	o.w.render(rw, r, status, p)
	return nil
}

// handleAdminAppSecretAdd: POST /admin/applications/{id}/secrets adds a
// client secret and shows it once.
func (o *OIDC) handleAdminAppSecretAdd(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	in := application.PasswordInput{DisplayName: strings.TrimSpace(r.PostForm.Get("description"))}
	if m, err := strconv.Atoi(r.PostForm.Get("months")); err == nil && m > 0 && m <= 24 {
		in.EndDateTime = o.w.Now().AddDate(0, m, 0)
	}
	_, secret, err := o.apps.AddPassword(r.Context(), r.PathValue("id"), in)
	p, perr := o.appPage(r, r.PathValue("id"))
	if perr != nil {
		return o.w.handleServiceError(rw, r, perr, permsApps...)
	}
	status := http.StatusOK
	switch {
	case err == nil:
		p.Secret = secret
	case errors.Is(err, apperr.Invalid):
		status, p.Error = http.StatusBadRequest, "No secret added. "+apperr.As(err).Message
	default:
		return o.w.handleServiceError(rw, r, err, authz.ApplicationReadWriteAll)
	}
	o.w.render(rw, r, status, p)
	return nil
}

// handleAdminAppSecretRemove: POST /admin/applications/{id}/secrets/{key}/delete.
func (o *OIDC) handleAdminAppSecretRemove(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := o.apps.RemovePassword(r.Context(), r.PathValue("id"), r.PathValue("key")); err != nil {
		return o.w.handleServiceError(rw, r, err, authz.ApplicationReadWriteAll)
	}
	p, err := o.appPage(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	p.Notice = "Secret removed: it no longer works."
	o.w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminAppDelete: POST /admin/applications/{id}/delete, with the
// confirmation box ticked.
func (o *OIDC) handleAdminAppDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	if r.PostForm.Get("confirm") != "on" {
		p, err := o.appPage(r, r.PathValue("id"))
		if err != nil {
			return o.w.handleServiceError(rw, r, err, permsApps...)
		}
		p.Error = "Tick the box to confirm the deletion."
		o.w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	if err := o.apps.Delete(r.Context(), r.PathValue("id")); err != nil {
		return o.w.handleServiceError(rw, r, err, authz.ApplicationReadWriteAll)
	}
	p, err := o.appsPage(r)
	if err != nil {
		return err
	}
	p.Notice = "Application deleted. Its secrets and refresh tokens no longer work."
	o.w.render(rw, r, http.StatusOK, p)
	return nil
}
