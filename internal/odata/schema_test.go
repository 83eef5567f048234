package odata

import (
	"errors"
	"testing"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

var usersSchema = Schema{
	"userPrincipalName":   {Type: String, Ops: []Op{Eq}},
	"displayName":         {Type: String, Ops: []Op{Eq, StartsWith}},
	"mail":                {Type: String, Ops: []Op{Eq}},
	"id":                  {Type: GUID, Ops: []Op{Eq, In}},
	"accountEnabled":      {Type: Bool, Ops: []Op{Eq, Ne}},
	"createdDateTime":     {Type: DateTime, Ops: []Op{Ge, Le, Gt, Lt}},
	"signInCount":         {Type: Number, Ops: []Op{Eq, Gt}},
	"initiatedBy/user/id": {Type: String, Ops: []Op{Eq, In}},
}

func TestCheck(t *testing.T) {
	ok := []string{
		"userPrincipalName eq 'ada@contoso.com'",
		"startswith(displayName,'Sec') and mail eq 'a@b.c'",
		"id eq 90a3ccdf-635c-4729-a248-9b709135078f",
		"id eq '90A3CCDF-635C-4729-A248-9B709135078F'",
		"id in ('90a3ccdf-635c-4729-a248-9b709135078f', de1e552d-db1d-4423-a619-566b625cdc84)",
		"accountEnabled eq true and accountEnabled ne null",
		"mail eq null",
		"createdDateTime ge 2024-01-01T00:00:00Z and createdDateTime lt 2024-02-01T00:00:00+01:00",
		"signInCount gt 3",
		"initiatedBy/user/id eq 'x' and initiatedBy/user/id in ('y', 90a3ccdf-635c-4729-a248-9b709135078f)",
	}
	for _, in := range ok {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", in, err)
		}
		if err := f.Check(usersSchema); err != nil {
			t.Errorf("Check(%q): %v", in, err)
		}
	}

	bad := []string{
		"jobTitle eq 'x'",         // unknown property
		"DisplayName eq 'x'",      // names are case-sensitive
		"initiatedBy/user eq 'x'", // only the full path is known
		"startswith(mail,'a')",    // operator not supported on mail
		"displayName ne 'x'",      // nor ne on displayName
		"id in ('x')",             // GUID property, non-GUID text
		"id eq 'x'",               // same
		"id eq 1",                 // number for a GUID
		"createdDateTime ge '2024-01-01T00:00:00Z'", // a string compared with a date-time
		"createdDateTime ge 2024",                   // a number compared with a date-time
		"createdDateTime gt null",                   // null with an ordering operator
		"accountEnabled eq 'true'",                  // a string for a boolean
		"signInCount eq '3'",                        // a string for a number
		"userPrincipalName eq 1",                    // a number for a string
		"userPrincipalName eq true",                 // a boolean for a string
		"id in (90a3ccdf-635c-4729-a248-9b709135078f, null)",
		"initiatedBy/user/id in ('a', 1)",
	}
	for _, in := range bad {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", in, err)
		}
		if err := f.Check(usersSchema); !errors.Is(err, apperr.Invalid) {
			t.Errorf("Check(%q) = %v, want kind Invalid", in, err)
		}
	}

	// startswith declared on a non-text property is refused, not turned into
	// a LIKE on a date.
	f, _ := ParseFilter("startswith(createdDateTime,'2024')")
	if err := f.Check(Schema{"createdDateTime": {Type: DateTime, Ops: []Op{StartsWith}}}); !errors.Is(err, apperr.Invalid) {
		t.Errorf("startswith on a DateTime field: Check = %v, want kind Invalid", err)
	}
	// A Field without a type matches nothing.
	f, _ = ParseFilter("x eq 'a'")
	if err := f.Check(Schema{"x": {Ops: []Op{Eq}}}); !errors.Is(err, apperr.Invalid) {
		t.Errorf("Field with no Type: Check = %v, want kind Invalid", err)
	}
	// A collection with no filterable properties.
	if err := f.Check(nil); !errors.Is(err, apperr.Invalid) {
		t.Errorf("nil Schema: Check = %v, want kind Invalid", err)
	}
	// The zero Filter passes any schema.
	if err := (Filter{}).Check(nil); err != nil {
		t.Errorf("zero Filter: Check = %v", err)
	}
}

// TestCheckMessages pins the wording that tells a client what it can do.
func TestCheckMessages(t *testing.T) {
	schema := Schema{
		"userPrincipalName": {Type: String, Ops: []Op{Eq}},
		"displayName":       {Type: String, Ops: []Op{Eq, StartsWith}},
		"mail":              {Type: String, Ops: []Op{Eq}},
		"id":                {Type: GUID, Ops: []Op{Eq}},
		"activityDateTime":  {Type: DateTime, Ops: []Op{Ge, Le}},
	}
	const supported = "activityDateTime (ge, le), displayName (eq, startswith), id (eq), mail (eq), userPrincipalName (eq)"
	tests := []struct{ in, want string }{
		{"startswith(mail,'a')", `$filter on "mail" with "startswith" is not supported; supported: ` + supported},
		{"jobTitle eq 'x'", `$filter on "jobTitle" is not supported; supported: ` + supported},
		{"Mail eq 'x'", `$filter on "Mail" is not supported (did you mean "mail"?); supported: ` + supported},
		{"activityDateTime ge '2024-01-01T00:00:00Z'", `$filter: "activityDateTime" holds a date and time (write it unquoted, like 2024-01-02T03:04:05Z), so it cannot be compared with the string '2024-01-01T00:00:00Z' (leave out the quotes for a date and time)`},
		{"id eq 'x'", `$filter: "id" holds an ID (a GUID like 00000000-0000-0000-0000-000000000000), so it cannot be compared with the string 'x'`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.in)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.in, err)
		}
		err = f.Check(schema)
		if err == nil {
			t.Errorf("Check(%q) = nil, want %q", tt.in, tt.want)
			continue
		}
		if got := apperr.As(err).Message; got != tt.want {
			t.Errorf("Check(%q) message:\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}
