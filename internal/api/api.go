package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/bearer"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/credential"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/tap"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// Reader is the read access the API needs beyond the services.
type Reader interface {
	directory.Reader
	application.Reader
	FindAuditEvents(ctx context.Context, f store.AuditFilter) ([]store.StoredEvent, error)
}

// Deps are the API's collaborators.
type Deps struct {
	PublicURL *url.URL
	Directory *directory.Service
	Reader    Reader
	Verifier  *bearer.Verifier
	Now       func() time.Time
	Log       *slog.Logger

	// Authentication methods: the policy, and users' methods.
	Methods     *method.Service
	TAPs        *tap.Service
	TOTP        *totp.Service
	Credentials *credential.Service
	Passkeys    *passkey.Service

	// Application registrations.
	Applications *application.Service

	// Conditional Access: strengths, contexts, named locations, policies,
	// What If; and the sign-in log.
	CA      *capolicy.Service
	SignIns SignInReader
	// CAImport imports Conditional Access objects (a Strongroom extension).
	CAImport *caport.Service

	// Privileged Identity Management (pim_*.go).
	PIM *privilege.Service
}

// API serves /v1.0.
type API struct {
	Deps
}

// New returns the API.
func New(d Deps) *API { return &API{Deps: d} }

// authenticate turns the request's bearer token into a principal and an
// audit actor. Users' roles are read now, at request time, so that a role
// activated a moment ago works on this request and an ended one does not.
func (a *API) authenticate(r *http.Request) (context.Context, error) {
	raw, ok := bearer.FromHeader(r)
	if !ok {
		return nil, apperr.New(apperr.Unauthenticated, "Access token is empty: send Authorization: Bearer <token>, obtained from the token endpoint.")
	}
	ctx := r.Context()
	c, err := a.Verifier.Verify(ctx, raw)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unauthenticated, "Access token validation failure: the token is invalid, expired, or not for this API. Get a new token.")
	}
	info := httpx.Info(ctx)
	actor := audit.Actor{CorrelationID: httpx.CorrelationID(ctx), UserAgent: info.UserAgent}
	var p authz.Principal
	switch c.IDType {
	case "app":
		app, err := a.Reader.FindApplicationByAppID(ctx, c.ClientID)
		if errors.Is(err, apperr.NotFound) {
			return nil, apperr.New(apperr.Unauthenticated, "Access token validation failure: the application no longer exists.")
		} else if err != nil {
			return nil, err
		}
		// Permissions are those in the token that the application still
		// holds: removing one takes effect at once.
		var perms []authz.Permission
		for _, r := range c.Roles {
			if slices.Contains(app.Permissions, authz.Permission(r)) {
				perms = append(perms, authz.Permission(r))
			}
		}
		p = authz.NewApp(app.AppID, app.DisplayName, perms)
		actor.Initiator.App = &audit.AppIdentity{AppID: app.AppID, DisplayName: app.DisplayName, ServicePrincipalID: app.ID, ServicePrincipalName: app.DisplayName, IPAddress: ipString(info)}
	default:
		u, err := a.Reader.FindUserByID(ctx, c.Subject)
		if errors.Is(err, apperr.NotFound) {
			return nil, apperr.New(apperr.Unauthenticated, "Access token validation failure: the user no longer exists.")
		} else if err != nil {
			return nil, err
		}
		if !u.AccountEnabled || time.Unix(c.IssuedAt, 0).Before(u.TokensValidAfter.Truncate(time.Second)) {
			return nil, apperr.New(apperr.Unauthenticated, "Access token validation failure: the token was revoked. Sign in again.")
		}
		roles, err := directory.ActiveRoleIDs(ctx, a.Reader, u.ID, a.Now())
		if err != nil {
			return nil, err
		}
		p = authz.NewUser(u.ID, u.UserPrincipalName, u.DisplayName, roles, directory.RolePermissions)
		actor.Initiator.User = &audit.UserIdentity{ID: u.ID, DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName, IPAddress: ipString(info)}
	}
	ctx = authz.NewContext(ctx, p)
	ctx = audit.NewContext(ctx, actor)
	return ctx, nil
}

func ipString(ri httpx.RequestInfo) string {
	if ri.ClientIP.IsValid() {
		return ri.ClientIP.String()
	}
	return ""
}

// authed wraps a handler with bearer authentication.
func (a *API) authed(f httpx.Func) http.Handler {
	return httpx.Handle(a.Log, func(w http.ResponseWriter, r *http.Request) error {
		ctx, err := a.authenticate(r)
		if err != nil {
			return err
		}
		return f(w, r.WithContext(ctx))
	})
}

// collection is a Graph collection response.
type collection struct {
	Context  string `json:"@odata.context"`
	NextLink string `json:"@odata.nextLink,omitempty"`
	Value    []any  `json:"value"`
}

func (a *API) contextURL(fragment string) string {
	return a.PublicURL.String() + "/v1.0/$metadata#" + fragment
}

// listOptions describes what a collection supports.
type listOptions struct {
	schema odata.Schema
	fields []string // selectable properties
}

