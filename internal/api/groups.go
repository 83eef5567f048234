package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
)

// groupDTO is Graph's group.
type groupDTO struct {
	ODataType          string   `json:"@odata.type,omitempty"`
	ID                 string   `json:"id"`
	DisplayName        string   `json:"displayName"`
	Description        *string  `json:"description"`
	MailNickname       string   `json:"mailNickname"`
	MailEnabled        bool     `json:"mailEnabled"`
	SecurityEnabled    bool     `json:"securityEnabled"`
	IsAssignableToRole bool     `json:"isAssignableToRole"`
	GroupTypes         []string `json:"groupTypes"`
	CreatedDateTime    string   `json:"createdDateTime"`
}

var groupFields = []string{"id", "displayName", "description", "mailNickname", "mailEnabled", "securityEnabled", "isAssignableToRole", "groupTypes", "createdDateTime"}

func toGroupDTO(g directory.Group) groupDTO {
	return groupDTO{ID: g.ID, DisplayName: g.DisplayName, Description: nullString(g.Description), MailNickname: g.MailNickname,
		MailEnabled: g.MailEnabled, SecurityEnabled: g.SecurityEnabled, IsAssignableToRole: g.IsAssignableToRole,
		GroupTypes: []string{}, CreatedDateTime: graphTime(g.CreatedDateTime)}
}

var groupList = listOptions{
	schema: odata.Schema{
		"id":          {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.In}},
		"displayName": {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.StartsWith}},
	},
	fields: groupFields,
}

func (a *API) handleGroupList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, groupList)
	if err != nil {
		return err
	}
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	f := directory.GroupFilter{After: after, Limit: q.Top + 1}
	for _, c := range q.Filter.Conditions {
		switch c.Property {
		case "id":
			f.IDs = append(f.IDs, strValues(c)...)
		case "displayName":
			setNameFilter(c, &f.DisplayName, &f.DisplayNamePrefix)
		}
	}
	gs, err := a.Directory.ListGroups(r.Context(), f)
	if err != nil {
		return err
	}
	gs, next := pageOf(gs, q.Top, func(g directory.Group) []string { return []string{g.ID} })
	items := make([]any, len(gs))
	for i, g := range gs {
		items[i] = toGroupDTO(g)
	}
	return a.writeList(w, r, "groups", q, groupList, items, next)
}

// writeGroupPage writes groups (a memberOf result) as directoryObjects,
// paging in memory: membership lists are bounded by what one user can be in.
func (a *API) writeGroupPage(w http.ResponseWriter, r *http.Request, q odata.Query, gs []directory.Group, fragment string) error {
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	var rest []directory.Group
	for _, g := range gs {
		if g.ID > after {
			rest = append(rest, g)
		}
	}
	rest, next := pageOf(rest, q.Top, func(g directory.Group) []string { return []string{g.ID} })
	items := make([]any, len(rest))
	for i, g := range rest {
		d := toGroupDTO(g)
		d.ODataType = "#microsoft.graph.group"
		items[i] = d
	}
	return a.writeList(w, r, fragment, q, listOptions{fields: groupFields}, items, next)
}

func (a *API) handleGroupGet(w http.ResponseWriter, r *http.Request) error {
	g, err := a.Directory.GetGroup(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, "groups", toGroupDTO(g), groupFields)
}

func (a *API) handleGroupCreate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.group", "displayName", "description", "mailNickname", "mailEnabled", "securityEnabled", "isAssignableToRole", "groupTypes"); err != nil {
		return err
	}
	var in directory.GroupInput
	if in.DisplayName, _, err = o.String("displayName", false); err != nil {
		return err
	}
	if in.Description, _, err = o.String("description", true); err != nil {
		return err
	}
	if in.MailNickname, _, err = o.String("mailNickname", false); err != nil {
		return err
	}
	if in.MailEnabled, err = o.Bool("mailEnabled"); err != nil {
		return err
	}
	if in.SecurityEnabled, err = o.Bool("securityEnabled"); err != nil {
		return err
	}
	ra, err := o.Bool("isAssignableToRole")
	if err != nil {
		return err
	}
	in.IsAssignableToRole = ra != nil && *ra
	types, _, err := o.Strings("groupTypes")
	if err != nil {
		return err
	}
	if len(types) > 0 {
		return apperr.Invalidf("Strongroom supports security groups with static membership only: groupTypes must be empty, not %v.", types)
	}
	g, err := a.Directory.CreateGroup(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/groups/"+g.ID)
	return a.writeOne(w, r, http.StatusCreated, "groups", toGroupDTO(g), groupFields)
}

