// Package tenant bootstraps an empty Strongroom: exactly once, even when
// several processes start together on one database, it creates the first
// administrator (an emergency-access account holding Global Administrator
// permanently), a one-time Temporary Access Pass for them, and an
// automation client holding every application permission.
package tenant
