package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
)

// The pages' files: templates parsed once at start, static assets served
// at content-hashed URLs.
var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// pageCSP is the Content-Security-Policy of every page: scripts and styles
// only from our own files (no inline code, no inline style attributes),
// images from ours or data: URLs (the TOTP QR code), fetches to ourselves.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// asset is one embedded static file.
type asset struct {
	name   string // app.css
	url    string // /static/app.1a2b3c4d5e6f.css
	body   []byte
	ctype  string
	etag   string
	hashed string // app.1a2b3c4d5e6f.css
}

// site holds the parsed templates and the static assets.
type site struct {
	pages  map[string]*template.Template
	assets map[string]*asset // by plain name
	served map[string]*asset // by hashed file name
}

// theSite is parsed when the program starts: a broken template or a missing
// asset stops the server at once, not at the first request.
var theSite = mustLoadSite()

func mustLoadSite() *site {
	s, err := loadSite(templateFS, staticFS)
	if err != nil {
		panic("web: loading pages: " + err.Error())
	}
	return s
}

func loadSite(tfs, sfs fs.FS) (*site, error) {
	s := &site{pages: map[string]*template.Template{}, assets: map[string]*asset{}, served: map[string]*asset{}}
	err := fs.WalkDir(sfs, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sfs, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:6])
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + h + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a := &asset{name: name, url: "/static/" + hashed, body: b, ctype: ctype, etag: `"` + h + `"`, hashed: hashed}
		s.assets[name], s.served[hashed] = a, a
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := s.assets[name]
			if !ok {
				return "", fmt.Errorf("no static asset %q", name)
			}
			return a.url, nil
		},
		"date":     formatDate,
		"datetime": formatDateTime,
		"isotime":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"until":    until,
		"ago":      ago,
		"join":     strings.Join,
		"numField": func(name, label, value, err string, lo, hi int) numField {
			return numField{Name: name, Label: label, Value: value, Error: err, Min: lo, Max: hi}
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(tfs, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(tfs, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "parts" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(tfs, f)
		if err != nil {
			return nil, err
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("%s defines no content block", f)
		}
		s.pages[name] = t
	}
	return s, nil
}

// numField is a numeric form field for the "num-field" template.
type numField struct {
	Name, Label, Value, Error string
	Min, Max                  int
}

// frame is what every page's layout shows: the title, the signed-in user
// and the navigation. Each page's data struct embeds it.
type frame struct {
	Title string
	// User is the signed-in user (complete session), if any.
	User *directory.User
	// Admin shows the admin portal in the navigation.
	Admin bool
	// Nav names the current section: "security", "admin-users",
	// "admin-methods".
	Nav string
	// Wide lays out the page for tables (the admin portal).
	Wide bool
	// Narrow centres a single card (sign-in, errors).
	Narrow bool
	// View is the page's template name, on <body data-view> for tests
	// and styles.
	View string
	// Notice is a confirmation to show ("Security key added."); Error a
	// problem with what was just tried. Both plain text.
	Notice, Error string
}

func (f *frame) base() *frame { return f }

// view is a page's data: one struct per page, each naming its template.
type view interface {
	base() *frame
	template() string
}

// render writes a page with its status. The page is rendered into a buffer
// first so that a template error becomes an error page, not half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, v view) {
	f := v.base()
	f.View = v.template()
	if f.User == nil {
		if c := sessionFrom(r.Context()); c != nil && c.sess.Complete {
			u := c.user
			f.User = &u
		}
	}
	if f.User != nil && !f.Admin {
		if authz.FromContext(r.Context()).Kind != authz.User && sessionFrom(r.Context()) != nil {
			// A page outside userPage (sign-in, errors): find the roles.
			if ctx, err := w.asUser(r.Context(), *f.User); err == nil {
				r = r.WithContext(ctx)
			}
		}
		f.Admin = isAdmin(r)
	}
	t, ok := theSite.pages[v.template()]
	var buf bytes.Buffer
	var err error
	if !ok {
		err = fmt.Errorf("no page template %q", v.template())
	} else {
		err = t.ExecuteTemplate(&buf, "layout.html", v)
	}
	if err != nil {
		w.Log.ErrorContext(r.Context(), "rendering page", "template", v.template(), "err", err, "request_id", httpx.RequestID(r.Context()))
		if v.template() == "error" {
			http.Error(rw, "An internal error occurred. Try again later.", http.StatusInternalServerError)
			return
		}
		w.renderError(rw, r, apperr.Wrap(err, apperr.Internal, "An internal error occurred. Try again later; if it persists, tell your administrator."))
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, _ = rw.Write(buf.Bytes())
}

// errorPage says what happened and what to do.
type errorPage struct {
	frame
	Status    int
	Heading   string
	Message   string
	Next      string // what to do, in plain words
	RequestID string
	// Link is the main way on.
	LinkURL, LinkText string
	// Roles, for a 403, are the roles that would give access.
	Roles []string
}

func (*errorPage) template() string { return "error" }

// renderError renders err as an error page with the status of its kind.
func (w *Web) renderError(rw http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	status := httpx.Status(e)
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		w.Log.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "err", err, "request_id", httpx.RequestID(r.Context()))
	}
	p := &errorPage{frame: frame{Narrow: true}, Status: status, Message: e.Message, RequestID: httpx.RequestID(r.Context()), LinkURL: "/", LinkText: "Go to the start page"}
	switch e.Kind {
	case apperr.NotFound:
		p.Title, p.Heading = "Not found", "We can't find that page"
		p.Next = "Check the address, or go back to the start page."
	case apperr.Unauthenticated:
		p.Title, p.Heading = "Sign in", "You need to sign in"
		p.Next = "Your session may have ended. Sign in again to continue."
		p.LinkURL, p.LinkText = "/signin?return_to="+url.QueryEscape(localPath(r.URL.RequestURI())), "Sign in"
	case apperr.Forbidden:
		p.Title, p.Heading = "No access", "You don't have access to this"
		p.Next = "If you need it, ask an administrator to give you a role that allows it, or activate a role you are eligible for."
	case apperr.Invalid:
		p.Title, p.Heading = "Something is not right", "We couldn't do that"
		p.Next = "Go back, correct it and try again."
	case apperr.Conflict:
		p.Title, p.Heading = "Conflict", "That changed in the meantime"
		p.Next = "Reload the page and try again."
	case apperr.RateLimited:
		p.Title, p.Heading = "Too many attempts", "Please wait"
		p.Next = "Wait a few minutes, then try again."
	case apperr.Unavailable:
		p.Title, p.Heading = "Unavailable", "Strongroom can't do that right now"
		p.Next = "Try again in a moment. If it persists, tell your administrator."
	default:
		p.Title, p.Heading = "Error", "Something went wrong on our side"
		p.Next = "Try again later. If it persists, tell your administrator and quote the request id below."
	}
	w.render(rw, r, status, p)
}

