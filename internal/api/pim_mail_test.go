package api_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// smtpEnv points a server's email at the test SMTP server (Mailpit).
func smtpEnv(t *testing.T, addr, tag string) map[string]string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"STRONGROOM_SMTP_HOST": host, "STRONGROOM_SMTP_PORT": port, "STRONGROOM_SMTP_SECURITY": "none",
		"STRONGROOM_SMTP_FROM": "Strongroom PIM <pim-" + tag + "@contoso.com>"}
}

// mailbox reads what arrived for one test's addresses.
type mailbox struct {
	testenv.Mailpit
	tag string
}

func (m mailbox) mine(ms []testenv.MailSummary) []testenv.MailSummary {
	var out []testenv.MailSummary
	for _, s := range ms {
		for _, to := range s.To {
			if strings.Contains(to.Address, m.tag) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// expect is one message we want: to whom, and words its subject holds.
type expect struct {
	to      string
	subject []string
}

func (x expect) matches(s testenv.MailSummary) bool {
	if !s.SentTo(x.to) {
		return false
	}
	for _, w := range x.subject {
		if !strings.Contains(s.Subject, w) {
			return false
		}
	}
	return true
}

// waitFor waits until each expected message is there, then checks that
// each came exactly once, and returns the test's messages.
func (m mailbox) waitFor(t *testing.T, want ...expect) []testenv.MailSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, err := m.WaitFor(ctx, func(all []testenv.MailSummary) bool {
		mine := m.mine(all)
		for _, w := range want {
			found := false
			for _, s := range mine {
				found = found || w.matches(s)
			}
			if !found {
				return false
			}
		}
		return true
	})
	mine := m.mine(msgs)
	if err != nil {
		var got []string
		for _, s := range mine {
			got = append(got, s.To[0].Address+": "+s.Subject)
		}
		t.Fatalf("waiting for mail: %v; got:\n%s", err, strings.Join(got, "\n"))
	}
	for _, w := range want {
		n := 0
		for _, s := range mine {
			if w.matches(s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d messages to %s about %q, want exactly 1", n, w.to, w.subject)
		}
	}
	return mine
}

// TestPIMEmail: the eligible user, the approver and the administrators get
// the right messages, once each, with a text and an HTML part, a link to
// act and a Message-ID from the outbox.
func TestPIMEmail(t *testing.T) {
	t.Parallel()
	smtpAddr, api := testenv.SMTP(t)
	apptest.Dialects(t, func(t *testing.T, database string) {
		tag := randomTag()
		e := startPIMTagged(t, database, tag, smtpEnv(t, smtpAddr, tag))
		box := mailbox{testenv.Mailpit{API: api}, tag}
		adminAddr := "admin-" + tag + "@contoso.com"
		ada, bob := e.user(t, "Ada"), e.user(t, "Bob")
		adaAddr, bobAddr := "ada-"+tag+"@contoso.com", "bob-"+tag+"@contoso.com"

		e.eligible(t, ada, securityAdministrator)
		box.waitFor(t,
			expect{adaAddr, []string{"PIM: ", "eligible assignment", "Security Administrator"}},
			expect{adminAddr, []string{"PIM: ", "eligible assignment", "Security Administrator"}},
		)

		e.requireApproval(t, securityAdministrator, bob)
		adaTok, bobTok := mfa(e, t, ada), mfa(e, t, bob)
		r := e.Do(t, "POST", assignmentRequests, adaTok, activation(ada, securityAdministrator, "PT2H", "Incident 4711"))
		wantStatus(t, r, http.StatusCreated)
		id := decode(t, r)["id"].(string)
		msgs := box.waitFor(t,
			expect{bobAddr, []string{"PIM: Approve or deny", "Security Administrator"}},
			expect{adaAddr, []string{"waits for approval"}},
		)
		// The approver's message: who, which role, when, why, a link.
		for _, s := range msgs {
			if !s.SentTo(bobAddr) {
				continue
			}
			m, err := box.Message(context.Background(), s.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{m.Text, m.HTML} {
				for _, want := range []string{"Ada", "Security Administrator", "Incident 4711", e.URL + "/approvals#" + id, "PT2H"} {
					if !strings.Contains(part, want) {
						t.Errorf("approval message lacks %q:\n%s", want, part)
					}
				}
			}
			if !strings.HasPrefix(m.HTML, "<!doctype html>") || strings.Contains(m.Text, "<") {
				t.Errorf("parts mixed up: text %q", m.Text)
			}
			if m.From.Address != "pim-"+tag+"@contoso.com" || m.From.Name != "Strongroom PIM" {
				t.Errorf("From %+v", m.From)
			}
			if !strings.HasSuffix(m.MessageID, "@localhost") {
				t.Errorf("Message-ID %q", m.MessageID)
			}
		}

		step := e.stepOf(t, bobTok, id)
		wantStatus(t, e.Do(t, "PATCH", approvals+"/"+id+"/steps/"+step, bobTok, map[string]any{"reviewResult": "Approve", "justification": "ok"}), http.StatusNoContent)
		msgs = box.waitFor(t,
			expect{adaAddr, []string{"was approved"}},
			expect{adminAddr, []string{"activated the Security Administrator role"}},
		)
		for _, s := range msgs {
			if s.SentTo(bobAddr) && strings.Contains(s.Subject, "decided") {
				t.Errorf("the approver who decided was told another decided: %s", s.Subject)
			}
		}
		// Nothing is left in the outbox, nothing failed.
		st, err := e.Server.DB.FindOutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending != 0 || st.Failed != 0 || st.Delivered < 6 {
			t.Errorf("outbox %+v", st)
		}

		// Notification settings: "critical only" for the requestor's
		// activation messages leaves out the non-critical ones, and extra
		// recipients are added.
		socAddr := "soc-" + tag + "@contoso.com"
		wantStatus(t, e.patchRule(t, securityAdministrator, "Notification_Requestor_EndUser_Assignment", map[string]any{"notificationLevel": "Critical"}), http.StatusOK)
		wantStatus(t, e.patchRule(t, securityAdministrator, "Notification_Approver_EndUser_Assignment", map[string]any{"notificationRecipients": []string{socAddr}}), http.StatusOK)
		cy := e.user(t, "Cy")
		cyAddr := "cy-" + tag + "@contoso.com"
		e.eligible(t, cy, securityAdministrator)
		r = e.Do(t, "POST", assignmentRequests, mfa(e, t, cy), activation(cy, securityAdministrator, "PT1H", "x"))
		wantStatus(t, r, http.StatusCreated)
		msgs = box.waitFor(t, expect{socAddr, []string{"Approve or deny", "Cy"}}, expect{bobAddr, []string{"Approve or deny", "Cy"}}, expect{cyAddr, []string{"eligible assignment"}})
		for _, s := range msgs {
			if s.SentTo(cyAddr) && strings.Contains(s.Subject, "waits for approval") {
				t.Errorf("critical only, yet the requestor got %q", s.Subject)
			}
		}
	})
}

// TestPIMEmailSurvivesRestart: messages committed while the mail server
// refuses connections stay in the outbox; another server on the same
// database delivers each exactly once.
func TestPIMEmailSurvivesRestart(t *testing.T) {
	t.Parallel()
	smtpAddr, api := testenv.SMTP(t)
	apptest.Dialects(t, func(t *testing.T, database string) {
		tag := randomTag()
		// A port where nothing listens: every delivery fails.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := ln.Addr().String()
		ln.Close()
		e := startPIMTagged(t, database, tag, smtpEnv(t, dead, tag))
		ada := e.user(t, "Ada")
		e.eligible(t, ada, securityAdministrator)
		// Let the first server try (and fail) at least once.
		ctx := context.Background()
		if _, err := e.Server.PIM.Outbox.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := e.Server.DB.FindOutboxStats(ctx)
		if err != nil || st.Pending != 2 || st.Delivered != 0 {
			t.Fatalf("outbox after failed delivery: %+v %v", st, err)
		}
		// "Kill" it: the second server takes over the same database.
		host, port, _ := net.SplitHostPort(smtpAddr)
		second := apptest.Start(t, apptest.Options{Database: database, DatabaseURL: e.DatabaseURL, DataDir: e.DataDir, Clock: e.clock,
			Env: map[string]string{"STRONGROOM_SMTP_HOST": host, "STRONGROOM_SMTP_PORT": port, "STRONGROOM_SMTP_SECURITY": "none",
				"STRONGROOM_SMTP_FROM": "Strongroom PIM <pim-" + tag + "@contoso.com>"}})
		// Stop the first server's workers: without its database it can
		// neither claim nor deliver.
		_ = e.Server.DB.Close()
		e.clock.Advance(time.Minute) // past the retry backoff
		second.Server.PIM.Outbox.Wake()
		box := mailbox{testenv.Mailpit{API: api}, tag}
		box.waitFor(t,
			expect{"ada-" + tag + "@contoso.com", []string{"eligible assignment"}},
			expect{"admin-" + tag + "@contoso.com", []string{"eligible assignment"}},
		)
		// More rounds deliver nothing again.
		if n, err := second.Server.PIM.Outbox.RunOnce(ctx); err != nil || n != 0 {
			t.Errorf("another round delivered %d (%v)", n, err)
		}
		time.Sleep(500 * time.Millisecond)
		box.waitFor(t,
			expect{"ada-" + tag + "@contoso.com", []string{"eligible assignment"}},
			expect{"admin-" + tag + "@contoso.com", []string{"eligible assignment"}},
		)
	})
}

// TestPIMEmergencySignInAlert: every sign-in of an emergency-access account
// (the bootstrap administrator holds Global Administrator permanently)
// emails the Global Administrators; an ordinary user's sign-in does not.
func TestPIMEmergencySignInAlert(t *testing.T) {
	t.Parallel()
	smtpAddr, api := testenv.SMTP(t)
	tag := randomTag()
	e := startPIMTagged(t, "sqlite", tag, smtpEnv(t, smtpAddr, tag))
	box := mailbox{testenv.Mailpit{API: api}, tag}
	signIn := func(upn, pass string) {
		t.Helper()
		r := e.Do(t, "POST", "/api/v1/signin/tap", "", map[string]string{"userPrincipalName": upn, "temporaryAccessPass": pass})
		wantStatus(t, r, http.StatusOK)
	}
	// A second Global Administrator who is not an emergency account
	// (time-bound), to receive the alert too.
	ga := e.user(t, "Grace")
	r := e.do(t, "POST", assignmentRequests, map[string]any{"action": "adminAssign", "principalId": ga, "roleDefinitionId": globalAdministrator,
		"directoryScopeId": "/", "justification": "second admin", "scheduleInfo": map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": "P30D"}}})
	wantStatus(t, r, http.StatusCreated)
	// An ordinary user signs in first: no alert.
	ada := e.user(t, "Ada")
	tp := e.do(t, "POST", "/v1.0/users/"+ada+"/authentication/temporaryAccessPassMethods", map[string]any{})
	wantStatus(t, tp, http.StatusCreated)
	signIn("ada-"+tag+"@contoso.com", decode(t, tp)["temporaryAccessPass"].(string))
	signIn(e.Bootstrap.AdminUserPrincipalName, e.Bootstrap.AdminTemporaryAccessPass)
	msgs := box.waitFor(t,
		expect{"admin-" + tag + "@contoso.com", []string{"PIM: Emergency access account", e.Bootstrap.AdminUserPrincipalName, "signed in"}},
		expect{"grace-" + tag + "@contoso.com", []string{"PIM: Emergency access account", e.Bootstrap.AdminUserPrincipalName, "signed in"}},
	)
	for _, m := range msgs {
		if strings.Contains(m.Subject, "ada-"+tag) {
			t.Errorf("an ordinary sign-in raised %q", m.Subject)
		}
	}
}
