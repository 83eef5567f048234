package provider_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
	"github.com/strongroom-id/strongroom/internal/testenv"
)

// The token endpoint's throughput, through the whole HTTP handler
// (middleware, routing, the library, storage) in process, on SQLite; and
// beside it, the raw cost of the ES256 signature every token needs.
// Run per core with:
//
//	go test ./internal/provider/ -run '^$' -bench . -cpu 1 -benchtime 3s
//
// grants/s is per core at -cpu 1; Keycloak's sizing guide plans 120
// client-credentials grants per second per vCPU, and Strongroom's target
// is 20 times that (2,400/s).

// benchServer starts a server without the token rate limit.
func benchServer(b *testing.B) *apptest.Instance {
	b.Helper()
	return apptest.Start(b, apptest.Options{Env: map[string]string{"STRONGROOM_TOKEN_RATE_LIMIT": "0", "STRONGROOM_LOG_LEVEL": "error"}})
}

// tokenCall posts form to the token endpoint through the handler and
// returns the body (what a client would parse on its own CPU is left to
// the caller).
func tokenCall(b *testing.B, h http.Handler, form url.Values, id, secret string) []byte {
	req := httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("token endpoint: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// measure runs fn b.N times and reports grants per wall second and per
// CPU second.
func measure(b *testing.B, unit string, fn func()) {
	b.ReportAllocs()
	b.ResetTimer()
	c0 := testenv.CPUTime()
	for b.Loop() {
		fn()
	}
	cpu := testenv.CPUTime() - c0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit+"/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), unit+"/cpu-s")
}

func BenchmarkTokenClientCredentials(b *testing.B) {
	inst := benchServer(b)
	h := inst.Server.Handler
	// An application with a secret and two permissions.
	app := (&env{Instance: inst}).newWebApp(b, "Sync job", map[string]any{"permissions": []string{"User.Read.All", "Group.Read.All"}})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api://strongroom/.default"}}
	measure(b, "grants", func() { tokenCall(b, h, form, app.AppID, app.Secret) })
}

func BenchmarkTokenRefresh(b *testing.B) {
	inst := benchServer(b)
	e := &env{Instance: inst}
	h := inst.Server.Handler
	app := e.newWebApp(b, "Bench", nil)
	// A session from the bootstrap pass, then one code flow for the first
	// refresh token.
	jar, _ := cookiejar.New(nil)
	br := &browser{e: e, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	br.signInTAP(b, inst.Bootstrap.AdminUserPrincipalName, inst.Bootstrap.AdminTemporaryAccessPass)
	verifier := oauth2.GenerateVerifier()
	conf := oauth2.Config{ClientID: app.AppID, ClientSecret: app.Secret, RedirectURL: callbackURL, Scopes: []string{"openid", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: inst.URL + "/oauth2/authorize", TokenURL: inst.URL + "/oauth2/token"}}
	cb, _ := br.follow(b, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(b.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		b.Fatal(err)
	}
	refresh := tok.RefreshToken
	measure(b, "grants", func() {
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(tokenCall(b, h, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, app.AppID, app.Secret), &out); err != nil {
			b.Fatal(err)
		}
		refresh = out.RefreshToken
	})
}

// BenchmarkES256Sign is the baseline: signing claims like an access
// token's with ES256, nothing else.
func BenchmarkES256Sign(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithHeader("kid", uuid.NewString()).WithType("JWT"))
	if err != nil {
		b.Fatal(err)
	}
	claims := map[string]any{"iss": "http://localhost:8080", "sub": uuid.NewString(), "aud": []string{"api://strongroom"}, "exp": time.Now().Add(time.Hour).Unix(),
		"iat": time.Now().Unix(), "nbf": time.Now().Unix(), "jti": uuid.NewString(), "client_id": uuid.NewString(), "idtyp": "app",
		"roles": []string{"User.Read.All", "Group.Read.All"}, "azp": uuid.NewString()}
	measure(b, "signs", func() {
		body, _ := json.Marshal(claims)
		obj, err := s.Sign(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := obj.CompactSerialize(); err != nil {
			b.Fatal(err)
		}
	})
}