// pageFunc is a page handler that returns errors; page renders them.
type pageFunc func(rw http.ResponseWriter, r *http.Request) error

// page wraps a page handler: cross-origin protection for forms, the
// session, errors as pages.
func (w *Web) page(f pageFunc) http.Handler {
	return w.cop.Handler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r = w.withSession(r)
		if err := f(rw, r); err != nil {
			w.renderError(rw, r, err)
		}
	}))
}

// userPage wraps a page that needs a signed-in user: without a complete
// session it sends the browser to sign in and come back. The services are
// called as that user.
func (w *Web) userPage(f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.userPageWith(false, f)
}

// registrationPage is userPage that also admits an incomplete session
// which Conditional Access lets register a method (see registering).
func (w *Web) registrationPage(f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.userPageWith(true, f)
}

func (w *Web) userPageWith(registration bool, f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.page(func(rw http.ResponseWriter, r *http.Request) error {
		c := sessionFrom(r.Context())
		ok, err := w.admitted(r, c, registration)
		if err != nil {
			return err
		}
		if !ok {
			back := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				back = r.URL.Path
			}
			http.Redirect(rw, r, "/signin?return_to="+url.QueryEscape(localPath(back)), http.StatusSeeOther)
			return nil
		}
		ctx, err := w.asUser(r.Context(), c.user)
		if err != nil {
			return err
		}
		return f(rw, r.WithContext(ctx), c)
	})
}

// adminPermissions are the permissions of which any one opens the admin
// portal; each page's service call checks its own.
var adminPermissions = []authz.Permission{
	authz.UserReadAll, authz.UserAuthenticationMethodReadAll, authz.PolicyReadAuthenticationMethod,
}

func isAdmin(r *http.Request) bool {
	p := authz.FromContext(r.Context())
	return p.Kind == authz.User && slices.ContainsFunc(adminPermissions, p.Has)
}

