package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/pim"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/internal/signin"
)

// Privileged Identity Management pages: My roles, Approvals, and the
// admin portal's role settings, assignments and emergency-access accounts.

// Sealer seals transient state that travels through the browser (a
// pending activation while the user steps up).
type Sealer interface {
	Seal(purpose string, plaintext []byte) []byte
	Open(purpose string, sealed []byte) ([]byte, error)
}

var permsPIMRead = []authz.Permission{authz.RoleManagementReadDirectory, authz.RoleManagementPolicyReadDirectory}

// pimPageRoutes registers the PIM pages.
func (w *Web) pimPageRoutes(mux *http.ServeMux) {
	if w.PIM == nil {
		return
	}
	mux.Handle("GET /myroles", w.userPage(w.handleMyRoles))
	mux.Handle("POST /myroles/activate", w.userPage(w.handleActivate))
	mux.Handle("GET /myroles/resume", w.userPage(w.handleActivateResume))
	mux.Handle("POST /myroles/deactivate", w.userPage(w.handleDeactivate))
	mux.Handle("POST /myroles/extend", w.userPage(w.handleExtend))
	mux.Handle("POST /myroles/requests/{id}/cancel", w.userPage(w.handleCancelRequest))
	mux.Handle("GET /approvals", w.userPage(w.handleApprovals))
	mux.Handle("POST /approvals/{id}", w.userPage(w.handleApprovalDecision))
	mux.Handle("GET /admin/pim", w.adminPage(permsPIMRead, w.handleAdminPIM))
	mux.Handle("GET /admin/pim/roles/{id}", w.adminPage(permsPIMRead, w.handleAdminPIMRole))
	mux.Handle("POST /admin/pim/roles/{id}/settings", w.adminPage(permsPIMRead, w.handleAdminPIMSettings))
	mux.Handle("POST /admin/pim/roles/{id}/assignments", w.adminPage(permsPIMRead, w.handleAdminPIMAssign))
	mux.Handle("POST /admin/pim/roles/{id}/assignments/{sid}/remove", w.adminPage(permsPIMRead, w.handleAdminPIMRemove))
	mux.Handle("POST /admin/pim/roles/{id}/assignments/{sid}/update", w.adminPage(permsPIMRead, w.handleAdminPIMUpdate))
	mux.Handle("GET /admin/pim/emergency", w.adminPage(permsPIMRead, w.handleAdminEmergency))
}

// durationOption is one choice of activation duration.
type durationOption struct {
	Minutes int
	Label   string
}

// durationOptions lists choices up to max.
func durationOptions(max time.Duration) []durationOption {
	var out []durationOption
	for _, m := range []int{30, 60, 120, 240, 480, 720, 1440} {
		if time.Duration(m)*time.Minute <= max {
			out = append(out, durationOption{m, humanDuration(time.Duration(m) * time.Minute)})
		}
	}
	if n := int(max / time.Minute); len(out) == 0 || out[len(out)-1].Minutes != n {
		out = append(out, durationOption{n, humanDuration(max)})
	}
	return out
}

// heldView is one eligibility or active assignment on My roles.
type heldView struct {
	ID            string
	Group         string // the group it comes through
	Start         time.Time
	End           *time.Time
	Activated     bool
	CanDeactivate bool
	DeactivateAt  time.Time
	CanExtend     bool // ends within 14 days, held directly: the user may ask to extend
}

// roleView is one role on My roles.
type roleView struct {
	ID, Name, Description string
	Eligible              []heldView
	Active                *heldView
	Pending               *pim.Request
	Durations             []durationOption
	DefaultMinutes        int
	Justification, Ticket bool
	Approval              bool
	Requirement           string // what activating asks of the sign-in, in words
}

// activationForm is what the activation form holds.
type activationForm struct {
	Role          string
	Minutes       int
	Justification string
	TicketNumber  string
	TicketSystem  string
}

type myRolesPage struct {
	frame
	Now         time.Time
	Roles       []roleView
	Form        activationForm
	FieldErrors map[string]string
}

func (*myRolesPage) template() string { return "myroles" }

var myRolesNotices = map[string]string{
	"activated":   "The role is active. It works on your next request, and ends by itself at its end time.",
	"requested":   "Your request was sent to its approvers. You'll get an email when one of them decides.",
	"deactivated": "The role is no longer active.",
	"canceled":    "The request was canceled.",
	"extend":      "Your request to extend was sent to the administrators.",
}

func (w *Web) handleMyRoles(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.myRolesPage(r)
	if err != nil {
		return err
	}
	p.Notice = myRolesNotices[r.URL.Query().Get("done")]
	w.render(rw, r, http.StatusOK, p)
	return nil
}

func requirementText(req pim.Requirement) string {
	switch {
	case req.Context != "" && req.MFA:
		return "multifactor authentication and the step-up for authentication context " + req.Context
	case req.Context != "":
		return "a fresh proof with your security key (authentication context " + req.Context + ")"
	case req.MFA:
		return "multifactor authentication"
	}
	return ""
}

