package app

import (
	"context"
	"time"

	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/grant"
	"github.com/strongroom-id/strongroom/internal/provider"
	"github.com/strongroom-id/strongroom/internal/secret"
	"github.com/strongroom-id/strongroom/internal/store"
)

// The store implements the OpenID provider's ports.
var (
	_ grant.Tx              = (*store.Tx)(nil)
	_ grant.Reader          = (*store.DB)(nil)
	_ application.WriteTx   = (*store.Tx)(nil)
	_ application.Lister    = (*store.DB)(nil)
	_ provider.Applications = (*store.DB)(nil)
)

// newProvider builds the OpenID provider: the built-in applications, the
// grant service and the provider itself.
func (m *Main) newProvider(ctx context.Context, s *Server, kr *secret.Keyring, now func() time.Time) (*provider.Provider, *grant.Service, error) {
	if err := application.EnsureBuiltIns(ctx, store.Bind[application.WriteTx](s.DB)); err != nil {
		return nil, nil, err
	}
	grants := grant.NewService(store.Bind[grant.Tx](s.DB), kr, now)
	prov, err := provider.New(provider.Deps{
		Issuer: s.Config.PublicURL, Applications: s.DB, Users: s.DB, Grants: grants, Hasher: kr, Keys: s.Keys, Now: now, Log: s.Log,
		CryptoKey: provider.CryptoKeyFrom([]byte(kr.Check())),
		// build replaces this with the Conditional Access service's
		// published contexts once that service exists.
		Contexts: provider.AllContextsPublished{},
	})
	return prov, grants, err
}

// applications returns the application registration service.
func applications(db *store.DB, kr *secret.Keyring) *application.Service {
	return application.NewService(store.Bind[application.WriteTx](db), kr)
}

// maintainGrants deletes expired authorization requests, refresh tokens
// and revocation entries every ten minutes. Every node may run it.
func (s *Server) maintainGrants(ctx context.Context, grants *grant.Service) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := grants.Cleanup(ctx); err != nil {
				s.Log.Warn("deleting expired grants", "err", err)
			}
			// Expired sessions, used WebAuthn challenges past their
			// expiry (a replay would fail on the expired state anyway) and
			// stale sign-in throttles.
			if err := s.DB.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteExpired(ctx) }); err != nil {
				s.Log.Warn("deleting expired sessions and challenges", "err", err)
			}
		}
	}
}
