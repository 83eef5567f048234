package api

import (
	"net/http"
	"slices"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
)

// applicationDTO is Graph's application, with one Strongroom extension:
// permissions, the Graph-named application permissions the app's
// client-credentials tokens carry (in Entra, app roles of Microsoft Graph
// granted with admin consent, which Graph models on the service
// principal).
type applicationDTO struct {
	ID                     string          `json:"id"`
	AppID                  string          `json:"appId"`
	DisplayName            string          `json:"displayName"`
	Description            *string         `json:"description"`
	CreatedDateTime        string          `json:"createdDateTime"`
	SignInAudience         string          `json:"signInAudience"`
	IsFallbackPublicClient bool            `json:"isFallbackPublicClient"`
	Web                    webDTO          `json:"web"`
	PublicClient           publicClientDTO `json:"publicClient"`
	Spa                    publicClientDTO `json:"spa"`
	PasswordCredentials    []passwordDTO   `json:"passwordCredentials"`
	KeyCredentials         []any           `json:"keyCredentials"`
	Permissions            []string        `json:"permissions"`
}

type webDTO struct {
	RedirectURIs          []string                 `json:"redirectUris"`
	LogoutURL             *string                  `json:"logoutUrl"`
	ImplicitGrantSettings implicitGrantSettingsDTO `json:"implicitGrantSettings"`
}

type implicitGrantSettingsDTO struct {
	EnableAccessTokenIssuance bool `json:"enableAccessTokenIssuance"`
	EnableIDTokenIssuance     bool `json:"enableIdTokenIssuance"`
}

type publicClientDTO struct {
	RedirectURIs []string `json:"redirectUris"`
}

// passwordDTO is Graph's passwordCredential; secretText is set only in the
// answer to addPassword.
type passwordDTO struct {
	CustomKeyIdentifier *string `json:"customKeyIdentifier"`
	DisplayName         *string `json:"displayName"`
	EndDateTime         string  `json:"endDateTime"`
	Hint                string  `json:"hint"`
	KeyID               string  `json:"keyId"`
	SecretText          *string `json:"secretText"`
	StartDateTime       string  `json:"startDateTime"`
}

var applicationFields = []string{"id", "appId", "displayName", "description", "createdDateTime", "signInAudience", "isFallbackPublicClient",
	"web", "publicClient", "spa", "passwordCredentials", "keyCredentials", "permissions"}

func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func toPasswordDTO(p application.Password, secret *string) passwordDTO {
	return passwordDTO{DisplayName: nullString(p.DisplayName), EndDateTime: graphTime(p.EndDateTime), Hint: p.Hint, KeyID: p.KeyID,
		SecretText: secret, StartDateTime: graphTime(p.StartDateTime)}
}

func toApplicationDTO(a application.Application) applicationDTO {
	d := applicationDTO{
		ID: a.ID, AppID: a.AppID, DisplayName: a.DisplayName, Description: nullString(a.Description),
		CreatedDateTime: graphTime(a.CreatedDateTime), SignInAudience: "AzureADMyOrg", IsFallbackPublicClient: a.IsPublicClient(),
		Web:          webDTO{RedirectURIs: orEmpty(a.WebRedirectURIs), LogoutURL: nullString(a.LogoutURL)},
		PublicClient: publicClientDTO{RedirectURIs: orEmpty(a.PublicClientRedirectURIs)}, Spa: publicClientDTO{RedirectURIs: []string{}},
		PasswordCredentials: []passwordDTO{}, KeyCredentials: []any{}, Permissions: []string{},
	}
	for _, p := range a.Passwords {
		d.PasswordCredentials = append(d.PasswordCredentials, toPasswordDTO(p, nil))
	}
	for _, p := range a.Permissions {
		d.Permissions = append(d.Permissions, string(p))
	}
	return d
}

var applicationList = listOptions{
	schema: odata.Schema{
		"id":          {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.In}},
		"appId":       {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"displayName": {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.StartsWith}},
	},
	fields: applicationFields,
}

func (a *API) handleApplicationList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, applicationList)
	if err != nil {
		return err
	}
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	f := application.Filter{After: after, Limit: q.Top + 1}
	for _, c := range q.Filter.Conditions {
		switch c.Property {
		case "id":
			f.IDs = append(f.IDs, strValues(c)...)
		case "appId":
			f.AppID = c.Value.Str
		case "displayName":
			setNameFilter(c, &f.DisplayName, &f.DisplayNamePrefix)
		}
	}
	as, err := a.Applications.List(r.Context(), f)
	if err != nil {
		return err
	}
	as, next := pageOf(as, q.Top, func(x application.Application) []string { return []string{x.ID} })
	items := make([]any, len(as))
	for i, x := range as {
		items[i] = toApplicationDTO(x)
	}
	return a.writeList(w, r, "applications", q, applicationList, items, next)
}

func (a *API) handleApplicationGet(w http.ResponseWriter, r *http.Request) error {
	app, err := a.Applications.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, "applications", toApplicationDTO(app), applicationFields)
}

var applicationWritable = []string{"displayName", "description", "web", "publicClient", "spa", "permissions", "signInAudience", "isFallbackPublicClient"}

// webInput and publicClientInput are the writable parts of web and
// publicClient; implicit grants are refused (Strongroom has only the code
// flow).
type webInput struct {
	RedirectURIs          *[]string `json:"redirectUris"`
	LogoutURL             *string   `json:"logoutUrl"`
	ImplicitGrantSettings *struct {
		EnableAccessTokenIssuance bool `json:"enableAccessTokenIssuance"`
		EnableIDTokenIssuance     bool `json:"enableIdTokenIssuance"`
	} `json:"implicitGrantSettings"`
	HomePageURL         *string `json:"homePageUrl"`
	RedirectURISettings any     `json:"redirectUriSettings"`
}

