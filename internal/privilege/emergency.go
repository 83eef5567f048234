package privilege

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/authz"
	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// EmergencyAccount is a user who holds Global Administrator directly,
// actively and permanently (entra.md §6): the accounts that keep the
// tenant reachable when PIM, approvals or Conditional Access would lock
// everyone out. The bootstrap administrator is one.
type EmergencyAccount struct {
	User         directory.User
	AssignmentID string
	Since        time.Time
}

// EmergencyAccounts lists the emergency-access accounts.
func (s *Service) EmergencyAccounts(ctx context.Context) ([]EmergencyAccount, error) {
	if err := authz.Require(ctx, authz.RoleManagementReadDirectory); err != nil {
		return nil, err
	}
	return emergencyAccounts(ctx, s.d.Store)
}

func emergencyAccounts(ctx context.Context, r directory.Reader) ([]EmergencyAccount, error) {
	as, err := r.FindRoleAssignments(ctx, directory.RoleAssignmentFilter{RoleDefinitionID: directory.GlobalAdministrator, Kind: directory.Active})
	if err != nil {
		return nil, err
	}
	var out []EmergencyAccount
	for _, a := range as {
		if a.EndDateTime != nil || a.PrincipalType != directory.MemberUser {
			continue
		}
		u, err := r.FindUserByID(ctx, a.PrincipalID)
		if err != nil {
			continue
		}
		since := a.CreatedDateTime
		if a.StartDateTime != nil {
			since = *a.StartDateTime
		}
		out = append(out, EmergencyAccount{User: u, AssignmentID: a.ID, Since: since})
	}
	slices.SortFunc(out, func(a, b EmergencyAccount) int {
		return strings.Compare(a.User.UserPrincipalName, b.User.UserPrincipalName)
	})
	return out, nil
}

// SignIn describes a successful sign-in, for the emergency-access alert.
type SignIn struct {
	Time      time.Time
	IPAddress string
	UserAgent string
	Methods   []string
	AppName   string
}

// OnSignIn runs inside the transaction of every successful sign-in. When
// the user is an emergency-access account, every Global Administrator is
// told (entra.md §6: alert on any sign-in), through the outbox in the
// sign-in's own transaction, so that the alert cannot be lost. The sign-in
// itself is in the sign-in log.
func (s *Service) OnSignIn(ctx context.Context, tx Tx, u directory.User, in SignIn) error {
	accounts, err := emergencyAccounts(ctx, tx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(accounts, func(a EmergencyAccount) bool { return a.User.ID == u.ID }) {
		return nil
	}
	now := tx.Now()
	base := strings.TrimRight(s.d.PublicURL, "/")
	who := u.DisplayName + " (" + u.UserPrincipalName + ")"
	d := mailData{
		Subject:    SubjectPrefix + "Emergency access account " + u.UserPrincipalName + " signed in",
		Heading:    "An emergency access account signed in",
		Intro:      who + " is an emergency access (break-glass) account and just signed in. Every use of such an account should be expected and reviewed; if you did not expect this one, treat it as an incident.",
		Facts:      []fact{{"Account", who}, {"When", when(in.Time)}, {"IP address", in.IPAddress}, {"Browser", in.UserAgent}, {"Methods", strings.Join(in.Methods, ", ")}},
		ActionURL:  base + "/admin/pim/emergency",
		ActionText: "Review emergency access accounts",
	}
	var msgs []notify.Message
	if s.d.Email {
		text, html, err := render(d)
		if err != nil {
			return err
		}
		gas, err := roleHolders(ctx, tx, now, directory.GlobalAdministrator)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, to := range addresses(gas) {
			if seen[lower(to)] {
				continue
			}
			seen[lower(to)] = true
			msgs = append(msgs, notify.Message{ID: s.d.NewID(), Channel: notify.Email, To: to, Subject: d.Subject, Text: text, HTML: html, CreatedAt: now})
		}
	}
	if s.d.Webhook {
		b, _ := json.Marshal(map[string]any{"id": s.d.NewID(), "type": "pim." + string(pim.EventEmergencyAccessUsed), "occurredAt": now,
			"summary": strings.TrimPrefix(d.Subject, SubjectPrefix), "user": map[string]string{"id": u.ID, "userPrincipalName": u.UserPrincipalName, "displayName": u.DisplayName},
			"ipAddress": in.IPAddress, "userAgent": in.UserAgent, "link": d.ActionURL})
		msgs = append(msgs, notify.Message{ID: s.d.NewID(), Channel: notify.Webhook, Subject: d.Subject, Event: b, CreatedAt: now})
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := tx.EnqueueMessages(ctx, msgs); err != nil {
		return err
	}
	tx.AfterCommit(s.d.Wake)
	return nil
}
