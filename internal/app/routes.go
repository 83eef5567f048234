package app

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strongroom-id/strongroom/internal/api"
	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/httpx"
	"github.com/strongroom-id/strongroom/internal/provider"
	"github.com/strongroom-id/strongroom/internal/web"
)

// Request body limit for every route.
const maxBody = 1 << 20

// routes builds the whole handler: one mux with the API, the OpenID
// provider's endpoints and operations, wrapped in the shared middleware.
func (m *Main) routes(s *Server, a *api.API, w *web.Web, proxies httpx.Proxies) http.Handler {
	mux := http.NewServeMux()
	a.Routes(mux)
	w.Routes(mux)
	w.OIDC(s.Provider, applications(s.DB, s.Keyring)).Routes(mux)

	// The OpenID provider owns discovery and /oauth2/*; the token endpoint
	// is rate limited per client address.
	op := s.Provider.Handler()
	var limiter *httpx.Limiter
	if rate := s.Config.RateLimits.TokenPerSecond; rate > 0 {
		limiter = httpx.NewLimiter(rate, 2*rate)
	}
	mux.Handle("GET "+provider.PathDiscovery, op)
	mux.Handle("POST "+provider.PathToken, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limiter == nil {
			op.ServeHTTP(w, r)
			return
		}
		if ok, wait := limiter.Allow(httpx.AddrKey(httpx.Info(r.Context()).ClientIP), time.Now()); !ok {
			httpx.RetryAfter(w, wait)
			httpx.WriteJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow_down", "error_description": "Too many token requests from this address; retry after the delay in Retry-After."})
			return
		}
		op.ServeHTTP(w, r)
	}))
	mux.Handle("/oauth2/", op)

	// Operations.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strongroom_http_requests_total", Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "strongroom_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route", "method"})
	reg.MustRegister(requests, latency)
	if s.DB.Dialect() == "sqlite" {
		// Group commit (store/group.go): transactions per commit shows
		// how much concurrent writes share.
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "strongroom_db_write_transactions_total", Help: "Write transactions committed (SQLite)."},
				func() float64 { t, _ := s.DB.CommitStats(); return float64(t) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "strongroom_db_commits_total", Help: "Database commits; write transactions that queue share one (SQLite group commit)."},
				func() float64 { _, c := s.DB.CommitStats(); return float64(c) }),
		)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", httpx.Handle(s.Log, func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := s.DB.Ping(ctx); err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "The database does not answer.")
		}
		if err := s.DB.CheckSchema(ctx); err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return nil
	}))

	observe := func(r *http.Request, route string, status int, d time.Duration) {
		requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
		latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
	}
	return httpx.Base(s.Log, proxies, s.Config.TLS.Enabled(), httpx.Observe(s.Log, observe, httpx.LimitBody(maxBody, mux)))
}
