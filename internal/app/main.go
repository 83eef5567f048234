package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/strongroom-id/strongroom/internal/clock"
	"github.com/strongroom-id/strongroom/internal/config"
)

// Main runs the strongroom command.
type Main struct {
	Stdout, Stderr io.Writer
	// Getenv looks up environment variables (os.LookupEnv in production).
	Getenv func(string) (string, bool)
	// Clock is the time source; the real clock when nil.
	Clock clock.Clock
	// Version is the application version; from build info when empty.
	Version string
	// Listener, when set, is used by serve instead of listening itself
	// (tests pass a listener on a free port).
	Listener net.Listener
	// Started, when set, is called once serve is ready to take requests.
	Started func(*Server)
	// OpenBrowser opens a URL for "strongroom login"; the system's browser
	// when nil (tests drive the sign-in themselves).
	OpenBrowser func(url string) error
	// Stdin is read by "strongroom api … -"; os.Stdin when nil.
	Stdin io.Reader
}

// Run runs the subcommand in args (without the program name) and returns
// the process exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if m.Stdout == nil {
		m.Stdout = os.Stdout
	}
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	if m.Getenv == nil {
		m.Getenv = os.LookupEnv
	}
	if m.Clock == nil {
		m.Clock = clock.Real{}
	}
	if m.Version == "" {
		m.Version = version()
	}
	if len(args) == 0 {
		m.usage()
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = m.serve(ctx, rest)
	case "migrate":
		err = m.migrate(ctx, rest)
	case "config":
		if len(rest) == 0 || rest[0] != "check" {
			fmt.Fprintln(m.Stderr, "usage: strongroom config check [flags]")
			return 2
		}
		err = m.configCheck(rest[1:])
	case "audit":
		if len(rest) == 0 || rest[0] != "verify" {
			fmt.Fprintln(m.Stderr, "usage: strongroom audit verify [flags]")
			return 2
		}
		err = m.auditVerify(ctx, rest[1:])
	case "tap":
		err = m.tapCommand(ctx, rest)
	case "policy":
		err = m.policyCommand(ctx, rest)
	case "import":
		err = m.importCommand(ctx, rest)
	case "export":
		err = m.exportCommand(ctx, rest)
	case "pim":
		err = m.pimCommand(ctx, rest)
	case "login":
		err = m.loginCommand(ctx, rest)
	case "logout":
		err = m.logoutCommand(ctx, rest)
	case "api":
		err = m.apiCommand(ctx, rest)
	case "app":
		err = m.appCommand(ctx, rest)
	case "version", "--version", "-version":
		fmt.Fprintln(m.Stdout, "strongroom", m.Version)
	case "help", "-h", "--help":
		m.usage()
	default:
		fmt.Fprintf(m.Stderr, "strongroom: unknown command %q\n\n", cmd)
		m.usage()
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var exit exitError
		if errors.As(err, &exit) {
			return int(exit)
		}
		fmt.Fprintln(m.Stderr, "strongroom:", err)
		return 1
	}
	return 0
}

// exitError ends the command with a status code, its message already shown.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func (m *Main) usage() {
	fmt.Fprint(m.Stderr, `Strongroom: a self-hosted identity server for privileged access.

Usage: strongroom <command> [flags]

Commands:
  serve          run the server (SQLite in --data-dir unless --database is set)
  migrate        apply pending database migrations and exit
  config check   print the effective configuration (secrets redacted) and check it
  audit verify   check the audit log's hash chain and report the first broken event
  tap issue      issue a Temporary Access Pass for a user (to recover a lost bootstrap
                 pass): --user UPN [--lifetime 60m] [--once]; audited, shown once
  policy whatif  Conditional Access What If: which policies apply to a sign-in and why
                 not: --user UPN [--app ID | --user-action A | --context cN] [--ip]
                 [--country] [--platform] [--client-app] [--applied] [--json]
  import         import Conditional Access objects exported from Entra (files or
                 folders of Graph JSON): [--dry-run] [--json] [--map FILE] PATH…
  export         write every Conditional Access object as Graph JSON into DIR
  login          sign in from a terminal through the browser (loopback redirect, PKCE)
                 and keep the tokens for "strongroom api": [--url URL] [--context cN]
  api            call the admin API as the signed-in user: api GET /v1.0/users,
                 api POST /v1.0/… '{"json":…}' (or @file, or - for stdin); steps up
                 by itself when the API asks for an authentication context
  logout         revoke the stored refresh token and forget the tokens
  pim            Privileged Identity Management as the signed-in user: pim roles;
                 pim activate --role "Security Administrator" --duration 1h
                 --justification TEXT [--ticket N]; pim deactivate --role NAME
                 (steps up by itself when the role asks for it)
  app create-demo  register the demo application (examples/demoapp) and print its
                 client id and secret: [--redirect-uri URL] [--out FILE]
  version        print the version

Every command takes --config, --data-dir, --listen, --public-url and --database
(environment STRONGROOM_CONFIG, STRONGROOM_DATA_DIR, …). Run a command with -h
for its flags. Documentation: docs/configuration.md.
`)
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// loadConfig parses the subcommand's flags and the other layers, and
// validates the result.
func (m *Main) loadConfig(name string, args []string, extra func(*flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet("strongroom "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(fs, args, m.Getenv)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cfg, nil
}

func (m *Main) logger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}
