// Package cagraph maps Conditional Access objects to and from Microsoft
// Graph JSON: conditionalAccessPolicy, authenticationStrengthPolicy and its
// combinationConfigurations, ipNamedLocation and countryNamedLocation,
// authenticationContextClassReference, and the What If request
// (conditionalAccessRoot/evaluate) and its whatIfAnalysisResult.
//
// Reading comes in two modes, in one place so that every surface agrees:
//
//   - Strict is the admin API's: property names exactly as Graph spells
//     them, values of the right JSON type, and every property Strongroom
//     does not know is an error that names it with its path
//     (conditions.users.includeUser). Flags enums that Graph serialises as
//     one comma-separated string (guestOrExternalUserTypes,
//     transferMethods, includeTrafficProfiles) are read in that form or as
//     an array. OData annotations are ignored; read-only properties (id,
//     createdDateTime, modifiedDateTime) are accepted and left to the
//     service.
//   - Lenient is for imports of what people export from Entra: key case is
//     ignored, any string list may also be a comma-separated string,
//     explicit nulls equal absent keys, numbers and booleans may be quoted,
//     a leading byte-order mark is skipped, and a property Strongroom does
//     not know is reported in Report.Ignored (by path) rather than refused.
//     authenticationStrength may be an id or the fully expanded strength in
//     both modes.
//
// Enum values are returned in Graph's spelling when they are known in any
// case ("All" → "all" for clientAppTypes), so that what is stored and
// exported is canonical; unknown values are kept as written for
// validation (package policy and authn) to name.
//
// Writing produces Graph's response shape: every property present, empty
// lists as [], absent objects as null, and grantControls.authenticationStrength
// expanded to the whole strength.
package cagraph
