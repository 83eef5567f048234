package privilege

import (
	"bytes"
	"context"
	"encoding/json"
	htmltemplate "html/template"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/notify"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// SubjectPrefix starts every PIM email's subject, as in Entra.
const SubjectPrefix = "PIM: "

// mailData is what one email says: a heading, a sentence, the facts (who,
// which role, when, why) and a link to act.
type mailData struct {
	Subject    string
	Heading    string
	Intro      string
	Facts      []fact
	ActionURL  string
	ActionText string
}

type fact struct{ Label, Value string }

var textMail = texttemplate.Must(texttemplate.New("text").Parse(`{{.Heading}}

{{.Intro}}
{{range .Facts}}
{{.Label}}: {{.Value}}{{end}}
{{if .ActionURL}}
{{.ActionText}}: {{.ActionURL}}
{{end}}
--
Strongroom Privileged Identity Management. You receive this because of your
role or the role settings; an administrator can change who is told.
`))

var htmlMail = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1b1f24">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px">
<tr><td style="padding:24px 24px 8px"><h1 style="margin:0;font-size:20px">{{.Heading}}</h1></td></tr>
<tr><td style="padding:8px 24px 16px;font-size:15px;line-height:1.5">{{.Intro}}</td></tr>
<tr><td style="padding:0 24px 16px"><table role="presentation" width="100%" cellpadding="6" cellspacing="0" style="font-size:14px;border-collapse:collapse">
{{range .Facts}}<tr><th align="left" style="width:35%;color:#57606a;font-weight:600;border-top:1px solid #eaeef2;vertical-align:top">{{.Label}}</th><td style="border-top:1px solid #eaeef2">{{.Value}}</td></tr>
{{end}}</table></td></tr>
{{if .ActionURL}}<tr><td style="padding:8px 24px 24px"><a href="{{.ActionURL}}" style="display:inline-block;background:#0b5cad;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600">{{.ActionText}}</a></td></tr>{{end}}
<tr><td style="padding:12px 24px 24px;font-size:12px;color:#57606a">Strongroom Privileged Identity Management. You receive this because of your role or the role settings; an administrator can change who is told.</td></tr>
</table></td></tr></table></body></html>
`))

func render(d mailData) (text, html string, err error) {
	var t, h bytes.Buffer
	if err := textMail.Execute(&t, d); err != nil {
		return "", "", err
	}
	if err := htmlMail.Execute(&h, d); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// person names a user or group for a message: "Ada Lovelace (ada@contoso.com)".
func person(ctx context.Context, r directory.Reader, id string) string {
	if id == "" {
		return "Strongroom"
	}
	if u, err := r.FindUserByID(ctx, id); err == nil {
		return u.DisplayName + " (" + u.UserPrincipalName + ")"
	}
	if g, err := r.FindGroupByID(ctx, id); err == nil {
		return g.DisplayName + " (group)"
	}
	return id
}

func when(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC") }

// compose writes the email for one event about request r (sch is the
// schedule it made or acted on, if any).
func (s *Service) compose(ctx context.Context, rd directory.Reader, ev pim.Event, r pim.Request, sch *pim.Schedule) mailData {
	role := roleName(r.RoleDefinitionID)
	principal := person(ctx, rd, r.PrincipalID)
	base := strings.TrimRight(s.d.PublicURL, "/")
	d := mailData{ActionURL: base + "/myroles", ActionText: "Open My roles"}
	d.Facts = append(d.Facts, fact{"Role", role}, fact{"Who", principal})
	if sch != nil {
		d.Facts = append(d.Facts, fact{"Starts", when(sch.Start)})
		if sch.End != nil {
			d.Facts = append(d.Facts, fact{"Ends", when(*sch.End)})
		} else {
			d.Facts = append(d.Facts, fact{"Ends", "Never (permanent)"})
		}
	} else if e := r.ScheduleInfo.Expiration; e.Type == pim.AfterDuration {
		d.Facts = append(d.Facts, fact{"Duration asked for", strings.TrimSpace(pim.FormatDuration(e.Duration))})
	}
	if r.Justification != "" {
		d.Facts = append(d.Facts, fact{"Reason", r.Justification})
	}
	if r.Ticket.Number != "" {
		t := r.Ticket.Number
		if r.Ticket.System != "" {
			t += " (" + r.Ticket.System + ")"
		}
		d.Facts = append(d.Facts, fact{"Ticket", t})
	}
	if r.CreatedBy != "" && r.CreatedBy != r.PrincipalID && !r.CreatedByApp {
		d.Facts = append(d.Facts, fact{"Requested by", person(ctx, rd, r.CreatedBy)})
	}
	if a := r.Approval; a != nil && a.ReviewedBy != "" {
		d.Facts = append(d.Facts, fact{"Decided by", person(ctx, rd, a.ReviewedBy)})
		if a.Justification != "" {
			d.Facts = append(d.Facts, fact{"Their reason", a.Justification})
		}
	}
	d.Facts = append(d.Facts, fact{"Request", r.ID})
	noun := "active assignment"
	if r.Level == pim.Eligibility {
		noun = "eligible assignment"
	}
	admin := base + "/admin/pim/roles/" + r.RoleDefinitionID
	switch ev {
	case pim.EventActivated:
		d.Subject = principal + " activated the " + role + " role"
		d.Heading = role + " was activated"
		d.Intro = principal + " activated " + role + "."
		d.ActionURL, d.ActionText = admin, "Review role settings and assignments"
	case pim.EventApprovalRequested:
		d.Subject = "Approve or deny: " + principal + " asks to activate " + role
		d.Heading = "A request waits for your approval"
		d.Intro = principal + " asks to activate " + role + ". You are an approver; the first approver's decision counts, and the request expires after 24 hours."
		d.ActionURL, d.ActionText = base+"/approvals#"+r.ID, "Approve or deny"
	case pim.EventActivationPending:
		d.Subject = "Your request to activate " + role + " waits for approval"
		d.Heading = "Your request waits for approval"
		d.Intro = "Your request to activate " + role + " was sent to its approvers. You will be told when one of them decides."
	case pim.EventApproved:
		d.Subject = "Your request to activate " + role + " was approved"
		d.Heading = "Request approved: " + role + " is active"
		d.Intro = "Your request to activate " + role + " was approved. The role is active now, for the duration you asked for."
	case pim.EventDenied:
		d.Subject = "Your request to activate " + role + " was denied"
		d.Heading = "Request denied"
		d.Intro = "Your request to activate " + role + " was denied."
	case pim.EventDecided:
		d.Subject = "Request decided: " + principal + " for " + role
		d.Heading = "Another approver decided this request"
		d.Intro = "The request of " + principal + " to activate " + role + " was decided; nothing more is needed from you."
		d.ActionURL, d.ActionText = base+"/approvals", "Open Approvals"
	case pim.EventRequestExpired:
		d.Subject = "Your request to activate " + role + " expired"
		d.Heading = "Request expired"
		d.Intro = "Nobody decided your request to activate " + role + " within 24 hours. Ask again if you still need the role."
	case pim.EventActivationExpired:
		d.Subject = "Your " + role + " activation has ended"
		d.Heading = role + " is no longer active"
		d.Intro = "Your activation of " + role + " reached its end. Activate it again if you need it."
	case pim.EventFailed:
		d.Subject = "Your request for " + role + " could not be completed"
		d.Heading = "Request approved but not completed"
		d.Intro = "Your request for " + role + " was approved, but it could no longer be carried out (the eligibility or the time window has gone). Ask again."
	case pim.EventAssigned:
		d.Subject = principal + " was given an " + noun + " of " + role
		d.Heading = "New " + noun + ": " + role
		d.Intro = principal + " now has an " + noun + " of " + role + "."
		if r.Level == pim.Eligibility {
			d.Intro += " Activate it from My roles when it is needed."
		}
	case pim.EventUpdated, pim.EventExtended, pim.EventRenewed:
		d.Subject = "The " + noun + " of " + role + " for " + principal + " was " + map[pim.Event]string{pim.EventUpdated: "changed", pim.EventExtended: "extended", pim.EventRenewed: "renewed"}[ev]
		d.Heading = strings.ToUpper(noun[:1]) + noun[1:] + " " + map[pim.Event]string{pim.EventUpdated: "changed", pim.EventExtended: "extended", pim.EventRenewed: "renewed"}[ev]
		d.Intro = "An administrator changed when the " + noun + " of " + role + " for " + principal + " is in force."
	case pim.EventRemoved:
		d.Subject = principal + " no longer has an " + noun + " of " + role
		d.Heading = strings.ToUpper(noun[:1]) + noun[1:] + " removed"
		d.Intro = "An administrator removed the " + noun + " of " + role + " for " + principal + "."
	case pim.EventExpired:
		d.Subject = "The " + noun + " of " + role + " for " + principal + " has ended"
		d.Heading = strings.ToUpper(noun[:1]) + noun[1:] + " ended"
		d.Intro = "The " + noun + " of " + role + " for " + principal + " reached its end date. You can ask to renew it within 90 days."
	case pim.EventExtensionRequested, pim.EventRenewalRequested:
		verb := "extend"
		if ev == pim.EventRenewalRequested {
			verb = "renew"
		}
		d.Subject = "Approve or deny: " + principal + " asks to " + verb + " " + role
		d.Heading = "A request to " + verb + " an assignment waits for you"
		d.Intro = principal + " asks to " + verb + " their " + noun + " of " + role + ". As an administrator you can approve or deny it."
		d.ActionURL, d.ActionText = base+"/approvals#"+r.ID, "Approve or deny"
	case pim.EventExtensionApproved:
		d.Subject = "Your request for " + role + " was approved"
		d.Heading = "Request approved"
		d.Intro = "An administrator approved your request to extend or renew your " + noun + " of " + role + "."
	case pim.EventExtensionDenied:
		d.Subject = "Your request for " + role + " was denied"
		d.Heading = "Request denied"
		d.Intro = "An administrator denied your request to extend or renew your " + noun + " of " + role + "."
	default:
		d.Subject = role + ": " + string(ev)
		d.Heading = d.Subject
	}
	d.Subject = SubjectPrefix + d.Subject
	return d
}

// address is where a user's email goes: mail, else a UPN that is an
// address; "" for disabled users.
func address(u directory.User) string {
	if !u.AccountEnabled {
		return ""
	}
	if u.Mail != "" {
		return u.Mail
	}
	if strings.Contains(u.UserPrincipalName, "@") {
		return u.UserPrincipalName
	}
	return ""
}

// usersOf expands a principal (a user, or a group's members, nested groups
// included) into users.
func usersOf(ctx context.Context, r directory.Reader, id string, seen map[string]bool) ([]directory.User, error) {
	if seen[id] {
		return nil, nil
	}
	seen[id] = true
	if u, err := r.FindUserByID(ctx, id); err == nil {
		return []directory.User{u}, nil
	}
	var out []directory.User
	after := ""
	for {
		ms, err := r.FindGroupMembers(ctx, id, after, 500)
		if err != nil {
			return out, nil // not a group either
		}
		for _, m := range ms {
			us, err := usersOf(ctx, r, m.ID, seen)
			if err != nil {
				return nil, err
			}
			out = append(out, us...)
		}
		if len(ms) < 500 {
			return out, nil
		}
		after = ms[len(ms)-1].ID
	}
}

// roleHolders returns the users who hold any of roles actively now,
// directly or through a group.
func roleHolders(ctx context.Context, r directory.Reader, now time.Time, roles ...string) ([]directory.User, error) {
	seen := map[string]bool{}
	var out []directory.User
	for _, role := range roles {
		as, err := r.FindRoleAssignments(ctx, directory.RoleAssignmentFilter{RoleDefinitionID: role, Kind: directory.Active, InForceAt: &now})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			us, err := usersOf(ctx, r, a.PrincipalID, seen)
			if err != nil {
				return nil, err
			}
			out = append(out, us...)
		}
	}
	return out, nil
}

func addresses(us []directory.User, except ...string) []string {
	var out []string
	for _, u := range us {
		if slices.Contains(except, u.ID) {
			continue
		}
		if a := address(u); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// defaultRecipients are the rule's default recipients for a notice about r.
func (s *Service) defaultRecipients(ctx context.Context, tx Tx, rule pim.RuleID, ev pim.Event, r pim.Request) ([]string, error) {
	now := tx.Now()
	n := pim.Defaults()
	nr, _ := n.Rule(rule)
	switch nr.Notification.RecipientType {
	case pim.RecipientRequestor:
		us, err := usersOf(ctx, tx, r.PrincipalID, map[string]bool{})
		if err != nil {
			return nil, err
		}
		return addresses(us), nil
	case pim.RecipientApprover:
		except := []string{r.PrincipalID, r.CreatedBy}
		if ev == pim.EventDecided && r.Approval != nil {
			except = append(except, r.Approval.ReviewedBy)
		}
		if rule == pim.RuleNotificationApproverEndUserAssignment && r.Approval != nil && len(r.Approval.Approvers) > 0 {
			seen := map[string]bool{}
			var us []directory.User
			for _, a := range r.Approval.Approvers {
				got, err := usersOf(ctx, tx, a.ID, seen)
				if err != nil {
					return nil, err
				}
				us = append(us, got...)
			}
			return addresses(us, except...), nil
		}
		us, err := roleHolders(ctx, tx, now, directory.PrivilegedRoleAdministrator, directory.GlobalAdministrator)
		if err != nil {
			return nil, err
		}
		return addresses(us, except...), nil
	default: // Admin
		us, err := roleHolders(ctx, tx, now, directory.PrivilegedRoleAdministrator, directory.GlobalAdministrator)
		if err != nil {
			return nil, err
		}
		return addresses(us), nil
	}
}

// webhookEvent is the JSON body of a webhook notification.
type webhookEvent struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurredAt"`
	Summary    string    `json:"summary"`
	Role       struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"role"`
	Principal struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"principal"`
	Request struct {
		ID            string `json:"id"`
		Action        string `json:"action"`
		Status        string `json:"status"`
		Justification string `json:"justification,omitempty"`
		TicketNumber  string `json:"ticketNumber,omitempty"`
	} `json:"request"`
	StartDateTime *time.Time `json:"startDateTime,omitempty"`
	EndDateTime   *time.Time `json:"endDateTime,omitempty"`
	Link          string     `json:"link"`
}

