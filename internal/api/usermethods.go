package api

import (
	"net/http"
	"net/url"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/credential"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/password"
	"github.com/strongroom-id/strongroom/internal/tap"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// Graph's types for a user's authentication methods.
const (
	odataPasswordMethod = "#microsoft.graph.passwordAuthenticationMethod"
	odataOathMethod     = "#microsoft.graph.softwareOathAuthenticationMethod"
	odataTAPMethod      = "#microsoft.graph.temporaryAccessPassAuthenticationMethod"
	odataFido2Method    = "#microsoft.graph.fido2AuthenticationMethod"
)

// userMethodsSet is the entity set of a user's methods of one kind, for
// @odata.context: users('{id}')/authentication/{kind}.
func userMethodsSet(r *http.Request, kind string) string {
	return "users('" + url.PathEscape(r.PathValue("id")) + "')/authentication/" + kind
}

// tapMethodDTO is Graph's temporaryAccessPassAuthenticationMethod. The pass
// itself is set only in the response that creates it.
type tapMethodDTO struct {
	ODataType             string  `json:"@odata.type,omitempty"`
	ID                    string  `json:"id"`
	TemporaryAccessPass   *string `json:"temporaryAccessPass"`
	CreatedDateTime       string  `json:"createdDateTime"`
	StartDateTime         string  `json:"startDateTime"`
	LifetimeInMinutes     int     `json:"lifetimeInMinutes"`
	IsUsableOnce          bool    `json:"isUsableOnce"`
	IsUsable              bool    `json:"isUsable"`
	MethodUsabilityReason string  `json:"methodUsabilityReason"`
}

var tapMethodFields = []string{"id", "temporaryAccessPass", "createdDateTime", "startDateTime", "lifetimeInMinutes", "isUsableOnce", "isUsable", "methodUsabilityReason"}

func toTAPMethodDTO(v tap.View, secret *string) tapMethodDTO {
	return tapMethodDTO{ID: v.ID, TemporaryAccessPass: secret, CreatedDateTime: graphTime(v.CreatedDateTime), StartDateTime: graphTime(v.StartDateTime),
		LifetimeInMinutes: v.LifetimeInMinutes, IsUsableOnce: v.IsUsableOnce, IsUsable: v.IsUsable, MethodUsabilityReason: v.Reason}
}

// handleTAPMethodCreate: POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods.
func (a *API) handleTAPMethodCreate(w http.ResponseWriter, r *http.Request) error {
	// Every property is optional, so an empty body means the defaults.
	o := httpx.Object{}
	var err error
	if r.ContentLength != 0 {
		if o, err = httpx.ReadObject(r); err != nil {
			return err
		}
	}
	if err := o.Allow("microsoft.graph.temporaryAccessPassAuthenticationMethod", "startDateTime", "lifetimeInMinutes", "isUsableOnce"); err != nil {
		return err
	}
	var in tap.IssueInput
	if in.StartDateTime, err = o.Time("startDateTime"); err != nil {
		return err
	}
	if in.LifetimeInMinutes, err = o.Int("lifetimeInMinutes"); err != nil {
		return err
	}
	if in.IsUsableOnce, err = o.Bool("isUsableOnce"); err != nil {
		return err
	}
	v, secret, err := a.TAPs.Issue(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/users/"+url.PathEscape(v.UserID)+"/authentication/temporaryAccessPassMethods/"+v.ID)
	return a.writeOne(w, r, http.StatusCreated, userMethodsSet(r, "temporaryAccessPassMethods"), toTAPMethodDTO(v, &secret), tapMethodFields)
}

// handleTAPMethodList: GET …/temporaryAccessPassMethods.
func (a *API) handleTAPMethodList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: tapMethodFields})
	if err != nil {
		return err
	}
	vs, err := a.TAPs.List(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]any, len(vs))
	for i, v := range vs {
		items[i] = toTAPMethodDTO(v, nil)
	}
	return a.writeList(w, r, userMethodsSet(r, "temporaryAccessPassMethods"), q, listOptions{fields: tapMethodFields}, items, nil)
}

// handleTAPMethodGet: GET …/temporaryAccessPassMethods/{method}.
func (a *API) handleTAPMethodGet(w http.ResponseWriter, r *http.Request) error {
	v, err := a.TAPs.Get(r.Context(), r.PathValue("id"), r.PathValue("method"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, userMethodsSet(r, "temporaryAccessPassMethods"), toTAPMethodDTO(v, nil), tapMethodFields)
}

// handleTAPMethodDelete: DELETE …/temporaryAccessPassMethods/{method}.
func (a *API) handleTAPMethodDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.TAPs.Delete(r.Context(), r.PathValue("id"), r.PathValue("method")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// passwordMethodDTO is Graph's passwordAuthenticationMethod; the password
// is never returned.
type passwordMethodDTO struct {
	ODataType       string  `json:"@odata.type,omitempty"`
	ID              string  `json:"id"`
	Password        *string `json:"password"`
	CreatedDateTime string  `json:"createdDateTime"`
}

var passwordMethodFields = []string{"id", "password", "createdDateTime"}

func toPasswordMethodDTO(p password.Credential) passwordMethodDTO {
	return passwordMethodDTO{ID: password.GraphMethodID, CreatedDateTime: graphTime(p.CreatedDateTime)}
}

// handlePasswordMethodList: GET …/passwordMethods.
func (a *API) handlePasswordMethodList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: passwordMethodFields})
	if err != nil {
		return err
	}
	ps, err := a.Credentials.Passwords(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]any, len(ps))
	for i, p := range ps {
		items[i] = toPasswordMethodDTO(p)
	}
	return a.writeList(w, r, userMethodsSet(r, "passwordMethods"), q, listOptions{fields: passwordMethodFields}, items, nil)
}

