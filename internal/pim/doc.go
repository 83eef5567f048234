// Package pim is Privileged Identity Management's decision core: the role
// settings (Entra's 17 role management policy rules, with their ids, Graph
// shapes, defaults and validation) and the schedule request state machine.
//
// Everything here is a pure function over values, in the manner of
// Teleport's ApplyAccessReview: Submit, Review, Decide, Cancel, TimeOut and
// End take a request (or a schedule), the role's settings and the facts the
// service gathered (the caller, the principal's eligibilities and
// assignments, what the caller's session proved, the time) and return the
// request's new state, the effects on schedules, the audit activities
// (Entra's names, shared/reference/entra.md §5.6) and the notifications to
// send. No I/O, no clock, no randomness: identifiers and the time come in
// with the facts. The privilege package loads, calls these, persists and
// audits in one transaction.
//
// A violated rule is an error that names the rule id
// (RoleAssignmentRequestPolicyValidationFailed, "The following policy rules
// failed: [\"Expiration_EndUser_Assignment\"]"); errors.As with *RuleError
// recovers the id.
package pim
