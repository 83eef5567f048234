package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/strongroom-id/strongroom/internal/app/apptest"
)

func TestBootstrapPassSignsInOnce(t *testing.T) {
	apptest.Dialects(t, func(t *testing.T, db string) {
		inst := apptest.Start(t, apptest.Options{Database: db})
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		body := `{"userPrincipalName":"` + inst.Bootstrap.AdminUserPrincipalName + `","temporaryAccessPass":"` + inst.Bootstrap.AdminTemporaryAccessPass + `"}`
		post := func(path, body string) (int, string) {
			req, _ := http.NewRequest("POST", inst.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = new(strings.Builder), resp.Body
			buf := make([]byte, 4096)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			return resp.StatusCode, b.String()
		}
		code, out := post("/api/v1/signin/tap", body)
		if code != 200 || !strings.Contains(out, `"status":"signedIn"`) {
			t.Fatalf("TAP sign-in: %d %s", code, out)
		}
		resp, err := c.Get(inst.URL + "/api/v1/me")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("me: %v %d", err, resp.StatusCode)
		}
		resp.Body.Close()
		// The one-time pass is spent.
		jar2, _ := cookiejar.New(nil)
		c.Jar = jar2
		code, out = post("/api/v1/signin/tap", body)
		if code != 401 || !strings.Contains(out, "passNotUsable") {
			t.Fatalf("second use: %d %s", code, out)
		}
		code, out = post("/api/v1/signin/tap", `{"userPrincipalName":"nobody@x.org","temporaryAccessPass":"abcdefgh"}`)
		if code != 401 || !strings.Contains(out, "invalidCredentials") {
			t.Fatalf("unknown user: %d %s", code, out)
		}
	})
}
