package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/pim"
	"github.com/strongroom-id/strongroom/internal/privilege"
)

// Role settings: Graph's role management policies for directory roles
// (entra.md §5.1–5.3), one per role, with the 17 rules.

const policiesPath = "/v1.0/policies/roleManagementPolicies"

// pimRoutes registers PIM's part of the API.
func (a *API) pimRoutes(h func(string, httpx.Func)) {
	h("GET "+policiesPath, a.handlePIMPolicyList)
	h("GET "+policiesPath+"/{id}", a.handlePIMPolicyGet)
	h("GET "+policiesPath+"/{id}/rules", a.handlePIMRuleList(false))
	h("GET "+policiesPath+"/{id}/effectiveRules", a.handlePIMRuleList(true))
	h("GET "+policiesPath+"/{id}/rules/{rule}", a.handlePIMRuleGet)
	h("PATCH "+policiesPath+"/{id}/rules/{rule}", a.handlePIMRuleUpdate)
	h("GET /v1.0/policies/roleManagementPolicyAssignments", a.handlePIMPolicyAssignmentList)
	h("GET /v1.0/policies/roleManagementPolicyAssignments/{id}", a.handlePIMPolicyAssignmentGet)

	const rd = "/v1.0/roleManagement/directory"
	for _, l := range []pim.Level{pim.Assignment, pim.Eligibility} {
		res := requestsResource(l)
		h("GET "+rd+"/"+res, a.handlePIMRequestList(l))
		h("POST "+rd+"/"+res, a.handlePIMRequestCreate(l))
		h("GET "+rd+"/"+res+"/{id}", a.handlePIMRequestGet(l))
		h("POST "+rd+"/"+res+"/{id}/cancel", a.handlePIMRequestCancel(l))
		h("GET "+rd+"/"+schedulesResource(l, false), a.handlePIMScheduleList(l, false))
		h("GET "+rd+"/"+schedulesResource(l, false)+"/{id}", a.handlePIMScheduleGet(l, false))
		h("GET "+rd+"/"+schedulesResource(l, true), a.handlePIMScheduleList(l, true))
		h("GET "+rd+"/"+schedulesResource(l, true)+"/{id}", a.handlePIMScheduleGet(l, true))
	}
	h("GET "+rd+"/roleAssignmentApprovals/{id}", a.handlePIMApprovalGet)
	h("GET "+rd+"/roleAssignmentApprovals/{id}/steps", a.handlePIMApprovalSteps)
	h("GET "+rd+"/roleAssignmentApprovals/{id}/steps/{step}", a.handlePIMApprovalStepGet)
	h("PATCH "+rd+"/roleAssignmentApprovals/{id}/steps/{step}", a.handlePIMApprovalStepUpdate)
	h("GET /v1.0/roleManagement/directory/emergencyAccessAccounts", a.handleEmergencyAccounts)
}

// policyDTO is unifiedRoleManagementPolicy.
type policyDTO struct {
	ID                    string           `json:"id"`
	DisplayName           string           `json:"displayName"`
	Description           string           `json:"description"`
	IsOrganizationDefault bool             `json:"isOrganizationDefault"`
	ScopeID               string           `json:"scopeId"`
	ScopeType             string           `json:"scopeType"`
	LastModifiedDateTime  *string          `json:"lastModifiedDateTime"`
	LastModifiedBy        *identityDTO     `json:"lastModifiedBy"`
	Rules                 []map[string]any `json:"rules,omitempty"`
	EffectiveRules        []map[string]any `json:"effectiveRules,omitempty"`
}

// identityDTO is Graph's identity.
type identityDTO struct {
	ID          string  `json:"id"`
	DisplayName *string `json:"displayName"`
}

var policyFields = []string{"id", "displayName", "description", "isOrganizationDefault", "scopeId", "scopeType", "lastModifiedDateTime", "lastModifiedBy", "rules", "effectiveRules"}

