package signin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/authn"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/fido"
	"github.com/strongroom-id/strongroom/internal/fido/fidotest"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/secret"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

const benchOrigin = "http://localhost:8080"

// passkeyRig is a sign-in service on a fresh SQLite database with users
// who have registered one key each.
type passkeyRig struct {
	db     *store.DB
	signIn *signin.Passkeys
	auth   *fidotest.Authenticator // the first user's key
	auths  []*fidotest.Authenticator
	client signin.Client
}

func newPasskeyRig(tb testing.TB, users int) *passkeyRig {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "bench.db"), store.Options{AppVersion: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	kr, err := secret.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	now := func() time.Time { return time.Now().UTC() }
	rp, err := fido.New(fido.Options{PublicURL: benchOrigin, ResidentKey: "preferred"})
	if err != nil {
		tb.Fatal(err)
	}
	dir := directory.NewService(store.Bind[directory.Tx](db))
	keys := passkey.NewService(passkey.Deps{Store: store.Bind[passkey.Tx](db), Ceremony: rp, Sealer: kr, Hasher: kr, Directory: dir, Now: now})
	sessions := session.NewManager(db, kr, now)
	svc := signin.NewService(store.Bind[signin.Tx](db), sessions, kr, signin.MultifactorRequired{}, now)
	rig := &passkeyRig{
		db:     db,
		signIn: signin.NewPasskeys(svc, store.Bind[signin.PasskeyTx](db), keys),
		client: signin.Client{IP: netip.MustParseAddr("192.0.2.10"), UserAgent: "bench", AppID: "bench", AppDisplayName: "Bench"},
	}
	for i := range users {
		upn := "bench@example.com"
		if i > 0 {
			upn = fmt.Sprintf("bench%d@example.com", i)
		}
		u := directory.User{ID: uuid.NewString(), UserPrincipalName: upn, DisplayName: "Bench", AccountEnabled: true, UserType: directory.UserTypeMember, CreatedDateTime: now()}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			tb.Fatal(err)
		}
		auth := fidotest.New(tb, benchOrigin, "", passkey.UserHandle(u.ID))
		// Register the key as if just after a one-time pass sign-in.
		sess := session.Session{ID: uuid.NewString(), UserID: u.ID, Complete: true, Proofs: []authn.Proof{{Mode: authn.TemporaryAccessPassOneTime, Time: now()}}}
		opts, err := keys.BeginRegistration(ctx, u, sess)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := keys.FinishRegistration(ctx, u, sess, opts.State, "Bench key", auth.Create(tb, opts.JSON)); err != nil {
			tb.Fatal(err)
		}
		rig.auths = append(rig.auths, auth)
	}
	rig.auth = rig.auths[0]
	return rig
}

// BenchmarkPasskeySignIn measures the server's side of a username-less
// passkey sign-in on SQLite: options (sealed state), verification, the
// used challenge, the key's counter, the session and the sign-in record.
// The authenticator's signing is not timed: it runs in batches with the
// timer stopped, so that stopping the timer (which reads memory
// statistics) does not weigh on every operation.
func BenchmarkPasskeySignIn(b *testing.B) {
	rig := newPasskeyRig(b, 1)
	ctx := context.Background()
	const batch = 64
	type pending struct {
		state     string
		assertion []byte
	}
	todo := make([]pending, 0, batch)
	var cpu time.Duration // process CPU time in the timed sections
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		c0 := testenv.CPUTime()
		n := min(batch, b.N-done)
		todo = todo[:0]
		var jsons [][]byte
		for range n {
			opts, err := rig.signIn.PasskeyOptions(ctx, rig.client, "")
			if err != nil {
				b.Fatal(err)
			}
			todo = append(todo, pending{state: opts.State})
			jsons = append(jsons, opts.JSON)
		}
		cpu += testenv.CPUTime() - c0
		b.StopTimer()
		for i := range todo {
			todo[i].assertion = rig.auth.Get(b, jsons[i])
		}
		b.StartTimer()
		c0 = testenv.CPUTime()
		for _, p := range todo {
			res, err := rig.signIn.SignInWithPasskey(ctx, rig.client, nil, p.state, p.assertion)
			if err != nil || res.Status != signin.StatusSignedIn {
				b.Fatalf("%v %v", res.Status, err)
			}
		}
		cpu += testenv.CPUTime() - c0
		done += n
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkPasskeySignInParallel is the same sign-in under load: 16
// users sign in at once, over and over, as a busy server sees them, so
// that write transactions queue for SQLite's single writer and share
// commits (store/group.go). cpu-ns/op is CPU time per sign-in across all
// cores: its inverse is the sign-in rate one core sustains. Each user's
// sign-ins stay in order (their keys' counters only grow).
func BenchmarkPasskeySignInParallel(b *testing.B) {
	const users, perUser = 16, 4
	rig := newPasskeyRig(b, users)
	ctx := context.Background()
	type pending struct {
		state     string
		json      []byte
		assertion []byte
	}
	todo := make([][]pending, users)
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(users*perUser, b.N-done)
		c0 := testenv.CPUTime()
		for i := range users {
			todo[i] = todo[i][:0]
		}
		for i := range n {
			opts, err := rig.signIn.PasskeyOptions(ctx, rig.client, "")
			if err != nil {
				b.Fatal(err)
			}
			todo[i%users] = append(todo[i%users], pending{state: opts.State, json: opts.JSON})
		}
		cpu += testenv.CPUTime() - c0
		b.StopTimer()
		for u := range todo {
			for i := range todo[u] {
				todo[u][i].assertion = rig.auths[u].Get(b, todo[u][i].json)
			}
		}
		b.StartTimer()
		c0 = testenv.CPUTime()
		var wg sync.WaitGroup
		for u := range todo {
			wg.Go(func() {
				for _, p := range todo[u] {
					res, err := rig.signIn.SignInWithPasskey(ctx, rig.client, nil, p.state, p.assertion)
					if err != nil || res.Status != signin.StatusSignedIn {
						b.Errorf("%v %v", res.Status, err)
						return
					}
				}
			})
		}
		wg.Wait()
		cpu += testenv.CPUTime() - c0
		done += n
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if txs, commits := rig.db.CommitStats(); commits > 0 {
		b.ReportMetric(float64(txs)/float64(commits), "tx/commit")
	}
}

// BenchmarkECDSAP256Verify is the floor: one raw ECDSA P-256 signature
// verification (what an ES256 assertion costs at least).
func BenchmarkECDSAP256Verify(b *testing.B) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("authenticatorData || clientDataHash"))
	sig, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := testenv.CPUTime()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&k.PublicKey, digest[:], sig) {
			b.Fatal("verify failed")
		}
	}
	b.ReportMetric(float64((testenv.CPUTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// TestPasskeyRigSignsIn keeps the benchmark's set-up honest in ordinary
// test runs.
func TestPasskeyRigSignsIn(t *testing.T) {
	rig := newPasskeyRig(t, 1)
	ctx := context.Background()
	for range 3 {
		opts, err := rig.signIn.PasskeyOptions(ctx, rig.client, "bench@example.com")
		if err != nil {
			t.Fatal(err)
		}
		res, err := rig.signIn.SignInWithPasskey(ctx, rig.client, nil, opts.State, rig.auth.Get(t, opts.JSON))
		if err != nil || res.Status != signin.StatusSignedIn {
			t.Fatalf("%v %v", res.Status, err)
		}
	}
}
