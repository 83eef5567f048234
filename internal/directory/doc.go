// Package directory is Strongroom's directory: users, security groups with
// nested membership, the built-in directory roles and their assignments.
//
// Role assignments carry a kind (active or eligible) and an optional start
// and end, so that Privileged Identity Management extends them rather than
// replacing them. A role counts for authorization only while an active
// assignment is in force at the time of the request; there is no cache that
// could keep an ended role alive.
package directory
