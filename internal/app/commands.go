package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/strongroom-id/strongroom/internal/audit"
)

func (m *Main) migrate(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig("migrate", args, nil)
	if err != nil {
		return err
	}
	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	cur, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	for _, mg := range applied {
		fmt.Fprintf(m.Stdout, "applied %04d_%s\n", mg.Version, mg.Name)
	}
	fmt.Fprintf(m.Stdout, "%s schema is at version %d\n", db.Dialect(), cur)
	return nil
}

func (m *Main) configCheck(args []string) error {
	cfg, err := m.loadConfig("config check", args, nil)
	if cfg.DataDir != "" || err == nil {
		if out, rerr := cfg.Redacted(); rerr == nil && err == nil {
			_, _ = m.Stdout.Write(out)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "# configuration is valid")
	return nil
}

func (m *Main) auditVerify(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig("audit verify", args, nil)
	if err != nil {
		return err
	}
	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	n, head, err := db.VerifyAudit(ctx)
	var p *audit.Problem
	if errors.As(err, &p) {
		fmt.Fprintf(m.Stdout, "audit log BROKEN after %d good events: %v\n", n, p)
		return exitError(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "audit log intact: %d events; head #%d sha256 %s\n", n, head.Seq, audit.HeadHex(head))
	return nil
}
