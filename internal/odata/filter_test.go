package odata

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

func str(s string) Value    { return Value{Kind: String, Str: s} }
func num(n float64) Value   { return Value{Kind: Number, Num: n} }
func guid(s string) Value   { return Value{Kind: GUID, Str: s} }
func boolean(b bool) Value  { return Value{Kind: Bool, Bool: b} }
func list(v ...Value) Value { return Value{Kind: List, List: v} }
func dt(s string) Value {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return Value{Kind: DateTime, Time: t.UTC()}
}

// graphExamples are filters taken from Microsoft Graph documentation and
// Strongroom's reference notes; they seed the fuzz test too.
var graphExamples = []string{
	"userPrincipalName eq 'ada@contoso.com'",
	"activityDateTime ge 2024-01-01T00:00:00Z and activityDateTime le 2024-02-01T00:00:00Z",
	"scopeId eq '/' and scopeType eq 'DirectoryRole'",
	"startswith(displayName,'Sec')",
	"id in ('a','b')",
	"initiatedBy/user/id eq 'x'",
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want []Condition
	}{
		{"userPrincipalName eq 'ada@contoso.com'", []Condition{{"userPrincipalName", Eq, str("ada@contoso.com")}}},
		{"activityDateTime ge 2024-01-01T00:00:00Z and activityDateTime le 2024-02-01T00:00:00Z", []Condition{
			{"activityDateTime", Ge, dt("2024-01-01T00:00:00Z")},
			{"activityDateTime", Le, dt("2024-02-01T00:00:00Z")},
		}},
		{"scopeId eq '/' and scopeType eq 'DirectoryRole'", []Condition{
			{"scopeId", Eq, str("/")},
			{"scopeType", Eq, str("DirectoryRole")},
		}},
		{"startswith(displayName,'Sec')", []Condition{{"displayName", StartsWith, str("Sec")}}},
		{"id in ('a','b')", []Condition{{"id", In, list(str("a"), str("b"))}}},
		{"initiatedBy/user/id eq 'x'", []Condition{{"initiatedBy/user/id", Eq, str("x")}}},

		// Keywords in any case; property names kept as written.
		{"DisplayName EQ 'x' AND startsWith(mail,'a') And id In ('1')", []Condition{
			{"DisplayName", Eq, str("x")},
			{"mail", StartsWith, str("a")},
			{"id", In, list(str("1"))},
		}},
		// Whitespace: none where unambiguous, lots elsewhere, tabs.
		{"  displayName   eq\t'x'  ", []Condition{{"displayName", Eq, str("x")}}},
		{"startswith( displayName , 'S' )", []Condition{{"displayName", StartsWith, str("S")}}},
		{"id in('a' , 'b')", []Condition{{"id", In, list(str("a"), str("b"))}}},
		{"startswith (displayName,'S')", []Condition{{"displayName", StartsWith, str("S")}}},
		// Strings: doubled quotes, empty, non-ASCII, spaces, keywords inside.
		{"displayName eq 'O''Brien'", []Condition{{"displayName", Eq, str("O'Brien")}}},
		{"displayName eq ''''", []Condition{{"displayName", Eq, str("'")}}},
		{"displayName eq ''", []Condition{{"displayName", Eq, str("")}}},
		{"displayName eq 'Zoë ☃ and or not'", []Condition{{"displayName", Eq, str("Zoë ☃ and or not")}}},
		{"startswith(displayName,'')", []Condition{{"displayName", StartsWith, str("")}}},
		// Every comparison operator.
		{"a ne 1 and b gt 2 and c ge 3 and d lt 4 and e le 5", []Condition{
			{"a", Ne, num(1)}, {"b", Gt, num(2)}, {"c", Ge, num(3)}, {"d", Lt, num(4)}, {"e", Le, num(5)},
		}},
		// Numbers.
		{"n eq -1.5e3", []Condition{{"n", Eq, num(-1500)}}},
		{"n eq 0", []Condition{{"n", Eq, num(0)}}},
		{"n eq 2024", []Condition{{"n", Eq, num(2024)}}},
		// Booleans and null, in any case.
		{"accountEnabled eq true and b eq FALSE and c ne null and d eq Null", []Condition{
			{"accountEnabled", Eq, boolean(true)}, {"b", Eq, boolean(false)},
			{"c", Ne, Value{Kind: Null}}, {"d", Eq, Value{Kind: Null}},
		}},
		// Date-times: fractional seconds, offsets (normalised to UTC), no seconds.
		{"t ge 2024-01-02T03:04:05.1234567Z", []Condition{{"t", Ge, dt("2024-01-02T03:04:05.1234567Z")}}},
		{"t ge 2024-01-02T03:04:05+01:00", []Condition{{"t", Ge, dt("2024-01-02T02:04:05Z")}}},
		{"t lt 2024-01-02T03:04:05.5-05:30", []Condition{{"t", Lt, dt("2024-01-02T08:34:05.5Z")}}},
		{"t lt 2024-01-02T03:04Z", []Condition{{"t", Lt, dt("2024-01-02T03:04:00Z")}}},
		// GUIDs unquoted, normalised to lower case; quoted GUIDs stay strings.
		{"id eq DE1E552D-DB1D-4423-A619-566B625CDC84", []Condition{{"id", Eq, guid("de1e552d-db1d-4423-a619-566b625cdc84")}}},
		{"id eq 90a3ccdf-635c-4729-a248-9b709135078f", []Condition{{"id", Eq, guid("90a3ccdf-635c-4729-a248-9b709135078f")}}},
		{"id eq '90a3ccdf-635c-4729-a248-9b709135078f'", []Condition{{"id", Eq, str("90a3ccdf-635c-4729-a248-9b709135078f")}}},
		{"id in (90a3ccdf-635c-4729-a248-9b709135078f, 'x', 1, null)", []Condition{{"id", In, list(
			guid("90a3ccdf-635c-4729-a248-9b709135078f"), str("x"), num(1), Value{Kind: Null})}}},
		// Parentheses around a condition or a conjunction, nested.
		{"(displayName eq 'x')", []Condition{{"displayName", Eq, str("x")}}},
		{"(a eq 1 and b eq 2) and ((c eq 3))", []Condition{{"a", Eq, num(1)}, {"b", Eq, num(2)}, {"c", Eq, num(3)}}},
		{"(startswith(displayName,'a'))and(id eq 'b')", []Condition{{"displayName", StartsWith, str("a")}, {"id", Eq, str("b")}}},
		// Identifiers with digits and underscores.
		{"extension_abc123_employeeId eq 'E1'", []Condition{{"extension_abc123_employeeId", Eq, str("E1")}}},
		// Exactly the limits.
		{strings.Repeat("a eq 1 and ", MaxConditions-1) + "a eq 1", repeatCond(Condition{"a", Eq, num(1)}, MaxConditions)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got.Conditions); diff != "" {
				t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			// What String prints, ParseFilter reads back the same.
			again, err := ParseFilter(got.String())
			if err != nil {
				t.Fatalf("ParseFilter(%q) (from String): %v", got.String(), err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("round trip through %q mismatch (-first +second):\n%s", got.String(), diff)
			}
		})
	}
}

