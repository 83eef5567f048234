// Package capolicy is the Conditional Access service: authentication
// strengths, authentication contexts, named locations and Conditional
// Access policies, each created, changed and deleted with Graph's rules
// (validation with references to the directory, tenant limits, built-ins
// that cannot change, objects in use that cannot be deleted), written and
// audited in one transaction; What If; and the compiled policies that
// enforcement evaluates, cached on each node.
//
// Every change bumps one version row in the same transaction. A node
// recompiles its policy.Set when the version it holds is older than the
// database's, which it checks at most once per Service.Recheck (one read of
// one row by primary key), and at once after a change it made itself. So
// several nodes on one PostgreSQL agree within that interval, and a node
// sees its own changes immediately.
//
// The ports other work uses:
//
//   - ContextPublished: is an authentication context published to
//     applications (isAvailable)? For the OpenID provider.
//   - ContextTargeted: does an enabled policy target an authentication
//     context? For PIM's fallback when a role asks for a context that no
//     policy protects.
//
// The shapes follow Microsoft Graph (shared/reference/entra.md §3–§4);
// package cagraph maps them to and from JSON.
package capolicy
