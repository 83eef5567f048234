package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

// The sign-in log and the audit log: filtered, paged tables and a page
// for each entry (authentication steps and Conditional Access results of
// a sign-in; targets and modified properties of a change).

var permsLogs = []authz.Permission{authz.AuditLogReadAll}

// logPageSize is how many entries a log page shows; tests make it
// smaller to see paging (export_test.go).
var logPageSize = func() *atomic.Int32 { var n atomic.Int32; n.Store(50); return &n }()

// logDate reads a yyyy-mm-dd filter as the start of that day in UTC, or
// (end) the last instant of it.
func logDate(v string, end bool, fe fieldErrors, field string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, time.UTC)
	if err != nil {
		fe.add(field, "Enter a date, such as 2026-05-04.")
		return nil
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return &t
}

// logTime is a log entry's time in a table: UTC, to the second.
func logTime(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04:05") }

// pageURL is path with q, without empty values.
func pageURL(path string, q url.Values) string {
	for k, v := range q {
		if len(v) == 0 || v[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// ---------------------------------------------------------------- sign-ins

// signInFilterForm is the sign-in log's filter as typed.
type signInFilterForm struct {
	User, App, Status, From, To, Reference string
}

// signInRow is one sign-in in the table.
type signInRow struct {
	ID                string
	When              string
	User, UPN         string
	App               string
	IP, Country       string
	Result, ResultCSS string
	Reason            string
	Methods           string
	CA, CACSS         string
}

// signInsPage is /admin/signins.
type signInsPage struct {
	frame
	Filter      signInFilterForm
	Apps        []option
	Statuses    []option
	FieldErrors fieldErrors
	Rows        []signInRow
	NextURL     string
	FirstURL    string
}

func (*signInsPage) template() string { return "admin_signins" }

// outcomeWords names a sign-in's outcome and its badge class.
func outcomeWords(rec signin.Record) (string, string) {
	switch rec.Outcome() {
	case "success":
		return "Success", "badge-ok"
	case "interrupted":
		return "Interrupted", "badge-warn"
	}
	return "Failure", "badge-bad"
}

// caStatusWords names a sign-in's Conditional Access status.
func caStatusWords(s string) (string, string) {
	switch s {
	case "success":
		return "Success", "badge-ok"
	case "failure":
		return "Failure", "badge-bad"
	case "notApplied":
		return "Not applied", ""
	}
	return s, ""
}

// resultWords names an applied policy's result (Graph's
// appliedConditionalAccessPolicy.result) and its badge class.
func resultWords(r string) (string, string) {
	switch r {
	case "success":
		return "Success", "badge-ok"
	case "failure":
		return "Failure", "badge-bad"
	case "notApplied":
		return "Not applied", ""
	case "notEnabled":
		return "Off", ""
	case "reportOnlySuccess":
		return "Report-only: success", "badge-accent"
	case "reportOnlyFailure":
		return "Report-only: failure", "badge-warn"
	case "reportOnlyInterrupted":
		return "Report-only: user action required", "badge-warn"
	case "reportOnlyNotApplied":
		return "Report-only: not applied", ""
	}
	return r, ""
}

// methodsWords names the methods a sign-in used.
func methodsWords(ms []string) string {
	var out []string
	for _, m := range ms {
		if mode, ok := authn.ParseMode(m); ok {
			m = modeLabel(mode)
		}
		out = append(out, m)
	}
	return strings.Join(out, ", ")
}

func (w *Web) logApps(r *http.Request) []option {
	apps := []option{{Value: "", Label: "Any application"}, {Value: policy.MyAccountAppID, Label: "My Account"}, {Value: policy.AdminPortalAppID, Label: "Strongroom admin portal"}}
	if as, err := w.DB.FindApplications(r.Context(), application.Filter{Limit: maxCatalog}); err == nil {
		slices.SortFunc(as, func(a, b application.Application) int { return strings.Compare(a.DisplayName, b.DisplayName) })
		for _, a := range as {
			apps = append(apps, option{Value: a.AppID, Label: a.DisplayName})
		}
	}
	return apps
}

// handleAdminSignIns: GET /admin/signins?user=&app=&status=&from=&to=&ref=&before=.
func (w *Web) handleAdminSignIns(rw http.ResponseWriter, r *http.Request, c *current) error {
	q := r.URL.Query()
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	p := &signInsPage{frame: frame{Title: "Sign-in logs", Nav: "admin-signins", Wide: true}, FieldErrors: fieldErrors{},
		Filter: signInFilterForm{User: g("user"), App: g("app"), Status: g("status"), From: g("from"), To: g("to"), Reference: g("ref")}}
	p.Apps = selectOptions(w.logApps(r), p.Filter.App)
	p.Statuses = selectOptions([]option{{Value: "", Label: "Any result"}, {Value: "success", Label: "Success"}, {Value: "failure", Label: "Failure"},
		{Value: "interrupted", Label: "Interrupted (more was asked)"}}, p.Filter.Status)
	size := int(logPageSize.Load())
	f := store.SignInFilter{Limit: size + 1, AppID: p.Filter.App, CorrelationID: p.Filter.Reference}
	switch u := p.Filter.User; {
	case u == "":
	case guidRE.MatchString(u) && len(u) == 36:
		f.UserID = strings.ToLower(u)
	default:
		f.UPN = u
	}
	switch p.Filter.Status {
	case "", "success", "failure", "interrupted":
		f.Status = p.Filter.Status
	default:
		p.FieldErrors.add("status", "Choose a result.")
	}
	f.From = logDate(p.Filter.From, false, p.FieldErrors, "from")
	f.To = logDate(p.Filter.To, true, p.FieldErrors, "to")
	if b := q.Get("before"); b != "" {
		k, err := odata.DecodeCursor(b)
		var t time.Time
		if err == nil && len(k) == 2 {
			t, err = time.Parse(time.RFC3339Nano, k[0])
		}
		if err != nil || len(k) != 2 {
			return apperr.Invalidf("This page link is not valid any more; start again from the first page.")
		}
		f.BeforeTime, f.BeforeID = &t, k[1]
		p.FirstURL = pageURL("/admin/signins", url.Values{"user": {p.Filter.User}, "app": {p.Filter.App}, "status": {p.Filter.Status},
			"from": {p.Filter.From}, "to": {p.Filter.To}, "ref": {p.Filter.Reference}})
	}
	if len(p.FieldErrors) > 0 {
		p.Error = "Correct the filter."
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	recs, err := w.DB.FindSignIns(r.Context(), f)
	if err != nil {
		return err
	}
	if len(recs) > size {
		recs = recs[:size]
		last := recs[len(recs)-1]
		p.NextURL = pageURL("/admin/signins", url.Values{"user": {p.Filter.User}, "app": {p.Filter.App}, "status": {p.Filter.Status},
			"from": {p.Filter.From}, "to": {p.Filter.To}, "ref": {p.Filter.Reference},
			"before": {odata.EncodeCursor([]string{last.CreatedDateTime.UTC().Format(time.RFC3339Nano), last.ID})}})
	}
	for _, rec := range recs {
		res, css := outcomeWords(rec)
		ca, cacss := caStatusWords(rec.ConditionalAccessStatus)
		row := signInRow{ID: rec.ID, When: logTime(rec.CreatedDateTime), User: rec.UserDisplayName, UPN: rec.UserPrincipalName, App: rec.AppDisplayName,
			IP: rec.IPAddress, Country: rec.Location.CountryOrRegion, Result: res, ResultCSS: css, Methods: methodsWords(rec.AuthenticationMethodsUsed),
			CA: ca, CACSS: cacss}
		if rec.Status.ErrorCode != 0 {
			row.Reason = rec.Status.FailureReason
		}
		if row.User == "" {
			row.User = rec.UserPrincipalName
		}
		p.Rows = append(p.Rows, row)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// appliedRow is one Conditional Access policy's result in a sign-in.
type appliedRow struct {
	signin.AppliedPolicy
	Result, ResultCSS string
	Reason            string
	Grant, Session    string
}

// controlList names the grant and session controls of an applied policy.
func controlList(cs []string) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		switch c {
		case "authenticationStrength":
			c = "authentication strength"
		case "signInFrequency":
			c = "sign-in frequency"
		case "persistentBrowser":
			c = "persistent browser"
		default:
			c = controlWords(c)
		}
		out[i] = c
	}
	return strings.Join(out, ", ")
}

// signInPage is /admin/signins/{id}.
type signInDetailPage struct {
	frame
	Rec             signin.Record
	Result, CSS     string
	CA, CACSS       string
	Methods         string
	Applied         []appliedRow
	CanReadPolicies bool
	WhatIfURL       string
	Back            string
}

func (*signInDetailPage) template() string { return "admin_signin" }

// handleAdminSignIn: GET /admin/signins/{id}.
func (w *Web) handleAdminSignIn(rw http.ResponseWriter, r *http.Request, c *current) error {
	recs, err := w.DB.FindSignIns(r.Context(), store.SignInFilter{ID: r.PathValue("id"), Limit: 1})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return apperr.NotFoundf("There is no sign-in with id %s.", r.PathValue("id"))
	}
	rec := recs[0]
	p := &signInDetailPage{frame: frame{Title: "Sign-in of " + rec.UserPrincipalName, Nav: "admin-signins", Wide: true}, Rec: rec,
		Methods: methodsWords(rec.AuthenticationMethodsUsed), Back: localPath("/admin/signins?" + r.URL.Query().Get("back"))}
	if p.Back == "/" {
		p.Back = "/admin/signins"
	}
	p.Result, p.CSS = outcomeWords(rec)
	p.CA, p.CACSS = caStatusWords(rec.ConditionalAccessStatus)
	p.CanReadPolicies = authz.FromContext(r.Context()).Has(authz.PolicyReadConditionalAccess) && w.CA != nil
	if p.CanReadPolicies && rec.UserID != "" {
		p.WhatIfURL = whatIfURL(rec.UserPrincipalName, rec.AppID)
		if rec.IPAddress != "" {
			p.WhatIfURL += "&ip=" + url.QueryEscape(rec.IPAddress)
		}
	}
	// Policies that applied come first.
	for _, ap := range rec.AppliedConditionalAccessPolicies {
		row := appliedRow{AppliedPolicy: ap, Grant: controlList(ap.EnforcedGrantControls), Session: controlList(ap.EnforcedSessionControls)}
		row.Result, row.ResultCSS = resultWords(ap.Result)
		if ap.ConditionsNotSatisfied != "" {
			row.Reason = conditionWords(ap.ConditionsNotSatisfied)
		}
		p.Applied = append(p.Applied, row)
	}
	slices.SortStableFunc(p.Applied, func(a, b appliedRow) int { return rank(a.AppliedPolicy.Result) - rank(b.AppliedPolicy.Result) })
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// rank orders policy results: the ones that decided first.
func rank(result string) int {
	switch result {
	case "failure":
		return 0
	case "success":
		return 1
	case "reportOnlyFailure", "reportOnlyInterrupted", "reportOnlySuccess":
		return 2
	}
	return 3
}

// conditionWords turns a What If reason name (a sign-in's
// conditionsNotSatisfied) into words.
func conditionWords(name string) string {
	for r := policy.ReasonNotSet; r <= policy.ReasonAuthenticationFlow; r++ {
		if r.String() == name {
			return reasonWords(r)
		}
	}
	return name
}

// ---------------------------------------------------------------- audit

// auditFilterForm is the audit log's filter as typed.
type auditFilterForm struct {
	Activity, Category, Initiator, Result, From, To, Reference string
}

// auditRow is one audit event in the table.
type auditRow struct {
	ID, Activity, Category, Service string
	When                            string
	Initiator, InitiatorSub         string
	Targets                         string
	Failed                          bool
	Reason                          string
}

// auditPage is /admin/audit.
type auditPage struct {
	frame
	Filter      auditFilterForm
	Activities  []string // for the datalist
	Categories  []option
	Results     []option
	FieldErrors fieldErrors
	Rows        []auditRow
	NextURL     string
	FirstURL    string
}

func (*auditPage) template() string { return "admin_audit" }

func initiatorWords(i audit.Initiator) (string, string) {
	switch {
	case i.User != nil:
		name := i.User.DisplayName
		if name == "" {
			name = i.User.UserPrincipalName
		}
		return name, i.User.UserPrincipalName
	case i.App != nil:
		return i.App.DisplayName, "Application " + i.App.AppID
	}
	return "Unknown", ""
}

func targetNames(ts []audit.Target) string {
	var out []string
	for _, t := range ts {
		n := t.DisplayName
		if n == "" {
			n = t.UserPrincipalName
		}
		if n == "" {
			n = t.ID
		}
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

func (f auditFilterForm) values() url.Values {
	return url.Values{"activity": {f.Activity}, "category": {f.Category}, "initiator": {f.Initiator}, "result": {f.Result},
		"from": {f.From}, "to": {f.To}, "ref": {f.Reference}}
}

// handleAdminAudit: GET /admin/audit?activity=&category=&initiator=&result=&from=&to=&ref=&before=.
func (w *Web) handleAdminAudit(rw http.ResponseWriter, r *http.Request, c *current) error {
	q := r.URL.Query()
	g := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	p := &auditPage{frame: frame{Title: "Audit logs", Nav: "admin-audit", Wide: true}, FieldErrors: fieldErrors{},
		Filter: auditFilterForm{Activity: g("activity"), Category: g("category"), Initiator: g("initiator"), Result: g("result"), From: g("from"), To: g("to"), Reference: g("ref")}}
	size := int(logPageSize.Load())
	f := store.AuditFilter{Limit: size + 1, Activity: p.Filter.Activity, Category: p.Filter.Category, CorrelationID: p.Filter.Reference}
	switch p.Filter.Result {
	case "", audit.Success, audit.Failure:
		f.Result = p.Filter.Result
	default:
		p.FieldErrors.add("result", "Choose a result.")
	}
	switch in := p.Filter.Initiator; {
	case in == "":
	case strings.Contains(in, "@"):
		u, err := w.DB.FindUserByUPN(r.Context(), in)
		switch {
		case errors.Is(err, apperr.NotFound):
			p.FieldErrors.add("initiator", "There is no user “"+in+"”. Write a user name, a user id or an application's client id.")
		case err != nil:
			return err
		default:
			f.InitiatorID = u.ID
		}
	default:
		f.InitiatorID = in
	}
	f.From = logDate(p.Filter.From, false, p.FieldErrors, "from")
	f.To = logDate(p.Filter.To, true, p.FieldErrors, "to")
	if b := q.Get("before"); b != "" {
		k, err := odata.DecodeCursor(b)
		var seq int64
		if err == nil && len(k) == 1 {
			seq, err = strconv.ParseInt(k[0], 10, 64)
		}
		if err != nil || len(k) != 1 || seq <= 0 {
			return apperr.Invalidf("This page link is not valid any more; start again from the first page.")
		}
		f.Before = seq
		p.FirstURL = pageURL("/admin/audit", p.Filter.values())
	}
	// The recent activities and categories, for the filter's choices.
	recent, err := w.DB.FindAuditEvents(r.Context(), store.AuditFilter{Limit: 500})
	if err != nil {
		return err
	}
	cats := []string{}
	for _, se := range recent {
		var e audit.Event
		if json.Unmarshal(se.Body, &e) == nil {
			if !slices.Contains(p.Activities, e.ActivityDisplayName) {
				p.Activities = append(p.Activities, e.ActivityDisplayName)
			}
			if !slices.Contains(cats, e.Category) {
				cats = append(cats, e.Category)
			}
		}
	}
	sort.Strings(p.Activities)
	sort.Strings(cats)
	p.Categories = []option{{Value: "", Label: "Any category"}}
	for _, cat := range cats {
		p.Categories = append(p.Categories, option{Value: cat, Label: cat})
	}
	p.Categories = selectOptions(p.Categories, p.Filter.Category)
	p.Results = selectOptions([]option{{Value: "", Label: "Any result"}, {Value: audit.Success, Label: "Success"}, {Value: audit.Failure, Label: "Failure"}}, p.Filter.Result)
	if len(p.FieldErrors) > 0 {
		p.Error = "Correct the filter."
		w.render(rw, r, http.StatusBadRequest, p)
		return nil
	}
	evs, err := w.DB.FindAuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	if len(evs) > size {
		evs = evs[:size]
		v := p.Filter.values()
		v.Set("before", odata.EncodeCursor([]string{strconv.FormatInt(evs[len(evs)-1].Seq, 10)}))
		p.NextURL = pageURL("/admin/audit", v)
	}
	for _, se := range evs {
		var e audit.Event
		if err := json.Unmarshal(se.Body, &e); err != nil {
			return apperr.Wrap(err, apperr.Internal, "reading an audit event")
		}
		who, sub := initiatorWords(e.InitiatedBy)
		p.Rows = append(p.Rows, auditRow{ID: e.ID, Activity: e.ActivityDisplayName, Category: e.Category, Service: e.LoggedByService, When: logTime(e.ActivityDateTime),
			Initiator: who, InitiatorSub: sub, Targets: targetNames(e.TargetResources), Failed: e.Result == audit.Failure, Reason: e.ResultReason})
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// propertyView is a modified property as the page shows it: the values
// pretty-printed, and for JSON objects the paths that changed.
type propertyView struct {
	Name     string
	Old, New string
	Changed  []string
	Block    bool // show the values as blocks (JSON objects or arrays)
}

// targetView is one target of an audit event.
type targetView struct {
	audit.Target
	Properties []propertyView
}

// auditEventPage is /admin/audit/{id}.
type auditEventPage struct {
	frame
	Event          audit.Event
	Initiator, Sub string
	Targets        []targetView
}

func (*auditEventPage) template() string { return "admin_audit_event" }

// handleAdminAuditEvent: GET /admin/audit/{id}.
func (w *Web) handleAdminAuditEvent(rw http.ResponseWriter, r *http.Request, c *current) error {
	evs, err := w.DB.FindAuditEvents(r.Context(), store.AuditFilter{ID: r.PathValue("id"), Limit: 1})
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return apperr.NotFoundf("There is no audit event with id %s.", r.PathValue("id"))
	}
	var e audit.Event
	if err := json.Unmarshal(evs[0].Body, &e); err != nil {
		return apperr.Wrap(err, apperr.Internal, "reading an audit event")
	}
	p := &auditEventPage{frame: frame{Title: e.ActivityDisplayName, Nav: "admin-audit", Wide: true}, Event: e}
	p.Initiator, p.Sub = initiatorWords(e.InitiatedBy)
	for _, t := range e.TargetResources {
		tv := targetView{Target: t}
		for _, mp := range t.ModifiedProperties {
			tv.Properties = append(tv.Properties, propertyOf(mp))
		}
		p.Targets = append(p.Targets, tv)
	}
	w.render(rw, r, http.StatusOK, p)
	return nil
}

// maxChanged bounds the changed paths listed for one property.
const maxChanged = 40

func propertyOf(mp audit.ModifiedProperty) propertyView {
	pv := propertyView{Name: mp.DisplayName}
	var ov, nv any
	oOK := mp.OldValue != "" && json.Unmarshal([]byte(mp.OldValue), &ov) == nil
	nOK := mp.NewValue != "" && json.Unmarshal([]byte(mp.NewValue), &nv) == nil
	pv.Old, pv.Block = prettyValue(mp.OldValue, ov, oOK)
	var nb bool
	pv.New, nb = prettyValue(mp.NewValue, nv, nOK)
	pv.Block = pv.Block || nb
	if om, ok := ov.(map[string]any); ok {
		if nm, ok := nv.(map[string]any); ok {
			diffPaths("", om, nm, &pv.Changed)
			if len(pv.Changed) > maxChanged {
				pv.Changed = append(pv.Changed[:maxChanged], "…")
			}
		}
	}
	return pv
}

// prettyValue shows a JSON value: strings without quotes, objects and
// arrays indented; block reports an object or array.
func prettyValue(raw string, v any, ok bool) (string, bool) {
	if !ok {
		return raw, false
	}
	switch x := v.(type) {
	case string:
		return x, false
	case map[string]any, []any:
		var b bytes.Buffer
		if json.Indent(&b, []byte(raw), "", "  ") == nil {
			return b.String(), true
		}
	}
	return raw, false
}

// diffPaths appends the paths below prefix whose values differ between
// a and b; lists count as one value.
func diffPaths(prefix string, a, b map[string]any, out *[]string) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		av, bv := a[k], b[k]
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		switch {
		case aok && bok:
			diffPaths(path, am, bm, out)
		case !reflect.DeepEqual(av, bv):
			*out = append(*out, path)
		}
	}
}
