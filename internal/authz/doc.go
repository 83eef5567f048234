// Package authz decides whether the caller of a service may do what it asks.
//
// A Principal is either an application (a client that got a token with the
// client credentials grant and holds Graph-named application permissions) or
// a signed-in user, whose permissions are those of the directory roles they
// hold actively at the time of the request. Services call Require with the
// permission an operation needs; the error names the missing permission.
package authz
