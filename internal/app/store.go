package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/application"
	"github.com/strongroom-id/strongroom/internal/config"
	"github.com/strongroom-id/strongroom/internal/credential"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/secret"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/signing"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/store/postgres"
	"github.com/strongroom-id/strongroom/internal/store/sqlite"
	"github.com/strongroom-id/strongroom/internal/tap"
	"github.com/strongroom-id/strongroom/internal/tenant"
	"github.com/strongroom-id/strongroom/internal/totp"
)

// The store implements every service's port; a change that breaks one
// fails here, at compile time.
var (
	_ directory.Tx   = (*store.Tx)(nil)
	_ application.Tx = (*store.Tx)(nil)
	_ signing.Tx     = (*store.Tx)(nil)
	_ tenant.Tx      = (*store.Tx)(nil)
	_ session.Tx     = (*store.Tx)(nil)
	_ signin.Tx      = (*store.Tx)(nil)

	_ method.Tx         = (*store.Tx)(nil)
	_ tap.Tx            = (*store.Tx)(nil)
	_ totp.Tx           = (*store.Tx)(nil)
	_ signin.PasswordTx = (*store.Tx)(nil)
	_ signin.TOTPTx     = (*store.Tx)(nil)
	_ credential.Reader = (*store.DB)(nil)

	_ passkey.Tx       = (*store.Tx)(nil)
	_ signin.PasskeyTx = (*store.Tx)(nil)
)

// openStore opens the configured database.
func (m *Main) openStore(ctx context.Context, cfg config.Config) (*store.DB, error) {
	opts := store.Options{Clock: m.Clock, AppVersion: m.Version}
	driver, dsn := cfg.DatabaseDriver()
	switch driver {
	case "sqlite":
		return sqlite.Open(dsn, opts)
	case "postgres":
		return postgres.Open(ctx, dsn, opts)
	}
	return nil, fmt.Errorf("unsupported database %q", cfg.Database)
}

// keyring loads the secret key: from the configuration, or from the key
// file in the data directory (created on first start).
func (m *Main) keyring(cfg config.Config) (*secret.Keyring, error) {
	var key []byte
	if cfg.SecretKey != "" {
		k, err := config.DecodeSecretKey(cfg.SecretKey.Reveal())
		if err != nil {
			return nil, fmt.Errorf("secretKey: %w", err)
		}
		key = k
	} else {
		k, _, err := secret.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "secret.key"))
		if err != nil {
			return nil, fmt.Errorf("secret key file: %w", err)
		}
		key = k
	}
	return secret.New(key)
}

// checkKey refuses to run with a secret key other than the one the tenant
// was bootstrapped with: hashes and sealed keys would not match.
func checkKey(ctx context.Context, db *store.DB, kr *secret.Keyring) error {
	t, err := db.FindTenant(ctx)
	if errors.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if t.KeyCheck != kr.Check() {
		return errors.New("this node's secret key is not the one the database was set up with: every node sharing a database must use the same secret key (STRONGROOM_SECRET_KEY or the data directory's secret.key)")
	}
	return nil
}
