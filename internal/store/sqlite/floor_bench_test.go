package sqlite_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// The storage floor of a passkey sign-in: the four records any sign-in
// must have written before it answers (the used challenge, the key's
// counter, the session, the sign-in log record), through the store's own
// methods, in one transaction, with nothing else: no reads, no WebAuthn,
// no decision. BENCHMARKS.md sets it beside the whole sign-in: no
// implementation that writes these records durably per sign-in on this
// machine can cost less.
type floorRig struct {
	db    *store.DB
	users []directory.User
	keys  []passkey.Credential
}

func newFloorRig(b *testing.B, users int) *floorRig {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "floor.db"), store.Options{AppVersion: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	r := &floorRig{db: db}
	now := time.Now().UTC()
	for i := range users {
		u := directory.User{ID: uuid.NewString(), UserPrincipalName: fmt.Sprintf("u%d@example.com", i), DisplayName: "U", AccountEnabled: true, UserType: directory.UserTypeMember, CreatedDateTime: now}
		cid := make([]byte, 32)
		_, _ = rand.Read(cid)
		k := passkey.Credential{ID: uuid.NewString(), UserID: u.ID, CredentialID: cid, PublicKey: make([]byte, 77), AAGUID: uuid.Nil.String(), CreatedAt: now}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			return tx.CreatePasskey(ctx, k)
		})
		if err != nil {
			b.Fatal(err)
		}
		r.users, r.keys = append(r.users, u), append(r.keys, k)
	}
	return r
}

// write is one sign-in's records for user i, whose key's counter moves
// from count to count+1.
func (r *floorRig) write(ctx context.Context, i int, count uint32) error {
	u, k := r.users[i], r.keys[i]
	return r.db.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		ch := make([]byte, 32)
		_, _ = rand.Read(ch)
		if err := tx.ConsumeChallenge(ctx, ch, now.Add(5*time.Minute)); err != nil {
			return err
		}
		if err := tx.UpdatePasskeyUse(ctx, k.ID, count, passkey.Use{SignCount: count + 1, At: now}); err != nil {
			return err
		}
		tok := make([]byte, 32)
		_, _ = rand.Read(tok)
		s := session.Session{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, TokenHash: tok, CreatedAt: now, ExpiresAt: now.Add(12 * time.Hour),
			Proofs: []authn.Proof{{Mode: authn.Fido2, Time: now, AAGUID: k.AAGUID, UserVerified: true}}, Complete: true, ClientIP: "192.0.2.10", UserAgent: "bench"}
		if err := tx.CreateSession(ctx, s); err != nil {
			return err
		}
		rec := signin.Record{ID: uuid.Must(uuid.NewV7()).String(), CreatedDateTime: now, UserID: u.ID, UserPrincipalName: u.UserPrincipalName, AppID: "bench",
			IPAddress: "192.0.2.10", ClientAppUsed: "Browser", UserAgent: "bench", IsInteractive: true, AuthenticationRequirement: "multiFactorAuthentication",
			AuthenticationMethodsUsed: []string{"FIDO2 security key"}, ConditionalAccessStatus: "notApplied",
			AuthenticationDetails: []signin.AuthenticationDetail{{AuthenticationMethod: "FIDO2 security key", AuthenticationMethodDetail: k.AAGUID, AuthenticationStepDateTime: now, Succeeded: true}}}
		return tx.AddSignIn(ctx, rec)
	})
}

// BenchmarkSignInWritesFloor writes one sign-in's records at a time.
func BenchmarkSignInWritesFloor(b *testing.B) {
	r := newFloorRig(b, 1)
	ctx := context.Background()
	count := uint32(0)
	c0 := testenv.CPUTime()
	for b.Loop() {
		if err := r.write(ctx, 0, count); err != nil {
			b.Fatal(err)
		}
		count++
	}
	b.ReportMetric(float64((testenv.CPUTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkSignInWritesFloorParallel writes them for 16 users at once,
// so that the transactions share commits.
func BenchmarkSignInWritesFloorParallel(b *testing.B) {
	const users = 16
	r := newFloorRig(b, users)
	ctx := context.Background()
	b.ResetTimer()
	c0 := testenv.CPUTime()
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			for n := uint32(0); int(n) < (b.N+users-1-u)/users; n++ {
				if err := r.write(ctx, u, n); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64((testenv.CPUTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	if txs, commits := r.db.CommitStats(); commits > 0 {
		b.ReportMetric(float64(txs)/float64(commits), "tx/commit")
	}
}
