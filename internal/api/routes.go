package api

import (
	"net/http"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
)

// Routes registers the API on mux under /v1.0.
func (a *API) Routes(mux *http.ServeMux) {
	h := func(pattern string, f httpx.Func) { mux.Handle(pattern, a.authed(f)) }

	h("GET /v1.0/users", a.handleUserList)
	h("POST /v1.0/users", a.handleUserCreate)
	h("GET /v1.0/users/{id}", a.handleUserGet)
	h("PATCH /v1.0/users/{id}", a.handleUserUpdate)
	h("DELETE /v1.0/users/{id}", a.handleUserDelete)
	h("GET /v1.0/users/{id}/memberOf", a.handleUserMemberOf(false))
	h("GET /v1.0/users/{id}/transitiveMemberOf", a.handleUserMemberOf(true))

	h("GET /v1.0/groups", a.handleGroupList)
	h("POST /v1.0/groups", a.handleGroupCreate)
	h("GET /v1.0/groups/{id}", a.handleGroupGet)
	h("PATCH /v1.0/groups/{id}", a.handleGroupUpdate)
	h("DELETE /v1.0/groups/{id}", a.handleGroupDelete)
	h("GET /v1.0/groups/{id}/members", a.handleGroupMembers)
	h("POST /v1.0/groups/{id}/members/$ref", a.handleGroupMemberAdd)
	h("DELETE /v1.0/groups/{id}/members/{member}/$ref", a.handleGroupMemberRemove)
	h("GET /v1.0/groups/{id}/memberOf", a.handleGroupMemberOf(false))
	h("GET /v1.0/groups/{id}/transitiveMemberOf", a.handleGroupMemberOf(true))

	h("GET /v1.0/roleManagement/directory/roleDefinitions", a.handleRoleDefinitionList)
	h("GET /v1.0/roleManagement/directory/roleDefinitions/{id}", a.handleRoleDefinitionGet)
	h("GET /v1.0/roleManagement/directory/roleAssignments", a.handleRoleAssignmentList)
	h("POST /v1.0/roleManagement/directory/roleAssignments", a.handleRoleAssignmentCreate)
	h("GET /v1.0/roleManagement/directory/roleAssignments/{id}", a.handleRoleAssignmentGet)
	h("DELETE /v1.0/roleManagement/directory/roleAssignments/{id}", a.handleRoleAssignmentDelete)

	h("GET /v1.0/auditLogs/directoryAudits", a.handleAuditList)
	h("GET /v1.0/auditLogs/directoryAudits/{id}", a.handleAuditGet)

	// Anything else under /v1.0 is a Graph-shaped 405 for a known path with
	// the wrong method, or 404. The mux cannot answer 405 itself: this
	// catch-all pattern matches every method.
	mux.Handle("/v1.0/", httpx.Handle(a.Log, func(w http.ResponseWriter, r *http.Request) error {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			_, body := httpx.ToGraph(r.Context(), apperr.Invalidf("The method %s is not allowed on '%s'; allowed: %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			httpx.WriteJSON(w, http.StatusMethodNotAllowed, body)
			return nil
		}
		return apperr.NotFoundf("Resource not found for the segment '%s'.", r.URL.Path).WithCode("Request_ResourceNotFound")
	}))
}

// allowedMethods lists the methods that have a route for r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); strings.HasPrefix(pattern, m+" ") {
			out = append(out, m)
		}
	}
	return out
}