// adminPage wraps an admin portal page: a signed-in user whose active roles
// grant one of perms. Others get a 403 page naming the roles that would.
func (w *Web) adminPage(perms []authz.Permission, f func(rw http.ResponseWriter, r *http.Request, c *current) error) http.Handler {
	return w.userPage(func(rw http.ResponseWriter, r *http.Request, c *current) error {
		p := authz.FromContext(r.Context())
		if !slices.ContainsFunc(perms, p.Has) {
			w.renderForbidden(rw, r, perms)
			return nil
		}
		return f(rw, r, c)
	})
}

// rolesGranting names the built-in roles that grant any of perms: the
// four narrowest (least privilege first), then Global Administrator.
func rolesGranting(perms []authz.Permission) []string {
	type cand struct {
		name string
		size int
	}
	var cs []cand
	global := false
	for _, rd := range directory.Roles() {
		held := authz.Implied(rd.Permissions)
		if !slices.ContainsFunc(perms, func(p authz.Permission) bool { return held[p] }) {
			continue
		}
		if rd.ID == directory.GlobalAdministrator {
			global = true
			continue
		}
		cs = append(cs, cand{rd.DisplayName, len(held)})
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.size - b.size })
	var out []string
	for i, c := range cs {
		if i == 4 {
			break
		}
		out = append(out, c.name)
	}
	if global {
		out = append(out, "Global Administrator")
	}
	return out
}

// renderForbidden renders the 403 page that names the roles needed.
func (w *Web) renderForbidden(rw http.ResponseWriter, r *http.Request, perms []authz.Permission) {
	p := &errorPage{frame: frame{Title: "No access", Narrow: true}, Status: http.StatusForbidden,
		Heading: "You don't have access to this page",
		Message: "This part of the admin portal needs an active administrator role, and you hold none that allows it right now.",
		Next:    "Ask an administrator to give you one of these roles, or activate one you are eligible for, then come back.",
		Roles:   rolesGranting(perms), RequestID: httpx.RequestID(r.Context()), LinkURL: "/mysecurityinfo", LinkText: "Go to My security info"}
	w.render(rw, r, http.StatusForbidden, p)
}

// handleServiceError renders a service's Forbidden error as the 403 page
// naming the roles that grant perms; other errors pass through.
func (w *Web) handleServiceError(rw http.ResponseWriter, r *http.Request, err error, perms ...authz.Permission) error {
	if errors.Is(err, apperr.Forbidden) && len(perms) > 0 {
		w.renderForbidden(rw, r, perms)
		return nil
	}
	return err
}

// handleStatic serves GET /static/{file}: only content-hashed names, cached
// for a year (a changed file has a new name).
func (w *Web) handleStatic(rw http.ResponseWriter, r *http.Request) {
	a, ok := theSite.served[r.PathValue("file")]
	if !ok {
		w.page(func(http.ResponseWriter, *http.Request) error {
			return apperr.NotFoundf("There is no such file.")
		}).ServeHTTP(rw, r)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", a.etag)
	if r.Header.Get("If-None-Match") == a.etag {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = rw.Write(a.body)
}

// handleNotFound is every path no route matches: a page, or JSON under
// /api/.
func (w *Web) handleNotFound(rw http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		httpx.WriteError(rw, r, w.Log, apperr.NotFoundf("There is no %s %s in the sign-in API (see docs/api.md).", r.Method, r.URL.Path).WithCode("notFound"))
		return
	}
	w.page(func(http.ResponseWriter, *http.Request) error {
		return apperr.NotFoundf("There is no page at %s.", r.URL.Path)
	}).ServeHTTP(rw, r)
}

// localPath returns p if it is a path on this site ("/x", not "//host" or
// "/\host" or a URL), else "/". It keeps return_to from sending anyone
// elsewhere.
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n\t\\") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.IsAbs() || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

func until(now, t time.Time) string { return humanDuration(t.Sub(now)) }

// ago says how long ago t was: "just now", "5 minutes ago".
func ago(now, t time.Time) string {
	if now.Sub(t) < time.Minute {
		return "just now"
	}
	return humanDuration(now.Sub(t)) + " ago"
}

// humanDuration is a rounded, readable duration: "3 minutes", "2 hours",
// "5 days".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Round(time.Hour)/time.Hour), "hour")
	default:
		return plural(int(d.Round(24*time.Hour)/(24*time.Hour)), "day")
	}
}