func (a *API) handleGroupUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.group", "displayName", "description", "mailNickname"); err != nil {
		return err
	}
	var upd directory.GroupUpdate
	if upd.DisplayName, err = o.StringPtr("displayName", false); err != nil {
		return err
	}
	if upd.Description, err = o.StringPtr("description", true); err != nil {
		return err
	}
	if upd.MailNickname, err = o.StringPtr("mailNickname", false); err != nil {
		return err
	}
	if _, err := a.Directory.UpdateGroup(r.Context(), r.PathValue("id"), upd); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleGroupDelete(w http.ResponseWriter, r *http.Request) error {
	if err := a.Directory.DeleteGroup(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleGroupMembers(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{fields: userFields})
	if err != nil {
		return err
	}
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	ms, err := a.Directory.ListMembers(r.Context(), r.PathValue("id"), after, q.Top+1)
	if err != nil {
		return err
	}
	ms, next := pageOf(ms, q.Top, func(m directory.Member) []string { return []string{m.ID} })
	items, err := a.memberObjects(r.Context(), ms)
	if err != nil {
		return err
	}
	return a.writeList(w, r, "directoryObjects", q, listOptions{fields: append(append([]string{}, userFields...), groupFields...)}, items, next)
}

// memberObjects loads members as typed directory objects, in order.
func (a *API) memberObjects(ctx context.Context, ms []directory.Member) ([]any, error) {
	var uids, gids []string
	for _, m := range ms {
		if m.Type == directory.MemberGroup {
			gids = append(gids, m.ID)
		} else {
			uids = append(uids, m.ID)
		}
	}
	byID := map[string]any{}
	if len(uids) > 0 {
		us, err := a.Reader.FindUsers(ctx, directory.UserFilter{IDs: uids})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			d := toUserDTO(u)
			d.ODataType = "#microsoft.graph.user"
			byID[u.ID] = d
		}
	}
	if len(gids) > 0 {
		gs, err := a.Reader.FindGroups(ctx, directory.GroupFilter{IDs: gids})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			d := toGroupDTO(g)
			d.ODataType = "#microsoft.graph.group"
			byID[g.ID] = d
		}
	}
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		if v, ok := byID[m.ID]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// refID reads the object id from a $ref body: {"@odata.id": ".../directoryObjects/{id}"}.
func refID(r *http.Request) (string, error) {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return "", err
	}
	for k := range o {
		if k != "@odata.id" {
			return "", apperr.Invalidf("A $ref body has one property, @odata.id; %q is not allowed.", k)
		}
	}
	s, ok, err := o.String("@odata.id", false)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", apperr.Invalidf(`The body must be {"@odata.id": "https://…/v1.0/directoryObjects/{id}"}.`)
	}
	s = strings.TrimRight(s, "/")
	id := s[strings.LastIndex(s, "/")+1:]
	if id == "" || strings.ContainsAny(id, "?#") {
		return "", apperr.Invalidf("@odata.id %q does not end with an object id.", s)
	}
	return id, nil
}

func (a *API) handleGroupMemberAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := refID(r)
	if err != nil {
		return err
	}
	if err := a.Directory.AddMember(r.Context(), r.PathValue("id"), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleGroupMemberRemove(w http.ResponseWriter, r *http.Request) error {
	if err := a.Directory.RemoveMember(r.Context(), r.PathValue("id"), r.PathValue("member")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) handleGroupMemberOf(transitive bool) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseList(r, listOptions{fields: groupFields})
		if err != nil {
			return err
		}
		// The id must be a group's: /groups/{user id}/memberOf is a 404, not
		// the user's groups.
		g, err := a.Directory.GetGroup(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		gs, err := a.Directory.MemberOf(r.Context(), g.ID, transitive)
		if err != nil {
			return err
		}
		return a.writeGroupPage(w, r, q, gs, "directoryObjects")
	}
}