func repeatCond(c Condition, n int) []Condition {
	out := make([]Condition, n)
	for i := range out {
		out[i] = c
	}
	return out
}

func TestParseFilterLimits(t *testing.T) {
	longString := "displayName eq '" + strings.Repeat("é", MaxFilterLength-len("displayName eq ''")) + "'"
	if _, err := ParseFilter(longString); err != nil {
		t.Errorf("filter of exactly %d characters (more bytes): %v", MaxFilterLength, err)
	}
	inList := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = "'x'"
		}
		return "id in (" + strings.Join(items, ",") + ")"
	}
	if f, err := ParseFilter(inList(MaxInItems)); err != nil || len(f.Conditions[0].Value.List) != MaxInItems {
		t.Errorf("in list of %d items: %v", MaxInItems, err)
	}
	deep := strings.Repeat("(", maxDepth) + "a eq 1" + strings.Repeat(")", maxDepth)
	if _, err := ParseFilter(deep); err != nil {
		t.Errorf("%d nested parentheses: %v", maxDepth, err)
	}

	for name, in := range map[string]string{
		"too long":        longString + " ",
		"too many conds":  strings.Repeat("a eq 1 and ", MaxConditions) + "a eq 1",
		"too long in":     inList(MaxInItems + 1),
		"too deep":        "(" + deep + ")",
		"long identifier": strings.Repeat("a", maxIdentifier+1) + " eq 1",
	} {
		if _, err := ParseFilter(in); !errors.Is(err, apperr.Invalid) {
			t.Errorf("%s: ParseFilter error = %v, want kind Invalid", name, err)
		}
	}
}

