// Package signin runs sign-in and step-up: it takes a proof from a method
// (a passkey assertion, a Temporary Access Pass, a password, a TOTP code),
// turns it into a session or adds it to one, asks the requirements (the
// Conditional Access engine) whether the session now meets them, throttles
// guessing, and records every attempt in the sign-in log.
//
// Failures never say which account or factor was wrong: an unknown user
// and a wrong secret get the same answer; the detail goes to the log.
package signin
