// Package odata parses and validates the OData system query options that
// Strongroom supports on its Graph-shaped collections: $filter, $top,
// $skiptoken, $select, $orderby, $count and $expand.
//
// Everything here is a pure function of its input. The HTTP edge hands
// ParseQuery the request's url.Values; the handler checks the parsed filter
// against the collection's Schema (Filter.Check) and passes the Query to its
// store, which turns Filter.Get results into SQL and pages by keyset using the
// cursor carried in $skiptoken (EncodeCursor, DecodeCursor, NextLink). Every
// error a client can cause is an apperr Invalid error (HTTP 400) whose
// message says what was wrong and, for $filter, where.
//
// The $filter language is the subset of OData Version 4.01 Part 2: URL
// Conventions §5.1.1 that Microsoft Graph documents for directory and audit
// collections, with the literal forms of the OData ABNF (string with
// SQUOTE-in-string, dateTimeOffsetValue, guidValue, booleanValue, numbers,
// null):
//
//	filter    = term *( "and" term )
//	term      = "(" filter ")"
//	          / "startswith(" path "," string ")"
//	          / path ( "eq" / "ne" / "gt" / "ge" / "lt" / "le" ) literal
//	          / path "in" "(" literal *( "," literal ) ")"
//	path      = identifier *( "/" identifier )
//
// A filter is therefore a conjunction: Strongroom maps each condition onto an
// indexed column, and "or", "not", lambda operators (any, all), arithmetic and
// functions other than startswith are refused with an error naming the
// construct, rather than evaluated slowly or half-supported. Keywords are
// case-insensitive (OData 4.01); property names are matched exactly, as
// Graph spells them.
//
// System query option names are accepted with or without the "$" prefix and
// in any case, as OData 4.01 services do (Part 2, §5.1) and as Microsoft
// Graph does on most of its endpoints.
//
// Paging follows Graph (https://learn.microsoft.com/graph/paging): a page
// carries an @odata.nextLink, the request URL with an opaque $skiptoken that
// the client follows unchanged. Here the token is the sort key of the last row
// returned, so the next page is a keyset query ("after this key") that stays
// correct while rows are inserted and deleted between requests.
package odata
