package odata

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("url.ParseQuery(%q): %v", raw, err)
	}
	return v
}

func TestParseQuery(t *testing.T) {
	token := EncodeCursor([]string{"2024-01-01T00:00:00Z", "id1"})
	tests := []struct {
		raw  string
		want Query
	}{
		{"", Query{Top: 100}},
		{"$top=5", Query{Top: 5}},
		{"$top=999", Query{Top: 999}},
		{"$top=1", Query{Top: 1}},
		{"$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'&$expand=rules", Query{
			Top: 100,
			Filter: Filter{Conditions: []Condition{
				{"scopeId", Eq, str("/")},
				{"scopeType", Eq, str("DirectoryRole")},
			}},
			Expand: []string{"rules"},
		}},
		// Without "$" and in other cases, as Graph and OData 4.01 allow.
		{"filter=id+eq+'x'&TOP=3&$Count=TRUE", Query{
			Top:    3,
			Filter: Filter{Conditions: []Condition{{"id", Eq, str("x")}}},
			Count:  true,
		}},
		{"$count=false", Query{Top: 100}},
		{"$select=id,%20displayName%20,mail,id", Query{Top: 100, Select: []string{"id", "displayName", "mail"}}},
		{"$orderby=displayName%20desc,createdDateTime,initiatedBy/user/id%20ASC", Query{Top: 100, OrderBy: []OrderBy{
			{Property: "displayName", Desc: true},
			{Property: "createdDateTime"},
			{Property: "initiatedBy/user/id"},
		}}},
		{"$skiptoken=" + token, Query{Top: 100, SkipToken: token}},
		// Parameters that are not system query options are the caller's.
		{"api-version=1&on=principal", Query{Top: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseQuery(mustQuery(t, tt.raw), 100, 999)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.raw, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseQuery(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestParseQueryInvalid(t *testing.T) {
	tests := []string{
		"$top=0",
		"$top=1000",
		"$top=99999999999999999999999",
		"$top=-1",
		"$top=%2B5",
		"$top=",
		"$top=five",
		"$top=5.0",
		"$top=%205",
		"$top=1&$top=2",
		"$top=1&top=2",
		"$top=1&$TOP=2",
		"$filter=",
		"$filter=a%20eq",
		"$filter=a%20eq%201&filter=b%20eq%202",
		"$skip=10",
		"$search=%22x%22",
		"$format=json",
		"$apply=groupby(x)",
		"$levels=2",
		"$",
		"$skiptoken=",
		"$skiptoken=garbage!",
		"$select=",
		"$select=id,,mail",
		"$select=*",
		"$select=manager/id",
		"$select=display%20Name",
		"$expand=members($select=id)",
		"$expand=*",
		"$expand=members%3B$levels%3D2",
		"$orderby=",
		"$orderby=displayName%20up",
		"$orderby=displayName%20desc%20asc",
		"$orderby=displayName,displayName%20desc",
		"$orderby=a,,b",
		"$orderby=length(displayName)",
		"$count=yes",
		"$count=",
		"$select=" + strings.Repeat("a", maxOptionLength+1),
	}
	for _, raw := range tests {
		t.Run(raw, func(t *testing.T) {
			q, err := ParseQuery(mustQuery(t, raw), 100, 999)
			if err == nil {
				t.Fatalf("ParseQuery(%q) = %+v, want an error", raw, q)
			}
			if !errors.Is(err, apperr.Invalid) {
				t.Errorf("ParseQuery(%q) error %v is of kind %v, want Invalid", raw, err, apperr.KindOf(err))
			}
		})
	}
}

func TestParseQueryMessages(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"$top=1000", "$top can be at most 999; follow @odata.nextLink for more"},
		{"$skip=10", `the query option "$skip" is not supported; to page, follow @odata.nextLink; supported: $filter, $top, $skiptoken, $select, $orderby, $count, $expand`},
		{"$top=1&top=2", `the query option $top is given more than once (as "$top" and "top"); give it once`},
		{"$skiptoken=abc", "the $skiptoken is not valid; start again from the first page"},
	}
	for _, tt := range tests {
		_, err := ParseQuery(mustQuery(t, tt.raw), 100, 999)
		if err == nil {
			t.Errorf("ParseQuery(%q) succeeded, want %q", tt.raw, tt.want)
			continue
		}
		if got := apperr.As(err).Message; got != tt.want {
			t.Errorf("ParseQuery(%q) message:\n got %s\nwant %s", tt.raw, got, tt.want)
		}
	}
}

func TestParseQueryBadArguments(t *testing.T) {
	for _, args := range [][2]int{{0, 10}, {11, 10}, {1, 0}} {
		if _, err := ParseQuery(nil, args[0], args[1]); apperr.KindOf(err) != apperr.Internal || err == nil {
			t.Errorf("ParseQuery(nil, %d, %d) = %v, want an Internal error", args[0], args[1], err)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	f.Add("$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'&$expand=rules")
	f.Add("filter=id+eq+'x'&TOP=3&$Count=TRUE&$select=id,displayName&$orderby=displayName%20desc")
	f.Add("$skiptoken=" + EncodeCursor([]string{"a", "b"}) + "&$top=1000&$skip=1")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(v, 100, 999)
		if err != nil {
			if !errors.Is(err, apperr.Invalid) {
				t.Fatalf("ParseQuery(%q) error %v is not Invalid", raw, err)
			}
			return
		}
		if q.Top < 1 || q.Top > 999 {
			t.Fatalf("ParseQuery(%q).Top = %d", raw, q.Top)
		}
		for _, name := range append(append([]string(nil), q.Select...), q.Expand...) {
			if !isIdentifier(name) {
				t.Fatalf("ParseQuery(%q) accepted the name %q", raw, name)
			}
		}
		for _, ob := range q.OrderBy {
			if !isPath(ob.Property) {
				t.Fatalf("ParseQuery(%q) accepted the $orderby property %q", raw, ob.Property)
			}
		}
	})
}
