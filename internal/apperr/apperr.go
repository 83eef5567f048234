package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds of application error. Zero is Internal so that an error built
// without a kind fails closed.
const (
	Internal        Kind = iota // a fault of ours; the caller can only retry later
	Invalid                     // the request is malformed or breaks a rule
	NotFound                    // the thing asked for does not exist (or is hidden)
	Conflict                    // the request clashes with the current state
	Unauthenticated             // no valid credentials
	Forbidden                   // credentials are valid but do not allow this
	RateLimited                 // too many attempts; try again later
	Unavailable                 // a dependency is down; try again later
	TooLarge                    // the request body is over the limit
)

var kindNames = [...]string{
	Internal:        "internal",
	Invalid:         "invalid",
	NotFound:        "not found",
	Conflict:        "conflict",
	Unauthenticated: "unauthenticated",
	Forbidden:       "forbidden",
	RateLimited:     "rate limited",
	Unavailable:     "unavailable",
	TooLarge:        "too large",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is an application error: a kind, a message safe to show, an optional
// stable code for clients, and a hidden cause.
type Error struct {
	Kind    Kind
	Code    string // optional stable machine-readable code (e.g. Graph's "Request_BadRequest")
	Message string // safe to show to the caller
	Cause   error  // hidden; logged, never shown
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

// Unwrap returns the hidden cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is a Kind equal to e's kind, so that
// errors.Is(err, apperr.NotFound) works through wrapping.
func (e *Error) Is(target error) bool {
	if k, ok := target.(Kind); ok {
		return e.Kind == k
	}
	return false
}

// Error lets a Kind be used as an errors.Is target.
func (k Kind) Error() string { return k.String() }

// New returns an error of kind k with a safe message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k with a safe message and a hidden cause.
func Wrap(cause error, k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// WithCode returns a copy of e with a stable code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// or Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain, or an Internal error that hides
// err entirely.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "An internal error occurred. Try again later; if it persists, tell your administrator.", Cause: err}
}

// Invalidf is shorthand for New(Invalid, …).
func Invalidf(format string, args ...any) *Error { return New(Invalid, format, args...) }

// NotFoundf is shorthand for New(NotFound, …).
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Conflictf is shorthand for New(Conflict, …).
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// Forbiddenf is shorthand for New(Forbidden, …).
func Forbiddenf(format string, args ...any) *Error { return New(Forbidden, format, args...) }