// notify writes the outcome's notices to the outbox: one email per
// recipient per notice (the nine rules decide who), and one webhook
// message per event when a webhook is configured.
func (s *Service) notify(ctx context.Context, tx Tx, settings pim.Settings, r pim.Request, sch *pim.Schedule, notices []pim.Notice) error {
	var msgs []notify.Message
	now := tx.Now()
	sent := map[string]bool{}
	hooked := map[pim.Event]bool{}
	for _, n := range notices {
		d := s.compose(ctx, tx, n.Event, r, sch)
		if s.d.Email {
			defaults, err := s.defaultRecipients(ctx, tx, n.Rule, n.Event, r)
			if err != nil {
				return err
			}
			text, html, err := render(d)
			if err != nil {
				return err
			}
			for _, to := range settings.Notification(n.Rule).Recipients(defaults, n.Critical) {
				key := lower(to) + "|" + string(n.Event)
				if sent[key] {
					continue // one message per person per event, whichever rules name them
				}
				sent[key] = true
				msgs = append(msgs, notify.Message{ID: s.d.NewID(), Channel: notify.Email, To: to, Subject: d.Subject, Text: text, HTML: html, CreatedAt: now})
			}
		}
		if s.d.Webhook && !hooked[n.Event] {
			hooked[n.Event] = true
			var ev webhookEvent
			ev.ID, ev.Type, ev.OccurredAt, ev.Summary, ev.Link = s.d.NewID(), "pim."+string(n.Event), now, strings.TrimPrefix(d.Subject, SubjectPrefix), d.ActionURL
			ev.Role.ID, ev.Role.DisplayName = r.RoleDefinitionID, roleName(r.RoleDefinitionID)
			ev.Principal.ID, ev.Principal.DisplayName = r.PrincipalID, person(ctx, tx, r.PrincipalID)
			ev.Request.ID, ev.Request.Action, ev.Request.Status, ev.Request.Justification, ev.Request.TicketNumber = r.ID, string(r.Action), string(r.Status), r.Justification, r.Ticket.Number
			if sch != nil {
				start := sch.Start
				ev.StartDateTime, ev.EndDateTime = &start, sch.End
			}
			b, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			msgs = append(msgs, notify.Message{ID: ev.ID, Channel: notify.Webhook, Subject: d.Subject, Event: b, CreatedAt: now})
		}
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
