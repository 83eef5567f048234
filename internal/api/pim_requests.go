package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/bearer"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/grant"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/pim"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

func requestsResource(l pim.Level) string {
	if l == pim.Eligibility {
		return "roleEligibilityScheduleRequests"
	}
	return "roleAssignmentScheduleRequests"
}

func schedulesResource(l pim.Level, instances bool) string {
	s := "roleAssignmentSchedule"
	if l == pim.Eligibility {
		s = "roleEligibilitySchedule"
	}
	if instances {
		return s + "Instances"
	}
	return s + "s"
}

// requestDTO is unifiedRoleAssignmentScheduleRequest (or the eligibility
// request, which has the same properties).
type requestDTO struct {
	ID                string          `json:"id"`
	Status            string          `json:"status"`
	CreatedDateTime   string          `json:"createdDateTime"`
	CompletedDateTime *string         `json:"completedDateTime"`
	ApprovalID        *string         `json:"approvalId"`
	CustomData        *string         `json:"customData"`
	Action            string          `json:"action"`
	PrincipalID       string          `json:"principalId"`
	RoleDefinitionID  string          `json:"roleDefinitionId"`
	DirectoryScopeID  string          `json:"directoryScopeId"`
	AppScopeID        *string         `json:"appScopeId"`
	IsValidationOnly  bool            `json:"isValidationOnly"`
	TargetScheduleID  *string         `json:"targetScheduleId"`
	Justification     *string         `json:"justification"`
	CreatedBy         identitySetDTO  `json:"createdBy"`
	ScheduleInfo      scheduleInfoDTO `json:"scheduleInfo"`
	TicketInfo        ticketInfoDTO   `json:"ticketInfo"`
}

type identitySetDTO struct {
	Application *identityDTO `json:"application"`
	Device      *identityDTO `json:"device"`
	User        *identityDTO `json:"user"`
}

type scheduleInfoDTO struct {
	StartDateTime *string       `json:"startDateTime"`
	Recurrence    *struct{}     `json:"recurrence"`
	Expiration    expirationDTO `json:"expiration"`
}

type expirationDTO struct {
	Type        string  `json:"type"`
	EndDateTime *string `json:"endDateTime"`
	Duration    *string `json:"duration"`
}

type ticketInfoDTO struct {
	TicketNumber *string `json:"ticketNumber"`
	TicketSystem *string `json:"ticketSystem"`
}

var requestFields = []string{"id", "status", "createdDateTime", "completedDateTime", "approvalId", "customData", "action", "principalId", "roleDefinitionId",
	"directoryScopeId", "appScopeId", "isValidationOnly", "targetScheduleId", "justification", "createdBy", "scheduleInfo", "ticketInfo"}

func identitySet(id string, app bool) identitySetDTO {
	if id == "" {
		return identitySetDTO{}
	}
	if app {
		return identitySetDTO{Application: &identityDTO{ID: id}}
	}
	return identitySetDTO{User: &identityDTO{ID: id}}
}

func toRequestDTO(r pim.Request, validationOnly bool) requestDTO {
	d := requestDTO{ID: r.ID, Status: string(r.Status), CreatedDateTime: graphTime(r.CreatedAt), CompletedDateTime: graphTimePtr(r.CompletedAt),
		Action: string(r.Action), PrincipalID: r.PrincipalID, RoleDefinitionID: r.RoleDefinitionID, DirectoryScopeID: r.DirectoryScopeID,
		IsValidationOnly: validationOnly, TargetScheduleID: nullString(r.TargetScheduleID), Justification: nullString(r.Justification),
		CreatedBy:  identitySet(r.CreatedBy, r.CreatedByApp),
		TicketInfo: ticketInfoDTO{TicketNumber: nullString(r.Ticket.Number), TicketSystem: nullString(r.Ticket.System)}}
	if r.Approval != nil {
		d.ApprovalID = &r.ID
	}
	start := r.ScheduleInfo.StartDateTime
	if start == nil {
		start = &r.CreatedAt
	}
	d.ScheduleInfo.StartDateTime = graphTimePtr(start)
	e := r.ScheduleInfo.Expiration
	d.ScheduleInfo.Expiration = expirationDTO{Type: string(e.Type), EndDateTime: graphTimePtr(e.EndDateTime)}
	if d.ScheduleInfo.Expiration.Type == "" {
		d.ScheduleInfo.Expiration.Type = string(pim.NotSpecified)
	}
	if e.Duration != 0 {
		s := pim.FormatDuration(e.Duration)
		d.ScheduleInfo.Expiration.Duration = &s
	}
	return d
}

