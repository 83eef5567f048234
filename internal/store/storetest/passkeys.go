package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/store"
)

func testPasskeys(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	tx(t, db, func(tx *store.Tx) error { return tx.CreateUser(ctx, user("u1", "keys@contoso.com")) })
	used := T0.Add(time.Minute)
	k := passkey.Credential{
		ID: "6f1c8a52-7a0b-4e3e-9c7e-3d2a1b0c9d8e", UserID: "u1", CredentialID: []byte{1, 2, 3, 0, 255}, PublicKey: []byte{0xa5, 1, 2},
		AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8", SignCount: 4294967295, Transports: []string{"usb", "nfc"}, UserVerified: true,
		BackupEligible: true, BackupState: false, AttestationFormat: "packed", AttestationTrusted: true,
		AttestationCertificates: []string{"00ff"}, DisplayName: "Desk key", Model: "YubiKey 5 Series", CreatedAt: T0, LastUsedAt: &used,
	}
	tx(t, db, func(tx *store.Tx) error { return tx.CreatePasskey(ctx, k) })
	for _, find := range []func() (passkey.Credential, error){
		func() (passkey.Credential, error) { return db.FindPasskeyByID(ctx, k.ID) },
		func() (passkey.Credential, error) {
			k, owner, err := db.FindPasskeyByCredentialID(ctx, []byte{1, 2, 3, 0, 255})
			if want, _ := db.FindUserByID(ctx, "u1"); err == nil && !cmp.Equal(owner, want) {
				t.Errorf("owner = %+v, want %+v", owner, want)
			}
			return k, err
		},
	} {
		got, err := find()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(k, got); diff != "" {
			t.Errorf("found (-want +got):\n%s", diff)
		}
	}
	_, _, err := db.FindPasskeyByCredentialID(ctx, []byte{1, 2, 3})
	mustKind(t, err, apperr.NotFound)

	// A credential id is registered once.
	k2 := k
	k2.ID, k2.LastUsedAt, k2.Transports, k2.AttestationCertificates = "7a2d9b63-8b1c-4f4f-8d8f-4e3b2c1d0e9f", nil, nil, nil
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.CreatePasskey(ctx, k2) })
	mustKind(t, err, apperr.Conflict)
	k2.CredentialID, k2.CreatedAt, k2.SignCount = []byte{9}, T0.Add(time.Second), 0
	tx(t, db, func(tx *store.Tx) error { return tx.CreatePasskey(ctx, k2) })
	all, err := db.FindPasskeys(ctx, passkey.Filter{UserID: "u1"})
	if err != nil || len(all) != 2 || all[0].ID != k.ID || all[1].ID != k2.ID {
		t.Fatalf("FindPasskeys = %v, %v", all, err)
	}
	if all[1].Transports == nil || len(all[1].Transports) != 0 || all[1].LastUsedAt != nil {
		t.Errorf("empty lists and times: %+v", all[1])
	}
	if n, err := db.CountPasskeysByModel(ctx); err != nil || len(n) != 1 || n[k.AAGUID] != 2 {
		t.Errorf("CountPasskeysByModel = %v, %v; want 2 of %s", n, err, k.AAGUID)
	}

	// The counter is compared and swapped.
	use := passkey.Use{SignCount: 7, BackupState: true, At: T0.Add(time.Hour)}
	tx(t, db, func(tx *store.Tx) error { return tx.UpdatePasskeyUse(ctx, k2.ID, 0, use) })
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdatePasskeyUse(ctx, k2.ID, 0, use) })
	mustKind(t, err, apperr.NotFound)
	got, _ := db.FindPasskeyByID(ctx, k2.ID)
	if got.SignCount != 7 || !got.BackupState || got.LastUsedAt == nil || !got.LastUsedAt.Equal(use.At) {
		t.Errorf("after use: %+v", got)
	}
	name := "Spare"
	tx(t, db, func(tx *store.Tx) error { return tx.UpdatePasskey(ctx, k2.ID, passkey.Update{DisplayName: &name}) })
	if got, _ := db.FindPasskeyByID(ctx, k2.ID); got.DisplayName != "Spare" {
		t.Errorf("renamed: %q", got.DisplayName)
	}

	// A key restriction that blocks every key takes fido2 out of the
	// registered methods.
	modes, err := db.RegisteredModes(ctx, "u1")
	if err != nil || len(modes) != 1 || modes[0] != authn.Fido2 {
		t.Errorf("RegisteredModes = %v, %v", modes, err)
	}
	f := method.DefaultFido2()
	f.KeyRestrictions = method.KeyRestrictions{IsEnforced: true, EnforcementType: "allow", AAGUIDs: []string{"90a3ccdf-635c-4729-a248-9b709135078f"}}
	tx(t, db, func(tx *store.Tx) error { return tx.SaveMethodConfiguration(ctx, method.Fido2ID, f) })
	if modes, err := db.RegisteredModes(ctx, "u1"); err != nil || len(modes) != 0 {
		t.Errorf("RegisteredModes with every key blocked = %v, %v", modes, err)
	}

	tx(t, db, func(tx *store.Tx) error { return tx.DeletePasskey(ctx, k.ID) })
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.DeletePasskey(ctx, k.ID) })
	mustKind(t, err, apperr.NotFound)
	// Deleting the user deletes their keys.
	tx(t, db, func(tx *store.Tx) error { return tx.DeleteUser(ctx, "u1") })
	_, err = db.FindPasskeyByID(ctx, k2.ID)
	mustKind(t, err, apperr.NotFound)
}

