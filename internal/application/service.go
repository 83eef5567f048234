package application

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/secret"
)

// Audited activities, named as in Entra's audit log.
var (
	ActivityAddApplication    = audit.Activity{Category: "ApplicationManagement", Name: "Add application", Operation: "Add", Service: "Core Directory"}
	ActivityUpdateApplication = audit.Activity{Category: "ApplicationManagement", Name: "Update application", Operation: "Update", Service: "Core Directory"}
	ActivityDeleteApplication = audit.Activity{Category: "ApplicationManagement", Name: "Delete application", Operation: "Delete", Service: "Core Directory"}
	ActivityAddSecret         = audit.Activity{Category: "ApplicationManagement", Name: "Update application – Certificates and secrets management", Operation: "Update", Service: "Core Directory"}
)

// Hasher hashes and compares server-generated secrets.
type Hasher interface {
	Hash(purpose, s string) []byte
	Equal(purpose, s string, h []byte) bool
}

// DefaultSecretLifetime is how long a new client secret lasts unless asked
// otherwise (Entra's portal default is 180 days; two years is its maximum
// recommendation).
const DefaultSecretLifetime = 2 * 365 * 24 * time.Hour

// MaxSecretLifetime is the longest a client secret may be valid.
const MaxSecretLifetime = 2 * 365 * 24 * time.Hour

// NewSecret returns a fresh client secret: 40 characters from the URL-safe
// alphabet, 240 bits.
func NewSecret() string { return secret.Generate(secret.URLSafe, 40) }

// CLIAppID is the built-in public client of the strongroom command
// ("strongroom login"): loopback redirects, PKCE, no secret.
const CLIAppID = "5d3c1e7a-3f0b-4b8e-9f1a-57a0c0de0003"

// BuiltIns are the applications every tenant has.
func BuiltIns() []Application {
	return []Application{{
		ID: CLIAppID, AppID: CLIAppID, DisplayName: "Strongroom command line",
		Description:              "The strongroom command's sign-in (strongroom login): a public client with loopback redirects and PKCE.",
		PublicClientRedirectURIs: []string{"http://127.0.0.1/callback", "http://[::1]/callback"},
		BuiltIn:                  true,
	}}
}

// CreateInTx registers an application with one client secret and returns
// the application and the secret in clear (shown once).
func CreateInTx(ctx context.Context, tx Tx, h Hasher, name string, perms []authz.Permission) (Application, string, error) {
	for _, p := range perms {
		if !authz.Known(p) {
			return Application{}, "", apperr.Invalidf("%q is not a permission Strongroom knows.", p)
		}
	}
	now := tx.Now()
	a := Application{ID: uuid.NewString(), AppID: uuid.NewString(), DisplayName: name, Permissions: perms, CreatedDateTime: now}
	if err := tx.CreateApplication(ctx, a); err != nil {
		return Application{}, "", err
	}
	tx.Audit(audit.New(ctx, ActivityAddApplication, target(a, appProps(nil, &a))))
	p, s := newPassword(h, "Bootstrap secret", now, now.Add(DefaultSecretLifetime))
	if err := tx.AddApplicationPassword(ctx, a.ID, p); err != nil {
		return Application{}, "", err
	}
	a.Passwords = []Password{p}
	tx.Audit(audit.New(ctx, ActivityAddSecret, secretTarget(a, p, true)))
	return a, s, nil
}

func newPassword(h Hasher, name string, start, end time.Time) (Password, string) {
	s := NewSecret()
	return Password{KeyID: uuid.NewString(), DisplayName: name, Hint: s[:3], Hash: h.Hash(SecretPurpose, s), StartDateTime: start, EndDateTime: end}, s
}

func target(a Application, props []audit.ModifiedProperty) audit.Target {
	if props == nil {
		props = []audit.ModifiedProperty{}
	}
	return audit.Target{ID: a.ID, DisplayName: a.DisplayName, Type: "Application", ModifiedProperties: props}
}

func secretTarget(a Application, p Password, added bool) audit.Target {
	desc := "[KeyIdentifier=" + p.KeyID + ",KeyType=Password,KeyUsage=Verify,DisplayName=" + p.DisplayName + "]"
	var prop audit.ModifiedProperty
	if added {
		prop = audit.Change("KeyDescription", nil, desc)
	} else {
		prop = audit.Change("KeyDescription", desc, nil)
	}
	return target(a, []audit.ModifiedProperty{prop})
}

