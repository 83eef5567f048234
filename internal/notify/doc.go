// Package notify delivers notifications through an outbox. A service writes
// Messages in the same transaction as the change they tell of (Outbox); the
// Worker claims due messages under a lease, hands each to its channel's
// Sender and marks it delivered once the server accepted it, retrying with
// backoff. A crash loses nothing (an unmarked message is claimed again when
// its lease ends) and a restart does not resend what was marked delivered.
// Between the server's acceptance and the mark a crash can still cause one
// resend; the email Message-ID is derived from the outbox id, so receivers
// can tell the copies apart.
//
// Channels live in their own packages: notify/email (SMTP) and
// notify/webhook (signed JSON over HTTPS).
package notify
