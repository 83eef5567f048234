// Package email sends notify.Messages by SMTP: STARTTLS, implicit TLS or
// (for a relay on a trusted network) none, with optional PLAIN
// authentication, which Go's net/smtp only allows over TLS or to
// localhost. Each message has a plain-text and an HTML part (RFC 2046
// multipart/alternative), a Date and a Message-ID derived from its outbox
// id, so that a message sent twice is recognisably the same message.
package email
