package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/policy"
	"github.com/strongroom-id/strongroom/internal/store"
)

// testConditionalAccess: strengths, contexts, named locations and
// policies read back as written (times to the microsecond, in creation or
// id order), updates and deletes of missing rows are NotFound, and the
// version row moves once per bump, also under concurrent writers.
func testConditionalAccess(t *testing.T, h Harness) {
	clk := clock.NewFake(T0)
	db, _ := h.Open(t, clk)
	ctx := context.Background()
	st := authn.Strength{ID: "7c9ba1c5-0000-4000-8000-000000000001", DisplayName: "Keys", Description: "d", PolicyType: authn.PolicyTypeCustom,
		RequirementsSatisfied: authn.RequirementsMFA, AllowedCombinations: []string{"fido2"}, CreatedDateTime: T0, ModifiedDateTime: T0,
		CombinationConfigurations: []authn.CombinationConfiguration{{ID: "cc1", ODataType: authn.ODataFido2Combination,
			AppliesToCombinations: []string{"fido2"}, AllowedAAGUIDs: []string{"cb69481e-8ff7-4039-93ec-0a2729a154a8"}}}}
	loc := policy.NamedLocation{ID: "7c9ba1c5-0000-4000-8000-000000000002", ODataType: policy.ODataIPNamedLocation, DisplayName: "HQ", IsTrusted: true,
		IPRanges: []policy.IPRange{{ODataType: policy.ODataIPv4Range, CIDRAddress: "203.0.113.0/24"}}, CreatedDateTime: T0, ModifiedDateTime: T0}
	p := policy.Policy{ID: "7c9ba1c5-0000-4000-8000-000000000003", DisplayName: "P", State: policy.StateEnabled, CreatedDateTime: T0, ModifiedDateTime: T0,
		Conditions: policy.Conditions{Users: &policy.Users{IncludeUsers: []string{"All"}}, Applications: &policy.Applications{IncludeAuthenticationContextClassReferences: []string{"c10"}},
			Locations: &policy.Locations{IncludeLocations: []string{loc.ID}}},
		GrantControls:   &policy.GrantControls{Operator: policy.OperatorOR, AuthenticationStrength: &policy.StrengthRef{ID: st.ID}},
		SessionControls: &policy.SessionControls{SignInFrequency: &policy.SignInFrequency{IsEnabled: true, FrequencyInterval: policy.FrequencyEveryTime}}}
	v0, err := db.FindCAVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if v, err := tx.BumpCAVersion(ctx); err != nil || v != v0+1 {
			t.Errorf("bump: %d %v", v, err)
		}
		for _, id := range []string{"c10", "c2", "c1"} {
			if err := tx.SaveAuthContext(ctx, policy.AuthenticationContext{ID: id, DisplayName: "Context " + id, IsAvailable: id == "c2"}); err != nil {
				return err
			}
		}
		if err := tx.CreateAuthStrength(ctx, st); err != nil {
			return err
		}
		if err := tx.CreateNamedLocation(ctx, loc); err != nil {
			return err
		}
		return tx.CreateCAPolicy(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindAuthStrengthByID(ctx, st.ID); err != nil || !cmp.Equal(got, st, cmpopts.EquateEmpty()) {
		t.Errorf("strength: %v\n%s", err, cmp.Diff(st, got, cmpopts.EquateEmpty()))
	}
	if got, err := db.FindNamedLocationByID(ctx, loc.ID); err != nil || !cmp.Equal(got, loc, cmpopts.EquateEmpty()) {
		t.Errorf("location: %v\n%s", err, cmp.Diff(loc, got, cmpopts.EquateEmpty()))
	}
	if got, err := db.FindCAPolicyByID(ctx, p.ID); err != nil || !cmp.Equal(got, p, cmpopts.EquateEmpty()) {
		t.Errorf("policy: %v\n%s", err, cmp.Diff(p, got, cmpopts.EquateEmpty()))
	}
	cs, err := db.FindAuthContexts(ctx)
	if err != nil || len(cs) != 3 || cs[0].ID != "c1" || cs[1].ID != "c2" || cs[2].ID != "c10" || !cs[1].IsAvailable {
		t.Errorf("contexts: %+v %v", cs, err)
	}

	// Missing rows.
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, err := range []error{
			tx.UpdateCAPolicy(ctx, policy.Policy{ID: "missing", CreatedDateTime: T0}),
			tx.DeleteCAPolicy(ctx, "missing"),
			tx.DeleteAuthStrength(ctx, "missing"),
			tx.DeleteNamedLocation(ctx, "missing"),
			tx.DeleteAuthContext(ctx, "c99"),
		} {
			if !errors.Is(err, apperr.NotFound) {
				t.Errorf("a missing row gives %v, want NotFound", err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindCAPolicyByID(ctx, "missing"); !errors.Is(err, apperr.NotFound) {
		t.Errorf("find missing: %v", err)
	}

	// Concurrent bumps: each counts once.
	before, _ := db.FindCAVersion(ctx)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_ = db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.BumpCAVersion(ctx)
				time.Sleep(time.Millisecond)
				return err
			})
		})
	}
	wg.Wait()
	if after, _ := db.FindCAVersion(ctx); after != before+8 {
		t.Errorf("version after 8 concurrent bumps: %d, want %d", after, before+8)
	}
}
