package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/policy"
)

// Authentication context pages: c1 to c99, their names, whether they are
// published to applications, and the policies that target each.

// contextRow is an authentication context in the list, with the policies
// that target it.
type contextRow struct {
	policy.AuthenticationContext
	Policies []string
}

// contextsPage is /admin/ca/contexts: c1…c99 and a form to add one.
type contextsPage struct {
	caSection
	Contexts    []contextRow
	CanWrite    bool
	FreeIDs     []string
	Form        contextForm
	FieldErrors fieldErrors
}

func (*contextsPage) template() string { return "admin_ca_contexts" }

// contextForm adds or edits an authentication context.
type contextForm struct {
	ID, DisplayName, Description string
	IsAvailable                  bool
}

func (w *Web) contextsPage(r *http.Request) (*contextsPage, error) {
	cs, err := w.CA.ListContexts(r.Context())
	if err != nil {
		return nil, err
	}
	ps, err := w.CA.ListPolicies(r.Context())
	if err != nil {
		return nil, err
	}
	p := &contextsPage{caSection: caFrame("Authentication contexts", "contexts"), CanWrite: canWriteCA(r), FieldErrors: fieldErrors{}}
	used := map[string]bool{}
	for _, x := range cs {
		used[x.ID] = true
		p.Contexts = append(p.Contexts, contextRow{AuthenticationContext: x, Policies: policiesTargeting(ps, x.ID)})
	}
	for i := 1; i <= policy.MaxAuthContexts; i++ {
		if id := "c" + strconv.Itoa(i); !used[id] {
			p.FreeIDs = append(p.FreeIDs, id)
		}
	}
	if len(p.FreeIDs) > 0 {
		p.Form.ID = p.FreeIDs[0]
	}
	p.Form.IsAvailable = true
	return p, nil
}

func policiesTargeting(ps []policy.Policy, ctxID string) []string {
	var out []string
	for _, p := range ps {
		if a := p.Conditions.Applications; a != nil && containsFold(a.IncludeAuthenticationContextClassReferences, ctxID) {
			out = append(out, p.DisplayName)
		}
	}
	return out
}

// handleAdminContexts: GET /admin/ca/contexts.
func (w *Web) handleAdminContexts(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.contextsPage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	p.Notice = caNotices[r.URL.Query().Get("done")]
	w.render(rw, r, http.StatusOK, p)
	return nil
}

func parseContextForm(r *http.Request) contextForm {
	return contextForm{ID: strings.ToLower(strings.TrimSpace(r.PostForm.Get("id"))), DisplayName: strings.TrimSpace(r.PostForm.Get("displayName")),
		Description: strings.TrimSpace(r.PostForm.Get("description")), IsAvailable: r.PostForm.Get("isAvailable") == "on"}
}

// saveContext creates (create true: refusing an id in use) or updates an
// authentication context from f, putting validation errors on fields.
func (w *Web) saveContext(r *http.Request, f contextForm, create bool, fe fieldErrors) error {
	_, _, err := w.CA.SaveContext(r.Context(), f.ID, func(old policy.AuthenticationContext, exists bool) (policy.AuthenticationContext, error) {
		if create && exists {
			return old, apperr.Conflictf("%s is already in use (“%s”). Choose another id.", f.ID, old.DisplayName)
		}
		if !create && !exists {
			return old, apperr.NotFoundf("There is no authentication context %s; it may have been deleted.", f.ID)
		}
		old.DisplayName, old.Description, old.IsAvailable = f.DisplayName, f.Description, f.IsAvailable
		return old, nil
	})
	if errors.Is(err, apperr.Invalid) || errors.Is(err, apperr.Conflict) {
		for _, pr := range serviceProblems(err) {
			switch stripIndex(pr.Path) {
			case "displayName":
				fe.add("displayName", sentence("The name "+pr.Message))
			case "description":
				fe.add("description", sentence("The description "+pr.Message))
			default:
				fe.add("id", sentence(pr.Message))
			}
		}
		return nil
	}
	return err
}