func (w *Web) myRolesPage(r *http.Request) (*myRolesPage, error) {
	ctx := r.Context()
	roles, err := w.PIM.MyRoles(ctx)
	if err != nil {
		return nil, err
	}
	now := w.Now()
	p := &myRolesPage{frame: frame{Title: "My roles", Nav: "myroles"}, Now: now, FieldErrors: map[string]string{}}
	for _, m := range roles {
		v := roleView{ID: m.Role.ID, Name: m.Role.DisplayName, Description: m.Role.Description, Pending: m.Pending}
		for _, h := range m.Eligible {
			hv := heldView{ID: h.ID, Start: h.Start(), End: h.EndDateTime}
			if h.Group != nil {
				hv.Group = h.Group.DisplayName
			} else if h.EndDateTime != nil && h.EndDateTime.Sub(now) <= pim.ExtendWindow {
				hv.CanExtend = true
			}
			v.Eligible = append(v.Eligible, hv)
		}
		for _, h := range m.Active {
			hv := heldView{ID: h.ID, Start: h.Start(), End: h.EndDateTime, Activated: h.Activated}
			if h.Group != nil {
				hv.Group = h.Group.DisplayName
			}
			hv.DeactivateAt = hv.Start.Add(pim.MinActiveDuration)
			hv.CanDeactivate = h.Activated && h.Group == nil && !now.Before(hv.DeactivateAt)
			v.Active = &hv
		}
		max := m.Settings.Expiration(pim.RuleExpirationEndUserAssignment).MaximumDuration
		v.Durations = durationOptions(max)
		v.DefaultMinutes = min(60, int(max/time.Minute))
		en := m.Settings.Enablement(pim.RuleEnablementEndUserAssignment)
		v.Approval = m.Settings.ApprovalRequired()
		v.Justification = en.Has(pim.EnableJustification) || v.Approval && m.Settings.Approval().IsRequestorJustificationRequired
		v.Ticket = en.Has(pim.EnableTicketing)
		v.Requirement = requirementText(m.Requirement)
		p.Roles = append(p.Roles, v)
	}
	return p, nil
}

func parseActivation(r *http.Request) (activationForm, map[string]string) {
	errs := map[string]string{}
	f := activationForm{Role: r.PostForm.Get("role"), Justification: strings.TrimSpace(r.PostForm.Get("justification")),
		TicketNumber: strings.TrimSpace(r.PostForm.Get("ticketNumber")), TicketSystem: strings.TrimSpace(r.PostForm.Get("ticketSystem"))}
	m, err := strconv.Atoi(r.PostForm.Get("minutes"))
	if err != nil || m <= 0 {
		errs["minutes"] = "Choose how long you need the role."
	}
	f.Minutes = m
	if _, ok := directory.Role(f.Role); !ok {
		errs["role"] = "Choose a role."
	}
	return f, errs
}

func (f activationForm) request(user string) pim.Request {
	return pim.Request{Level: pim.Assignment, Action: pim.SelfActivate, PrincipalID: user, RoleDefinitionID: f.Role, DirectoryScopeID: "/",
		Justification: f.Justification, Ticket: pim.Ticket{Number: f.TicketNumber, System: f.TicketSystem},
		ScheduleInfo: pim.ScheduleInfo{Expiration: pim.Expiration{Type: pim.AfterDuration, Duration: time.Duration(f.Minutes) * time.Minute}}}
}

func (w *Web) handleActivate(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	f, errs := parseActivation(r)
	if len(errs) > 0 {
		return w.renderActivationError(rw, r, f, errs, "Check the form.")
	}
	return w.submitActivation(rw, r, c, f)
}

// pendingActivation travels sealed through the step-up, so that the user
// need not type anything again.
type pendingActivation struct {
	User    string         `json:"u"`
	Session string         `json:"s"`
	Expires int64          `json:"e"`
	Form    activationForm `json:"f"`
}

const pendingPurpose = "pim-pending-activation"

func (w *Web) sealPending(c *current, f activationForm) string {
	b, _ := json.Marshal(pendingActivation{User: c.user.ID, Session: c.sess.ID, Expires: w.Now().Add(15 * time.Minute).Unix(), Form: f})
	return base64.RawURLEncoding.EncodeToString(w.Sealer.Seal(pendingPurpose, b))
}

func (w *Web) openPending(c *current, s string) (activationForm, error) {
	bad := apperr.Invalidf("This activation can no longer be resumed. Fill in the form again.")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return activationForm{}, bad
	}
	b, err := w.Sealer.Open(pendingPurpose, raw)
	if err != nil {
		return activationForm{}, bad
	}
	var p pendingActivation
	if json.Unmarshal(b, &p) != nil || p.User != c.user.ID || p.Session != c.sess.ID || w.Now().Unix() > p.Expires {
		return activationForm{}, bad
	}
	return p.Form, nil
}

