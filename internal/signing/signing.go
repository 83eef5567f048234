package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom-id/strongroom/internal/audit"
)

// Algorithm is the JOSE algorithm of every key Strongroom makes.
const Algorithm = "ES256"

// Key is a stored signing key.
type Key struct {
	ID        string
	Algorithm string
	Sealed    []byte // PKCS#8 private key, sealed
	CreatedAt time.Time
	NotBefore time.Time  // signs from this time
	NotAfter  *time.Time // stops signing at this time (retired)
	ExpiresAt *time.Time // leaves the JWKS at this time
}

// Signs reports whether k is the kind of key that may sign at now.
func (k Key) Signs(now time.Time) bool {
	return !now.Before(k.NotBefore) && (k.NotAfter == nil || now.Before(*k.NotAfter))
}

// Published reports whether k belongs in the JWKS at now.
func (k Key) Published(now time.Time) bool {
	return k.ExpiresAt == nil || now.Before(*k.ExpiresAt)
}

// Policy says how keys rotate.
type Policy struct {
	Lifetime     time.Duration // how long a key signs before the next takes over
	Prepublish   time.Duration // how long a new key is published before it signs
	MaxTokenLife time.Duration // the longest a token signed by a key stays valid
}

// DefaultPolicy rotates every 30 days, publishes a day ahead, and keeps a
// retired key for a day past the longest token lifetime.
var DefaultPolicy = Policy{Lifetime: 30 * 24 * time.Hour, Prepublish: 24 * time.Hour, MaxTokenLife: 25 * time.Hour}

// Plan decides what rotation needs at now: whether to create a key (and
// from when it signs), and which keys to retire. It is pure.
func Plan(keys []Key, now time.Time, p Policy) (createFrom *time.Time, retire []Key) {
	var current, next *Key
	sorted := append([]Key(nil), keys...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].NotBefore.Before(sorted[j].NotBefore) })
	for i := range sorted {
		k := &sorted[i]
		if k.Signs(now) {
			current = k
		}
		if k.NotBefore.After(now) && k.NotAfter == nil {
			next = k
		}
	}
	switch {
	case current == nil && next == nil:
		// No key at all (first start, or everything retired): sign at once.
		t := now
		return &t, nil
	case current != nil && next == nil && !now.Before(current.NotBefore.Add(p.Lifetime-p.Prepublish)):
		t := current.NotBefore.Add(p.Lifetime)
		if t.Before(now) {
			t = now.Add(p.Prepublish)
		}
		createFrom = &t
	}
	// Retire every signing key older than the newest one that signs now.
	for i := range sorted {
		k := sorted[i]
		if current != nil && k.ID != current.ID && k.NotAfter == nil && !k.NotBefore.After(now) && k.NotBefore.Before(current.NotBefore) {
			end := current.NotBefore
			exp := end.Add(p.MaxTokenLife)
			k.NotAfter, k.ExpiresAt = &end, &exp
			retire = append(retire, k)
		}
	}
	return createFrom, retire
}

// Sealer seals and opens private keys at rest.
type Sealer interface {
	Seal(purpose string, plaintext []byte) []byte
	Open(purpose string, sealed []byte) ([]byte, error)
}

const sealPurpose = "signing-key"

// Store is what the key manager needs from storage.
type Store interface {
	FindSigningKeys(ctx context.Context) ([]Key, error)
	InTx(ctx context.Context, fn func(Tx) error) error
}

// Tx is key storage in a transaction.
type Tx interface {
	FindSigningKeys(ctx context.Context) ([]Key, error)
	CreateSigningKey(ctx context.Context, k Key) error
	UpdateSigningKey(ctx context.Context, k Key) error
	Now() time.Time
	Audit(e audit.Event)
}

// ActivityRotate is audited when a key is created or retired.
var ActivityRotate = audit.Activity{Category: "KeyManagement", Name: "Rotate token signing key", Operation: "Update", Service: "Core Directory"}

// Loaded is a key with its private half opened.
type Loaded struct {
	Key
	Private *ecdsa.PrivateKey
}

// Public returns the public key.
func (l Loaded) Public() crypto.PublicKey { return &l.Private.PublicKey }

// Manager keeps the opened keys in memory and refreshes them from the
// database, so that every node agrees within the refresh interval.
type Manager struct {
	store  Store
	sealer Sealer
	policy Policy
	now    func() time.Time

	mu     sync.RWMutex
	keys   []Loaded
	loaded time.Time
}

