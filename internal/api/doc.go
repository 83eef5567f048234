// Package api is Strongroom's admin REST API, shaped like Microsoft Graph
// v1.0 and served under /v1.0: the same resource paths, JSON property names,
// enum values, paging (@odata.nextLink) and error body as Graph, for the
// resources Strongroom implements, so that existing scripts and exported
// JSON work.
//
// The API takes bearer tokens only (no cookies). It translates between JSON
// and the services and never decides anything itself: authorization,
// validation and audit happen in the services. One file per resource; the
// route table is in routes.go.
package api
