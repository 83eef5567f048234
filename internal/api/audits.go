package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/odata"
	"github.com/strongroom-id/strongroom/internal/store"
)

var auditFields = []string{"id", "category", "correlationId", "result", "resultReason", "activityDisplayName", "activityDateTime", "loggedByService", "operationType", "initiatedBy", "targetResources", "additionalDetails"}

var auditList = listOptions{
	schema: odata.Schema{
		"id":                    {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"activityDateTime":      {Type: odata.DateTime, Ops: []odata.Op{odata.Ge, odata.Le}},
		"category":              {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"activityDisplayName":   {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"correlationId":         {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"result":                {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"initiatedBy/user/id":   {Type: odata.String, Ops: []odata.Op{odata.Eq}},
		"initiatedBy/app/appId": {Type: odata.String, Ops: []odata.Op{odata.Eq}},
	},
	fields: auditFields,
}

func (a *API) handleAuditList(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.AuditLogReadAll); err != nil {
		return err
	}
	q, err := parseList(r, auditList)
	if err != nil {
		return err
	}
	f := store.AuditFilter{Limit: q.Top + 1}
	if q.SkipToken != "" {
		k, err := odata.DecodeCursor(q.SkipToken)
		if err != nil {
			return err
		}
		if len(k) != 1 {
			return apperr.Invalidf("the $skiptoken is not valid; start again from the first page")
		}
		seq, err := strconv.ParseInt(k[0], 10, 64)
		if err != nil || seq <= 0 {
			return apperr.Invalidf("the $skiptoken is not valid; start again from the first page")
		}
		f.Before = seq
	}
	for _, c := range q.Filter.Conditions {
		switch c.Property {
		case "id":
			f.ID = c.Value.Str
		case "activityDateTime":
			t := c.Value.Time
			if c.Op == odata.Ge {
				f.From = &t
			} else {
				f.To = &t
			}
		case "category":
			f.Category = c.Value.Str
		case "activityDisplayName":
			f.Activity = c.Value.Str
		case "correlationId":
			f.CorrelationID = c.Value.Str
		case "result":
			f.Result = c.Value.Str
		case "initiatedBy/user/id", "initiatedBy/app/appId":
			f.InitiatorID = c.Value.Str
		}
	}
	evs, err := a.Reader.FindAuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	evs, next := pageOf(evs, q.Top, func(e store.StoredEvent) []string { return []string{strconv.FormatInt(e.Seq, 10)} })
	items := make([]any, len(evs))
	for i, e := range evs {
		items[i] = json.RawMessage(e.Body)
	}
	if len(q.Select) > 0 {
		for i, it := range items {
			var m map[string]any
			if err := json.Unmarshal(it.(json.RawMessage), &m); err != nil {
				return apperr.Wrap(err, apperr.Internal, "reading an audit event")
			}
			items[i] = m
		}
	}
	return a.writeList(w, r, "auditLogs/directoryAudits", q, auditList, items, next)
}

func (a *API) handleAuditGet(w http.ResponseWriter, r *http.Request) error {
	if err := authz.Require(r.Context(), authz.AuditLogReadAll); err != nil {
		return err
	}
	evs, err := a.Reader.FindAuditEvents(r.Context(), store.AuditFilter{ID: r.PathValue("id"), Limit: 1})
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return apperr.NotFoundf("Resource '%s' does not exist.", r.PathValue("id")).WithCode("Request_ResourceNotFound")
	}
	var m map[string]any
	if err := json.Unmarshal(evs[0].Body, &m); err != nil {
		return apperr.Wrap(err, apperr.Internal, "reading an audit event")
	}
	return a.writeOne(w, r, http.StatusOK, "auditLogs/directoryAudits", m, auditFields)
}
