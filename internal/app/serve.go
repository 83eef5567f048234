package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/strongroom-id/strongroom/internal/api"
	"github.com/strongroom-id/strongroom/internal/bearer"
	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/caport"
	"github.com/strongroom-id/strongroom/internal/config"
	"github.com/strongroom-id/strongroom/internal/credential"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/grant"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/method"
	"github.com/strongroom-id/strongroom/internal/password"
	"github.com/strongroom-id/strongroom/internal/provider"
	"github.com/strongroom-id/strongroom/internal/secret"
	"github.com/strongroom-id/strongroom/internal/session"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/signing"
	"github.com/strongroom-id/strongroom/internal/store"
	"github.com/strongroom-id/strongroom/internal/tap"
	"github.com/strongroom-id/strongroom/internal/tenant"
	"github.com/strongroom-id/strongroom/internal/totp"
	"github.com/strongroom-id/strongroom/internal/web"
)

// Server is a running Strongroom server.
type Server struct {
	Config    config.Config
	DB        *store.DB
	Keyring   *secret.Keyring
	Keys      *signing.Manager
	Provider  *provider.Provider
	Grants    *grant.Service
	SignIn    *signin.Service
	CA        *capolicy.Service // Conditional Access
	PIM       *PIM              // Privileged Identity Management
	Handler   http.Handler
	Log       *slog.Logger
	Bootstrap *tenant.Result // set when this start bootstrapped the tenant
	Addr      string
}

// BootstrapFile is the name of the file in the data directory that holds
// what bootstrap made.
const BootstrapFile = "bootstrap.json"

