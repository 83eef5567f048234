package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

type reqInfoKey struct{}

// RequestInfo is what the outermost middleware learns about a request.
type RequestInfo struct {
	ID              string     // request-id, generated
	ClientRequestID string     // client-request-id, if the client sent a sane one
	ClientIP        netip.Addr // from the connection, or X-Forwarded-For behind a trusted proxy
	UserAgent       string
}

// Info returns the request's info; zero outside a request.
func Info(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(reqInfoKey{}).(RequestInfo)
	return ri
}

// RequestID returns the request's id.
func RequestID(ctx context.Context) string { return Info(ctx).ID }

// ClientRequestID returns the client-supplied correlation id.
func ClientRequestID(ctx context.Context) string { return Info(ctx).ClientRequestID }

// CorrelationID is the id that ties a request's log lines and audit events
// together: the client's when it sent one, else the request id.
func CorrelationID(ctx context.Context) string {
	ri := Info(ctx)
	if ri.ClientRequestID != "" {
		return ri.ClientRequestID
	}
	return ri.ID
}

// WithInfo returns ctx carrying ri (for tests and background work).
func WithInfo(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, reqInfoKey{}, ri)
}

// NewID returns a random UUID-formatted id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Proxies is the set of networks whose X-Forwarded-For is believed.
type Proxies []netip.Prefix

// ParseProxies parses CIDRs or bare addresses.
func ParseProxies(ss []string) (Proxies, error) {
	var out Proxies
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (ps Proxies) trusted(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the client's address: the connection's peer, unless the
// peer is a trusted proxy, in which case the right-most address in
// X-Forwarded-For that is not itself a trusted proxy.
func (ps Proxies) ClientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap()
	if len(ps) == 0 || !ps.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		a = a.Unmap()
		if !ps.trusted(a) {
			return a
		}
	}
	return peer
}

// Base is the outermost middleware: request ids, client address, security
// headers, panic recovery.
func Base(log *slog.Logger, proxies Proxies, https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := RequestInfo{ID: NewID(), ClientIP: proxies.ClientIP(r), UserAgent: r.UserAgent()}
		if c := r.Header.Get("client-request-id"); c != "" && len(c) <= 64 && isToken(c) {
			ri.ClientRequestID = c
		}
		h := w.Header()
		h.Set("request-id", ri.ID)
		if ri.ClientRequestID != "" {
			h.Set("client-request-id", ri.ClientRequestID)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), publickey-credentials-get=(self), publickey-credentials-create=(self)")
		// Pages set their own, stricter-where-needed policy; this default
		// forbids everything, which suits JSON.
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		if https {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		r = r.WithContext(WithInfo(r.Context(), ri))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()), "request_id", ri.ID)
				// r carries the request info, so the error body names the
				// request id as the header does.
				WriteError(w, r, nil, apperr.New(apperr.Internal, "An internal error occurred. Try again later; if it persists, tell your administrator."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// LimitBody caps request bodies at n bytes; reading past it fails with an
// error that WriteError turns into 413.
func LimitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			WriteError(w, r, nil, apperr.New(apperr.TooLarge, "The request body is larger than the limit of %d bytes.", n))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observer receives one call per finished request.
type Observer func(r *http.Request, route string, status int, d time.Duration)

// Observe records each request's route pattern, status and duration, and
// writes an access log line at debug level.
func Observe(log *slog.Logger, obs Observer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if obs != nil {
			obs(r, route, sw.status, d)
		}
		if log.Enabled(r.Context(), slog.LevelDebug) {
			log.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "route", route,
				"status", sw.status, "bytes", sw.bytes, "duration", d, "client_ip", Info(r.Context()).ClientIP.String(), "request_id", RequestID(r.Context()))
		}
	})
}

// RetryAfter sets the Retry-After header in whole seconds.
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(d.Round(time.Second)/time.Second)+1))
}