// decodeRequest reads a POST body: Graph's request properties.
func decodeRequest(o httpx.Object, l pim.Level) (pim.Request, bool, error) {
	typeName := "microsoft.graph.unifiedRoleAssignmentScheduleRequest"
	if l == pim.Eligibility {
		typeName = "microsoft.graph.unifiedRoleEligibilityScheduleRequest"
	}
	if err := o.Allow(typeName, "action", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId", "justification", "scheduleInfo",
		"ticketInfo", "isValidationOnly", "targetScheduleId", "customData"); err != nil {
		return pim.Request{}, false, err
	}
	r := pim.Request{Level: l}
	var err error
	var action string
	if action, _, err = o.String("action", false); err != nil {
		return r, false, err
	}
	for _, a := range pim.Actions {
		if strings.EqualFold(action, string(a)) {
			r.Action = a
		}
	}
	if r.Action == "" {
		return r, false, apperr.Invalidf("action must be one of adminAssign, adminUpdate, adminRemove, adminExtend, adminRenew, selfActivate, selfDeactivate, selfExtend, selfRenew; got %q.", action)
	}
	if r.PrincipalID, _, err = o.String("principalId", false); err != nil {
		return r, false, err
	}
	if r.RoleDefinitionID, _, err = o.String("roleDefinitionId", false); err != nil {
		return r, false, err
	}
	if r.DirectoryScopeID, _, err = o.String("directoryScopeId", true); err != nil {
		return r, false, err
	}
	if s, _, err := o.String("appScopeId", true); err != nil {
		return r, false, err
	} else if s != "" {
		return r, false, apperr.Invalidf("appScopeId is not supported; leave it out.")
	}
	if s, _, err := o.String("customData", true); err != nil {
		return r, false, err
	} else if s != "" {
		return r, false, apperr.Invalidf("customData is not used by PIM; leave it out.")
	}
	if r.Justification, _, err = o.String("justification", true); err != nil {
		return r, false, err
	}
	if r.TargetScheduleID, _, err = o.String("targetScheduleId", true); err != nil {
		return r, false, err
	}
	if o.Has("ticketInfo") && !o.IsNull("ticketInfo") {
		t, err := httpx.ParseObject(o["ticketInfo"])
		if err != nil {
			return r, false, apperr.Invalidf("ticketInfo must be an object with ticketNumber and ticketSystem.")
		}
		if err := t.Allow("microsoft.graph.ticketInfo", "ticketNumber", "ticketSystem"); err != nil {
			return r, false, err
		}
		if r.Ticket.Number, _, err = t.String("ticketNumber", true); err != nil {
			return r, false, err
		}
		if r.Ticket.System, _, err = t.String("ticketSystem", true); err != nil {
			return r, false, err
		}
	}
	if o.Has("scheduleInfo") && !o.IsNull("scheduleInfo") {
		if r.ScheduleInfo, err = decodeScheduleInfo(o["scheduleInfo"]); err != nil {
			return r, false, err
		}
	}
	validationOnly := false
	if b, err := o.Bool("isValidationOnly"); err != nil {
		return r, false, err
	} else if b != nil {
		validationOnly = *b
	}
	if r.PrincipalID == "" || r.RoleDefinitionID == "" {
		return r, false, apperr.Invalidf("principalId and roleDefinitionId are required.")
	}
	return r, validationOnly, nil
}

