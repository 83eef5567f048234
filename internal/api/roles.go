package api

import (
	"net/http"
	"slices"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
)

// roleDefinitionDTO is Graph's unifiedRoleDefinition. allowedResourceActions
// lists the Graph permission names the role grants in Strongroom.
type roleDefinitionDTO struct {
	ID              string              `json:"id"`
	DisplayName     string              `json:"displayName"`
	Description     string              `json:"description"`
	IsBuiltIn       bool                `json:"isBuiltIn"`
	IsEnabled       bool                `json:"isEnabled"`
	IsPrivileged    bool                `json:"isPrivileged"`
	TemplateID      string              `json:"templateId"`
	Version         string              `json:"version"`
	RolePermissions []rolePermissionDTO `json:"rolePermissions"`
}

type rolePermissionDTO struct {
	AllowedResourceActions []string `json:"allowedResourceActions"`
	Condition              *string  `json:"condition"`
}

var roleDefinitionFields = []string{"id", "displayName", "description", "isBuiltIn", "isEnabled", "isPrivileged", "templateId", "version", "rolePermissions"}

func toRoleDefinitionDTO(r directory.RoleDefinition) roleDefinitionDTO {
	actions := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		actions[i] = string(p)
	}
	return roleDefinitionDTO{ID: r.ID, DisplayName: r.DisplayName, Description: r.Description, IsBuiltIn: true, IsEnabled: true,
		IsPrivileged: r.IsPrivileged, TemplateID: r.ID, Version: "1", RolePermissions: []rolePermissionDTO{{AllowedResourceActions: actions}}}
}

