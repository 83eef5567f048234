// Package privilege is Privileged Identity Management's service: role
// settings (role management policies), eligibility and assignment schedule
// requests, approvals, schedules and their instances, the expiry and
// request-timeout jobs, notifications through the outbox, and the
// emergency-access accounts.
//
// It loads what a decision needs, asks package pim (the pure decision
// core), and writes the result, its audit events and its notifications in
// one transaction. Eligibilities and activations are rows of
// role_assignments (kind eligible or active, with start and end), so that
// authorization needs nothing new: an activation counts from the next
// request, and never after its end, whether or not the expiry job has run.
package privilege
