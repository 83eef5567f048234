package api

import (
	"net/http"

	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
)

// userDTO is Graph's user.
type userDTO struct {
	ODataType         string  `json:"@odata.type,omitempty"`
	ID                string  `json:"id"`
	UserPrincipalName string  `json:"userPrincipalName"`
	DisplayName       string  `json:"displayName"`
	Mail              *string `json:"mail"`
	AccountEnabled    bool    `json:"accountEnabled"`
	UserType          string  `json:"userType"`
	CreatedDateTime   string  `json:"createdDateTime"`
}

var userFields = []string{"id", "userPrincipalName", "displayName", "mail", "accountEnabled", "userType", "createdDateTime"}

func toUserDTO(u directory.User) userDTO {
	return userDTO{ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, Mail: nullString(u.Mail),
		AccountEnabled: u.AccountEnabled, UserType: u.UserType, CreatedDateTime: graphTime(u.CreatedDateTime)}
}

var userList = listOptions{
	schema: odata.Schema{
		"id":                {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.In}},
		"userPrincipalName": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"displayName":       {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.StartsWith}},
		"mail":              {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
	fields: userFields,
}

func (a *API) handleUserList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, userList)
	if err != nil {
		return err
	}
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	f := directory.UserFilter{After: after, Limit: q.Top + 1}
	for _, c := range q.Filter.Conditions {
		switch c.Property {
		case "id":
			f.IDs = append(f.IDs, strValues(c)...)
		case "userPrincipalName":
			f.UPN = c.Value.Str
		case "displayName":
			setNameFilter(c, &f.DisplayName, &f.DisplayNamePrefix)
		case "mail":
			f.Mail = c.Value.Str
		}
	}
	us, err := a.Directory.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	us, next := pageOf(us, q.Top, func(u directory.User) []string { return []string{u.ID} })
	items := make([]any, len(us))
	for i, u := range us {
		items[i] = toUserDTO(u)
	}
	return a.writeList(w, r, "users", q, userList, items, next)
}

func (a *API) handleUserGet(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Directory.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, "users", toUserDTO(u), userFields)
}

var userWritable = []string{"userPrincipalName", "displayName", "mail", "accountEnabled", "userType", "mailNickname", "passwordProfile"}

func (a *API) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.user", userWritable...); err != nil {
		return err
	}
	var in directory.UserInput
	if in.UserPrincipalName, _, err = o.String("userPrincipalName", false); err != nil {
		return err
	}
	if in.DisplayName, _, err = o.String("displayName", false); err != nil {
		return err
	}
	if in.Mail, _, err = o.String("mail", true); err != nil {
		return err
	}
	if in.UserType, _, err = o.String("userType", false); err != nil {
		return err
	}
	if in.AccountEnabled, err = o.Bool("accountEnabled"); err != nil {
		return err
	}
	// mailNickname and passwordProfile are accepted for compatibility with
	// Graph scripts; Strongroom is passwordless by default and ignores them.
	if _, _, err = o.String("mailNickname", true); err != nil {
		return err
	}
	u, err := a.Directory.CreateUser(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/users/"+u.ID)
	return a.writeOne(w, r, http.StatusCreated, "users", toUserDTO(u), userFields)
}

func (a *API) handleUserUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.user", "userPrincipalName", "displayName", "mail", "accountEnabled", "userType"); err != nil {
		return err
	}
	var upd directory.UserUpdate
	if upd.UserPrincipalName, err = o.StringPtr("userPrincipalName", false); err != nil {
		return err
	}
	if upd.DisplayName, err = o.StringPtr("displayName", false); err != nil {
		return err
	}
	if upd.Mail, err = o.StringPtr("mail", true); err != nil {
		return err
	}
	if upd.UserType, err = o.StringPtr("userType", false); err != nil {
		return err
	}
	if upd.AccountEnabled, err = o.Bool("accountEnabled"); err != nil {
		return err
	}
	if _, err := a.Directory.UpdateUser(r.Context(), r.PathValue("id"), upd); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleUserDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.Directory.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleUserMemberOf(transitive bool) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseList(r, listOptions{fields: groupFields})
		if err != nil {
			return err
		}
		u, err := a.Directory.GetUser(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		gs, err := a.Directory.MemberOf(r.Context(), u.ID, transitive)
		if err != nil {
			return err
		}
		return a.writeGroupPage(w, r, q, gs, "directoryObjects")
	}
}