// parseList reads the query options of a collection request.
func parseList(r *http.Request, o listOptions) (odata.Query, error) {
	q, err := odata.ParseQuery(r.URL.Query(), 100, 999)
	if err != nil {
		return q, err
	}
	if len(q.OrderBy) > 0 {
		return q, apperr.Invalidf("$orderby is not supported on this collection; results come in a stable order.")
	}
	if len(q.Expand) > 0 {
		return q, apperr.Invalidf("$expand is not supported on this collection.")
	}
	if q.Count {
		return q, apperr.Invalidf("$count is not supported on this collection.")
	}
	if len(q.Filter.Conditions) > 0 {
		if o.schema == nil {
			return q, apperr.Invalidf("$filter is not supported on this collection.")
		}
		if err := q.Filter.Check(o.schema); err != nil {
			return q, err
		}
		if err := checkConditions(q.Filter); err != nil {
			return q, err
		}
	}
	return q, nil
}

func isEqOrIn(op odata.Op) bool { return op == odata.Eq || op == odata.In }

// checkConditions refuses what the stores' filters cannot express, rather
// than silently matching the wrong rows: they take one value per property
// (and a range for ge/le), and treat an empty value as "no condition".
func checkConditions(f odata.Filter) error {
	for i, c := range f.Conditions {
		if c.Op == odata.Eq && (c.Value.Kind == odata.Null || c.Value.Kind == odata.String && c.Value.Str == "") {
			return apperr.Invalidf("$filter: comparing %q with null or an empty string is not supported.", c.Property)
		}
		for _, d := range f.Conditions[:i] {
			if d.Property == c.Property && (d.Op == c.Op || isEqOrIn(d.Op) && isEqOrIn(c.Op)) {
				return apperr.Invalidf("$filter: %q has more than one condition; give one (or a range with ge and le).", c.Property)
			}
		}
	}
	return nil
}

// writeList writes one page. items are DTOs; cursor is the keyset key of the
// last item when there may be more.
func (a *API) writeList(w http.ResponseWriter, r *http.Request, fragment string, q odata.Query, o listOptions, items []any, cursor []string) error {
	out := collection{Context: a.contextURL(fragment), Value: make([]any, 0, len(items))}
	for _, it := range items {
		v, err := project(it, q.Select, o.fields)
		if err != nil {
			return err
		}
		out.Value = append(out.Value, v)
	}
	if cursor != nil {
		base := *a.PublicURL
		base.Path = r.URL.Path
		base.RawQuery = r.URL.RawQuery
		out.NextLink = odata.NextLink(&base, odata.EncodeCursor(cursor))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// project applies $select to a DTO.
func project(v any, sel, fields []string) (any, error) {
	if len(sel) == 0 {
		return v, nil
	}
	m, err := toMap(v)
	if err != nil {
		return nil, err
	}
	return odata.Select(m, sel, fields)
}

// writeOne writes a single entity of the entity set named by fragment,
// applying $select and adding @odata.context as Graph does.
func (a *API) writeOne(w http.ResponseWriter, r *http.Request, status int, fragment string, v any, fields []string) error {
	q, err := odata.ParseQuery(r.URL.Query(), 1, 1)
	if err != nil {
		return err
	}
	if len(q.Filter.Conditions) > 0 || q.SkipToken != "" || len(q.OrderBy) > 0 {
		return apperr.Invalidf("Query options other than $select are not supported when reading one object.")
	}
	m, err := toMap(v)
	if err != nil {
		return err
	}
	out, err := odata.Select(m, q.Select, fields)
	if err != nil {
		return err
	}
	out["@odata.context"] = a.contextURL(fragment + "/$entity")
	httpx.WriteJSON(w, status, out)
	return nil
}

// pageOf trims a result fetched with limit top+1 and returns the cursor for
// the next page.
func pageOf[T any](items []T, top int, key func(T) []string) ([]T, []string) {
	if len(items) > top {
		items = items[:top]
		return items, key(items[len(items)-1])
	}
	return items, nil
}

// strValues returns a condition's strings: the one value of eq, or each
// value of in.
func strValues(c odata.Condition) []string {
	if c.Op != odata.In {
		return []string{c.Value.Str}
	}
	out := make([]string, 0, len(c.Value.List))
	for _, v := range c.Value.List {
		out = append(out, v.Str)
	}
	return out
}

// setNameFilter sets the exact name for eq, the prefix for startsWith.
func setNameFilter(c odata.Condition, exact, prefix *string) {
	if c.Op == odata.StartsWith {
		*prefix = c.Value.Str
	} else {
		*exact = c.Value.Str
	}
}

// afterCursor decodes $skiptoken into the single-key cursor Strongroom uses.
func afterCursor(q odata.Query) (string, error) {
	if q.SkipToken == "" {
		return "", nil
	}
	k, err := odata.DecodeCursor(q.SkipToken)
	if err != nil {
		return "", err
	}
	if len(k) != 1 {
		return "", apperr.Invalidf("the $skiptoken is not valid; start again from the first page")
	}
	return k[0], nil
}

// eqString returns the value of "prop eq 'x'" in the filter, if present.
func eqString(f odata.Filter, prop string) (string, bool) {
	for _, c := range f.Get(prop) {
		if c.Op == odata.Eq {
			return c.Value.Str, true
		}
	}
	return "", false
}
