// Package authn is the decision core for authentication methods: the method
// modes a session can prove, the evidence a session holds, and
// authentication strengths, Microsoft Entra ID's named sets of allowed method
// combinations.
//
// Everything here is a pure function over values: no I/O, no clock (times are
// passed in), no randomness. The shapes and enum values follow Microsoft
// Graph's authenticationStrengthPolicy and authenticationMethodModes
// (shared/reference/entra.md §3, source keys G-ASP, G-ASP-LIST, G-ASP-POST,
// G-AMMODES, G-FIDOCC, AS-ADV, AS-CONCEPT, AS-HOW).
//
// Strongroom can produce only a few of Graph's method modes (password, FIDO2,
// Temporary Access Pass and software OATH). A strength may name the others,
// as Entra allows; those combinations are accepted in definitions and never
// satisfied, whatever evidence is presented, so that a bug elsewhere that
// records an impossible proof cannot open a door.
package authn
