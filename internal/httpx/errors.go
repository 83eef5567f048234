package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Status and default Graph error code for each error kind: the one table.
var kindStatus = map[apperr.Kind]struct {
	status int
	code   string
}{
	apperr.Invalid:         {http.StatusBadRequest, "Request_BadRequest"},
	apperr.NotFound:        {http.StatusNotFound, "Request_ResourceNotFound"},
	apperr.Conflict:        {http.StatusConflict, "Request_Conflict"},
	apperr.Unauthenticated: {http.StatusUnauthorized, "InvalidAuthenticationToken"},
	apperr.Forbidden:       {http.StatusForbidden, "Authorization_RequestDenied"},
	apperr.RateLimited:     {http.StatusTooManyRequests, "TooManyRequests"},
	apperr.Unavailable:     {http.StatusServiceUnavailable, "ServiceUnavailable"},
	apperr.TooLarge:        {http.StatusRequestEntityTooLarge, "RequestEntityTooLarge"},
	apperr.Internal:        {http.StatusInternalServerError, "InternalServerError"},
}

// Status returns the HTTP status for err.
func Status(err error) int {
	return kindStatus[apperr.KindOf(err)].status
}

// GraphError is Graph's error body.
type GraphError struct {
	Error GraphErrorDetail `json:"error"`
}

// GraphErrorDetail is the inside of a Graph error body.
type GraphErrorDetail struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError GraphInnerError `json:"innerError"`
}

// GraphInnerError carries the request's identifiers, as Graph does.
type GraphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id,omitempty"`
}

// ToGraph converts err to a status and Graph error body. Internal errors
// hide their cause.
func ToGraph(ctx context.Context, err error) (int, GraphError) {
	e := apperr.As(err)
	ks := kindStatus[e.Kind]
	code := e.Code
	if code == "" {
		code = ks.code
	}
	return ks.status, GraphError{Error: GraphErrorDetail{Code: code, Message: e.Message, InnerError: GraphInnerError{
		Date:            time.Now().UTC().Format(time.RFC3339),
		RequestID:       RequestID(ctx),
		ClientRequestID: ClientRequestID(ctx),
	}}}
}

// Func is an HTTP handler that returns an error; Handle turns the error into
// a Graph-shaped JSON response.
type Func func(w http.ResponseWriter, r *http.Request) error

// Handle adapts f, writing any error it returns as Graph JSON and logging
// internal errors with their hidden cause.
func Handle(log *slog.Logger, f Func) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			WriteError(w, r, log, err)
		}
	})
}

// WriteError writes err as a Graph error response.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = apperr.Wrap(err, apperr.TooLarge, "The request body is larger than the limit of %d bytes.", mbe.Limit)
	}
	status, body := ToGraph(r.Context(), err)
	if status >= 500 && log != nil {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err, "request_id", RequestID(r.Context()))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="strongroom"`)
	}
	WriteJSON(w, status, body)
}
