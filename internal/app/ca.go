package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/config"
	"github.com/strongroom-id/strongroom/internal/enforcement"
	"github.com/strongroom-id/strongroom/internal/geoip"
	"github.com/strongroom-id/strongroom/internal/store"
)

// The store implements Conditional Access's ports.
var (
	_ capolicy.Tx     = (*store.Tx)(nil)
	_ capolicy.Reader = (*store.DB)(nil)
)

// conditionalAccess builds the Conditional Access service and the engine
// the sign-in service asks, with the operator's GeoIP database when one is
// configured.
func conditionalAccess(ctx context.Context, cfg config.Config, db *store.DB, now func() time.Time) (*capolicy.Service, *enforcement.Requirements, error) {
	ca := capolicy.NewService(store.Bind[capolicy.Tx](db), now)
	// Compile the policies now: sign-ins never wait for the first load.
	if _, err := ca.Snapshot(ctx); err != nil {
		return nil, nil, fmt.Errorf("conditional access: %w", err)
	}
	var countries enforcement.Countries
	if path := cfg.GeoIP.DatabaseFile; path != "" {
		// Read into memory: a country database is a few megabytes, and a
		// copy in memory needs no closing and survives the operator
		// replacing the file (a restart picks up the new one).
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("geoip.databaseFile: %w", err)
		}
		g, err := geoip.OpenBytes(b)
		if err != nil {
			return nil, nil, fmt.Errorf("geoip.databaseFile %s: %w", path, err)
		}
		countries = g
		ca.Countries = g // What If looks up the country of an address it is given
	}
	return ca, enforcement.New(ca, countries), nil
}