// testUsedChallenges checks that a challenge is accepted once, also when
// the second use comes in a later transaction, and that a refused use
// leaves the transaction's other writes undone.
func testUsedChallenges(t *testing.T, h Harness) {
	db, clk, _ := open(t, h)
	ctx := context.Background()
	h1, h2 := []byte("challenge-1-hash-bytes"), []byte("challenge-2-hash-bytes")
	tx(t, db, func(tx *store.Tx) error { return tx.ConsumeChallenge(ctx, h1, T0.Add(5*time.Minute)) })
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, user("u9", "late@contoso.com")); err != nil {
			return err
		}
		return tx.ConsumeChallenge(ctx, h1, T0.Add(5*time.Minute))
	})
	mustKind(t, err, apperr.Conflict)
	if _, err := db.FindUserByID(ctx, "u9"); !errors.Is(err, apperr.NotFound) {
		t.Errorf("the refused transaction's user exists: %v", err)
	}
	tx(t, db, func(tx *store.Tx) error { return tx.ConsumeChallenge(ctx, h2, T0.Add(5*time.Minute)) })
	// Expired challenges are forgotten; their states are refused anyway.
	clk.Advance(6 * time.Minute)
	tx(t, db, func(tx *store.Tx) error { return tx.DeleteExpired(ctx) })
	tx(t, db, func(tx *store.Tx) error { return tx.ConsumeChallenge(ctx, h1, clk.Now().Add(5*time.Minute)) })
}

// testStatementReuse runs the same statements many times, in and out of
// transactions, so that a statement cache that mixes them up shows.
func testStatementReuse(t *testing.T, h Harness) {
	db, _, _ := open(t, h)
	ctx := context.Background()
	for i := range 20 {
		id := "r" + string(rune('a'+i))
		tx(t, db, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, user(id, id+"@contoso.com")); err != nil {
				return err
			}
			u, err := tx.FindUserByID(ctx, id)
			if err != nil || u.UserPrincipalName != id+"@contoso.com" {
				t.Errorf("in transaction %d: %v %v", i, u, err)
			}
			return nil
		})
		if u, err := db.FindUserByID(ctx, id); err != nil || u.ID != id {
			t.Errorf("after transaction %d: %v %v", i, u, err)
		}
		// A failing transaction does not poison the cached statements.
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, user(id, id+"@contoso.com")) })
		mustKind(t, err, apperr.Conflict)
	}
}
