// Package apperr is Strongroom's one application error type.
//
// An *Error carries a Kind (what went wrong, in terms a caller can act on),
// a message that is safe to show to whoever made the request, and an optional
// hidden cause that only goes to the logs. Edges map kinds to HTTP statuses and
// Graph error codes through one table (see httpx); tests assert on kinds with
// errors.Is, never on message text.
package apperr