// appProps lists what changed between old and new (old nil: created).
// Secrets are never recorded, only their descriptions.
func appProps(old, new *Application) []audit.ModifiedProperty {
	var o Application
	if old != nil {
		o = *old
	}
	var p []audit.ModifiedProperty
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	list := func(ss []string) any {
		if len(ss) == 0 {
			return nil
		}
		return ss
	}
	perms := func(ps []authz.Permission) any {
		if len(ps) == 0 {
			return nil
		}
		out := make([]string, len(ps))
		for i, x := range ps {
			out[i] = string(x)
		}
		return out
	}
	if old == nil {
		p = append(p, audit.Change("AppId", nil, new.AppID))
	}
	p = audit.Diff(p, "DisplayName", str(o.DisplayName), str(new.DisplayName))
	p = audit.Diff(p, "Description", str(o.Description), str(new.Description))
	p = audit.Diff(p, "AppAddress", list(o.WebRedirectURIs), list(new.WebRedirectURIs))
	p = audit.Diff(p, "PublicClientRedirectUris", list(o.PublicClientRedirectURIs), list(new.PublicClientRedirectURIs))
	p = audit.Diff(p, "LogoutUrl", str(o.LogoutURL), str(new.LogoutURL))
	p = audit.Diff(p, "AppRoles", perms(o.Permissions), perms(new.Permissions))
	return p
}

