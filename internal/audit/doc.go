// Package audit defines Strongroom's audit events and the hash chain that
// makes the audit log tamper-evident.
//
// An Event has the shape of a Microsoft Graph directoryAudit
// (https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit); its
// JSON encoding is also its canonical encoding, so the API serves exactly the
// bytes that were hashed. Each stored event carries
//
//	hash = SHA-256(previous hash || canonical JSON)
//
// with 32 zero bytes before the first event. Verify walks the stored events in
// order and reports the first one that was altered, removed or inserted.
// Events are written by services in the same transaction as the change they
// record; the store appends them to the chain at commit time.
package audit