// submitActivation asks PIM to activate. What the role asks of the sign-in
// is checked first: an authentication context through the Conditional
// Access policies that target it (signin.Check records it in the session
// when met), MFA from the session's evidence. When a step-up is needed the
// browser goes to it, carrying the sealed form, and comes back to resume.
func (w *Web) submitActivation(rw http.ResponseWriter, r *http.Request, c *current, f activationForm) error {
	ctx := r.Context()
	req, err := w.PIM.ActivationRequirement(ctx, f.Role)
	if err != nil {
		return err
	}
	auth := privilege.Auth{MFA: c.sess.Evidence().IsMultifactor()}
	if req.Context != "" {
		res, err := w.SignIn.Check(ctx, w.client(r, signin.Target{Context: req.Context}), c.sess)
		if err != nil {
			return err
		}
		if res.Status == signin.StatusSignedIn {
			auth.Contexts = []string{req.Context}
		}
	}
	out, err := w.PIM.Submit(ctx, f.request(c.user.ID), auth, false)
	var ae *pim.AuthError
	if errors.As(err, &ae) {
		resume := "/myroles/resume?" + url.Values{"state": {w.sealPending(c, f)}}.Encode()
		if ae.Context != "" {
			http.Redirect(rw, r, "/stepup?"+url.Values{"context": {ae.Context}, "return_to": {resume}}.Encode(), http.StatusSeeOther)
			return nil
		}
		http.Redirect(rw, r, signInURL(resume, true), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return w.renderActivationError(rw, r, f, fieldOf(err), apperr.As(err).Message)
	}
	done := "activated"
	if out.Status == pim.StatusPendingApproval {
		done = "requested"
	}
	http.Redirect(rw, r, "/myroles?done="+done, http.StatusSeeOther)
	return nil
}

// fieldOf points a refusal at the form field to fix.
func fieldOf(err error) map[string]string {
	e := apperr.As(err)
	if e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return map[string]string{}
	}
	rule, _ := pim.RuleOf(err)
	switch {
	case rule == pim.RuleExpirationEndUserAssignment || e.Code == pim.CodeActiveDurationTooShort:
		return map[string]string{"minutes": e.Message}
	case rule == pim.RuleEnablementEndUserAssignment && strings.Contains(e.Message, "Ticket"):
		return map[string]string{"ticketNumber": e.Message}
	case rule == pim.RuleEnablementEndUserAssignment || rule == pim.RuleApprovalEndUserAssignment:
		return map[string]string{"justification": e.Message}
	}
	return map[string]string{}
}

func (w *Web) renderActivationError(rw http.ResponseWriter, r *http.Request, f activationForm, errs map[string]string, msg string) error {
	p, err := w.myRolesPage(r)
	if err != nil {
		return err
	}
	p.Form, p.FieldErrors, p.Error = f, errs, msg
	w.render(rw, r, http.StatusBadRequest, p)
	return nil
}