// Authenticate checks a client id and secret at now. It returns NotFound for
// an unknown client and Unauthenticated for a wrong or expired secret;
// callers must not tell the two apart to the client.
func Authenticate(ctx context.Context, r Reader, h Hasher, appID, clientSecret string, now time.Time) (Application, error) {
	a, err := r.FindApplicationByAppID(ctx, appID)
	if err != nil {
		return Application{}, err
	}
	if err := CheckSecret(a, h, clientSecret, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// CheckSecret checks clientSecret against a's secrets valid at now;
// Unauthenticated when none matches.
func CheckSecret(a Application, h Hasher, clientSecret string, now time.Time) error {
	ok := false
	for _, p := range a.Passwords {
		// Compare against every password so the time taken does not tell
		// which one matched.
		if h.Equal(SecretPurpose, clientSecret, p.Hash) && !now.Before(p.StartDateTime) && now.Before(p.EndDateTime) {
			ok = true
		}
	}
	if !ok {
		return apperr.New(apperr.Unauthenticated, "invalid client credentials")
	}
	return nil
}

// Service manages application registrations. Every change is checked
// against the caller's permissions, validated, written and audited in one
// transaction.
type Service struct {
	store  Store
	hasher Hasher
}

// NewService returns the application service.
func NewService(store Store, h Hasher) *Service { return &Service{store: store, hasher: h} }

// Input is what registering an application takes.
type Input struct {
	DisplayName              string
	Description              string
	WebRedirectURIs          []string
	PublicClientRedirectURIs []string
	LogoutURL                string
	Permissions              []authz.Permission
}

// Update changes the fields that are non-nil.
type Update struct {
	DisplayName              *string
	Description              *string
	WebRedirectURIs          *[]string
	PublicClientRedirectURIs *[]string
	LogoutURL                *string
	Permissions              *[]authz.Permission
}

// requireGrant checks that the caller may give an application perms: only
// a caller who may manage roles, and who holds each permission itself, may
// hand permissions to an application (Entra: admin consent to application
// permissions needs a privileged role administrator).
func requireGrant(ctx context.Context, perms []authz.Permission) error {
	if len(perms) == 0 {
		return nil
	}
	if err := authz.Require(ctx, authz.RoleManagementReadWriteDirectory); err != nil {
		return apperr.Wrap(err, apperr.KindOf(err), "Granting application permissions needs the RoleManagement.ReadWrite.Directory permission (for example the Privileged Role Administrator role).").WithCode("Authorization_RequestDenied")
	}
	p := authz.FromContext(ctx)
	for _, x := range perms {
		if !p.Has(x) {
			return apperr.Forbiddenf("You cannot grant %s to an application: you do not hold it yourself.", x).WithCode("Authorization_RequestDenied")
		}
	}
	return nil
}

func sortedPerms(ps []authz.Permission) []authz.Permission {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

// Create registers an application. It has no secret until AddPassword.
func (s *Service) Create(ctx context.Context, in Input) (Application, error) {
	if err := authz.Require(ctx, authz.ApplicationReadWriteAll); err != nil {
		return Application{}, err
	}
	a := Application{
		ID: uuid.NewString(), AppID: uuid.NewString(), DisplayName: strings.TrimSpace(in.DisplayName), Description: in.Description,
		WebRedirectURIs: in.WebRedirectURIs, PublicClientRedirectURIs: in.PublicClientRedirectURIs, LogoutURL: in.LogoutURL,
		Permissions: sortedPerms(in.Permissions),
	}
	if err := validate(a); err != nil {
		return Application{}, err
	}
	if err := requireGrant(ctx, a.Permissions); err != nil {
		return Application{}, err
	}
	err := s.store.InTx(ctx, func(tx WriteTx) error {
		a.CreatedDateTime = tx.Now()
		if err := tx.CreateApplication(ctx, a); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityAddApplication, target(a, appProps(nil, &a))))
		return nil
	})
	return a, err
}

// notFound is the Graph-style message for a missing application.
func notFound(err error, id string) error {
	if errors.Is(err, apperr.NotFound) {
		return apperr.Wrap(err, apperr.NotFound, "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
	}
	return err
}

// Get returns an application by object id.
func (s *Service) Get(ctx context.Context, id string) (Application, error) {
	if err := authz.Require(ctx, authz.ApplicationReadAll); err != nil {
		return Application{}, err
	}
	a, err := s.store.FindApplicationByID(ctx, id)
	return a, notFound(err, id)
}

// List returns one page of applications.
func (s *Service) List(ctx context.Context, f Filter) ([]Application, error) {
	if err := authz.Require(ctx, authz.ApplicationReadAll); err != nil {
		return nil, err
	}
	return s.store.FindApplications(ctx, f)
}

func builtIn(a Application) error {
	return apperr.Wrap(ErrBuiltIn, apperr.Invalid, "%q is built into Strongroom and cannot be changed or deleted; block it with a Conditional Access policy if you do not want it used.", a.DisplayName)
}

// Modify changes an application.
func (s *Service) Modify(ctx context.Context, id string, upd Update) (Application, error) {
	if err := authz.Require(ctx, authz.ApplicationReadWriteAll); err != nil {
		return Application{}, err
	}
	var out Application
	err := s.store.InTx(ctx, func(tx WriteTx) error {
		old, err := tx.FindApplicationByID(ctx, id)
		if err != nil {
			return notFound(err, id)
		}
		if old.BuiltIn {
			return builtIn(old)
		}
		a := old
		if upd.DisplayName != nil {
			a.DisplayName = strings.TrimSpace(*upd.DisplayName)
		}
		if upd.Description != nil {
			a.Description = *upd.Description
		}
		if upd.WebRedirectURIs != nil {
			a.WebRedirectURIs = *upd.WebRedirectURIs
		}
		if upd.PublicClientRedirectURIs != nil {
			a.PublicClientRedirectURIs = *upd.PublicClientRedirectURIs
		}
		if upd.LogoutURL != nil {
			a.LogoutURL = *upd.LogoutURL
		}
		if upd.Permissions != nil {
			a.Permissions = sortedPerms(*upd.Permissions)
		}
		if err := validate(a); err != nil {
			return err
		}
		var added []authz.Permission
		for _, p := range a.Permissions {
			if !slices.Contains(old.Permissions, p) {
				added = append(added, p)
			}
		}
		if err := requireGrant(ctx, added); err != nil {
			return err
		}
		props := appProps(&old, &a)
		out = a
		if len(props) == 0 {
			return nil
		}
		if err := tx.UpdateApplication(ctx, a); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityUpdateApplication, target(a, props)))
		return nil
	})
	return out, err
}

