package odata

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

func TestSelect(t *testing.T) {
	user := map[string]any{
		"@odata.type":            "#microsoft.graph.user",
		"@odata.etag":            "W/\"1\"",
		"id":                     "90a3ccdf-635c-4729-a248-9b709135078f",
		"displayName":            "Ada Lovelace",
		"mail":                   "ada@contoso.com",
		"userPrincipalName":      "ada@contoso.com",
		"accountEnabled":         true,
		"memberOf@odata.context": "ctx",
		"memberOf":               []any{},
		"manager@odata.context":  "ctx2",
	}
	allowed := []string{"displayName", "mail", "userPrincipalName", "accountEnabled", "memberOf", "jobTitle", "manager"}

	tests := []struct {
		name string
		sel  []string
		want map[string]any
	}{
		{"no $select keeps everything", nil, user},
		{"one property", []string{"displayName"}, map[string]any{
			"@odata.type": "#microsoft.graph.user",
			"@odata.etag": "W/\"1\"",
			"id":          "90a3ccdf-635c-4729-a248-9b709135078f",
			"displayName": "Ada Lovelace",
		}},
		{"id alone", []string{"id"}, map[string]any{
			"@odata.type": "#microsoft.graph.user",
			"@odata.etag": "W/\"1\"",
			"id":          "90a3ccdf-635c-4729-a248-9b709135078f",
		}},
		{"missing property is null, annotations follow their property", []string{"jobTitle", "memberOf", "accountEnabled"}, map[string]any{
			"@odata.type":            "#microsoft.graph.user",
			"@odata.etag":            "W/\"1\"",
			"id":                     "90a3ccdf-635c-4729-a248-9b709135078f",
			"jobTitle":               nil,
			"memberOf":               []any{},
			"memberOf@odata.context": "ctx",
			"accountEnabled":         true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneMap(user)
			got, err := Select(user, tt.sel, allowed)
			if err != nil {
				t.Fatalf("Select(%q): %v", tt.sel, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Select(%q) mismatch (-want +got):\n%s", tt.sel, diff)
			}
			if diff := cmp.Diff(before, user); diff != "" {
				t.Errorf("Select modified its input (-before +after):\n%s", diff)
			}
		})
	}
}

func TestSelectUnknown(t *testing.T) {
	obj := map[string]any{"id": "1", "displayName": "x"}
	allowed := []string{"displayName", "mail"}
	for _, sel := range [][]string{
		{"jobTitle"},
		{"displayName", "jobTitle", "password", "jobTitle"},
		{"DisplayName"},
		{"@odata.type"},
	} {
		if got, err := Select(obj, sel, allowed); !errors.Is(err, apperr.Invalid) {
			t.Errorf("Select(%q) = %v, %v; want kind Invalid", sel, got, err)
		}
	}

	_, err := Select(obj, []string{"displayName", "jobTitle", "DisplayNAME"}, allowed)
	want := `$select: unknown properties "jobTitle", "DisplayNAME" (did you mean "displayName"?); allowed: displayName, id, mail`
	if got := apperr.As(err).Message; got != want {
		t.Errorf("Select message:\n got %s\nwant %s", got, want)
	}
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
