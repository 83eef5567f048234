package app

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/strongroom-id/strongroom/internal/capolicy"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/notify/email"
	"github.com/strongroom-id/strongroom/internal/notify/webhook"
	"github.com/strongroom-id/strongroom/internal/privilege"
	"github.com/strongroom-id/strongroom/internal/signin"
	"github.com/strongroom-id/strongroom/internal/store"
)

var _ privilege.Tx = (*store.Tx)(nil)

// PIM is Privileged Identity Management's running parts: the service, the
// outbox worker that delivers its notifications, and its jobs.
type PIM struct {
	Service *privilege.Service
	Outbox  *notify.Worker
	// JobPoll and OutboxPoll are how often the jobs and the outbox look
	// for work when nothing wakes them.
	JobPoll, OutboxPoll time.Duration

	kick chan struct{}
	wg   sync.WaitGroup
}

// buildPIM wires PIM: notification channels from the configuration, the
// Conditional Access engine's answer about authentication contexts, and the
// emergency-access alert on every sign-in.
func buildPIM(s *Server, dir *directory.Service, ca *capolicy.Service, signIn *signin.Service, public *url.URL, now func() time.Time) (*PIM, error) {
	cfg := s.Config
	senders := map[notify.Channel]notify.Sender{}
	if cfg.SMTP.Host != "" {
		es, err := email.New(email.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password.Reveal(),
			From: cfg.SMTP.From, Security: cfg.SMTP.Security, Domain: public.Hostname()})
		if err != nil {
			return nil, err
		}
		senders[notify.Email] = es
	}
	if cfg.Notify.WebhookURL != "" {
		senders[notify.Webhook] = &webhook.Sender{URL: cfg.Notify.WebhookURL, Secret: []byte(cfg.Notify.WebhookSecret.Reveal()), Now: now}
	}
	p := &PIM{kick: make(chan struct{}, 1), JobPoll: time.Second, OutboxPoll: 2 * time.Second}
	p.Outbox = &notify.Worker{Queue: s.DB, Senders: senders, Now: now, Log: s.Log}
	_, hasEmail := senders[notify.Email]
	_, hasHook := senders[notify.Webhook]
	var contexts privilege.ContextPolicies = privilege.NoContextPolicies{}
	if ca != nil {
		contexts = caContexts{ca}
	}
	p.Service = privilege.New(privilege.Deps{Store: store.Bind[privilege.Tx](s.DB), Directory: dir, Contexts: contexts, Now: now,
		PublicURL: cfg.PublicURL, Email: hasEmail, Webhook: hasHook, Wake: p.Outbox.Wake})
	if signIn != nil {
		signIn.SetOnSignedIn(func(ctx context.Context, tx signin.Tx, u directory.User, r signin.Record) error {
			return p.Service.OnSignIn(ctx, tx.(*store.Tx), u, privilege.SignIn{Time: r.CreatedDateTime, IPAddress: r.IPAddress,
				UserAgent: r.UserAgent, Methods: r.AuthenticationMethodsUsed, AppName: r.AppDisplayName})
		})
	}
	return p, nil
}

// start runs the outbox worker and the expiry and timeout jobs until ctx
// ends; Wait waits for them to stop.
func (p *PIM) start(ctx context.Context, s *Server) {
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		p.Outbox.Run(ctx, p.OutboxPoll)
	}()
	go func() {
		defer p.wg.Done()
		p.Service.RunJobs(ctx, p.JobPoll, s.DB, s.Log, p.kick)
	}()
}

// Wait waits for the background work to stop.
func (p *PIM) Wait() { p.wg.Wait() }

// Kick asks the jobs to run now.
func (p *PIM) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// caContexts answers from the Conditional Access configuration whether an
// enabled policy targets an authentication context (report-only and
// disabled policies do not count, so activation falls back to MFA).
type caContexts struct{ ca *capolicy.Service }

func (c caContexts) TargetsContext(ctx context.Context, id string) (bool, error) {
	return c.ca.ContextTargeted(ctx, id)
}