func decodeScheduleInfo(raw json.RawMessage) (pim.ScheduleInfo, error) {
	var si pim.ScheduleInfo
	o, err := httpx.ParseObject(raw)
	if err != nil {
		return si, apperr.Invalidf("scheduleInfo must be an object with startDateTime and expiration.")
	}
	if err := o.Allow("microsoft.graph.requestSchedule", "startDateTime", "expiration", "recurrence"); err != nil {
		return si, err
	}
	if o.Has("recurrence") && !o.IsNull("recurrence") {
		return si, apperr.Invalidf("scheduleInfo.recurrence is not supported by PIM; leave it out or set it to null.")
	}
	if si.StartDateTime, err = o.Time("startDateTime"); err != nil {
		return si, err
	}
	if !o.Has("expiration") || o.IsNull("expiration") {
		return si, nil
	}
	e, err := httpx.ParseObject(o["expiration"])
	if err != nil {
		return si, apperr.Invalidf("scheduleInfo.expiration must be an object with type, endDateTime or duration.")
	}
	if err := e.Allow("microsoft.graph.expirationPattern", "type", "endDateTime", "duration"); err != nil {
		return si, err
	}
	t, _, err := e.String("type", true)
	if err != nil {
		return si, err
	}
	for _, known := range []pim.ExpirationType{pim.NotSpecified, pim.NoExpiration, pim.AfterDateTime, pim.AfterDuration} {
		if strings.EqualFold(t, string(known)) {
			si.Expiration.Type = known
		}
	}
	if t != "" && si.Expiration.Type == "" {
		return si, apperr.Invalidf("scheduleInfo.expiration.type must be noExpiration, afterDateTime or afterDuration, not %q.", t)
	}
	if si.Expiration.EndDateTime, err = e.Time("endDateTime"); err != nil {
		return si, err
	}
	if d, _, err := e.String("duration", true); err != nil {
		return si, err
	} else if d != "" {
		if si.Expiration.Duration, err = pim.ParseDuration(d); err != nil {
			return si, apperr.Invalidf("scheduleInfo.expiration.duration: %s.", err)
		}
	}
	if si.Expiration.Type == "" {
		switch {
		case si.Expiration.Duration != 0:
			si.Expiration.Type = pim.AfterDuration
		case si.Expiration.EndDateTime != nil:
			si.Expiration.Type = pim.AfterDateTime
		}
	}
	return si, nil
}

// tokenAuth reads what the caller's access token proved: MFA (amr mfa)
// and the satisfied authentication contexts (acrs).
func (a *API) tokenAuth(r *http.Request) privilege.Auth {
	raw, ok := bearer.FromHeader(r)
	if !ok {
		return privilege.Auth{}
	}
	c, err := a.Verifier.Verify(r.Context(), raw)
	if err != nil || c.IDType == "app" {
		return privilege.Auth{}
	}
	return privilege.Auth{MFA: slices.Contains(c.AMR, grant.AMRMFA), Contexts: c.ACRS}
}

// mfaClaims is the claims request that asks for multifactor
// authentication in the access token.
const mfaClaims = `{"access_token":{"amr":{"essential":true,"values":["mfa"]}}}`

// writeAuthChallenge answers a request refused for want of MFA or an
// authentication context: 401, a claims challenge in WWW-Authenticate
// (RFC 6750 §3 with Entra's claims and cc_type parameters), and the Graph
// error body with the rule's code.
func (a *API) writeAuthChallenge(w http.ResponseWriter, r *http.Request, ae *pim.AuthError) {
	authorize := a.PublicURL.String() + "/oauth2/authorize"
	var ch claimschallenge.Challenge
	if ae.Context != "" {
		ch = claimschallenge.ForContext(authorize, ResourceClientID, ae.Context)
	} else {
		ch = claimschallenge.Challenge{AuthorizationURI: authorize, ClientID: ResourceClientID, Claims: mfaClaims, Error: "insufficient_claims", Type: "mfa"}
	}
	w.Header().Set("WWW-Authenticate", ch.String())
	_, body := httpx.ToGraph(r.Context(), ae)
	httpx.WriteJSON(w, http.StatusUnauthorized, body)
}

