package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/store"
)

// The store implements the import's port.
var _ caport.Tx = (*store.Tx)(nil)

// cliImportActor is the audit initiator of "strongroom import": the
// operator on the server's machine, acting as Strongroom.
var cliImportActor = audit.Actor{Initiator: audit.Initiator{App: &audit.AppIdentity{
	DisplayName: "Strongroom operator (strongroom import)", ServicePrincipalName: "strongroom-cli"}}}

// valueFlags are the flags of import and export that take a value, so
// that flags may follow the paths ("import dir --dry-run").
var valueFlags = map[string]bool{"config": true, "data-dir": true, "listen": true, "public-url": true, "database": true, "map": true}

// splitArgs separates flags from positional arguments, wherever they are.
func splitArgs(args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && valueFlags[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return flags, positional
}

// importCommand runs "strongroom import [--dry-run] [--json] [--map FILE]
// PATH…": Conditional Access objects exported from Entra (or from
// Strongroom) into the server's database, in one transaction, as
// Strongroom itself; docs/import.md.
func (m *Main) importCommand(ctx context.Context, args []string) error {
	var (
		dryRun, asJSON bool
		mapFile        string
	)
	flags, paths := splitArgs(args)
	cfg, err := m.loadConfig("import", flags, func(f *flag.FlagSet) {
		f.Usage = func() {
			fmt.Fprintln(f.Output(), "usage: strongroom import [--dry-run] [--json] [--map FILE] [flags] PATH…")
			f.PrintDefaults()
		}
		f.BoolVar(&dryRun, "dry-run", false, "report what the import would do, and write nothing")
		f.BoolVar(&asJSON, "json", false, "print the report as JSON (docs/import.md)")
		f.StringVar(&mapFile, "map", "", "mapping `file` (JSON or YAML) from source ids to Strongroom objects")
	})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fmt.Fprintln(m.Stderr, "usage: strongroom import [--dry-run] [--json] [--map FILE] [flags] PATH…")
		return exitError(2)
	}
	opts := caport.Options{DryRun: dryRun}
	if mapFile != "" {
		b, err := os.ReadFile(mapFile)
		if err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		if opts.Mapping, err = caport.ParseMapping(mapFile, b); err != nil {
			return m.importFailed(err)
		}
		opts.MappingSource = mapFile
	}
	// Read everything before touching the database: bad input fails fast.
	docs, err := caport.ReadPaths(paths)
	if err != nil {
		return m.importFailed(err)
	}
	objs, err := caport.Parse(docs)
	if err != nil {
		return m.importFailed(err)
	}

	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	ca := capolicy.NewService(store.Bind[capolicy.Tx](db), m.Clock.Now)
	svc := caport.NewService(store.Bind[caport.Tx](db), ca)
	ctx = authz.NewContext(ctx, authz.SystemPrincipal)
	ctx = audit.NewContext(ctx, cliImportActor)
	rep, err := svc.Import(ctx, objs, opts)
	if err != nil {
		return m.importFailed(err)
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	return rep.WriteText(m.Stdout)
}

// importFailed shows an import's refusal as its message alone (the
// problems, one a line) and ends with status 1.
func (m *Main) importFailed(err error) error {
	ae := apperr.As(err)
	if ae == nil || !errors.Is(err, apperr.Invalid) {
		return err
	}
	fmt.Fprintln(m.Stderr, "strongroom import:", ae.Message)
	return exitError(1)
}

// exportCommand runs "strongroom export DIR": every Conditional Access
// object as Graph JSON, one file per object in folders by kind, into a
// folder that is new or empty.
func (m *Main) exportCommand(ctx context.Context, args []string) error {
	flags, rest := splitArgs(args)
	cfg, err := m.loadConfig("export", flags, func(f *flag.FlagSet) {
		f.Usage = func() {
			fmt.Fprintln(f.Output(), "usage: strongroom export [flags] DIR")
			f.PrintDefaults()
		}
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fmt.Fprintln(m.Stderr, "usage: strongroom export [flags] DIR")
		return exitError(2)
	}
	dir := rest[0]
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: export into a new or empty folder", dir)
	}

	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	svc := caport.NewService(store.Bind[caport.Tx](db), nil)
	ctx = authz.NewContext(ctx, authz.SystemPrincipal)
	files, err := svc.Export(ctx)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o640); err != nil {
			return err
		}
		count[strings.SplitN(f.Path, "/", 2)[0]]++
	}
	c := caport.Counts{Policies: count[string(caport.KindPolicy)], NamedLocations: count[string(caport.KindNamedLocation)],
		AuthenticationStrengths: count[string(caport.KindStrength)], AuthenticationContexts: count[string(caport.KindContext)], Groups: count[string(caport.KindGroup)]}
	fmt.Fprintf(m.Stdout, "Exported %s to %s.\n", c.String(), dir)
	return nil
}
