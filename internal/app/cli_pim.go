package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/directory"
	"github.com/strongroom-id/strongroom/internal/pim"
	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

// pimCommand: strongroom pim activate|deactivate|roles, with the tokens of
// "strongroom login". A claims challenge (the role asks for an
// authentication context) is met by signing in again in the browser with
// its claims request, then the request is sent once more.
func (m *Main) pimCommand(ctx context.Context, args []string) error {
	usage := func() error {
		fmt.Fprint(m.Stderr, `usage:
  strongroom pim roles      [--url URL]
  strongroom pim activate   [--url URL] --role NAME|ID [--duration 1h] --justification TEXT [--ticket NUMBER] [--ticket-system NAME]
  strongroom pim deactivate [--url URL] --role NAME|ID
`)
		return exitError(2)
	}
	if len(args) == 0 {
		return usage()
	}
	fs := flag.NewFlagSet("strongroom pim "+args[0], flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	u := fs.String("url", "", "Strongroom's public URL")
	role := fs.String("role", "", "the role's name (e.g. \"Security Administrator\") or template id")
	duration := fs.Duration("duration", time.Hour, "how long the activation lasts")
	justification := fs.String("justification", "", "why you need the role")
	ticket := fs.String("ticket", "", "ticket number")
	system := fs.String("ticket-system", "", "ticket system")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the browser when a step-up is needed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cl, err := m.newAPIClient(*u, *timeout)
	if err != nil {
		return err
	}
	switch args[0] {
	case "roles":
		return m.pimRoles(ctx, cl)
	case "activate", "deactivate":
		rd, ok := findRole(*role)
		if !ok {
			return fmt.Errorf("--role %q is not a directory role; run strongroom pim roles", *role)
		}
		me, err := cl.userID(ctx)
		if err != nil {
			return err
		}
		body := map[string]any{"principalId": me, "roleDefinitionId": rd.ID, "directoryScopeId": "/"}
		if args[0] == "deactivate" {
			body["action"] = "selfDeactivate"
		} else {
			body["action"] = "selfActivate"
			body["justification"] = *justification
			body["scheduleInfo"] = map[string]any{"expiration": map[string]any{"type": "afterDuration", "duration": pim.FormatDuration(*duration)}}
			if *ticket != "" || *system != "" {
				body["ticketInfo"] = map[string]any{"ticketNumber": *ticket, "ticketSystem": *system}
			}
		}
		status, out, err := cl.call(ctx, m, "POST", "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests", body)
		if err != nil {
			return err
		}
		var r struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Error  struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(out, &r)
		if status >= 400 {
			fmt.Fprintf(m.Stderr, "%s: %s\n", r.Error.Code, r.Error.Message)
			return exitError(1)
		}
		switch r.Status {
		case string(pim.StatusPendingApproval):
			fmt.Fprintf(m.Stdout, "Requested %s: waiting for an approver (request %s). You'll get an email when it is decided.\n", rd.DisplayName, r.ID)
		case string(pim.StatusRevoked):
			fmt.Fprintf(m.Stdout, "%s is no longer active.\n", rd.DisplayName)
		default:
			fmt.Fprintf(m.Stdout, "%s is active for %s (request %s). New tokens carry it; run strongroom login to refresh yours.\n", rd.DisplayName, *duration, r.ID)
		}
		return nil
	}
	return usage()
}

func findRole(s string) (directory.RoleDefinition, bool) {
	for _, rd := range directory.Roles() {
		if strings.EqualFold(rd.DisplayName, strings.TrimSpace(s)) || rd.ID == strings.ToLower(strings.TrimSpace(s)) {
			return rd, true
		}
	}
	return directory.RoleDefinition{}, false
}

func (m *Main) pimRoles(ctx context.Context, cl *apiClient) error {
	type instance struct {
		RoleDefinitionID string  `json:"roleDefinitionId"`
		EndDateTime      *string `json:"endDateTime"`
		MemberType       string  `json:"memberType"`
		AssignmentType   string  `json:"assignmentType"`
	}
	list := func(res string) ([]instance, error) {
		status, out, err := cl.call(ctx, m, "GET", "/v1.0/roleManagement/directory/"+res+"/filterByCurrentUser(on='principal')", nil)
		if err != nil {
			return nil, err
		}
		if status != 200 {
			return nil, fmt.Errorf("%s: HTTP %d: %s", res, status, out)
		}
		var page struct {
			Value []instance `json:"value"`
		}
		err = json.Unmarshal(out, &page)
		return page.Value, err
	}
	elig, err := list("roleEligibilityScheduleInstances")
	if err != nil {
		return err
	}
	act, err := list("roleAssignmentScheduleInstances")
	if err != nil {
		return err
	}
	if len(elig) == 0 && len(act) == 0 {
		fmt.Fprintln(m.Stdout, "You hold no directory role and are eligible for none.")
		return nil
	}
	name := func(id string) string {
		if rd, ok := directory.Role(id); ok {
			return rd.DisplayName
		}
		return id
	}
	until := func(e *string) string {
		if e == nil {
			return "permanently"
		}
		return "until " + *e
	}
	for _, i := range act {
		fmt.Fprintf(m.Stdout, "active    %-40s %s (%s, %s)\n", name(i.RoleDefinitionID), until(i.EndDateTime), strings.ToLower(i.AssignmentType), strings.ToLower(i.MemberType))
	}
	for _, i := range elig {
		fmt.Fprintf(m.Stdout, "eligible  %-40s %s (%s)\n", name(i.RoleDefinitionID), until(i.EndDateTime), strings.ToLower(i.MemberType))
	}
	return nil
}

// apiClient calls the admin API with the signed-in user's tokens.
type apiClient struct {
	issuer  string
	all     map[string]cliCredentials
	c       cliCredentials
	timeout time.Duration
}

func (m *Main) newAPIClient(flagURL string, timeout time.Duration) (*apiClient, error) {
	all, err := m.loadCredentials()
	if err != nil {
		return nil, err
	}
	issuer := m.issuerFor(flagURL, all)
	c, ok := all[issuer]
	if !ok {
		return nil, fmt.Errorf("not signed in to %s: run strongroom login --url %s", issuer, issuer)
	}
	return &apiClient{issuer: issuer, all: all, c: c, timeout: timeout}, nil
}

// userID reads the signed-in user's id from the access token (the
// client only reads it; the server verifies).
func (cl *apiClient) userID(ctx context.Context) (string, error) {
	parts := strings.Split(cl.c.AccessToken, ".")
	if len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			var cl struct {
				OID string `json:"oid"`
				Sub string `json:"sub"`
			}
			if json.Unmarshal(b, &cl) == nil {
				if cl.OID != "" {
					return cl.OID, nil
				}
				if cl.Sub != "" {
					return cl.Sub, nil
				}
			}
		}
	}
	return "", fmt.Errorf("the stored token names no user: run strongroom login again")
}

// call sends one request, meeting one claims challenge by signing in again.
func (cl *apiClient) call(ctx context.Context, m *Main, method, path string, body any) (int, []byte, error) {
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	for attempt := 0; ; attempt++ {
		tok, err := m.freshToken(ctx, &cl.c)
		if err != nil {
			return 0, nil, err
		}
		cl.all[cl.issuer] = cl.c
		if err := m.saveCredentials(cl.all); err != nil {
			return 0, nil, err
		}
		var rd io.Reader
		if raw != nil {
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequestWithContext(ctx, method, cl.issuer+path, rd)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, nil, err
		}
		if ch, cerr := claimschallenge.FromResponse(resp); cerr == nil && attempt == 0 {
			what := "multifactor authentication"
			if id, ok := ch.Context(); ok {
				what = "the authentication context " + id + " (for example your security key)"
			}
			fmt.Fprintf(m.Stderr, "The role asks for %s; complete it in the browser.\n", what)
			nc, err := m.interactiveLogin(ctx, cl.issuer, ch.Claims, defaultCLIScopes, cl.timeout)
			if err != nil {
				return 0, nil, err
			}
			cl.c = nc
			continue
		}
		return resp.StatusCode, out, nil
	}
}