// handleAdminContextCreate: POST /admin/ca/contexts.
func (w *Web) handleAdminContextCreate(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := readForm(r); err != nil {
		return err
	}
	f := parseContextForm(r)
	p, err := w.contextsPage(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	p.Form = f
	if err := w.saveContext(r, f, true, p.FieldErrors); err != nil {
		return w.handleServiceError(rw, r, err, permsCAWrite...)
	}
	if len(p.FieldErrors) > 0 {
		p.Error = "The authentication context was not added. Correct the fields marked below."
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	return redirectDone(rw, r, "/admin/ca/contexts", "context-saved")
}

// contextPage is /admin/ca/contexts/{id}.
type contextPage struct {
	caSection
	Context     policy.AuthenticationContext
	Form        contextForm
	Policies    []string
	CanWrite    bool
	FieldErrors fieldErrors
}

func (*contextPage) template() string { return "admin_ca_context" }

func (w *Web) contextPage(r *http.Request, id string) (*contextPage, error) {
	x, err := w.CA.GetContext(r.Context(), id)
	if err != nil {
		return nil, err
	}
	ps, err := w.CA.ListPolicies(r.Context())
	if err != nil {
		return nil, err
	}
	return &contextPage{caSection: caFrame(x.ID+" · "+x.DisplayName, "contexts"), Context: x, Policies: policiesTargeting(ps, x.ID),
		Form:     contextForm{ID: x.ID, DisplayName: x.DisplayName, Description: x.Description, IsAvailable: x.IsAvailable},
		CanWrite: canWriteCA(r), FieldErrors: fieldErrors{}}, nil
}

// handleAdminContext: GET /admin/ca/contexts/{id}.
func (w *Web) handleAdminContext(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.contextPage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminContextSave: POST /admin/ca/contexts/{id}.
func (w *Web) handleAdminContextSave(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := readForm(r); err != nil {
		return err
	}
	p, err := w.contextPage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	f := parseContextForm(r)
	f.ID = p.Context.ID
	p.Form = f
	if err := w.saveContext(r, f, false, p.FieldErrors); err != nil {
		return w.handleServiceError(rw, r, err, permsCAWrite...)
	}
	if len(p.FieldErrors) > 0 {
		p.Error = "The authentication context was not saved. Correct the fields marked below."
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	return redirectDone(rw, r, "/admin/ca/contexts", "context-saved")
}

func (w *Web) contextDeletePage(r *http.Request, id string) (*confirmPage, string, error) {
	x, err := w.CA.GetContext(r.Context(), id)
	if err != nil {
		return nil, "", err
	}
	back := "/admin/ca/contexts/" + url.PathEscape(x.ID)
	return &confirmPage{caSection: caFrame("Delete "+x.ID, "contexts"), Heading: "Delete the authentication context " + x.ID + " (“" + x.DisplayName + "”)?",
		Text:   "Applications can no longer ask for it. Strongroom refuses while it is published to apps or a policy targets it.",
		Action: back + "/delete", Back: back, BackText: x.ID + " · " + x.DisplayName, Button: "Delete context", CanWrite: canWriteCA(r)}, x.ID, nil
}

// handleAdminContextDeleteConfirm: GET /admin/ca/contexts/{id}/delete.
func (w *Web) handleAdminContextDeleteConfirm(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, _, err := w.contextDeletePage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// handleAdminContextDelete: POST /admin/ca/contexts/{id}/delete.
func (w *Web) handleAdminContextDelete(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, id, err := w.contextDeletePage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsCARead...)
	}
	if err := w.CA.DeleteContext(r.Context(), id); err != nil {
		return w.renderRefused(rw, r, p, err, permsCAWrite)
	}
	return redirectDone(rw, r, "/admin/ca/contexts", "context-deleted")
}