func toPolicyDTO(p privilege.Policy, rules, effective bool) policyDTO {
	d := policyDTO{ID: p.ID, DisplayName: "Directory role policy: " + p.RoleName, Description: "Privileged Identity Management settings of " + p.RoleName + ".",
		ScopeID: "/", ScopeType: "DirectoryRole", LastModifiedDateTime: graphTimePtr(p.LastModifiedAt)}
	if p.LastModifiedBy != nil {
		d.LastModifiedBy = &identityDTO{ID: p.LastModifiedBy.ID, DisplayName: nullString(p.LastModifiedBy.DisplayName)}
	}
	if rules {
		d.Rules = rulesDTO(p.Settings)
	}
	if effective {
		d.EffectiveRules = rulesDTO(p.Settings)
	}
	return d
}

func rulesDTO(s pim.Settings) []map[string]any {
	out := make([]map[string]any, len(s.Rules))
	for i, r := range s.Rules {
		out[i] = ruleDTO(r)
	}
	return out
}

// ruleDTO writes a rule in Graph's shape for its derived type.
func ruleDTO(r pim.Rule) map[string]any {
	m := map[string]any{"@odata.type": r.ID.Kind().ODataType(), "id": string(r.ID), "target": targetDTO(r.Target)}
	switch {
	case r.Expiration != nil:
		m["isExpirationRequired"] = r.Expiration.IsExpirationRequired
		m["maximumDuration"] = pim.FormatDuration(r.Expiration.MaximumDuration)
	case r.Enablement != nil:
		m["enabledRules"] = nonNil(r.Enablement.EnabledRules)
	case r.AuthenticationContext != nil:
		m["isEnabled"] = r.AuthenticationContext.IsEnabled
		m["claimValue"] = nullString(r.AuthenticationContext.ClaimValue)
	case r.Approval != nil:
		a := r.Approval
		stages := make([]map[string]any, len(a.ApprovalStages))
		for i, st := range a.ApprovalStages {
			stages[i] = map[string]any{
				"approvalStageTimeOutInDays": st.ApprovalStageTimeOutInDays, "isApproverJustificationRequired": st.IsApproverJustificationRequired,
				"escalationTimeInMinutes": st.EscalationTimeInMinutes, "isEscalationEnabled": st.IsEscalationEnabled,
				"primaryApprovers": subjectsDTO(st.PrimaryApprovers), "escalationApprovers": subjectsDTO(st.EscalationApprovers),
			}
		}
		m["setting"] = map[string]any{"isApprovalRequired": a.IsApprovalRequired, "isApprovalRequiredForExtension": a.IsApprovalRequiredForExtension,
			"isRequestorJustificationRequired": a.IsRequestorJustificationRequired, "approvalMode": a.ApprovalMode, "approvalStages": stages}
	case r.Notification != nil:
		n := r.Notification
		m["notificationType"] = n.NotificationType
		m["recipientType"] = n.RecipientType
		m["notificationLevel"] = n.NotificationLevel
		m["isDefaultRecipientsEnabled"] = n.IsDefaultRecipientsEnabled
		m["notificationRecipients"] = nonNil(n.NotificationRecipients)
	}
	return m
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func targetDTO(t pim.Target) map[string]any {
	return map[string]any{"caller": t.Caller, "operations": nonNil(t.Operations), "level": string(t.Level),
		"inheritableSettings": nonNil(t.InheritableSettings), "enforcedSettings": nonNil(t.EnforcedSettings)}
}

func subjectsDTO(ss []pim.Subject) []map[string]any {
	out := make([]map[string]any, len(ss))
	for i, s := range ss {
		m := map[string]any{"@odata.type": s.Type, "description": nullString(s.Description)}
		if s.Type == pim.SubjectGroup {
			m["groupId"] = s.ID
		} else {
			m["userId"] = s.ID
		}
		out[i] = m
	}
	return out
}

// policyQuery reads a policy request's query: $filter on scopeId and
// scopeType (eq), $expand=rules or effectiveRules, $select.
type policyQuery struct {
	q                odata.Query
	rules, effective bool
	match            bool // the filter can match directory role policies
	roleID           string
}

func parsePolicyQuery(r *http.Request, collection bool) (policyQuery, error) {
	var pq policyQuery
	top := 1
	if collection {
		top = 100
	}
	q, err := odata.ParseQuery(r.URL.Query(), top, 999)
	if err != nil {
		return pq, err
	}
	pq.q, pq.match = q, true
	if len(q.OrderBy) > 0 || q.Count {
		return pq, apperr.Invalidf("$orderby and $count are not supported on role management policies.")
	}
	for _, e := range q.Expand {
		switch e {
		case "rules":
			pq.rules = true
		case "effectiveRules":
			pq.effective = true
		default:
			return pq, apperr.Invalidf("$expand supports rules and effectiveRules, not %q.", e)
		}
	}
	if len(q.Filter.Conditions) > 0 {
		if !collection {
			return pq, apperr.Invalidf("$filter is not supported when reading one policy.")
		}
		schema := odata.Schema{
			"scopeId":   {Type: odata.String, Ops: []odata.Op{odata.Eq}},
			"scopeType": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
			"id":        {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		}
		if err := q.Filter.Check(schema); err != nil {
			return pq, err
		}
		if err := checkConditions(q.Filter); err != nil {
			return pq, err
		}
	}
	if v, ok := eqString(q.Filter, "scopeId"); ok && v != "/" {
		pq.match = false
	}
	if v, ok := eqString(q.Filter, "scopeType"); ok && v != "DirectoryRole" {
		pq.match = false
	}
	return pq, nil
}

func (a *API) handlePIMPolicyList(w http.ResponseWriter, r *http.Request) error {
	pq, err := parsePolicyQuery(r, true)
	if err != nil {
		return err
	}
	ps, err := a.PIM.Policies(r.Context())
	if err != nil {
		return err
	}
	after, err := afterCursor(pq.q)
	if err != nil {
		return err
	}
	var items []any
	var last string
	idFilter, byID := eqString(pq.q.Filter, "id")
	started := after == ""
	for _, p := range ps {
		if !pq.match || byID && !strings.EqualFold(p.ID, idFilter) {
			continue
		}
		if !started {
			started = p.ID == after
			continue
		}
		if len(items) == pq.q.Top {
			return a.writeList(w, r, "policies/roleManagementPolicies", pq.q, listOptions{fields: policyFields}, items, []string{last})
		}
		items = append(items, toPolicyDTO(p, pq.rules, pq.effective))
		last = p.ID
	}
	return a.writeList(w, r, "policies/roleManagementPolicies", pq.q, listOptions{fields: policyFields}, items, nil)
}

func (a *API) handlePIMPolicyGet(w http.ResponseWriter, r *http.Request) error {
	pq, err := parsePolicyQuery(r, false)
	if err != nil {
		return err
	}
	p, err := a.PIM.Policy(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	m, err := toMap(toPolicyDTO(p, pq.rules, pq.effective))
	if err != nil {
		return err
	}
	out, err := odata.Select(m, pq.q.Select, policyFields)
	if err != nil {
		return err
	}
	out["@odata.context"] = a.contextURL("policies/roleManagementPolicies/$entity")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) handlePIMRuleList(effective bool) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseList(r, listOptions{})
		if err != nil {
			return err
		}
		p, err := a.PIM.Policy(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		items := make([]any, 0, 17)
		for _, rule := range rulesDTO(p.Settings) {
			items = append(items, rule)
		}
		frag := "policies/roleManagementPolicies('" + p.ID + "')/rules"
		if effective {
			frag = "policies/roleManagementPolicies('" + p.ID + "')/effectiveRules"
		}
		if len(items) > q.Top {
			items = items[:q.Top]
		}
		return a.writeList(w, r, frag, q, listOptions{}, items, nil)
	}
}

func (a *API) ruleOf(r *http.Request) (privilege.Policy, pim.Rule, error) {
	p, err := a.PIM.Policy(r.Context(), r.PathValue("id"))
	if err != nil {
		return p, pim.Rule{}, err
	}
	id := pim.RuleID(r.PathValue("rule"))
	rule, ok := p.Settings.Rule(id)
	if !ok {
		return p, rule, apperr.NotFoundf("There is no rule %q in a role management policy.", id).WithCode("Request_ResourceNotFound")
	}
	return p, rule, nil
}

func (a *API) handlePIMRuleGet(w http.ResponseWriter, r *http.Request) error {
	p, rule, err := a.ruleOf(r)
	if err != nil {
		return err
	}
	out := ruleDTO(rule)
	out["@odata.context"] = a.contextURL("policies/roleManagementPolicies('" + p.ID + "')/rules/$entity")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) handlePIMRuleUpdate(w http.ResponseWriter, r *http.Request) error {
	p, cur, err := a.ruleOf(r)
	if err != nil {
		return err
	}
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	rule, err := decodeRule(o, cur)
	if err != nil {
		return err
	}
	p, err = a.PIM.UpdateRules(r.Context(), p.ID, []pim.Rule{rule})
	if err != nil {
		return err
	}
	updated, _ := p.Settings.Rule(rule.ID)
	out := ruleDTO(updated)
	out["@odata.context"] = a.contextURL("policies/roleManagementPolicies('" + p.ID + "')/rules/$entity")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// decodeRule lays a PATCH body over the current rule. The body may repeat
// @odata.type, id and target, but not change them.
func decodeRule(o httpx.Object, cur pim.Rule) (pim.Rule, error) {
	kind := cur.ID.Kind()
	typeName := strings.TrimPrefix(kind.ODataType(), "#")
	if t, ok := o["@odata.type"]; ok {
		var s string
		if json.Unmarshal(t, &s) != nil || !strings.EqualFold(strings.TrimPrefix(s, "#"), typeName) {
			return cur, apperr.Invalidf("Rule %s is a %s; @odata.type %s does not match.", cur.ID, typeName, string(t)).WithCode("InvalidPolicyRule")
		}
	}
	common := []string{"id", "target"}
	var allowed []string
	switch kind {
	case pim.KindExpiration:
		allowed = []string{"isExpirationRequired", "maximumDuration"}
	case pim.KindEnablement:
		allowed = []string{"enabledRules"}
	case pim.KindAuthenticationContext:
		allowed = []string{"isEnabled", "claimValue"}
	case pim.KindApproval:
		allowed = []string{"setting"}
	case pim.KindNotification:
		allowed = []string{"notificationType", "recipientType", "notificationLevel", "isDefaultRecipientsEnabled", "notificationRecipients"}
	}
	if err := o.Allow(typeName, append(common, allowed...)...); err != nil {
		return cur, err
	}
	if id, ok, err := o.String("id", false); err != nil {
		return cur, err
	} else if ok && id != string(cur.ID) {
		return cur, apperr.Invalidf("The id in the body (%q) is not the rule in the path (%s).", id, cur.ID)
	}
	out := cur
	if o.Has("target") {
		var t struct {
			Caller              string   `json:"caller"`
			Operations          []string `json:"operations"`
			Level               string   `json:"level"`
			InheritableSettings []string `json:"inheritableSettings"`
			EnforcedSettings    []string `json:"enforcedSettings"`
			TargetObjects       []any    `json:"targetObjects"`
		}
		if _, err := o.Decode("target", &t); err != nil {
			return cur, err
		}
		out.Target = pim.Target{Caller: t.Caller, Operations: t.Operations, Level: pim.Level(t.Level), InheritableSettings: t.InheritableSettings, EnforcedSettings: t.EnforcedSettings}
	}
	var err error
	switch kind {
	case pim.KindExpiration:
		e := *cur.Expiration
		if b, err := o.Bool("isExpirationRequired"); err != nil {
			return cur, err
		} else if b != nil {
			e.IsExpirationRequired = *b
		}
		if s, ok, err := o.String("maximumDuration", false); err != nil {
			return cur, err
		} else if ok {
			if e.MaximumDuration, err = pim.ParseDuration(s); err != nil {
				return cur, apperr.Invalidf("Rule %s: maximumDuration: %s.", cur.ID, err).WithCode("InvalidPolicyRule")
			}
		}
		out.Expiration = &e
	case pim.KindEnablement:
		e := *cur.Enablement
		if ss, ok, err := o.Strings("enabledRules"); err != nil {
			return cur, err
		} else if ok {
			e.EnabledRules = nonNil(ss)
		}
		out.Enablement = &e
	case pim.KindAuthenticationContext:
		c := *cur.AuthenticationContext
		if b, err := o.Bool("isEnabled"); err != nil {
			return cur, err
		} else if b != nil {
			c.IsEnabled = *b
		}
		if s, ok, err := o.String("claimValue", true); err != nil {
			return cur, err
		} else if ok {
			c.ClaimValue = s
		}
		out.AuthenticationContext = &c
	case pim.KindApproval:
		if o.Has("setting") {
			var a pim.ApprovalSettings
			if a, err = decodeApproval(o["setting"], cur.ID); err != nil {
				return cur, err
			}
			out.Approval = &a
		}
	case pim.KindNotification:
		n := *cur.Notification
		for _, f := range []struct {
			name string
			dst  *string
		}{{"notificationType", &n.NotificationType}, {"recipientType", &n.RecipientType}, {"notificationLevel", &n.NotificationLevel}} {
			if s, ok, err := o.String(f.name, false); err != nil {
				return cur, err
			} else if ok {
				*f.dst = s
			}
		}
		if b, err := o.Bool("isDefaultRecipientsEnabled"); err != nil {
			return cur, err
		} else if b != nil {
			n.IsDefaultRecipientsEnabled = *b
		}
		if ss, ok, err := o.Strings("notificationRecipients"); err != nil {
			return cur, err
		} else if ok {
			n.NotificationRecipients = nonNil(ss)
		}
		out.Notification = &n
	}
	return out, nil
}

// decodeApproval reads approvalSettings.
func decodeApproval(raw json.RawMessage, id pim.RuleID) (pim.ApprovalSettings, error) {
	var a pim.ApprovalSettings
	o, err := httpx.ParseObject(raw)
	if err != nil {
		return a, apperr.Invalidf("Rule %s: setting must be an approvalSettings object.", id).WithCode("InvalidPolicyRule")
	}
	if err := o.Allow("microsoft.graph.approvalSettings", "isApprovalRequired", "isApprovalRequiredForExtension", "isRequestorJustificationRequired", "approvalMode", "approvalStages"); err != nil {
		return a, err
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"isApprovalRequired", &a.IsApprovalRequired}, {"isApprovalRequiredForExtension", &a.IsApprovalRequiredForExtension}, {"isRequestorJustificationRequired", &a.IsRequestorJustificationRequired}} {
		if b, err := o.Bool(f.name); err != nil {
			return a, err
		} else if b != nil {
			*f.dst = *b
		}
	}
	if a.ApprovalMode, _, err = o.String("approvalMode", false); err != nil {
		return a, err
	}
	if a.ApprovalMode == "" {
		a.ApprovalMode = pim.ApprovalSingleStage
	}
	var stages []json.RawMessage
	if _, err := o.Decode("approvalStages", &stages); err != nil {
		return a, err
	}
	a.ApprovalStages = []pim.ApprovalStage{}
	for _, sr := range stages {
		so, err := httpx.ParseObject(sr)
		if err != nil {
			return a, apperr.Invalidf("Rule %s: each approval stage must be an object.", id).WithCode("InvalidPolicyRule")
		}
		if err := so.Allow("microsoft.graph.unifiedApprovalStage", "approvalStageTimeOutInDays", "isApproverJustificationRequired", "escalationTimeInMinutes", "isEscalationEnabled", "primaryApprovers", "escalationApprovers"); err != nil {
			return a, err
		}
		st := pim.ApprovalStage{ApprovalStageTimeOutInDays: 1, IsApproverJustificationRequired: true}
		if n, err := so.Int("approvalStageTimeOutInDays"); err != nil {
			return a, err
		} else if n != nil {
			st.ApprovalStageTimeOutInDays = *n
		}
		if n, err := so.Int("escalationTimeInMinutes"); err != nil {
			return a, err
		} else if n != nil {
			st.EscalationTimeInMinutes = *n
		}
		for _, f := range []struct {
			name string
			dst  *bool
		}{{"isApproverJustificationRequired", &st.IsApproverJustificationRequired}, {"isEscalationEnabled", &st.IsEscalationEnabled}} {
			if b, err := so.Bool(f.name); err != nil {
				return a, err
			} else if b != nil {
				*f.dst = *b
			}
		}
		for _, f := range []struct {
			name string
			dst  *[]pim.Subject
		}{{"primaryApprovers", &st.PrimaryApprovers}, {"escalationApprovers", &st.EscalationApprovers}} {
			var subs []map[string]any
			if _, err := so.Decode(f.name, &subs); err != nil {
				return a, err
			}
			*f.dst = []pim.Subject{}
			for _, sub := range subs {
				t, _ := sub["@odata.type"].(string)
				if t != "" && !strings.HasPrefix(t, "#") {
					t = "#" + t
				}
				s := pim.Subject{Type: t}
				if v, _ := sub["userId"].(string); v != "" {
					s.ID = v
					if s.Type == "" {
						s.Type = pim.SubjectUser
					}
				}
				if v, _ := sub["groupId"].(string); v != "" {
					s.ID = v
					if s.Type == "" {
						s.Type = pim.SubjectGroup
					}
				}
				s.Description, _ = sub["description"].(string)
				*f.dst = append(*f.dst, s)
			}
		}
		a.ApprovalStages = append(a.ApprovalStages, st)
	}
	return a, nil
}

// policyAssignmentDTO is unifiedRoleManagementPolicyAssignment.
type policyAssignmentDTO struct {
	ID               string `json:"id"`
	PolicyID         string `json:"policyId"`
	ScopeID          string `json:"scopeId"`
	ScopeType        string `json:"scopeType"`
	RoleDefinitionID string `json:"roleDefinitionId"`
}

var policyAssignmentList = listOptions{
	schema: odata.Schema{
		"scopeId":          {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"scopeType":        {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"roleDefinitionId": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"policyId":         {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
	fields: []string{"id", "policyId", "scopeId", "scopeType", "roleDefinitionId"},
}

func toPolicyAssignmentDTO(p privilege.Policy) policyAssignmentDTO {
	return policyAssignmentDTO{ID: p.AssignmentID, PolicyID: p.ID, ScopeID: "/", ScopeType: "DirectoryRole", RoleDefinitionID: p.RoleDefinitionID}
}

func (a *API) handlePIMPolicyAssignmentList(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, policyAssignmentList)
	if err != nil {
		return err
	}
	ps, err := a.PIM.Policies(r.Context())
	if err != nil {
		return err
	}
	var items []any
	for _, p := range ps {
		d := toPolicyAssignmentDTO(p)
		ok := true
		for prop, v := range map[string]string{"scopeId": d.ScopeID, "scopeType": d.ScopeType, "roleDefinitionId": d.RoleDefinitionID, "policyId": d.PolicyID} {
			if want, has := eqString(q.Filter, prop); has && !strings.EqualFold(want, v) {
				ok = false
			}
		}
		if ok {
			items = append(items, d)
		}
	}
	if len(items) > q.Top {
		items = items[:q.Top]
	}
	return a.writeList(w, r, "policies/roleManagementPolicyAssignments", q, policyAssignmentList, items, nil)
}

func (a *API) handlePIMPolicyAssignmentGet(w http.ResponseWriter, r *http.Request) error {
	p, err := a.PIM.Policy(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, "policies/roleManagementPolicyAssignments", toPolicyAssignmentDTO(p), policyAssignmentList.fields)
}

// graphTimeOf formats t as Graph does.
func graphTimeOf(t time.Time) string { return graphTime(t) }