func (w *Web) handleActivateResume(rw http.ResponseWriter, r *http.Request, c *current) error {
	f, err := w.openPending(c, r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	return w.submitActivation(rw, r, c, f)
}

func (w *Web) handleDeactivate(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	in := pim.Request{Level: pim.Assignment, Action: pim.SelfDeactivate, PrincipalID: c.user.ID, RoleDefinitionID: r.PostForm.Get("role"), DirectoryScopeID: "/"}
	if _, err := w.PIM.Submit(r.Context(), in, privilege.Auth{}, false); err != nil {
		p, perr := w.myRolesPage(r)
		if perr != nil {
			return perr
		}
		p.Error = apperr.As(err).Message
		w.render(rw, r, httpStatus(err), p)
		return nil
	}
	http.Redirect(rw, r, "/myroles?done=deactivated", http.StatusSeeOther)
	return nil
}

func (w *Web) handleExtend(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	days, _ := strconv.Atoi(r.PostForm.Get("days"))
	if days <= 0 || days > 366 {
		days = 30
	}
	end := w.Now().Add(time.Duration(days) * 24 * time.Hour)
	in := pim.Request{Level: pim.Eligibility, Action: pim.SelfExtend, PrincipalID: c.user.ID, RoleDefinitionID: r.PostForm.Get("role"), DirectoryScopeID: "/",
		Justification: strings.TrimSpace(r.PostForm.Get("justification")), ScheduleInfo: pim.ScheduleInfo{Expiration: pim.Expiration{Type: pim.AfterDateTime, EndDateTime: &end}}}
	if _, err := w.PIM.Submit(r.Context(), in, privilege.Auth{}, false); err != nil {
		p, perr := w.myRolesPage(r)
		if perr != nil {
			return perr
		}
		p.Error = apperr.As(err).Message
		w.render(rw, r, httpStatus(err), p)
		return nil
	}
	http.Redirect(rw, r, "/myroles?done=extend", http.StatusSeeOther)
	return nil
}

func (w *Web) handleCancelRequest(rw http.ResponseWriter, r *http.Request, c *current) error {
	id := r.PathValue("id")
	level := pim.Assignment
	if rq, err := w.PIM.GetRequest(r.Context(), pim.Eligibility, id); err == nil && rq.ID == id {
		level = pim.Eligibility
	}
	if err := w.PIM.Cancel(r.Context(), level, id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/myroles?done=canceled", http.StatusSeeOther)
	return nil
}

func httpStatus(err error) int {
	if s := statusOf(err); s != 0 {
		return s
	}
	return http.StatusInternalServerError
}

// approvalView is one pending request on the Approvals page.
type approvalView struct {
	ID            string
	Requester     string
	RequesterUPN  string
	Role          string
	Action        string // what is asked: activate, extend, renew
	Justification string
	Ticket        string
	Duration      string
	Until         *time.Time
	Requested     time.Time
	Deadline      *time.Time
	NeedReason    bool
}

type approvalsPage struct {
	frame
	Now      time.Time
	Requests []approvalView
	Open     string
	Reason   string
}

func (*approvalsPage) template() string { return "approvals" }

func (w *Web) approvalsPage(r *http.Request) (*approvalsPage, error) {
	rs, err := w.PIM.PendingForMe(r.Context())
	if err != nil {
		return nil, err
	}
	p := &approvalsPage{frame: frame{Title: "Approvals", Nav: "approvals"}, Now: w.Now()}
	for _, rq := range rs {
		v := approvalView{ID: rq.ID, Role: roleDisplay(rq.RoleDefinitionID), Justification: rq.Justification, Requested: rq.CreatedAt}
		if u, err := w.DB.FindUserByID(r.Context(), rq.PrincipalID); err == nil {
			v.Requester, v.RequesterUPN = u.DisplayName, u.UserPrincipalName
		}
		if rq.Ticket.Number != "" {
			v.Ticket = strings.TrimSpace(rq.Ticket.Number + " " + rq.Ticket.System)
		}
		switch rq.Action {
		case pim.SelfActivate:
			v.Action = "Activate"
		case pim.SelfExtend:
			v.Action = "Extend"
		default:
			v.Action = "Renew"
		}
		if e := rq.ScheduleInfo.Expiration; e.Type == pim.AfterDuration {
			v.Duration = humanDuration(e.Duration)
		} else if e.EndDateTime != nil {
			v.Until = e.EndDateTime
		}
		if rq.Approval != nil {
			v.Deadline = rq.Approval.Deadline
			v.NeedReason = rq.Approval.JustificationRequired
		}
		p.Requests = append(p.Requests, v)
	}
	return p, nil
}

func roleDisplay(id string) string {
	if rd, ok := directory.Role(id); ok {
		return rd.DisplayName
	}
	return id
}

var approvalNotices = map[string]string{
	"Approve": "Approved. The requester has been told, and the role is active for them now.",
	"Deny":    "Denied. The requester has been told.",
}

func (w *Web) handleApprovals(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.approvalsPage(r)
	if err != nil {
		return err
	}
	p.Notice = approvalNotices[r.URL.Query().Get("done")]
	w.render(rw, r, http.StatusOK, p)
	return nil
}

func (w *Web) handleApprovalDecision(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	id := r.PathValue("id")
	result := r.PostForm.Get("decision")
	just := strings.TrimSpace(r.PostForm.Get("justification"))
	if result != pim.ReviewApprove && result != pim.ReviewDeny {
		return apperr.Invalidf("Choose Approve or Deny.")
	}
	v, err := w.PIM.GetApproval(r.Context(), id)
	if err == nil {
		if v.Request.Status == pim.StatusPendingAdminDecision {
			_, err = w.PIM.Decide(r.Context(), id, result, just)
		} else {
			_, err = w.PIM.Review(r.Context(), id, "", result, just)
		}
	}
	if err != nil {
		p, perr := w.approvalsPage(r)
		if perr != nil {
			return perr
		}
		p.Error, p.Open, p.Reason = apperr.As(err).Message, id, just
		w.render(rw, r, httpStatus(err), p)
		return nil
	}
	http.Redirect(rw, r, "/approvals?done="+result, http.StatusSeeOther)
	return nil
}

// adminPIMRow is one role in the admin overview.
type adminPIMRow struct {
	ID, Name      string
	Privileged    bool
	MaxActivation string
	Requirement   string
	Approval      bool
	Eligible      int
	Active        int
	Modified      *time.Time
}

type adminPIMPage struct {
	frame
	Roles []adminPIMRow
}

func (*adminPIMPage) template() string { return "admin_pim" }

func (w *Web) handleAdminPIM(rw http.ResponseWriter, r *http.Request, c *current) error {
	ps, err := w.PIM.Policies(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	now := w.Now()
	all, err := w.PIM.Schedules(r.Context(), privilege.ScheduleFilter{})
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	p := &adminPIMPage{frame: frame{Title: "Privileged roles", Nav: "admin-pim", Wide: true}}
	for _, pol := range ps {
		rd, _ := directory.Role(pol.RoleDefinitionID)
		row := adminPIMRow{ID: pol.RoleDefinitionID, Name: pol.RoleName, Privileged: rd.IsPrivileged, Approval: pol.Settings.ApprovalRequired(),
			MaxActivation: humanDuration(pol.Settings.Expiration(pim.RuleExpirationEndUserAssignment).MaximumDuration), Modified: pol.LastModifiedAt}
		row.Requirement = requirementText(pim.ActivationRequirement(pol.Settings, true))
		if row.Requirement == "" {
			row.Requirement = "Nothing"
		}
		for _, s := range all {
			if s.RoleDefinitionID != pol.RoleDefinitionID || s.EndDateTime != nil && !now.Before(*s.EndDateTime) {
				continue
			}
			if s.Kind == directory.Eligible {
				row.Eligible++
			} else {
				row.Active++
			}
		}
		p.Roles = append(p.Roles, row)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// settingsForm is the role settings editor.
type settingsForm struct {
	Require           string // none, mfa, context
	Context           string
	MaxMinutes        int
	Justification     bool
	Ticket            bool
	Approval          bool
	Approvers         string // one user name or group name a line
	ApproverReason    bool
	PermanentEligible bool
	EligibleDays      int
	PermanentActive   bool
	ActiveDays        int
	ActiveJustify     bool
	ActiveMFA         bool
	Notifications     []notificationRow
}

type notificationRow struct {
	Rule     string
	Label    string
	Group    string
	Level    string
	Default  bool
	Extra    string
	Recipent string
}

var notificationLabels = []struct {
	id           pim.RuleID
	group, label string
}{
	{pim.RuleNotificationAdminAdminEligibility, "When members are assigned as eligible", "Role assignment alert (administrators)"},
	{pim.RuleNotificationRequestorAdminEligibility, "When members are assigned as eligible", "Notification to the assigned user"},
	{pim.RuleNotificationApproverAdminEligibility, "When members are assigned as eligible", "Request to approve a renewal or extension"},
	{pim.RuleNotificationAdminAdminAssignment, "When members are assigned as active", "Role assignment alert (administrators)"},
	{pim.RuleNotificationRequestorAdminAssignment, "When members are assigned as active", "Notification to the assigned user"},
	{pim.RuleNotificationApproverAdminAssignment, "When members are assigned as active", "Request to approve a renewal or extension"},
	{pim.RuleNotificationAdminEndUserAssignment, "When eligible members activate", "Role activation alert (administrators)"},
	{pim.RuleNotificationRequestorEndUserAssignment, "When eligible members activate", "Notification to the activated user"},
	{pim.RuleNotificationApproverEndUserAssignment, "When eligible members activate", "Request to approve an activation"},
}

// assignmentRow is one eligible or active assignment in the admin view.
type assignmentRow struct {
	ID        string
	Principal string
	Sub       string
	Group     bool
	Kind      string // Eligible or Active
	Activated bool
	Start     time.Time
	End       *time.Time
	EndDate   string // yyyy-mm-dd for the update form
}

type adminPIMRolePage struct {
	frame
	Now         time.Time
	RoleID      string
	RoleName    string
	PolicyID    string
	CanWrite    bool
	Form        settingsForm
	Contexts    []string
	Assignments []assignmentRow
	Add         addForm
	FieldErrors map[string]string
	MaxOptions  []durationOption
	DayOptions  []int
}

type addForm struct {
	Kind, Principal, Until, Justification string
}

func (*adminPIMRolePage) template() string { return "admin_pim_role" }

var adminPIMNotices = map[string]string{
	"settings": "Role settings saved.",
	"assigned": "Assignment added. The user has been told.",
	"removed":  "Assignment removed.",
	"updated":  "Assignment changed.",
}

func (w *Web) adminPIMRolePage(r *http.Request, roleID string) (*adminPIMRolePage, error) {
	ctx := r.Context()
	pol, err := w.PIM.Policy(ctx, roleID)
	if err != nil {
		return nil, err
	}
	p := &adminPIMRolePage{frame: frame{Title: pol.RoleName + " settings", Nav: "admin-pim", Wide: true}, Now: w.Now(), RoleID: pol.RoleDefinitionID,
		RoleName: pol.RoleName, PolicyID: pol.ID, FieldErrors: map[string]string{}, Add: addForm{Kind: "eligible"}, DayOptions: dayOptions}
	for _, m := range []int{30, 60, 90, 120, 180, 240, 360, 480, 600, 720, 960, 1200, 1440} {
		p.MaxOptions = append(p.MaxOptions, durationOption{m, humanDuration(time.Duration(m) * time.Minute)})
	}
	p.CanWrite = authz.FromContext(ctx).Has(authz.RoleManagementPolicyReadWriteDirectory)
	p.Form = w.settingsFormOf(ctx, pol.Settings)
	if w.CA != nil {
		if cs, err := w.CA.ListContexts(ctx); err == nil {
			for _, c := range cs {
				p.Contexts = append(p.Contexts, c.ID)
			}
		}
	}
	recs, err := w.PIM.Schedules(ctx, privilege.ScheduleFilter{RoleDefinitionID: pol.RoleDefinitionID})
	if err != nil {
		return nil, err
	}
	for _, s := range recs {
		if s.EndDateTime != nil && !p.Now.Before(*s.EndDateTime) {
			continue
		}
		row := assignmentRow{ID: s.ID, Kind: "Eligible", Activated: s.Activated, Start: s.Start(), End: s.EndDateTime, Group: s.PrincipalType == directory.MemberGroup}
		if s.Kind == directory.Active {
			row.Kind = "Active"
		}
		if s.EndDateTime != nil {
			row.EndDate = s.EndDateTime.UTC().Format("2006-01-02")
		}
		row.Principal, row.Sub = w.principalName(ctx, s.PrincipalID)
		p.Assignments = append(p.Assignments, row)
	}
	return p, nil
}

func (w *Web) principalName(ctx context.Context, id string) (string, string) {
	if u, err := w.DB.FindUserByID(ctx, id); err == nil {
		return u.DisplayName, u.UserPrincipalName
	}
	if g, err := w.DB.FindGroupByID(ctx, id); err == nil {
		return g.DisplayName, "Group"
	}
	return id, ""
}

func (w *Web) settingsFormOf(ctx context.Context, s pim.Settings) settingsForm {
	f := settingsForm{Require: "none"}
	en := s.Enablement(pim.RuleEnablementEndUserAssignment)
	if c := s.AuthenticationContext(); c.IsEnabled {
		f.Require, f.Context = "context", c.ClaimValue
	} else if en.Has(pim.EnableMultiFactorAuthentication) {
		f.Require = "mfa"
	}
	f.MaxMinutes = int(s.Expiration(pim.RuleExpirationEndUserAssignment).MaximumDuration / time.Minute)
	f.Justification, f.Ticket = en.Has(pim.EnableJustification), en.Has(pim.EnableTicketing)
	f.Approval, f.ApproverReason = s.ApprovalRequired(), s.ApproverJustificationRequired()
	var lines []string
	for _, a := range s.Approvers() {
		if a.Type == pim.SubjectGroup {
			if g, err := w.DB.FindGroupByID(ctx, a.ID); err == nil {
				lines = append(lines, g.DisplayName)
				continue
			}
		} else if u, err := w.DB.FindUserByID(ctx, a.ID); err == nil {
			lines = append(lines, u.UserPrincipalName)
			continue
		}
		lines = append(lines, a.ID)
	}
	f.Approvers = strings.Join(lines, "\n")
	el, ac := s.Expiration(pim.RuleExpirationAdminEligibility), s.Expiration(pim.RuleExpirationAdminAssignment)
	f.PermanentEligible, f.EligibleDays = !el.IsExpirationRequired, int(el.MaximumDuration/(24*time.Hour))
	f.PermanentActive, f.ActiveDays = !ac.IsExpirationRequired, int(ac.MaximumDuration/(24*time.Hour))
	aen := s.Enablement(pim.RuleEnablementAdminAssignment)
	f.ActiveJustify, f.ActiveMFA = aen.Has(pim.EnableJustification), aen.Has(pim.EnableMultiFactorAuthentication)
	for _, nl := range notificationLabels {
		n := s.Notification(nl.id)
		f.Notifications = append(f.Notifications, notificationRow{Rule: string(nl.id), Label: nl.label, Group: nl.group, Level: n.NotificationLevel,
			Default: n.IsDefaultRecipientsEnabled, Extra: strings.Join(n.NotificationRecipients, "; "), Recipent: n.RecipientType})
	}
	return f
}

func (w *Web) handleAdminPIMRole(rw http.ResponseWriter, r *http.Request, c *current) error {
	p, err := w.adminPIMRolePage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	p.Notice = adminPIMNotices[r.URL.Query().Get("done")]
	w.render(rw, r, http.StatusOK, p)
	return nil
}

var dayOptions = []int{15, 30, 90, 180, 365}

// resolvePrincipal finds a user (by user name or id) or a group (by name or
// id) from what an administrator typed.
func (w *Web) resolvePrincipal(ctx context.Context, s string) (string, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false, apperr.Invalidf("Type a user name or a group's name.")
	}
	if strings.Contains(s, "@") {
		u, err := w.DB.FindUserByUPN(ctx, s)
		if err != nil {
			return "", false, apperr.Invalidf("There is no user %q.", s)
		}
		return u.ID, false, nil
	}
	if u, err := w.DB.FindUserByID(ctx, s); err == nil {
		return u.ID, false, nil
	}
	if g, err := w.DB.FindGroupByID(ctx, s); err == nil {
		return g.ID, true, nil
	}
	gs, err := w.DB.FindGroups(ctx, directory.GroupFilter{DisplayName: s, Limit: 2})
	if err != nil {
		return "", false, err
	}
	if len(gs) != 1 {
		return "", false, apperr.Invalidf("There is no single group named %q; type its id instead.", s)
	}
	return gs[0].ID, true, nil
}

func (w *Web) handleAdminPIMSettings(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	ctx := r.Context()
	p, err := w.adminPIMRolePage(r, r.PathValue("id"))
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	f := p.Form
	pf := r.PostForm
	errs := map[string]string{}
	f.Require = pf.Get("require")
	f.Context = strings.TrimSpace(pf.Get("context"))
	f.MaxMinutes, _ = strconv.Atoi(pf.Get("maxMinutes"))
	f.Justification, f.Ticket, f.Approval, f.ApproverReason = pf.Get("justification") == "on", pf.Get("ticket") == "on", pf.Get("approval") == "on", pf.Get("approverReason") == "on"
	f.Approvers = pf.Get("approvers")
	f.PermanentEligible, f.PermanentActive = pf.Get("permanentEligible") == "on", pf.Get("permanentActive") == "on"
	f.EligibleDays, _ = strconv.Atoi(pf.Get("eligibleDays"))
	f.ActiveDays, _ = strconv.Atoi(pf.Get("activeDays"))
	f.ActiveJustify, f.ActiveMFA = pf.Get("activeJustify") == "on", pf.Get("activeMFA") == "on"
	for i := range f.Notifications {
		n := &f.Notifications[i]
		n.Level = pf.Get("level-" + n.Rule)
		n.Default = pf.Get("default-"+n.Rule) == "on"
		n.Extra = pf.Get("extra-" + n.Rule)
	}
	if f.Require == "context" && !pim.IsContextID(f.Context) {
		errs["context"] = "Choose an authentication context, c1 to c99."
	}
	if f.MaxMinutes < 30 || f.MaxMinutes > 1440 {
		errs["maxMinutes"] = "The maximum must be between 30 minutes and 24 hours."
	}
	var approvers []pim.Subject
	for _, line := range strings.FieldsFunc(f.Approvers, func(r rune) bool { return r == '\n' || r == ';' || r == ',' }) {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		id, group, err := w.resolvePrincipal(ctx, line)
		if err != nil {
			errs["approvers"] = apperr.As(err).Message
			break
		}
		t := pim.SubjectUser
		if group {
			t = pim.SubjectGroup
		}
		approvers = append(approvers, pim.Subject{Type: t, ID: id, Description: line})
	}
	if len(errs) > 0 {
		p.Form, p.FieldErrors, p.Error = f, errs, "The settings were not saved: check the highlighted fields."
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	rules := settingsRules(f, approvers)
	if _, err := w.PIM.UpdateRules(ctx, p.PolicyID, rules); err != nil {
		if errors.Is(err, apperr.Forbidden) {
			return w.handleServiceError(rw, r, err, authz.RoleManagementPolicyReadWriteDirectory)
		}
		p.Form, p.FieldErrors, p.Error = f, errs, apperr.As(err).Message
		w.render(rw, r, httpStatus(err), p)
		return nil
	}
	http.Redirect(rw, r, "/admin/pim/roles/"+url.PathEscape(p.RoleID)+"?done=settings", http.StatusSeeOther)
	return nil
}

// settingsRules turns the editor into the rules it sets.
func settingsRules(f settingsForm, approvers []pim.Subject) []pim.Rule {
	day := 24 * time.Hour
	en := []string{}
	if f.Require == "mfa" {
		en = append(en, pim.EnableMultiFactorAuthentication)
	}
	if f.Justification {
		en = append(en, pim.EnableJustification)
	}
	if f.Ticket {
		en = append(en, pim.EnableTicketing)
	}
	ctxRule := &pim.AuthenticationContextRule{}
	if f.Require == "context" {
		ctxRule = &pim.AuthenticationContextRule{IsEnabled: true, ClaimValue: f.Context}
	}
	if approvers == nil {
		approvers = []pim.Subject{}
	}
	aen := []string{}
	if f.ActiveMFA {
		aen = append(aen, pim.EnableMultiFactorAuthentication)
	}
	if f.ActiveJustify {
		aen = append(aen, pim.EnableJustification)
	}
	days := func(n, def int) time.Duration {
		if !slices.Contains(dayOptions, n) {
			n = def
		}
		return time.Duration(n) * day
	}
	rules := []pim.Rule{
		{ID: pim.RuleExpirationEndUserAssignment, Expiration: &pim.ExpirationRule{IsExpirationRequired: true, MaximumDuration: time.Duration(f.MaxMinutes) * time.Minute}},
		{ID: pim.RuleEnablementEndUserAssignment, Enablement: &pim.EnablementRule{EnabledRules: en}},
		{ID: pim.RuleAuthenticationContextEndUserAssignment, AuthenticationContext: ctxRule},
		{ID: pim.RuleApprovalEndUserAssignment, Approval: &pim.ApprovalSettings{IsApprovalRequired: f.Approval, IsRequestorJustificationRequired: true,
			ApprovalMode: pim.ApprovalSingleStage, ApprovalStages: []pim.ApprovalStage{{ApprovalStageTimeOutInDays: 1, IsApproverJustificationRequired: f.ApproverReason,
				PrimaryApprovers: approvers, EscalationApprovers: []pim.Subject{}}}}},
		{ID: pim.RuleExpirationAdminEligibility, Expiration: &pim.ExpirationRule{IsExpirationRequired: !f.PermanentEligible, MaximumDuration: days(f.EligibleDays, 365)}},
		{ID: pim.RuleExpirationAdminAssignment, Expiration: &pim.ExpirationRule{IsExpirationRequired: !f.PermanentActive, MaximumDuration: days(f.ActiveDays, 180)}},
		{ID: pim.RuleEnablementAdminAssignment, Enablement: &pim.EnablementRule{EnabledRules: aen}},
	}
	for _, n := range f.Notifications {
		var extra []string
		for _, a := range strings.FieldsFunc(n.Extra, func(r rune) bool { return r == ';' || r == ',' || r == '\n' || r == ' ' }) {
			extra = append(extra, a)
		}
		if extra == nil {
			extra = []string{}
		}
		lvl := n.Level
		if lvl != pim.NotifyNone && lvl != pim.NotifyCritical {
			lvl = pim.NotifyAll
		}
		rules = append(rules, pim.Rule{ID: pim.RuleID(n.Rule), Notification: &pim.NotificationRule{NotificationType: pim.NotificationEmail, RecipientType: n.Recipent,
			NotificationLevel: lvl, IsDefaultRecipientsEnabled: n.Default, NotificationRecipients: extra}})
	}
	return rules
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (w *Web) handleAdminPIMAssign(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	ctx := r.Context()
	roleID := r.PathValue("id")
	f := addForm{Kind: r.PostForm.Get("kind"), Principal: r.PostForm.Get("principal"), Until: r.PostForm.Get("until"), Justification: strings.TrimSpace(r.PostForm.Get("justification"))}
	fail := func(field, msg string) error {
		p, err := w.adminPIMRolePage(r, roleID)
		if err != nil {
			return w.handleServiceError(rw, r, err, permsPIMRead...)
		}
		p.Add, p.Error = f, msg
		if field != "" {
			p.FieldErrors[field] = msg
		}
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	id, _, err := w.resolvePrincipal(ctx, f.Principal)
	if err != nil {
		return fail("principal", apperr.As(err).Message)
	}
	level := pim.Eligibility
	if f.Kind == "active" {
		level = pim.Assignment
	}
	exp := pim.Expiration{Type: pim.NoExpiration}
	if f.Until != "" {
		if !dateRE.MatchString(f.Until) {
			return fail("until", "Give the end as a date, like 2026-12-31.")
		}
		t, err := time.Parse("2006-01-02", f.Until)
		if err != nil {
			return fail("until", "Give the end as a date, like 2026-12-31.")
		}
		t = t.Add(24*time.Hour - time.Second)
		exp = pim.Expiration{Type: pim.AfterDateTime, EndDateTime: &t}
	}
	in := pim.Request{Level: level, Action: pim.AdminAssign, PrincipalID: id, RoleDefinitionID: roleID, DirectoryScopeID: "/", Justification: f.Justification,
		ScheduleInfo: pim.ScheduleInfo{Expiration: exp}}
	auth := privilege.Auth{MFA: c.sess.Evidence().IsMultifactor()}
	if _, err := w.PIM.Submit(ctx, in, auth, false); err != nil {
		if errors.Is(err, apperr.Forbidden) {
			return w.handleServiceError(rw, r, err, authz.RoleManagementReadWriteDirectory)
		}
		return fail(addField(err), apperr.As(err).Message)
	}
	http.Redirect(rw, r, "/admin/pim/roles/"+url.PathEscape(roleID)+"?done=assigned", http.StatusSeeOther)
	return nil
}

func addField(err error) string {
	switch rule, _ := pim.RuleOf(err); rule {
	case pim.RuleExpirationAdminEligibility, pim.RuleExpirationAdminAssignment:
		return "until"
	case pim.RuleEnablementAdminAssignment, pim.RuleEnablementAdminEligibility:
		return "justification"
	}
	return ""
}

// scheduleOf finds a current assignment of the role by id.
func (w *Web) scheduleOf(r *http.Request) (privilege.ScheduleRecord, error) {
	ss, err := w.PIM.Schedules(r.Context(), privilege.ScheduleFilter{ID: r.PathValue("sid"), RoleDefinitionID: r.PathValue("id"), Limit: 1})
	if err != nil {
		return privilege.ScheduleRecord{}, err
	}
	if len(ss) == 0 {
		return privilege.ScheduleRecord{}, apperr.NotFoundf("That assignment no longer exists.")
	}
	return ss[0], nil
}

func (w *Web) handleAdminPIMRemove(rw http.ResponseWriter, r *http.Request, c *current) error {
	s, err := w.scheduleOf(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	in := pim.Request{Level: s.Level(), Action: pim.AdminRemove, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: "/", TargetScheduleID: s.ID,
		Justification: "Removed in the admin portal"}
	if _, err := w.PIM.Submit(r.Context(), in, privilege.Auth{MFA: c.sess.Evidence().IsMultifactor()}, false); err != nil {
		return w.adminPIMFail(rw, r, err)
	}
	http.Redirect(rw, r, "/admin/pim/roles/"+url.PathEscape(s.RoleDefinitionID)+"?done=removed", http.StatusSeeOther)
	return nil
}

func (w *Web) adminPIMFail(rw http.ResponseWriter, r *http.Request, err error) error {
	if errors.Is(err, apperr.Forbidden) {
		return w.handleServiceError(rw, r, err, authz.RoleManagementReadWriteDirectory)
	}
	p, perr := w.adminPIMRolePage(r, r.PathValue("id"))
	if perr != nil {
		return perr
	}
	p.Error = apperr.As(err).Message
	w.render(rw, r, httpStatus(err), p)
	return nil
}

func (w *Web) handleAdminPIMUpdate(rw http.ResponseWriter, r *http.Request, c *current) error {
	if err := r.ParseForm(); err != nil {
		return apperr.Invalidf("The form could not be read. Reload the page and try again.")
	}
	s, err := w.scheduleOf(r)
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	exp := pim.Expiration{Type: pim.NoExpiration}
	if d := r.PostForm.Get("until"); d != "" {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return w.adminPIMFail(rw, r, apperr.Invalidf("Give the end as a date, like 2026-12-31."))
		}
		t = t.Add(24*time.Hour - time.Second)
		exp = pim.Expiration{Type: pim.AfterDateTime, EndDateTime: &t}
	}
	in := pim.Request{Level: s.Level(), Action: pim.AdminUpdate, PrincipalID: s.PrincipalID, RoleDefinitionID: s.RoleDefinitionID, DirectoryScopeID: "/", TargetScheduleID: s.ID,
		Justification: "Changed in the admin portal", ScheduleInfo: pim.ScheduleInfo{Expiration: exp}}
	if _, err := w.PIM.Submit(r.Context(), in, privilege.Auth{MFA: c.sess.Evidence().IsMultifactor()}, false); err != nil {
		return w.adminPIMFail(rw, r, err)
	}
	http.Redirect(rw, r, "/admin/pim/roles/"+url.PathEscape(s.RoleDefinitionID)+"?done=updated", http.StatusSeeOther)
	return nil
}

type emergencyPage struct {
	frame
	Now      time.Time
	Accounts []privilege.EmergencyAccount
}

func (*emergencyPage) template() string { return "admin_pim_emergency" }

func (w *Web) handleAdminEmergency(rw http.ResponseWriter, r *http.Request, c *current) error {
	as, err := w.PIM.EmergencyAccounts(r.Context())
	if err != nil {
		return w.handleServiceError(rw, r, err, permsPIMRead...)
	}
	w.render(rw, r, http.StatusOK, &emergencyPage{frame: frame{Title: "Emergency access accounts", Nav: "admin-pim", Wide: true}, Now: w.Now(), Accounts: as})
	return nil
}