func TestParseFilterInvalid(t *testing.T) {
	tests := []string{
		"",
		"   ",
		"displayName",
		"displayName eq",
		"displayName eq 'x' and",
		"displayName eq 'x' and and b eq 1",
		"displayName eq 'x' b eq 1",
		"displayName 'x'",
		"displayName eq 'unterminated",
		"displayName eq 'a''",
		"displayName eq 'nul\x00'",
		"displayName eq x",
		"displayName eq \"x\"",
		"'x' eq displayName",
		"1 eq a",
		"displayName eq ('a','b')",
		"id in 'a'",
		"id in ()",
		"id in ('a' 'b')",
		"id in ('a',)",
		"id in ('a'",
		"id in (('a'))",
		"(displayName eq 'x'",
		"displayName eq 'x')",
		"()",
		"(a eq 1) )",
		"a eq 1 or b eq 2",
		"a eq 1 OR b eq 2",
		"not a eq 1",
		"not(a eq 1)",
		"members/any(m:m eq 'x')",
		"members/all(m:m/id eq 'x')",
		"any(m:m eq 'x')",
		"endswith(mail,'@contoso.com')",
		"contains(displayName,'a')",
		"tolower(displayName) eq 'a'",
		"startswith('Sec',displayName)",
		"startswith(displayName)",
		"startswith(displayName,1)",
		"startswith(displayName,'a'",
		"startswith(displayName,'a') eq true",
		"startswith(any(x),'a')",
		"a add 1 eq 2",
		"a mul 2 eq 4",
		"a has 'x'",
		"accountEnabled",
		"accountEnabled and a eq 1",
		"a/ eq 1",
		"a//b eq 1",
		"/a eq 1",
		"a.b eq 1",
		"microsoft.graph.user/id eq 'x'",
		"a eq 1 eq 2",
		"a eq 1,",
		"a eq 1.",
		"a eq .5",
		"a eq 1e999",
		"a eq 0x10",
		"a eq 1L",
		"a eq INF",
		"a eq 2024-01-02",
		"a eq 2024-01-02T03:04:05",
		"a eq 2024-01-02T03:04:05 01:00", // "+" decoded as a space
		"a eq 2024-13-02T03:04:05Z",
		"a eq 2024-02-30T03:04:05Z",
		"a eq 2024-01-02T24:00:00Z",
		"a eq 2024-01-02T03:04:05+24:00",
		"a eq 0000-01-01T00:00:00+01:00",
		"a eq 9999-12-31T23:00:00-05:00",
		"a eq 2024-01-02T03:04:05.1234567890123Z",
		"a eq 2024-01-02t03:04:05z", // lower-case T and Z are not OData
		"a eq 90a3ccdf-635c-4729-a248-9b709135078",
		"a eq 90a3ccdf635c4729a2489b709135078f",
		"a eq guid'90a3ccdf-635c-4729-a248-9b709135078f'",
		"a eq $it",
		"a eq @p1",
		"a\neq 1",
		"a eq 1\n",
		"a eq 'x' and\xff",
		"$filter=a eq 1",
		strings.Repeat("x", MaxFilterLength+1),
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			f, err := ParseFilter(in)
			if err == nil {
				t.Fatalf("ParseFilter(%q) = %v, want an error", in, f)
			}
			if !errors.Is(err, apperr.Invalid) {
				t.Errorf("ParseFilter(%q) error %v is of kind %v, want Invalid", in, err, apperr.KindOf(err))
			}
		})
	}
}

