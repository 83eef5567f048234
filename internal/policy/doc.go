// Package policy is the decision core of Conditional Access: Microsoft Entra
// ID's policy model (policies, named locations, authentication contexts) as Go
// domain types, Graph's validation rules, Entra's device filter rule language,
// and the evaluation of a sign-in against a tenant's policies, with What If.
//
// Everything here is pure: no I/O, no clock (SignIn.Now is passed in), no
// randomness, no logging. Services load policies and directory facts, call
// Compile once per change and Set.Evaluate per sign-in, and persist what the
// Decision says.
//
// The types mirror Microsoft Graph v1.0's conditionalAccessPolicy and related
// resources field for field (Go names are Graph property names with an
// initial capital, and ID/IDs for id/Ids), so that the Graph JSON mapping,
// written elsewhere, is one to one. Properties that Strongroom stores but
// does not enforce are marked "stored, not enforced" where they are declared.
//
// Semantics follow shared/reference/entra.md §3–§4; comments cite its source
// keys (CA-POL, CA-USERS, CA-APPS, CA-RO, CA-WHATIF, CA-SESS, CA-NET, G-CAP,
// G-CACOND, G-CAGRANT, G-WHATIF, G-WIRES, …). Where Entra leaves a behaviour
// unspecified, the choice made here is documented next to the code that makes
// it, and fails closed. In short:
//
//   - Strongroom's guests are internalGuest; external tenants never match.
//   - MicrosoftAdminPortals is Strongroom's admin portal (AdminPortalAppID);
//     Office365, applicationFilter and Global Secure Access traffic profiles
//     match no Strongroom application.
//   - A policy on workload identities never applies to a user sign-in (reason
//     users).
//   - Unknown platform: matches includePlatforms "all" only, never excluded.
//     Unknown IP: matches no IP location; unknown country: only locations that
//     include unknown countries; "All" matches everything. GPS country
//     locations always see an unknown country (Strongroom has no GPS).
//   - Unknown device: every property null (entra.md §4.9).
//   - Controls Strongroom cannot verify (compliantDevice, domainJoinedDevice,
//     approvedApplication, compliantApplication, passwordChange,
//     riskRemediation, terms of use, custom controls) are never satisfied.
//   - Report-only: reportOnlyInterrupted when the user could be prompted
//     (mfa, a strength, a stale sign-in frequency), reportOnlyFailure for a
//     block or a control Strongroom cannot verify.
//   - A policy with no grant or session control is emptyPolicy and does
//     nothing. A policy that cannot be evaluated as written (see
//     PolicyInfo.Invalid) fails closed: it blocks the users and resources it
//     targets.
//   - signInFrequency applies to every proof, whatever authenticationType;
//     a session-only frequency makes the decision unsatisfied until the user
//     proves any method again within the window.
//   - What If: notEnoughInformation when a platform, location, client app or
//     risk condition needs a fact the question leaves out (see Set.WhatIf).
package policy
