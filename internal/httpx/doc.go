// Package httpx holds what every HTTP edge of Strongroom shares: handlers
// that return errors, the one table that maps application error kinds to
// HTTP statuses and Graph error codes, strict JSON decoding, and middleware
// (security headers, body limits, correlation ids, client addresses behind
// trusted proxies, metrics, access logs, panic recovery, rate limits).
package httpx