func (m *Main) serve(ctx context.Context, args []string) error {
	cfg, err := m.loadConfig("serve", args, nil)
	if err != nil {
		return err
	}
	log := m.logger(cfg)
	// Libraries that log through the default logger (the OpenID provider
	// library does) follow the configured level and format.
	slog.SetDefault(log)
	s, err := m.newServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.DB.Close()

	ln := m.Listener
	if ln == nil {
		ln, err = net.Listen("tcp", cfg.Listen)
		if err != nil {
			return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
		}
	}
	s.Addr = ln.Addr().String()
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if cfg.TLS.Enabled() {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go s.maintainKeys(bg)
	go s.maintainGrants(bg, s.Grants)
	s.PIM.start(bg, s)
	defer func() { stopBG(); s.PIM.Wait() }()

	errc := make(chan error, 1)
	go func() {
		var err error
		if cfg.TLS.Enabled() {
			err = srv.ServeTLS(ln, cfg.TLS.CertFile, cfg.TLS.KeyFile)
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	log.Info("strongroom is serving", "addr", s.Addr, "public_url", cfg.PublicURL, "database", s.DB.Dialect(), "version", m.Version)
	if m.Started != nil {
		m.Started(s)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", time.Duration(cfg.ShutdownTimeout).String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(cfg.ShutdownTimeout))
	defer cancel()
	stopBG()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return <-errc
}

// newServer opens the database, migrates it, bootstraps an empty tenant and
// builds the HTTP handler.
func (m *Main) newServer(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	db, err := m.openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{Config: cfg, DB: db, Log: log}
	if err := m.build(ctx, s); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (m *Main) build(ctx context.Context, s *Server) error {
	cfg, db, log := s.Config, s.DB, s.Log
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, mg := range applied {
		log.Info("applied migration", "version", mg.Version, "name", mg.Name)
	}
	kr, err := m.keyring(cfg)
	if err != nil {
		return err
	}
	s.Keyring = kr
	if err := checkKey(ctx, db, kr); err != nil {
		return err
	}
	if err := m.bootstrap(ctx, s); err != nil {
		return err
	}

	now := m.Clock.Now
	s.Keys = signing.NewManager(store.Bind[signing.Tx](db), kr, signing.DefaultPolicy, now)
	if err := s.Keys.Rotate(ctx); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	prov, grants, err := m.newProvider(ctx, s, kr, now)
	if err != nil {
		return err
	}
	s.Provider, s.Grants = prov, grants
	public, err := url.Parse(cfg.PublicURL)
	if err != nil {
		return err
	}
	dir := directory.NewService(store.Bind[directory.Tx](db))
	// Authentication methods: the policy, passes, authenticator apps, and
	// the admin's view of a user's methods.
	methods := method.NewService(store.Bind[method.Tx](db))
	taps := tap.NewService(store.Bind[tap.Tx](db), dir, kr, now)
	totps := totp.NewService(store.Bind[totp.Tx](db), dir, kr, "Strongroom", now)
	creds := credential.NewService(db, dir, taps, totps)
	keys, err := passkeys(cfg, db, kr, dir, now, log)
	if err != nil {
		return err
	}
	// Conditional Access: strengths, contexts, locations, policies, and
	// the engine every sign-in and step-up asks.
	ca, reqs, err := conditionalAccess(ctx, cfg, db, now)
	if err != nil {
		return err
	}
	s.CA = ca
	// Clients may ask only for contexts published to apps.
	prov.SetContexts(provider.ContextsFunc(ca.ContextPublished))
	a := api.New(api.Deps{
		PublicURL: public,
		Directory: dir,
		Reader:    db,
		Verifier:  &bearer.Verifier{Issuer: cfg.PublicURL, Audience: provider.APIAudience, Keys: prov, Now: now, Revocations: prov},
		Now:       now,
		Log:       log,

		Methods: methods, TAPs: taps, TOTP: totps, Credentials: creds, Passkeys: keys,
		Applications: applications(db, kr),
		CA:           ca, SignIns: db,
		CAImport: caport.NewService(store.Bind[caport.Tx](db), ca),
	})
	sessions := session.NewManager(db, kr, now)
	signIn := signin.NewService(store.Bind[signin.Tx](db), sessions, kr, reqs, now)
	s.SignIn = signIn
	if s.PIM, err = buildPIM(s, dir, ca, signIn, public, now); err != nil {
		return err
	}
	a.PIM = s.PIM.Service
	passwords := signin.NewPasswords(signIn, store.Bind[signin.PasswordTx](db), password.New(password.Default), cfg.Passwords.Enabled)
	codes := signin.NewTOTP(signIn, store.Bind[signin.TOTPTx](db), kr)
	keySignIn := signin.NewPasskeys(signIn, store.Bind[signin.PasskeyTx](db), keys)
	w := web.New(web.Deps{PublicURL: public, SignIn: signIn, Sessions: sessions, Directory: dir, DB: db, Log: log, Now: now,
		TAPs: taps, Methods: methods, Passwords: passwords, TOTPSignIn: codes, TOTP: totps, Passkeys: keySignIn,
		CA: ca, PIM: s.PIM.Service, Sealer: kr})
	prov.SetBrowserSession(w.SessionOf)
	proxies, err := httpx.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	s.Handler = m.routes(s, a, w, proxies)
	return nil
}

// bootstrap creates the tenant on first start, writes the bootstrap file
// (mode 0600) before the transaction commits, and prints the result once.
func (m *Main) bootstrap(ctx context.Context, s *Server) error {
	path := filepath.Join(s.Config.DataDir, BootstrapFile)
	res, created, err := tenant.Bootstrap(ctx, store.Bind[tenant.Tx](s.DB), s.Keyring, tenant.Options{AdminUPN: s.Config.Bootstrap.AdminUserPrincipalName}, func(r tenant.Result) error {
		return writeBootstrapFile(path, r)
	})
	if err != nil {
		if created {
			_ = os.Remove(path)
		}
		return fmt.Errorf("bootstrap: %w", err)
	}
	if !created {
		return nil
	}
	s.Bootstrap = &res
	fmt.Fprintf(m.Stdout, `
================================================================================
 Strongroom is set up. This is shown once; it is also in %s (mode 0600).

 First administrator (emergency access, Global Administrator):
   user principal name:       %s
   one-time Temporary Access Pass: %s   (valid until %s)
   Sign in at %s/signin with this pass and register a security key.

 Automation client (client credentials, every application permission):
   client id:     %s
   client secret: %s
================================================================================

`, path, res.AdminUserPrincipalName, res.AdminTemporaryAccessPass, res.AdminPassExpires.Format(time.RFC3339), s.Config.PublicURL, res.ClientID, res.ClientSecret)
	return nil
}

func writeBootstrapFile(path string, r tenant.Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// maintainKeys rotates signing keys hourly and reloads them every minute,
// so that every node picks up another node's rotation.
func (s *Server) maintainKeys(ctx context.Context) {
	reload := time.NewTicker(time.Minute)
	rotate := time.NewTicker(time.Hour)
	defer reload.Stop()
	defer rotate.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload.C:
			if err := s.Keys.Reload(ctx); err != nil {
				s.Log.Warn("reloading signing keys", "err", err)
			}
		case <-rotate.C:
			if err := s.Keys.Rotate(ctx); err != nil {
				s.Log.Warn("rotating signing keys", "err", err)
			}
		}
	}
}
