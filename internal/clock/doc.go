// Package clock gives services an injectable source of the current time, so
// that decisions about expiry can be tested without sleeping.
package clock
