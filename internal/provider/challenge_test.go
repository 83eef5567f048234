package provider_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"golang.org/x/oauth2"

	"github.com/strongroom-id/strongroom/pkg/claimschallenge"
)

// A resource server written in Go demands c1 with package
// claimschallenge: a token without it gets the claims challenge; the
// client replays the claims request, the user steps up with a passkey, and
// the new token passes.
func TestClaimsChallengeResourceServer(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.requireKeyFor(t, "c1")
	app := e.newWebApp(t, "Payroll", nil)
	u := e.tapUserWithKey(t, "ada@example.com")

	v, err := claimschallenge.NewVerifier(context.Background(), e.URL, app.AppID)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = e.clk.Now
	api := httptest.NewServer(v.Require("c1", app.AppID, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := claimschallenge.FromContext(r.Context())
		_, _ = w.Write([]byte("payroll run by " + c.Subject))
	})))
	defer api.Close()
	call := func(tok string) *http.Response {
		req, _ := http.NewRequest("POST", api.URL, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	r := e.rp(t, app)
	tok := r.signIn(t, u.B)
	resp := call(tok.AccessToken)
	ch, err := claimschallenge.FromResponse(resp)
	if err != nil {
		t.Fatalf("no claims challenge: %d %v", resp.StatusCode, resp.Header)
	}
	if ch.AuthorizationURI != e.URL+"/oauth2/authorize" || ch.Type != "authcontext" {
		t.Errorf("challenge %+v", ch)
	}
	// Replay the claims request.
	f := r.start(oauth2.SetAuthURLParam("claims", ch.Claims))
	stop, _ := u.B.follow(t, f.authURL)
	if stop.Path != "/stepup" {
		t.Fatalf("no step-up: %s", stop)
	}
	u.B.signInKey(t, u.A, u.UPN)
	cb, _ := u.B.follow(t, stop.Query().Get("return_to"))
	tok = r.exchange(t, f, f.code(t, cb))
	if got := strs(claims(t, tok.AccessToken)["acrs"]); !slices.Equal(got, []string{"c1"}) {
		t.Fatalf("acrs %v", got)
	}
	if resp := call(tok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("with c1: %d", resp.StatusCode)
	}
}