type publicClientInput struct {
	RedirectURIs *[]string `json:"redirectUris"`
}

// readApplication reads the writable properties of an application body
// into an update (present properties only).
func readApplication(o httpx.Object) (application.Update, error) {
	var upd application.Update
	if o.Has("requiredResourceAccess") {
		return upd, apperr.Invalidf("requiredResourceAccess is not supported: grant application permissions with the Strongroom property permissions, for example \"permissions\": [\"User.Read.All\"].")
	}
	if err := o.Allow("microsoft.graph.application", applicationWritable...); err != nil {
		return upd, err
	}
	var err error
	if upd.DisplayName, err = o.StringPtr("displayName", false); err != nil {
		return upd, err
	}
	if upd.Description, err = o.StringPtr("description", true); err != nil {
		return upd, err
	}
	if aud, ok, err := o.String("signInAudience", false); err != nil {
		return upd, err
	} else if ok && aud != "AzureADMyOrg" {
		return upd, apperr.Invalidf("signInAudience must be AzureADMyOrg: a Strongroom application signs in this tenant's users only.")
	}
	if fb, err := o.Bool("isFallbackPublicClient"); err != nil {
		return upd, err
	} else if fb != nil && *fb {
		return upd, apperr.Invalidf("isFallbackPublicClient is derived in Strongroom: an application with publicClient.redirectUris and no web.redirectUris is a public client.")
	}
	var web webInput
	if _, err := o.Decode("web", &web); err != nil {
		return upd, err
	}
	if s := web.ImplicitGrantSettings; s != nil && (s.EnableAccessTokenIssuance || s.EnableIDTokenIssuance) {
		return upd, apperr.Invalidf("web.implicitGrantSettings: Strongroom has no implicit flow; use the authorization code flow with PKCE.")
	}
	if web.RedirectURIs != nil {
		v := slices.Clone(*web.RedirectURIs)
		upd.WebRedirectURIs = &v
	}
	upd.LogoutURL = web.LogoutURL
	var pc publicClientInput
	if _, err := o.Decode("publicClient", &pc); err != nil {
		return upd, err
	}
	if pc.RedirectURIs != nil {
		v := slices.Clone(*pc.RedirectURIs)
		upd.PublicClientRedirectURIs = &v
	}
	var spa publicClientInput
	if _, err := o.Decode("spa", &spa); err != nil {
		return upd, err
	}
	if spa.RedirectURIs != nil && len(*spa.RedirectURIs) > 0 {
		return upd, apperr.Invalidf("spa.redirectUris are not supported yet: register a single-page app's redirect URIs under publicClient.redirectUris (code flow with PKCE, no secret).")
	}
	if perms, ok, err := o.Strings("permissions"); err != nil {
		return upd, err
	} else if ok {
		ps := make([]authz.Permission, len(perms))
		for i, p := range perms {
			ps[i] = authz.Permission(p)
		}
		upd.Permissions = &ps
	}
	return upd, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (a *API) handleApplicationCreate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	upd, err := readApplication(o)
	if err != nil {
		return err
	}
	app, err := a.Applications.Create(r.Context(), application.Input{
		DisplayName: deref(upd.DisplayName), Description: deref(upd.Description), WebRedirectURIs: deref(upd.WebRedirectURIs),
		PublicClientRedirectURIs: deref(upd.PublicClientRedirectURIs), LogoutURL: deref(upd.LogoutURL), Permissions: deref(upd.Permissions),
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/applications/"+app.ID)
	return a.writeOne(w, r, http.StatusCreated, "applications", toApplicationDTO(app), applicationFields)
}

func (a *API) handleApplicationUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	upd, err := readApplication(o)
	if err != nil {
		return err
	}
	if _, err := a.Applications.Modify(r.Context(), r.PathValue("id"), upd); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleApplicationDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.Applications.Delete(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleApplicationAddPassword: POST /applications/{id}/addPassword with
// {"passwordCredential": {"displayName", "startDateTime", "endDateTime"}}
// returns the passwordCredential with secretText, shown this once.
func (a *API) handleApplicationAddPassword(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("addPassword", "passwordCredential"); err != nil {
		return err
	}
	var in application.PasswordInput
	if o.Has("passwordCredential") && !o.IsNull("passwordCredential") {
		inner, err := httpx.ParseObject(o["passwordCredential"])
		if err != nil {
			return apperr.Invalidf("passwordCredential must be an object.")
		}
		if err := inner.Allow("microsoft.graph.passwordCredential", "displayName", "startDateTime", "endDateTime"); err != nil {
			return err
		}
		if in.DisplayName, _, err = inner.String("displayName", true); err != nil {
			return err
		}
		if t, err := inner.Time("startDateTime"); err != nil {
			return err
		} else if t != nil {
			in.StartDateTime = *t
		}
		if t, err := inner.Time("endDateTime"); err != nil {
			return err
		} else if t != nil {
			in.EndDateTime = *t
		}
	}
	p, secret, err := a.Applications.AddPassword(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	out, err := toMap(toPasswordDTO(p, &secret))
	if err != nil {
		return err
	}
	out["@odata.context"] = a.contextURL("microsoft.graph.passwordCredential")
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// handleApplicationRemovePassword: POST /applications/{id}/removePassword
// with {"keyId": "…"}; 204.
func (a *API) handleApplicationRemovePassword(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("removePassword", "keyId"); err != nil {
		return err
	}
	keyID, _, err := o.String("keyId", false)
	if err != nil {
		return err
	}
	if keyID == "" {
		return apperr.Invalidf("keyId is required.")
	}
	if err := a.Applications.RemovePassword(r.Context(), r.PathValue("id"), keyID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
