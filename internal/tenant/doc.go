// Package tenant bootstraps an empty Strongroom: exactly once, even when
// several processes start together on one database, it creates the first
// administrator (an emergency-access account holding Global Administrator
// permanently), a one-time Temporary Access Pass for them, the Conditional
// Access policy "Require multifactor authentication for all users"
// (enabled; see capolicy.DefaultPolicy), and an automation client holding
// every application permission.
package tenant