// pimError writes err: an AuthError as a claims challenge, the rest as
// usual.
func (a *API) pimError(w http.ResponseWriter, r *http.Request, err error) error {
	var ae *pim.AuthError
	if errors.As(err, &ae) {
		a.writeAuthChallenge(w, r, ae)
		return nil
	}
	return err
}

func (a *API) handlePIMRequestCreate(l pim.Level) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := httpx.ReadObject(r)
		if err != nil {
			return err
		}
		in, validationOnly, err := decodeRequest(o, l)
		if err != nil {
			return err
		}
		req, err := a.PIM.Submit(r.Context(), in, a.tokenAuth(r), validationOnly)
		if err != nil {
			return a.pimError(w, r, err)
		}
		if !validationOnly {
			w.Header().Set("Location", a.PublicURL.String()+"/v1.0/roleManagement/directory/"+requestsResource(l)+"/"+req.ID)
		}
		return a.writeOne(w, r, http.StatusCreated, "roleManagement/directory/"+requestsResource(l), toRequestDTO(req, validationOnly), requestFields)
	}
}

var requestList = listOptions{
	schema: odata.Schema{
		"id":               {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"principalId":      {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"roleDefinitionId": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"status":           {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
	fields: requestFields,
}

// currentUserFilter recognises filterByCurrentUser(on='…') in a path
// segment and returns the on value.
func currentUserFilter(seg string) (string, bool) {
	rest, ok := strings.CutPrefix(seg, "filterByCurrentUser(")
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	rest = strings.TrimSuffix(rest, ")")
	k, v, ok := strings.Cut(rest, "=")
	if !ok || strings.TrimSpace(k) != "on" {
		return "", true
	}
	return strings.Trim(strings.TrimSpace(v), "'"), true
}

func (a *API) handlePIMRequestList(l pim.Level) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseList(r, requestList)
		if err != nil {
			return err
		}
		after, err := afterCursor(q)
		if err != nil {
			return err
		}
		f := privilege.RequestFilter{Level: l, After: after, Limit: q.Top + 1}
		if v, ok := eqString(q.Filter, "id"); ok {
			f.ID = v
		}
		if v, ok := eqString(q.Filter, "principalId"); ok {
			f.PrincipalIDs = []string{v}
		}
		if v, ok := eqString(q.Filter, "roleDefinitionId"); ok {
			f.RoleDefinitionID = v
		}
		if v, ok := eqString(q.Filter, "status"); ok {
			f.Statuses = []pim.Status{pim.Status(v)}
		}
		rs, err := a.PIM.ListRequests(r.Context(), f)
		if err != nil {
			return err
		}
		rs, next := pageOf(rs, q.Top, func(x pim.Request) []string { return []string{x.ID} })
		items := make([]any, len(rs))
		for i, x := range rs {
			items[i] = toRequestDTO(x, false)
		}
		return a.writeList(w, r, "roleManagement/directory/"+requestsResource(l), q, requestList, items, next)
	}
}

func (a *API) handlePIMRequestGet(l pim.Level) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		if on, ok := currentUserFilter(id); ok {
			return a.handleMyRequests(w, r, l, on)
		}
		req, err := a.PIM.GetRequest(r.Context(), l, id)
		if err != nil {
			return err
		}
		return a.writeOne(w, r, http.StatusOK, "roleManagement/directory/"+requestsResource(l), toRequestDTO(req, false), requestFields)
	}
}

func (a *API) handleMyRequests(w http.ResponseWriter, r *http.Request, l pim.Level, on string) error {
	q, err := parseList(r, requestList)
	if err != nil {
		return err
	}
	rs, err := a.PIM.MyRequests(r.Context(), l, on)
	if err != nil {
		return err
	}
	var items []any
	for _, x := range rs {
		if matchRequest(q.Filter, x) {
			items = append(items, toRequestDTO(x, false))
		}
	}
	if len(items) > q.Top {
		items = items[:q.Top]
	}
	return a.writeList(w, r, "roleManagement/directory/"+requestsResource(l), q, requestList, items, nil)
}

