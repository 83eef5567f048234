package odata

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Query is the parsed system query options of a request on a collection.
type Query struct {
	Filter    Filter
	Top       int    // page size, 1..maxTop
	SkipToken string // the $skiptoken as given; DecodeCursor has accepted it
	Select    []string
	OrderBy   []OrderBy
	Count     bool
	Expand    []string
}

// OrderBy is one key of $orderby.
type OrderBy struct {
	Property string
	Desc     bool
}

// maxOptionLength bounds every option other than $filter, which has its own
// limit.
const maxOptionLength = 4096

// options are the system query options ParseQuery understands, by name
// without "$".
var options = []string{"filter", "top", "skiptoken", "select", "orderby", "count", "expand"}

// unsupportedHints explains standard OData options Strongroom does not offer.
var unsupportedHints = map[string]string{
	"skip":   "; to page, follow @odata.nextLink",
	"search": "; use $filter",
}

// ParseQuery reads the system query options from v. Option names are
// matched in any case, with or without "$" (OData 4.01, Part 2 §5.1; Graph
// accepts filter for $filter). Names that start with "$" but are not
// supported are refused; other parameters are left to the caller. An option
// given twice, under any spelling, is refused rather than guessed at.
//
// $top defaults to defaultTop and must be in 1..maxTop. $filter is parsed
// but not checked against a Schema: call Query.Filter.Check. $select and
// $expand are checked for syntax only; Select checks $select names.
func ParseQuery(v url.Values, defaultTop, maxTop int) (Query, error) {
	if maxTop < 1 || defaultTop < 1 || defaultTop > maxTop {
		return Query{}, apperr.New(apperr.Internal, "odata: ParseQuery called with defaultTop %d and maxTop %d", defaultTop, maxTop)
	}
	q := Query{Top: defaultTop}

	// Sort the parameter names so that, with several problems, the error
	// reported is always the same one.
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	slices.Sort(names)

	seen := map[string]string{} // option → the spelling it was first given as
	for _, name := range names {
		opt := strings.ToLower(strings.TrimPrefix(name, "$"))
		if !slices.Contains(options, opt) {
			if strings.HasPrefix(name, "$") {
				return Query{}, apperr.Invalidf("the query option %q is not supported%s; supported: $%s", name, unsupportedHints[opt], strings.Join(options, ", $"))
			}
			continue
		}
		if first, dup := seen[opt]; dup || len(v[name]) > 1 {
			if !dup {
				first = name
			}
			return Query{}, apperr.Invalidf("the query option $%s is given more than once (as %q and %q); give it once", opt, first, name)
		}
		seen[opt] = name
		val := v[name][0]
		if opt != "filter" && len(val) > maxOptionLength {
			return Query{}, apperr.Invalidf("$%s is longer than %d characters", opt, maxOptionLength)
		}
		var err error
		switch opt {
		case "filter":
			q.Filter, err = ParseFilter(val)
		case "top":
			q.Top, err = parseTop(val, maxTop)
		case "skiptoken":
			if _, err = DecodeCursor(val); err == nil {
				q.SkipToken = val
			}
		case "select":
			q.Select, err = parseNames("$select", val)
		case "expand":
			q.Expand, err = parseNames("$expand", val)
		case "orderby":
			q.OrderBy, err = parseOrderBy(val)
		case "count":
			q.Count, err = parseBool("$count", val)
		}
		if err != nil {
			return Query{}, err
		}
	}
	return q, nil
}

func parseTop(s string, maxTop int) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, apperr.Invalidf("$top must be a whole number between 1 and %d, not %q", maxTop, clip(s))
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxTop { // only digits, so err means too large
		return 0, apperr.Invalidf("$top can be at most %d; follow @odata.nextLink for more", maxTop)
	}
	if n < 1 {
		return 0, apperr.Invalidf("$top must be between 1 and %d", maxTop)
	}
	return n, nil
}

func parseBool(opt, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, apperr.Invalidf("%s must be true or false, not %q", opt, clip(s))
}

// parseNames parses a comma-separated list of property names, as $select
// and $expand take.
func parseNames(opt, s string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(s, ",") {
		name := strings.Trim(item, " \t")
		switch {
		case name == "":
			return nil, apperr.Invalidf("%s has an empty item; give property names separated by commas, like id,displayName", opt)
		case opt == "$expand" && strings.ContainsAny(name, "($;"):
			return nil, apperr.Invalidf("$expand: options inside $expand (%q) are not supported; expand the property on its own", clip(name))
		case name == "*":
			return nil, apperr.Invalidf("%s=* is not supported; name the properties", opt)
		case !isIdentifier(name):
			return nil, apperr.Invalidf("%s: %q is not a property name", opt, clip(name))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// parseOrderBy parses path [asc|desc] *( "," path [asc|desc] ).
func parseOrderBy(s string) ([]OrderBy, error) {
	var out []OrderBy
	for _, item := range strings.Split(s, ",") {
		fields := strings.FieldsFunc(item, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(fields) == 0 {
			return nil, apperr.Invalidf("$orderby has an empty item; give properties separated by commas, like displayName desc,id")
		}
		if len(fields) > 2 {
			return nil, apperr.Invalidf("$orderby: %q is not a property optionally followed by asc or desc", clip(strings.TrimSpace(item)))
		}
		ob := OrderBy{Property: fields[0]}
		if !isPath(ob.Property) {
			return nil, apperr.Invalidf("$orderby: %q is not a property name", clip(ob.Property))
		}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				ob.Desc = true
			default:
				return nil, apperr.Invalidf("$orderby: after %q expected asc or desc, not %q", ob.Property, clip(fields[1]))
			}
		}
		if slices.ContainsFunc(out, func(o OrderBy) bool { return o.Property == ob.Property }) {
			return nil, apperr.Invalidf("$orderby names %q more than once", ob.Property)
		}
		out = append(out, ob)
	}
	return out, nil
}

func isIdentifier(s string) bool {
	if s == "" || len(s) > maxIdentifier || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

func isPath(s string) bool {
	for seg := range strings.SplitSeq(s, "/") {
		if !isIdentifier(seg) {
			return false
		}
	}
	return true
}
