package api

import (
	"context"
	"net/http"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

// SignInReader reads the sign-in log.
type SignInReader interface {
	FindSignIns(ctx context.Context, f store.SignInFilter) ([]signin.Record, error)
}

const caSignInSet = "auditLogs/signIns"

var caSignInFields = []string{"id", "createdDateTime", "userDisplayName", "userPrincipalName", "userId", "appId", "appDisplayName",
	"ipAddress", "clientAppUsed", "userAgent", "correlationId", "conditionalAccessStatus", "isInteractive", "riskLevelAggregated",
	"authenticationRequirement", "authenticationMethodsUsed", "authenticationDetails", "authenticationContextClassReferences",
	"appliedConditionalAccessPolicies", "status", "deviceDetail", "location"}

var caSignInList = listOptions{
	schema: odata.Schema{
		"id":                {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"createdDateTime":   {Type: odata.DateTime, Ops: []odata.Op{odata.Ge, odata.Le}},
		"userId":            {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"userPrincipalName": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"appId":             {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"correlationId":     {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"status/errorCode":  {Type: odata.Number, Ops: []odata.Op{odata.Eq, odata.Ne}},
	},
	fields: caSignInFields,
}

// handleSignInList: GET /v1.0/auditLogs/signIns, newest first. $filter on
// createdDateTime (ge, le), userId, userPrincipalName, appId,
// correlationId, id, and status/errorCode: eq 0 (succeeded), ne 0 (failed
// or interrupted), eq 50074 (interrupted: more authentication was asked
// for).
func (a *API) handleSignInList(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.AuditLogReadAll); err != nil {
		return err
	}
	q, err := parseList(r, caSignInList)
	if err != nil {
		return err
	}
	f := store.SignInFilter{Limit: q.Top + 1}
	if q.SkipToken != "" {
		k, err := odata.DecodeCursor(q.SkipToken)
		if err != nil {
			return err
		}
		t, terr := time.Parse(time.RFC3339Nano, firstOrCA(k, ""))
		if len(k) != 2 || terr != nil || k[1] == "" {
			return apperr.Invalidf("the $skiptoken is not valid; start again from the first page")
		}
		f.BeforeTime, f.BeforeID = &t, k[1]
	}
	for _, c := range q.Filter.Conditions {
		switch c.Property {
		case "id":
			f.ID = c.Value.Str
		case "createdDateTime":
			t := c.Value.Time
			if c.Op == odata.Ge {
				f.From = &t
			} else {
				f.To = &t
			}
		case "userId":
			f.UserID = c.Value.Str
		case "userPrincipalName":
			f.UPN = c.Value.Str
		case "appId":
			f.AppID = c.Value.Str
		case "correlationId":
			f.CorrelationID = c.Value.Str
		case "status/errorCode":
			switch {
			case c.Value.Num == 0 && c.Op == odata.Eq:
				f.Status = "success"
			case c.Value.Num == 0 && c.Op == odata.Ne:
				f.ExcludeStatus = "success"
			case c.Value.Num == signin.ErrStrongAuthRequired && c.Op == odata.Eq:
				f.Status = "interrupted"
			default:
				return apperr.Invalidf("$filter: status/errorCode supports eq 0 (success), ne 0 (failure or interrupted) and eq %d (interrupted).", signin.ErrStrongAuthRequired)
			}
		}
	}
	recs, err := a.SignIns.FindSignIns(r.Context(), f)
	if err != nil {
		return err
	}
	recs, next := pageOf(recs, q.Top, func(rec signin.Record) []string {
		return []string{rec.CreatedDateTime.UTC().Format(time.RFC3339Nano), rec.ID}
	})
	items := make([]any, len(recs))
	for i, rec := range recs {
		items[i] = rec
	}
	return a.writeList(w, r, caSignInSet, q, caSignInList, items, next)
}

func firstOrCA(l []string, def string) string {
	if len(l) > 0 {
		return l[0]
	}
	return def
}

// handleSignInGet: GET /v1.0/auditLogs/signIns/{id}.
func (a *API) handleSignInGet(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.AuditLogReadAll); err != nil {
		return err
	}
	recs, err := a.SignIns.FindSignIns(r.Context(), store.SignInFilter{ID: r.PathValue("id"), Limit: 1})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return apperr.NotFoundf("Resource '%s' does not exist.", r.PathValue("id")).WithCode("Request_ResourceNotFound")
	}
	return a.writeOne(w, r, http.StatusOK, caSignInSet, recs[0], caSignInFields)
}
