// Package caport imports and exports Conditional Access objects as
// Microsoft Graph JSON: policies, named locations, custom authentication
// strengths, authentication contexts and the groups policies name.
//
// Reading takes what people export from Entra: files or folders of them,
// one object per file or arrays (also Graph's {"value": […]} list
// responses), UTF-8 or UTF-16 with a byte-order mark. Each object is read
// by package cagraph in its Lenient mode (key case, nulls, comma-separated
// lists, authenticationStrength as an id or expanded); groups, which
// cagraph does not know, are read here the same lenient way. The kind of
// an object comes from its @odata.type, or else from its shape.
//
// Importing is one transaction (Service.Import): the objects of the
// import are created with new Strongroom ids and the policies' references
// to them rewritten; references to objects that are neither in the import
// nor in Strongroom are resolved through a Mapping or, failing that,
// reported as placeholders and dropped from the policy, which is then
// imported disabled (see docs/import.md for every rule). Invalid input
// imports nothing. A dry run does the same and rolls back, so that what it
// reports is exactly what an import would do.
//
// Exporting (Service.Export) writes one file per object in folders by
// kind; an export imports into an empty Strongroom as the same objects.
package caport