var roleDefinitionList = listOptions{
	schema: odata.Schema{
		"id":          {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"displayName": {Type: odata.String, Ops: []odata.Op{odata.Eq, odata.StartsWith}},
		"templateId":  {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
	fields: roleDefinitionFields,
}

func (a *API) handleRoleDefinitionList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, roleDefinitionList)
	if err != nil {
		return err
	}
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	rs, err := a.Directory.RoleDefinitions(r.Context())
	if err != nil {
		return err
	}
	rs = slices.DeleteFunc(rs, func(rd directory.RoleDefinition) bool { return !matchRoleDefinition(q.Filter, rd) })
	// The catalogue is small and fixed: page it in memory, in catalogue
	// order, with the last role's id as the cursor.
	if after != "" {
		i := slices.IndexFunc(rs, func(rd directory.RoleDefinition) bool { return rd.ID == after })
		if i < 0 {
			return apperr.Invalidf("the $skiptoken is not valid; start again from the first page")
		}
		rs = rs[i+1:]
	}
	rs, next := pageOf(rs, q.Top, func(rd directory.RoleDefinition) []string { return []string{rd.ID} })
	items := make([]any, len(rs))
	for i, rd := range rs {
		items[i] = toRoleDefinitionDTO(rd)
	}
	return a.writeList(w, r, "roleManagement/directory/roleDefinitions", q, roleDefinitionList, items, next)
}

func matchRoleDefinition(f odata.Filter, rd directory.RoleDefinition) bool {
	for _, c := range f.Conditions {
		var v string
		switch c.Property {
		case "id", "templateId":
			v = rd.ID
		case "displayName":
			v = rd.DisplayName
		}
		switch c.Op {
		case odata.Eq:
			if v != c.Value.Str {
				return false
			}
		case odata.StartsWith:
			if len(v) < len(c.Value.Str) || v[:len(c.Value.Str)] != c.Value.Str {
				return false
			}
		}
	}
	return true
}

func (a *API) handleRoleDefinitionGet(w http.ResponseWriter, r *http.Request) error {
	rd, err := a.Directory.RoleDefinition(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, "roleManagement/directory/roleDefinitions", toRoleDefinitionDTO(rd), roleDefinitionFields)
}

// roleAssignmentDTO is Graph's unifiedRoleAssignment: an active assignment.
type roleAssignmentDTO struct {
	ID               string  `json:"id"`
	PrincipalID      string  `json:"principalId"`
	RoleDefinitionID string  `json:"roleDefinitionId"`
	DirectoryScopeID string  `json:"directoryScopeId"`
	AppScopeID       *string `json:"appScopeId"`
}

var roleAssignmentFields = []string{"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"}

func toRoleAssignmentDTO(ra directory.RoleAssignment) roleAssignmentDTO {
	return roleAssignmentDTO{ID: ra.ID, PrincipalID: ra.PrincipalID, RoleDefinitionID: ra.RoleDefinitionID, DirectoryScopeID: ra.DirectoryScopeID}
}

var roleAssignmentList = listOptions{
	schema: odata.Schema{
		"id":               {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"principalId":      {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"roleDefinitionId": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
	fields: roleAssignmentFields,
}

func (a *API) handleRoleAssignmentList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, roleAssignmentList)
	if err != nil {
		return err
	}
	after, err := afterCursor(q)
	if err != nil {
		return err
	}
	now := a.Now()
	f := directory.RoleAssignmentFilter{Kind: directory.Active, InForceAt: &now, After: after, Limit: q.Top + 1}
	if v, ok := eqString(q.Filter, "id"); ok {
		f.ID = v
	}
	if v, ok := eqString(q.Filter, "principalId"); ok {
		f.PrincipalIDs = []string{v}
	}
	if v, ok := eqString(q.Filter, "roleDefinitionId"); ok {
		f.RoleDefinitionID = v
	}
	as, err := a.Directory.ListRoleAssignments(r.Context(), f)
	if err != nil {
		return err
	}
	as, next := pageOf(as, q.Top, func(x directory.RoleAssignment) []string { return []string{x.ID} })
	items := make([]any, len(as))
	for i, x := range as {
		items[i] = toRoleAssignmentDTO(x)
	}
	return a.writeList(w, r, "roleManagement/directory/roleAssignments", q, roleAssignmentList, items, next)
}

func (a *API) handleRoleAssignmentGet(w http.ResponseWriter, r *http.Request) error {
	ra, err := a.Directory.GetRoleAssignment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if ra.Kind != directory.Active {
		return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", ra.ID).WithCode("Request_ResourceNotFound")
	}
	return a.writeOne(w, r, http.StatusOK, "roleManagement/directory/roleAssignments", toRoleAssignmentDTO(ra), roleAssignmentFields)
}

func (a *API) handleRoleAssignmentCreate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.unifiedRoleAssignment", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"); err != nil {
		return err
	}
	var in directory.RoleAssignmentInput
	if in.PrincipalID, _, err = o.String("principalId", false); err != nil {
		return err
	}
	if in.RoleDefinitionID, _, err = o.String("roleDefinitionId", false); err != nil {
		return err
	}
	if in.DirectoryScopeID, _, err = o.String("directoryScopeId", false); err != nil {
		return err
	}
	if s, _, err := o.String("appScopeId", true); err != nil {
		return err
	} else if s != "" {
		return apperr.Invalidf("appScopeId is not supported; leave it out.")
	}
	if in.PrincipalID == "" || in.RoleDefinitionID == "" {
		return apperr.Invalidf("principalId and roleDefinitionId are required.")
	}
	in.Kind = directory.Active
	ra, err := a.Directory.CreateRoleAssignment(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.PublicURL.String()+"/v1.0/roleManagement/directory/roleAssignments/"+ra.ID)
	return a.writeOne(w, r, http.StatusCreated, "roleManagement/directory/roleAssignments", toRoleAssignmentDTO(ra), roleAssignmentFields)
}

func (a *API) handleRoleAssignmentDelete(w http.ResponseWriter, r *http.Request) error {
	// Check the write permission first, so that a caller without it is told
	// what it needs rather than the read permission the lookup takes.
	if err := authz.Require(r.Context(), authz.RoleManagementReadWriteDirectory); err != nil {
		return err
	}
	ra, err := a.Directory.GetRoleAssignment(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if ra.Kind != directory.Active {
		return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", ra.ID).WithCode("Request_ResourceNotFound")
	}
	if err := a.Directory.DeleteRoleAssignment(r.Context(), ra.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