func matchRequest(f odata.Filter, x pim.Request) bool {
	for prop, v := range map[string]string{"id": x.ID, "principalId": x.PrincipalID, "roleDefinitionId": x.RoleDefinitionID, "status": string(x.Status)} {
		if want, ok := eqString(f, prop); ok && !strings.EqualFold(want, v) {
			return false
		}
	}
	return true
}

func (a *API) handlePIMRequestCancel(l pim.Level) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := a.PIM.Cancel(r.Context(), l, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// scheduleDTO is unifiedRoleAssignmentSchedule / unifiedRoleEligibilitySchedule.
type scheduleDTO struct {
	ID               string          `json:"id"`
	PrincipalID      string          `json:"principalId"`
	RoleDefinitionID string          `json:"roleDefinitionId"`
	DirectoryScopeID string          `json:"directoryScopeId"`
	AppScopeID       *string         `json:"appScopeId"`
	CreatedUsing     string          `json:"createdUsing"`
	CreatedDateTime  string          `json:"createdDateTime"`
	ModifiedDateTime *string         `json:"modifiedDateTime"`
	Status           string          `json:"status"`
	ScheduleInfo     scheduleInfoDTO `json:"scheduleInfo"`
	MemberType       string          `json:"memberType"`
	AssignmentType   *string         `json:"assignmentType,omitempty"`
}

// instanceDTO is unifiedRoleAssignmentScheduleInstance /
// unifiedRoleEligibilityScheduleInstance.
type instanceDTO struct {
	ID                        string  `json:"id"`
	PrincipalID               string  `json:"principalId"`
	RoleDefinitionID          string  `json:"roleDefinitionId"`
	DirectoryScopeID          string  `json:"directoryScopeId"`
	AppScopeID                *string `json:"appScopeId"`
	StartDateTime             string  `json:"startDateTime"`
	EndDateTime               *string `json:"endDateTime"`
	MemberType                string  `json:"memberType"`
	AssignmentType            *string `json:"assignmentType,omitempty"`
	RoleAssignmentOriginID    *string `json:"roleAssignmentOriginId,omitempty"`
	RoleAssignmentScheduleID  *string `json:"roleAssignmentScheduleId,omitempty"`
	RoleEligibilityScheduleID *string `json:"roleEligibilityScheduleId,omitempty"`
}

func memberType(viaGroup bool) string {
	if viaGroup {
		return "Group"
	}
	return "Direct"
}

func assignmentType(s privilege.ScheduleRecord) *string {
	if s.Kind != directory.Active {
		return nil
	}
	t := "Assigned"
	if s.Activated {
		t = "Activated"
	}
	return &t
}

func toScheduleDTO(s privilege.ScheduleRecord, viaGroup bool) scheduleDTO {
	d := scheduleDTO{ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: s.DirectoryScopeID,
		CreatedUsing: s.CreatedUsing, CreatedDateTime: graphTime(s.CreatedDateTime), ModifiedDateTime: graphTimePtr(s.ModifiedAt),
		Status: "Provisioned", MemberType: memberType(viaGroup), AssignmentType: assignmentType(s)}
	if d.CreatedUsing == "" {
		d.CreatedUsing = s.ID
	}
	start := s.Start()
	d.ScheduleInfo.StartDateTime = graphTimePtr(&start)
	if s.EndDateTime == nil {
		d.ScheduleInfo.Expiration = expirationDTO{Type: string(pim.NoExpiration)}
	} else {
		d.ScheduleInfo.Expiration = expirationDTO{Type: string(pim.AfterDateTime), EndDateTime: graphTimePtr(s.EndDateTime)}
	}
	return d
}

func toInstanceDTO(s privilege.ScheduleRecord, viaGroup bool) instanceDTO {
	d := instanceDTO{ID: s.ID, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: s.DirectoryScopeID,
		StartDateTime: graphTime(s.Start()), EndDateTime: graphTimePtr(s.EndDateTime), MemberType: memberType(viaGroup), AssignmentType: assignmentType(s)}
	id := s.ID
	if s.Kind == directory.Active {
		d.RoleAssignmentOriginID, d.RoleAssignmentScheduleID = &id, &id
	} else {
		d.RoleEligibilityScheduleID = &id
	}
	return d
}

var scheduleList = listOptions{
	schema: odata.Schema{
		"id":               {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"principalId":      {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"roleDefinitionId": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
}

func kindOf(l pim.Level) directory.AssignmentKind {
	if l == pim.Eligibility {
		return directory.Eligible
	}
	return directory.Active
}

func (a *API) scheduleItem(s privilege.ScheduleRecord, viaGroup, instances bool) any {
	if instances {
		return toInstanceDTO(s, viaGroup)
	}
	return toScheduleDTO(s, viaGroup)
}

func (a *API) handlePIMScheduleList(l pim.Level, instances bool) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseList(r, scheduleList)
		if err != nil {
			return err
		}
		after, err := afterCursor(q)
		if err != nil {
			return err
		}
		f := privilege.ScheduleFilter{Kind: kindOf(l), After: after, Limit: q.Top + 1}
		if v, ok := eqString(q.Filter, "id"); ok {
			f.ID = v
		}
		if v, ok := eqString(q.Filter, "principalId"); ok {
			f.PrincipalIDs = []string{v}
		}
		if v, ok := eqString(q.Filter, "roleDefinitionId"); ok {
			f.RoleDefinitionID = v
		}
		now := a.Now()
		if instances {
			f.InForceAt = &now
		}
		ss, err := a.PIM.Schedules(r.Context(), f)
		if err != nil {
			return err
		}
		// Schedules that ended but are not removed yet are over.
		ss = slices.DeleteFunc(ss, func(s privilege.ScheduleRecord) bool { return s.EndDateTime != nil && !now.Before(*s.EndDateTime) })
		ss, next := pageOf(ss, q.Top, func(x privilege.ScheduleRecord) []string { return []string{x.ID} })
		items := make([]any, len(ss))
		for i, s := range ss {
			items[i] = a.scheduleItem(s, false, instances)
		}
		return a.writeList(w, r, "roleManagement/directory/"+schedulesResource(l, instances), q, scheduleList, items, next)
	}
}

func (a *API) handlePIMScheduleGet(l pim.Level, instances bool) httpx.Func {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		frag := "roleManagement/directory/" + schedulesResource(l, instances)
		if on, ok := currentUserFilter(id); ok {
			if on != privilege.OnPrincipal {
				return apperr.Invalidf("filterByCurrentUser on schedules takes on='principal', not %q.", on)
			}
			q, err := parseList(r, scheduleList)
			if err != nil {
				return err
			}
			hs, err := a.PIM.MySchedules(r.Context(), kindOf(l))
			if err != nil {
				return err
			}
			now := a.Now()
			var items []any
			for _, h := range hs {
				if instances && h.Start().After(now) {
					continue
				}
				items = append(items, a.scheduleItem(h.ScheduleRecord, h.Group != nil, instances))
			}
			if len(items) > q.Top {
				items = items[:q.Top]
			}
			return a.writeList(w, r, frag, q, scheduleList, items, nil)
		}
		ss, err := a.PIM.Schedules(r.Context(), privilege.ScheduleFilter{ID: id, Kind: kindOf(l), Limit: 1})
		if err != nil {
			return err
		}
		now := a.Now()
		if len(ss) == 0 || ss[0].EndDateTime != nil && !now.Before(*ss[0].EndDateTime) || instances && ss[0].Start().After(now) {
			return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id).WithCode("Request_ResourceNotFound")
		}
		return a.writeOne(w, r, http.StatusOK, frag, a.scheduleItem(ss[0], false, instances), nil)
	}
}

