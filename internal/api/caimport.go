package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/httpx"
)

// handleCAImport: POST /v1.0/identity/conditionalAccess/import, a
// Strongroom extension (Graph has no such action): the import of
// "strongroom import" over HTTP (docs/import.md). The body is Graph
// objects (an array, or a list response {"value": […]}), or
// {"objects": […], "map": {mapping}}; ?dryRun=true rolls everything back.
// The answer is the import's report, the same JSON as
// "strongroom import --json"; invalid input is a 400 naming every problem
// and imports nothing.
func (a *API) handleCAImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := authz.Require(ctx, authz.PolicyReadWriteConditionalAccess); err != nil {
		return err
	}
	dryRun := false
	if v := r.URL.Query().Get("dryRun"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return apperr.Invalidf("dryRun must be true or false, not %q.", v)
		}
		dryRun = b
	}
	body, err := readCABody(r)
	if err != nil {
		return err
	}
	objs, mapping, err := parseCAImportBody(body)
	if err != nil {
		return err
	}
	svc := a.CAImport
	if svc == nil {
		return apperr.New(apperr.Unavailable, "Importing is not available on this server.")
	}
	rep, err := svc.Import(ctx, objs, caport.Options{DryRun: dryRun, Mapping: mapping, MappingSource: "map"})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// parseCAImportBody reads the import's body in one of its three shapes.
func parseCAImportBody(b []byte) ([]caport.Object, caport.Mapping, error) {
	var mapping caport.Mapping
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, mapping, apperr.Invalidf("The request body is empty; send Graph objects, or {\"objects\": […], \"map\": {…}}.")
	}
	if trimmed[0] == '{' {
		var parts map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &parts); err == nil {
			var objects, m json.RawMessage
			envelope := false
			for k, v := range parts {
				switch strings.ToLower(k) {
				case "objects":
					objects, envelope = v, true
				case "map":
					m, envelope = v, true
				}
			}
			if envelope {
				for k := range parts {
					if l := strings.ToLower(k); l != "objects" && l != "map" {
						return nil, mapping, apperr.Invalidf("%s: is not a property of an import request; send {\"objects\": […], \"map\": {…}}.", k)
					}
				}
				if objects == nil {
					return nil, mapping, apperr.Invalidf("objects: is required: the Graph objects to import.")
				}
				if len(m) > 0 && string(m) != "null" {
					var err error
					if mapping, err = caport.ParseMapping("map", m); err != nil {
						return nil, mapping, err
					}
				}
				objs, err := caport.Parse([]caport.Document{{Name: "objects", Data: objects}})
				return objs, mapping, err
			}
		}
	}
	objs, err := caport.Parse([]caport.Document{{Name: "body", Data: b}})
	return objs, mapping, err
}
