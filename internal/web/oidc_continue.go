package web

import (
	"net/http"
	"net/url"
)

// continuePage takes the browser on to the application.
//
// The sign-in page's forms post with the CSP directive form-action 'self',
// and a browser applies that directive to every redirect that follows the
// post: a chain POST /signin → /oauth2/login → 302 to the application
// would be blocked at the last step. So, in a browser, the answer to the
// application is a page that goes on by itself (a meta refresh, which no
// CSP directive governs) instead of a cross-origin 302.
type continuePage struct {
	frame
	URL     string
	AppName string
}

func (*continuePage) template() string { return "oidc_continue" }

// toClient wraps rw so that a redirect to another origin, in a browser's
// navigation, becomes the continue page. Other answers pass through.
type toClient struct {
	http.ResponseWriter
	o       *OIDC
	r       *http.Request
	swapped bool
}

func (o *OIDC) toClient(rw http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if r.Header.Get("Sec-Fetch-Mode") != "navigate" {
		return rw
	}
	return &toClient{ResponseWriter: rw, o: o, r: r}
}

func (c *toClient) WriteHeader(status int) {
	loc := c.Header().Get("Location")
	u, err := url.Parse(loc)
	if (status == http.StatusFound || status == http.StatusSeeOther) && err == nil && u.IsAbs() && u.Host != c.o.w.PublicURL.Host {
		c.swapped = true
		c.Header().Del("Location")
		c.o.w.render(c.ResponseWriter, c.r, http.StatusOK, &continuePage{frame: frame{Title: "Signing you in", Narrow: true}, URL: loc})
		return
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *toClient) Write(b []byte) (int, error) {
	if c.swapped {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}