// approvalDTO is Graph's approval with its one step.
type approvalDTO struct {
	ID    string            `json:"id"`
	Steps []approvalStepDTO `json:"steps"`
}

type approvalStepDTO struct {
	ID               string          `json:"id"`
	DisplayName      *string         `json:"displayName"`
	ReviewedBy       *identitySetDTO `json:"reviewedBy"`
	ReviewedDateTime *string         `json:"reviewedDateTime"`
	ReviewResult     string          `json:"reviewResult"`
	Status           string          `json:"status"`
	AssignedToMe     bool            `json:"assignedToMe"`
	Justification    *string         `json:"justification"`
}

func toApprovalDTO(v privilege.ApprovalView) approvalDTO {
	ap := v.Request.Approval
	st := approvalStepDTO{ID: ap.StepID, ReviewResult: ap.ReviewResult, Status: "InProgress", AssignedToMe: v.AssignedToMe,
		ReviewedDateTime: graphTimePtr(ap.ReviewedAt), Justification: nullString(ap.Justification)}
	if st.ReviewResult == "" {
		st.ReviewResult = pim.ReviewNotReviewed
	}
	if ap.ReviewedBy != "" {
		is := identitySet(ap.ReviewedBy, false)
		st.ReviewedBy = &is
	}
	if !v.Request.Status.Pending() {
		st.Status = "Completed"
	}
	return approvalDTO{ID: v.Request.ID, Steps: []approvalStepDTO{st}}
}

