// Package webhook delivers notify.Messages as signed JSON POSTs, for chat
// tools and incident systems. Each request carries
//
//	X-Strongroom-Delivery:  the outbox id (the same on a retry)
//	X-Strongroom-Timestamp: Unix seconds when it was sent
//	X-Strongroom-Signature: sha256=hex(HMAC-SHA-256(secret, timestamp + "." + body))
//
// A receiver recomputes the signature over the raw body, compares it in
// constant time, refuses old timestamps and ignores deliveries it has seen.
package webhook
