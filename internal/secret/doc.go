// Package secret holds Strongroom's secret key and what is derived from it.
//
// One random key, kept outside the database (a file in the data directory,
// or the STRONGROOM_SECRET_KEY setting shared by every node), is stretched
// with HKDF-SHA-256 into separate subkeys: one keys the HMAC-SHA-256 under
// which server-generated secrets (client secrets, Temporary Access Passes,
// session tokens) are stored, one seals data at rest and in cookies with
// AES-256-GCM. A random secret of 128 bits or more needs no slow KDF: a
// keyed hash is as safe for it and hundreds of times cheaper (DESIGN.md).
// Human-chosen passwords are different and get argon2id elsewhere.
package secret
