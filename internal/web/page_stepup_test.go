package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/directory"
)

// The step-up page (Conditional Access work) renders in each of its
// states, within the pages' CSP.
func TestStepUpPageRenders(t *testing.T) {
	user := &directory.User{ID: "u1", UserPrincipalName: "ada@example.com", DisplayName: "Ada Lovelace"}
	for name, tc := range map[string]struct {
		v    *contextStepUpPage
		want []string
	}{
		"key": {&contextStepUpPage{frame: frame{Title: "Confirm it's you", User: user, Narrow: true}, Context: "c1", ContextName: "Roles", ReturnTo: "/x",
			UserName: "ada@example.com", Message: "This needs the authentication strength “Phishing resistant MFA”.", Key: true},
			[]string{`data-context="c1"`, `data-return-to="/x"`, "Use your security key", "“Roles”", "Phishing resistant MFA"}},
		"register": {&contextStepUpPage{frame: frame{Title: "Confirm it's you", User: user}, Context: "c2", ReturnTo: "/x", Register: true},
			[]string{"Add a security key", `href="/mysecurityinfo"`}},
		"none": {&contextStepUpPage{frame: frame{Title: "Confirm it's you", User: user}, Context: "c2", ReturnTo: "/x"},
			[]string{"Temporary Access Pass"}},
		"blocked": {&contextStepUpPage{frame: frame{Title: "Blocked", User: user}, Context: "c3", ReturnTo: "/x", Blocked: true, Policy: "No payroll from abroad",
			Message: "Access is blocked by the Conditional Access policy “No payroll from abroad”."},
			[]string{"You can't do this from here", "No payroll from abroad", "contact your administrator"}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			testWeb().render(rec, httptest.NewRequest("GET", "/stepup", nil), http.StatusOK, tc.v)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || !strings.Contains(body, `data-view="stepup"`) {
				t.Fatalf("status %d:\n%s", rec.Code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, bad := range []string{"<script>", "style=", " onclick=", "javascript:"} {
				if strings.Contains(body, bad) {
					t.Errorf("page has %q, which the CSP forbids", bad)
				}
			}
		})
	}
}