// handlePasswordMethodGet: GET …/passwordMethods/{method}.
func (a *API) handlePasswordMethodGet(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.Credentials.Passwords(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, p := range ps {
		if r.PathValue("method") == password.GraphMethodID {
			return a.writeOne(w, r, http.StatusOK, userMethodsSet(r, "passwordMethods"), toPasswordMethodDTO(p), passwordMethodFields)
		}
	}
	return errNoMethod(r.PathValue("method"))
}

func errNoMethod(id string) error {
	return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
}

// oathMethodDTO is Graph's softwareOathAuthenticationMethod; the secret is
// never returned.
type oathMethodDTO struct {
	ODataType string  `json:"@odata.type,omitempty"`
	ID        string  `json:"id"`
	SecretKey *string `json:"secretKey"`
}

var oathMethodFields = []string{"id", "secretKey"}

func toOathMethodDTO(m totp.Method) oathMethodDTO { return oathMethodDTO{ID: m.ID} }

// handleOathMethodList: GET …/softwareOathMethods.
func (a *API) handleOathMethodList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: oathMethodFields})
	if err != nil {
		return err
	}
	ms, err := a.TOTP.List(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]any, len(ms))
	for i, m := range ms {
		items[i] = toOathMethodDTO(m)
	}
	return a.writeList(w, r, userMethodsSet(r, "softwareOathMethods"), q, listOptions{fields: oathMethodFields}, items, nil)
}

// handleOathMethodGet: GET …/softwareOathMethods/{method}.
func (a *API) handleOathMethodGet(w http.ResponseWriter, r *http.Request) error {
	m, err := a.TOTP.Get(r.Context(), r.PathValue("id"), r.PathValue("method"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, userMethodsSet(r, "softwareOathMethods"), toOathMethodDTO(m), oathMethodFields)
}

// handleOathMethodDelete: DELETE …/softwareOathMethods/{method}.
func (a *API) handleOathMethodDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.TOTP.Delete(r.Context(), r.PathValue("id"), r.PathValue("method")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// fido2MethodDTO is Graph's fido2AuthenticationMethod as the list of all
// methods shows it.
type fido2MethodDTO struct {
	ODataType               string   `json:"@odata.type,omitempty"`
	ID                      string   `json:"id"`
	DisplayName             string   `json:"displayName"`
	CreatedDateTime         string   `json:"createdDateTime"`
	AAGUID                  string   `json:"aaGuid"`
	Model                   string   `json:"model"`
	AttestationCertificates []string `json:"attestationCertificates"`
	AttestationLevel        string   `json:"attestationLevel"`
}

// allMethodFields are the properties of every kind, for $select.
var allMethodFields = []string{"id", "password", "createdDateTime", "secretKey", "temporaryAccessPass", "startDateTime", "lifetimeInMinutes",
	"isUsableOnce", "isUsable", "methodUsabilityReason", "displayName", "aaGuid", "model", "attestationCertificates", "attestationLevel"}

func toMethodDTO(m credential.Method) any {
	switch m.Kind {
	case credential.KindPassword:
		d := toPasswordMethodDTO(*m.Password)
		d.ODataType = odataPasswordMethod
		return d
	case credential.KindSoftwareOath:
		d := toOathMethodDTO(*m.SoftwareOath)
		d.ODataType = odataOathMethod
		return d
	case credential.KindTemporaryAccessPass:
		d := toTAPMethodDTO(*m.Pass, nil)
		d.ODataType = odataTAPMethod
		return d
	default:
		k := m.Passkey
		level := "notAttested"
		if k.AttestationTrusted {
			level = "attested"
		}
		certs := k.AttestationCertificates
		if certs == nil {
			certs = []string{}
		}
		return fido2MethodDTO{ODataType: odataFido2Method, ID: k.ID, DisplayName: k.DisplayName, CreatedDateTime: graphTime(k.CreatedAt),
			AAGUID: k.AAGUID, Model: k.Model, AttestationCertificates: certs, AttestationLevel: level}
	}
}

// handleUserMethodList: GET /v1.0/users/{id}/authentication/methods.
func (a *API) handleUserMethodList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: allMethodFields})
	if err != nil {
		return err
	}
	ms, err := a.Credentials.List(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	items := make([]any, len(ms))
	for i, m := range ms {
		items[i] = toMethodDTO(m)
	}
	return a.writeList(w, r, userMethodsSet(r, "methods"), q, listOptions{fields: allMethodFields}, items, nil)
}

// handleUserMethodGet: GET /v1.0/users/{id}/authentication/methods/{method}.
func (a *API) handleUserMethodGet(w http.ResponseWriter, r *http.Request) error {
	ms, err := a.Credentials.List(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID == r.PathValue("method") {
			return a.writeOne(w, r, http.StatusOK, userMethodsSet(r, "methods"), toMethodDTO(m), allMethodFields)
		}
	}
	return errNoMethod(r.PathValue("method"))
}
