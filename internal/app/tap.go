package app

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/tap"
)

// tapCommand runs "strongroom tap issue": an operator issues a Temporary
// Access Pass from the server's machine, for example to recover a lost
// bootstrap pass. It acts as Strongroom itself (the system principal),
// within the pass policy's ranges, and is audited like an administrator's
// pass.
func (m *Main) tapCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "issue" {
		fmt.Fprintln(m.Stderr, "usage: strongroom tap issue --user UPN [--lifetime 60m] [--once] [flags]")
		return exitError(2)
	}
	var (
		user     string
		lifetime time.Duration
		once     bool
	)
	cfg, err := m.loadConfig("tap issue", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&user, "user", "", "user principal name (or id) of the user to issue the pass for (required)")
		fs.DurationVar(&lifetime, "lifetime", 0, "how long the pass lasts, e.g. 60m or 8h (default: the policy's defaultLifetimeInMinutes)")
		fs.BoolVar(&once, "once", false, "make a one-time pass (default: the policy's isUsableOnce)")
	})
	if err != nil {
		return err
	}
	if user == "" {
		fmt.Fprintln(m.Stderr, "strongroom tap issue: --user is required")
		return exitError(2)
	}
	if lifetime < 0 || lifetime%time.Minute != 0 {
		return fmt.Errorf("--lifetime must be a whole number of minutes, like 60m or 8h, not %s", lifetime)
	}
	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	kr, err := m.keyring(cfg)
	if err != nil {
		return err
	}
	if err := checkKey(ctx, db, kr); err != nil {
		return err
	}
	svc := tap.NewService(store.Bind[tap.Tx](db), directory.NewService(store.Bind[directory.Tx](db)), kr, m.Clock.Now)
	ctx = authz.NewContext(ctx, authz.SystemPrincipal)
	ctx = audit.NewContext(ctx, audit.Actor{Initiator: audit.Initiator{App: &audit.AppIdentity{DisplayName: "Strongroom operator (strongroom tap issue)", ServicePrincipalName: "strongroom-cli"}}})
	var in tap.IssueInput
	if lifetime > 0 {
		mins := int(lifetime / time.Minute)
		in.LifetimeInMinutes = &mins
	}
	if once {
		in.IsUsableOnce = &once
	}
	v, secret, err := svc.Issue(ctx, user, in)
	if err != nil {
		return err
	}
	kind := "multi-use"
	if v.IsUsableOnce {
		kind = "one-time"
	}
	fmt.Fprintf(m.Stdout, "Temporary Access Pass for %s (%s, shown once):\n\n  %s\n\nvalid from %s until %s; it replaces any earlier pass.\n",
		user, kind, secret, v.StartDateTime.Format(time.RFC3339), v.End().Format(time.RFC3339))
	if !v.IsUsable {
		fmt.Fprintf(m.Stdout, "warning: the pass cannot be used now (%s); check the Temporary Access Pass policy.\n", v.Reason)
	}
	return nil
}
