package directory_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
)

func TestInForce(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name       string
		start, end *time.Time
		want       bool
	}{
		{"permanent", nil, nil, true},
		{"started", at(-time.Hour), nil, true},
		{"starts now", at(0), nil, true},
		{"not started", at(time.Second), nil, false},
		{"ends later", nil, at(time.Second), true},
		{"ends now", nil, at(0), false},
		{"ended", at(-2 * time.Hour), at(-time.Hour), false},
		{"window around now", at(-time.Hour), at(time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := directory.RoleAssignment{StartDateTime: tt.start, EndDateTime: tt.end}
			if got := a.InForce(now); got != tt.want {
				t.Errorf("InForce = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRoleCatalogue checks the built-in roles against Entra's template ids
// (shared/reference/entra.md §5.7).
func TestRoleCatalogue(t *testing.T) {
	want := map[string]string{
		"62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
		"e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
		"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
		"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
		"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
		"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
		"0526716b-113d-4c15-b2c8-68e3c22b9f80": "Authentication Policy Administrator",
		"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
		"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
		"5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
		"f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
	}
	for id, name := range want {
		r, ok := directory.Role(id)
		if !ok || r.DisplayName != name {
			t.Errorf("Role(%s) = %q, %v; want %q", id, r.DisplayName, ok, name)
		}
		// Entra labels every one of these privileged but Authentication
		// Policy Administrator.
		if wantPriv := name != "Authentication Policy Administrator"; directory.IsPrivilegedRole(id) != wantPriv {
			t.Errorf("IsPrivilegedRole(%s) = %v, want %v", name, !wantPriv, wantPriv)
		}
	}
	seen := map[string]bool{}
	for _, r := range directory.Roles() {
		if seen[r.ID] {
			t.Errorf("role %s listed twice", r.ID)
		}
		seen[r.ID] = true
		for _, p := range r.Permissions {
			if !authz.Known(p) {
				t.Errorf("%s grants unknown permission %q", r.DisplayName, p)
			}
		}
	}
	if diff := cmp.Diff(authz.All, directory.RolePermissions(directory.GlobalAdministrator)); diff != "" {
		t.Errorf("Global Administrator permissions (-want +got):\n%s", diff)
	}
	if _, ok := directory.Role("3f2504e0-4f89-41d3-9a0c-0305e82c3301"); ok {
		t.Error("unknown role found")
	}
	if p := directory.RolePermissions("3f2504e0-4f89-41d3-9a0c-0305e82c3301"); p != nil {
		t.Errorf("unknown role grants %v", p)
	}
	if directory.IsPrivilegedRole("3f2504e0-4f89-41d3-9a0c-0305e82c3301") {
		t.Error("unknown role is privileged")
	}

	// Roles returns a copy: changing it does not change the catalogue.
	rs := directory.Roles()
	rs[0].DisplayName = "Changed"
	if directory.Roles()[0].DisplayName == "Changed" {
		t.Error("Roles shares its slice with the catalogue")
	}
}
