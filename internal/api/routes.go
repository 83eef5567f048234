package api

import (
	"net/http"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/method"
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

	// Application registrations (the OpenID provider's clients).
	h("GET /v1.0/applications", a.handleApplicationList)
	h("POST /v1.0/applications", a.handleApplicationCreate)
	h("GET /v1.0/applications/{id}", a.handleApplicationGet)
	h("PATCH /v1.0/applications/{id}", a.handleApplicationUpdate)
	h("DELETE /v1.0/applications/{id}", a.handleApplicationDelete)
	h("POST /v1.0/applications/{id}/addPassword", a.handleApplicationAddPassword)
	h("POST /v1.0/applications/{id}/removePassword", a.handleApplicationRemovePassword)

	// Authentication methods: the policy (TAP and SoftwareOath here; Fido2
	// with the passkey work) and users' password, TOTP and TAP methods.
	h("GET /v1.0/policies/authenticationMethodsPolicy", a.handleMethodsPolicyGet)
	for _, id := range []string{method.TemporaryAccessPassID, method.SoftwareOathID} {
		p := "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/" + id
		h("GET "+p, a.handleMethodConfigurationGet(id))
		h("PATCH "+p, a.handleMethodConfigurationUpdate(id))
		h("DELETE "+p, a.handleMethodConfigurationDelete(id))
	}
	h("GET /v1.0/users/{id}/authentication/methods", a.handleUserMethodList)
	h("GET /v1.0/users/{id}/authentication/methods/{method}", a.handleUserMethodGet)
	h("GET /v1.0/users/{id}/authentication/passwordMethods", a.handlePasswordMethodList)
	h("GET /v1.0/users/{id}/authentication/passwordMethods/{method}", a.handlePasswordMethodGet)
	h("GET /v1.0/users/{id}/authentication/softwareOathMethods", a.handleOathMethodList)
	h("GET /v1.0/users/{id}/authentication/softwareOathMethods/{method}", a.handleOathMethodGet)
	h("DELETE /v1.0/users/{id}/authentication/softwareOathMethods/{method}", a.handleOathMethodDelete)
	h("POST /v1.0/users/{id}/authentication/temporaryAccessPassMethods", a.handleTAPMethodCreate)
	h("GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods", a.handleTAPMethodList)
	h("GET /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{method}", a.handleTAPMethodGet)
	h("DELETE /v1.0/users/{id}/authentication/temporaryAccessPassMethods/{method}", a.handleTAPMethodDelete)

	// Passkeys and security keys: the Fido2 method configuration and users'
	// fido2Methods.
	fido2 := "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/" + method.Fido2ID
	h("GET "+fido2, a.handleFido2ConfigurationGet)
	h("PATCH "+fido2, a.handleFido2ConfigurationUpdate)
	h("DELETE "+fido2, a.handleFido2ConfigurationDelete)
	h("GET /v1.0/users/{id}/authentication/fido2Methods", a.handleFido2MethodList)
	h("GET /v1.0/users/{id}/authentication/fido2Methods/{method}", a.handleFido2MethodGet)
	h("DELETE /v1.0/users/{id}/authentication/fido2Methods/{method}", a.handleFido2MethodDelete)

	// Conditional Access: section owned by the Conditional Access work
	// (conditionalaccess.go, signins.go).
	{
		const st = "/v1.0/policies/authenticationStrengthPolicies"
		h("GET "+st, a.handleCAStrengthList)
		h("POST "+st, a.handleCAStrengthCreate)
		h("GET "+st+"/{id}", a.handleCAStrengthGet)
		h("PATCH "+st+"/{id}", a.handleCAStrengthUpdate)
		h("DELETE "+st+"/{id}", a.handleCAStrengthDelete)
		h("GET "+st+"/{id}/usage", a.handleCAStrengthUsage)
		h("POST "+st+"/{id}/updateAllowedCombinations", a.handleCAStrengthUpdateCombinations)
		h("GET "+st+"/{id}/combinationConfigurations", a.handleCACombinationList)
		h("POST "+st+"/{id}/combinationConfigurations", a.handleCACombinationCreate)
		h("GET "+st+"/{id}/combinationConfigurations/{combination}", a.handleCACombinationGet)
		h("PATCH "+st+"/{id}/combinationConfigurations/{combination}", a.handleCACombinationUpdate)
		h("DELETE "+st+"/{id}/combinationConfigurations/{combination}", a.handleCACombinationDelete)
		const ca = "/v1.0/identity/conditionalAccess"
		h("GET "+ca+"/authenticationContextClassReferences", a.handleCAContextList)
		h("GET "+ca+"/authenticationContextClassReferences/{id}", a.handleCAContextGet)
		h("PATCH "+ca+"/authenticationContextClassReferences/{id}", a.handleCAContextSave)
		h("DELETE "+ca+"/authenticationContextClassReferences/{id}", a.handleCAContextDelete)
		h("GET "+ca+"/namedLocations", a.handleCALocationList)
		h("POST "+ca+"/namedLocations", a.handleCALocationCreate)
		h("GET "+ca+"/namedLocations/{id}", a.handleCALocationGet)
		h("PATCH "+ca+"/namedLocations/{id}", a.handleCALocationUpdate)
		h("DELETE "+ca+"/namedLocations/{id}", a.handleCALocationDelete)
		h("GET "+ca+"/policies", a.handleCAPolicyList)
		h("POST "+ca+"/policies", a.handleCAPolicyCreate)
		h("GET "+ca+"/policies/{id}", a.handleCAPolicyGet)
		h("PATCH "+ca+"/policies/{id}", a.handleCAPolicyUpdate)
		h("DELETE "+ca+"/policies/{id}", a.handleCAPolicyDelete)
		h("POST "+ca+"/evaluate", a.handleCAWhatIf)
		h("POST "+ca+"/import", a.handleCAImport) // Strongroom extension: docs/import.md
		h("GET /v1.0/auditLogs/signIns", a.handleSignInList)
		h("GET /v1.0/auditLogs/signIns/{id}", a.handleSignInGet)
	}

	// Privileged Identity Management: section owned by the PIM work
	// (pim_*.go).
	if a.PIM != nil {
		a.pimRoutes(h)
	}

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