// TestFilterErrorMessages pins the wording of representative messages: they
// are the product here, since they are what a client developer reads.
func TestFilterErrorMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"displayName 'x'", `$filter: expected an operator (eq, ne, gt, ge, lt, le, in) after "displayName" at position 13, found "'"`},
		{"displayName", `$filter: expected an operator (eq, ne, gt, ge, lt, le, in) after "displayName" at the end of the filter, found nothing; to test a true/false property, write displayName eq true`},
		{"a eq 1 or b eq 2", `$filter: "or" at position 8 is not supported; conditions can only be joined with "and" (for alternatives on one property use "in", as in id in ('a','b'))`},
		{"not a eq 1", `$filter: "not" at position 1 is not supported; use ne to exclude a value`},
		{"members/any(m:m eq 'x')", `$filter: the lambda operator any() on "members" is not supported at position 9`},
		{"a add 1 eq 2", `$filter: arithmetic ("add") is not supported at position 3`},
		{"endswith(mail,'x')", `$filter: the function endswith() at position 1 is not supported; the only function is startswith(property,'prefix')`},
		{"displayName eq 'Zoë' and x", `$filter: expected an operator (eq, ne, gt, ge, lt, le, in) after "x" at the end of the filter, found nothing; to test a true/false property, write x eq true`},
		{"displayName eq 'Zoë' and x y", `$filter: expected an operator (eq, ne, gt, ge, lt, le, in) after "x" at position 28, found "y"`},
		{"displayName eq 'abc", `$filter: the string that starts at position 16 is not closed; end it with ' (and write '' for a quote inside it)`},
		{"t ge 2024-01-02T03:04:05 01:00", `$filter: the date and time "2024-01-02T03:04:05" at position 6 has no time zone; add Z for UTC or an offset such as +01:00 (a + in a URL must be sent as %2B, or it arrives as a space)`},
		{"displayName eq Sec", `$filter: expected a value after "eq" at position 16, found "Sec"; give a 'quoted string', a number, true, false, null, a date and time such as 2024-01-02T03:04:05Z, or a GUID; quote text with single quotes, and compare properties with values, not with other properties`},
		{"(a eq 1", `$filter: expected ")" to close the "(" at position 1, found nothing at the end of the filter`},
		{"a eq 1)", `$filter: found ")" with no matching "(" at position 7`},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.in)
		if err == nil {
			t.Errorf("ParseFilter(%q) succeeded, want %q", tt.in, tt.want)
			continue
		}
		if got := apperr.As(err).Message; got != tt.want {
			t.Errorf("ParseFilter(%q) message:\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestFilterGet(t *testing.T) {
	f, err := ParseFilter("activityDateTime ge 2024-01-01T00:00:00Z and id eq 'x' and activityDateTime le 2024-02-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	want := []Condition{
		{"activityDateTime", Ge, dt("2024-01-01T00:00:00Z")},
		{"activityDateTime", Le, dt("2024-02-01T00:00:00Z")},
	}
	if diff := cmp.Diff(want, f.Get("activityDateTime")); diff != "" {
		t.Errorf("Get(activityDateTime) mismatch (-want +got):\n%s", diff)
	}
	if got := f.Get("ActivityDateTime"); got != nil {
		t.Errorf("Get is case-sensitive, but Get(ActivityDateTime) = %v", got)
	}
	if got := (Filter{}).Get("id"); got != nil {
		t.Errorf("zero Filter Get(id) = %v, want nil", got)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range graphExamples {
		f.Add(s)
	}
	for _, s := range []string{
		"startswith(displayName,'O''Brien') and (id in (90a3ccdf-635c-4729-a248-9b709135078f, null) and n ge -1.5e3)",
		"t ge 2024-01-02T03:04:05.1234567+01:00 and b eq true",
		"members/any(m:m eq 'x') or not a eq 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			if !errors.Is(err, apperr.Invalid) {
				t.Fatalf("ParseFilter(%q) error %v is not Invalid", s, err)
			}
			return
		}
		if n := len(got.Conditions); n == 0 || n > MaxConditions {
			t.Fatalf("ParseFilter(%q) returned %d conditions", s, n)
		}
		for _, c := range got.Conditions {
			if c.Property == "" {
				t.Fatalf("ParseFilter(%q) returned a condition with no property: %+v", s, c)
			}
		}
		again, err := ParseFilter(got.String())
		if err != nil {
			t.Fatalf("ParseFilter(%q) = %q, which does not parse: %v", s, got.String(), err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("ParseFilter(%q) round trip through %q mismatch (-first +second):\n%s", s, got.String(), diff)
		}
	})
}