// NewManager returns a key manager.
func NewManager(store Store, sealer Sealer, p Policy, now func() time.Time) *Manager {
	return &Manager{store: store, sealer: sealer, policy: p, now: now}
}

// Rotate creates and retires keys as the policy says, in one transaction,
// and reloads. Several nodes may call it at once; the plan is recomputed
// inside the transaction, so only one creates a key.
func (m *Manager) Rotate(ctx context.Context) error {
	err := m.store.InTx(ctx, func(tx Tx) error {
		keys, err := tx.FindSigningKeys(ctx)
		if err != nil {
			return err
		}
		now := tx.Now()
		from, retire := Plan(keys, now, m.policy)
		for _, k := range retire {
			if err := tx.UpdateSigningKey(ctx, k); err != nil {
				return err
			}
			tx.Audit(audit.New(ctx, ActivityRotate, audit.Target{ID: k.ID, DisplayName: "Token signing key", Type: "Key",
				ModifiedProperties: []audit.ModifiedProperty{audit.Change("NotAfter", nil, k.NotAfter), audit.Change("ExpiresAt", nil, k.ExpiresAt)}}))
		}
		if from != nil {
			k, err := m.generate(now, *from)
			if err != nil {
				return err
			}
			if err := tx.CreateSigningKey(ctx, k); err != nil {
				return err
			}
			tx.Audit(audit.New(ctx, ActivityRotate, audit.Target{ID: k.ID, DisplayName: "Token signing key", Type: "Key",
				ModifiedProperties: []audit.ModifiedProperty{audit.Change("NotBefore", nil, k.NotBefore), audit.Change("Algorithm", nil, k.Algorithm)}}))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return m.Reload(ctx)
}

func (m *Manager) generate(now, from time.Time) (Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Key{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Key{}, err
	}
	return Key{ID: uuid.NewString(), Algorithm: Algorithm, Sealed: m.sealer.Seal(sealPurpose, der), CreatedAt: now, NotBefore: from}, nil
}

// Reload reads the keys from the database.
func (m *Manager) Reload(ctx context.Context) error {
	keys, err := m.store.FindSigningKeys(ctx)
	if err != nil {
		return err
	}
	loaded := make([]Loaded, 0, len(keys))
	for _, k := range keys {
		der, err := m.sealer.Open(sealPurpose, k.Sealed)
		if err != nil {
			return fmt.Errorf("signing key %s cannot be opened with this node's secret key: every node must share the same secret key: %w", k.ID, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", k.ID, err)
		}
		ec, ok := priv.(*ecdsa.PrivateKey)
		if !ok {
			return fmt.Errorf("signing key %s is not an ECDSA key", k.ID)
		}
		loaded = append(loaded, Loaded{Key: k, Private: ec})
	}
	sort.Slice(loaded, func(i, j int) bool { return loaded[i].NotBefore.Before(loaded[j].NotBefore) })
	m.mu.Lock()
	m.keys, m.loaded = loaded, m.now()
	m.mu.Unlock()
	return nil
}

// Current returns the key that signs now: the newest that may sign.
func (m *Manager) Current() (Loaded, error) {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := len(m.keys) - 1; i >= 0; i-- {
		if m.keys[i].Signs(now) {
			return m.keys[i], nil
		}
	}
	return Loaded{}, fmt.Errorf("no signing key is active; the key rotation job has not run")
}

// Published returns the keys that belong in the JWKS now.
func (m *Manager) Published() []Loaded {
	now := m.now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Loaded
	for _, k := range m.keys {
		if k.Published(now) {
			out = append(out, k)
		}
	}
	return out
}

// Find returns the published key with id, reloading once from the database
// when it is unknown (another node may have just rotated).
func (m *Manager) Find(ctx context.Context, id string) (Loaded, bool) {
	for attempt := 0; attempt < 2; attempt++ {
		for _, k := range m.Published() {
			if k.ID == id {
				return k, true
			}
		}
		m.mu.RLock()
		fresh := m.now().Sub(m.loaded) < 5*time.Second
		m.mu.RUnlock()
		if attempt == 0 && !fresh {
			if err := m.Reload(ctx); err != nil {
				return Loaded{}, false
			}
			continue
		}
		break
	}
	return Loaded{}, false
}