// Delete removes an application with its secrets. Tokens it holds stop
// working: the API looks the application up on every request, and its
// refresh tokens are refused.
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := authz.Require(ctx, authz.ApplicationReadWriteAll); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx WriteTx) error {
		a, err := tx.FindApplicationByID(ctx, id)
		if err != nil {
			return notFound(err, id)
		}
		if a.BuiltIn {
			return builtIn(a)
		}
		if err := tx.DeleteApplication(ctx, a.ID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityDeleteApplication, target(a, nil)))
		return nil
	})
}

// PasswordInput is what adding a client secret takes; zero times mean now
// and now plus DefaultSecretLifetime.
type PasswordInput struct {
	DisplayName   string
	StartDateTime time.Time
	EndDateTime   time.Time
}

// AddPassword adds a client secret and returns it with the secret in clear,
// which is never shown again.
func (s *Service) AddPassword(ctx context.Context, id string, in PasswordInput) (Password, string, error) {
	if err := authz.Require(ctx, authz.ApplicationReadWriteAll); err != nil {
		return Password{}, "", err
	}
	if err := validateText("displayName", in.DisplayName, maxDisplayName, false); err != nil {
		return Password{}, "", err
	}
	var (
		p   Password
		sec string
	)
	err := s.store.InTx(ctx, func(tx WriteTx) error {
		a, err := tx.FindApplicationByID(ctx, id)
		if err != nil {
			return notFound(err, id)
		}
		if a.BuiltIn {
			return builtIn(a)
		}
		if a.IsPublicClient() {
			return apperr.Invalidf("%q is a public client (it has only publicClient.redirectUris): a secret would give it nothing, since public clients prove themselves with PKCE. Add web.redirectUris to make it a confidential client.", a.DisplayName)
		}
		if len(a.Passwords) >= maxPasswords {
			return apperr.Invalidf("An application may have at most %d secrets; remove one first.", maxPasswords)
		}
		now := tx.Now()
		start, end := in.StartDateTime, in.EndDateTime
		if start.IsZero() {
			start = now
		}
		if end.IsZero() {
			end = start.Add(DefaultSecretLifetime)
		}
		if !end.After(start) {
			return apperr.Invalidf("endDateTime must be after startDateTime.")
		}
		if end.Sub(now) > MaxSecretLifetime {
			return apperr.Invalidf("endDateTime may be at most two years from now.")
		}
		p, sec = newPassword(s.hasher, in.DisplayName, start.UTC().Truncate(time.Microsecond), end.UTC().Truncate(time.Microsecond))
		if err := tx.AddApplicationPassword(ctx, a.ID, p); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityAddSecret, secretTarget(a, p, true)))
		return nil
	})
	return p, sec, err
}

// RemovePassword removes a client secret at once.
func (s *Service) RemovePassword(ctx context.Context, id, keyID string) error {
	if err := authz.Require(ctx, authz.ApplicationReadWriteAll); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx WriteTx) error {
		a, err := tx.FindApplicationByID(ctx, id)
		if err != nil {
			return notFound(err, id)
		}
		if a.BuiltIn {
			return builtIn(a)
		}
		i := slices.IndexFunc(a.Passwords, func(p Password) bool { return p.KeyID == keyID })
		if i < 0 {
			return apperr.NotFoundf("The application has no password credential with keyId %q.", keyID).WithCode("Request_ResourceNotFound")
		}
		if err := tx.RemoveApplicationPassword(ctx, a.ID, keyID); err != nil {
			return err
		}
		tx.Audit(audit.New(ctx, ActivityAddSecret, secretTarget(a, a.Passwords[i], false)))
		return nil
	})
}

// EnsureBuiltIns creates the built-in applications that are missing, as
// Strongroom itself. Several nodes may run it at once: an application
// another node created meanwhile is not an error.
func EnsureBuiltIns(ctx context.Context, store Store) error {
	for _, b := range BuiltIns() {
		if _, err := store.FindApplicationByID(ctx, b.ID); err == nil {
			continue
		} else if !errors.Is(err, apperr.NotFound) {
			return err
		}
		err := store.InTx(ctx, func(tx WriteTx) error {
			b.CreatedDateTime = tx.Now()
			if err := tx.CreateApplication(ctx, b); err != nil {
				return err
			}
			tx.Audit(audit.New(ctx, ActivityAddApplication, target(b, appProps(nil, &b))))
			return nil
		})
		if err != nil && !errors.Is(err, apperr.Conflict) {
			return err
		}
	}
	return nil
}
