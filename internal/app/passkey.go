package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/strongroom-id/strongroom/internal/config"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/fido"
	"github.com/strongroom-id/strongroom/internal/passkey"
	"github.com/strongroom-id/strongroom/internal/secret"
	"github.com/strongroom-id/strongroom/internal/store"
)

// passkeys builds the passkey service: the WebAuthn relying party for the
// public URL and, when configured, the FIDO Metadata Service BLOB,
// verified at start (a BLOB that does not verify stops the server rather
// than silently trusting nothing, or everything).
func passkeys(cfg config.Config, db *store.DB, kr *secret.Keyring, dir *directory.Service, now func() time.Time, log *slog.Logger) (*passkey.Service, error) {
	var md *fido.Metadata
	if cfg.WebAuthn.MDSBlobFile != "" {
		var err error
		md, err = fido.LoadMetadataFiles(cfg.WebAuthn.MDSBlobFile, cfg.WebAuthn.MDSRootFile, now())
		if err != nil {
			return nil, fmt.Errorf("webauthn.mdsBlobFile: %w", err)
		}
		log.Info("loaded FIDO metadata", "number", md.Number, "authenticators", md.Len(), "skipped", md.Skipped, "next_update", md.NextUpdate.Format(time.DateOnly))
		if now().After(md.NextUpdate.Add(24 * time.Hour)) {
			log.Warn("the FIDO metadata BLOB is past its nextUpdate date; download a fresh one from https://mds3.fidoalliance.org/", "next_update", md.NextUpdate.Format(time.DateOnly))
		}
	}
	rp, err := fido.New(fido.Options{PublicURL: cfg.PublicURL, Origins: cfg.WebAuthn.Origins, ResidentKey: cfg.WebAuthn.ResidentKey, Metadata: md})
	if err != nil {
		return nil, err
	}
	d := passkey.Deps{Store: store.Bind[passkey.Tx](db), Ceremony: rp, Sealer: kr, Hasher: kr, Directory: dir, Now: now}
	if md != nil {
		d.Metadata = md
	}
	return passkey.NewService(d), nil
}