func (a *API) handlePIMApprovalGet(w http.ResponseWriter, r *http.Request) error {
	v, err := a.PIM.GetApproval(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeOne(w, r, http.StatusOK, "roleManagement/directory/roleAssignmentApprovals", toApprovalDTO(v), nil)
}

func (a *API) handlePIMApprovalSteps(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{})
	if err != nil {
		return err
	}
	v, err := a.PIM.GetApproval(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeList(w, r, "roleManagement/directory/roleAssignmentApprovals('"+v.Request.ID+"')/steps", q, listOptions{}, []any{toApprovalDTO(v).Steps[0]}, nil)
}

func (a *API) handlePIMApprovalStepGet(w http.ResponseWriter, r *http.Request) error {
	v, err := a.PIM.GetApproval(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	st := toApprovalDTO(v).Steps[0]
	if st.ID != r.PathValue("step") {
		return apperr.NotFoundf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", r.PathValue("step")).WithCode("Request_ResourceNotFound")
	}
	return a.writeOne(w, r, http.StatusOK, "roleManagement/directory/roleAssignmentApprovals('"+v.Request.ID+"')/steps", st, nil)
}

func (a *API) handlePIMApprovalStepUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := httpx.ReadObject(r)
	if err != nil {
		return err
	}
	if err := o.Allow("microsoft.graph.approvalStep", "reviewResult", "justification"); err != nil {
		return err
	}
	result, _, err := o.String("reviewResult", false)
	if err != nil {
		return err
	}
	just, _, err := o.String("justification", true)
	if err != nil {
		return err
	}
	switch {
	case strings.EqualFold(result, pim.ReviewApprove):
		result = pim.ReviewApprove
	case strings.EqualFold(result, pim.ReviewDeny):
		result = pim.ReviewDeny
	default:
		return apperr.Invalidf("reviewResult must be Approve or Deny, not %q.", result)
	}
	if _, err := a.PIM.Review(r.Context(), r.PathValue("id"), r.PathValue("step"), result, just); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// emergencyAccountDTO is one emergency-access account (Strongroom's
// resource: users holding Global Administrator permanently and directly).
type emergencyAccountDTO struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	AccountEnabled    bool   `json:"accountEnabled"`
	RoleAssignmentID  string `json:"roleAssignmentId"`
	AssignedDateTime  string `json:"assignedDateTime"`
}

func (a *API) handleEmergencyAccounts(w http.ResponseWriter, r *http.Request) error {
	q, err := parseList(r, listOptions{})
	if err != nil {
		return err
	}
	as, err := a.PIM.EmergencyAccounts(r.Context())
	if err != nil {
		return err
	}
	items := make([]any, 0, len(as))
	for _, e := range as {
		items = append(items, emergencyAccountDTO{ID: e.User.ID, UserPrincipalName: e.User.UserPrincipalName, DisplayName: e.User.DisplayName,
			AccountEnabled: e.User.AccountEnabled, RoleAssignmentID: e.AssignmentID, AssignedDateTime: graphTime(e.Since)})
	}
	return a.writeList(w, r, "roleManagement/directory/emergencyAccessAccounts", q, listOptions{}, items, nil)
}
