// Package tap is the Temporary Access Pass: a time-limited passcode an
// administrator issues so that a user who has no method yet can sign in and
// register one (Entra's behaviour: entra.md §1).
//
// A pass is generated from a cryptographic random source over an alphabet
// without look-alike characters, shown once, and stored only as a keyed
// hash. A user has at most one pass; issuing a new one replaces the old.
package tap
