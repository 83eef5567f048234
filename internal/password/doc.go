// Package password hashes and checks human-chosen passwords.
//
// Hashes are argon2id (RFC 9106) in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), with at least OWASP's
// recommended parameters (m=19456 KiB, t=2, p=1). A stored hash made with
// weaker parameters is reported for rehashing at the next successful
// sign-in. Comparison is in constant time.
//
// The rules for a new password follow NIST SP 800-63B §3.1.1.2: a minimum
// length (12 characters), a generous maximum, no composition rules, and a
// check against context-specific words (the user's own names).
package password
