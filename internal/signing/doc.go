// Package signing manages the asymmetric keys that sign Strongroom's tokens.
//
// Keys are ECDSA P-256 (ES256). They live in the database, the private half
// sealed with the secret key, so that every node signs with the same keys
// and publishes the same JWKS. Rotation follows a fixed plan: a new key is
// published some time before it starts signing (so relying parties that
// cache the JWKS already know it), and a retired key stays published until
// the last token it signed has expired.
package signing
