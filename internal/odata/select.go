package odata

import (
	"slices"
	"strings"

	"github.com/strongroom-id/strongroom/internal/apperr"
)

// Select returns the projection of obj (a resource rendered as a JSON object)
// onto the properties in sel, as $select asks. "id" and the "@odata.*"
// annotations are always kept, and so are annotations of a selected
// property ("members@odata.nextLink"). A selected property that obj lacks is
// present as null, as Graph returns it. With no sel, obj is returned as is.
//
// Every name in sel must be in allowed (or be "id"); otherwise Select
// returns an Invalid error naming the unknown names and listing the allowed
// ones. obj is not modified.
func Select(obj map[string]any, sel []string, allowed []string) (map[string]any, error) {
	if len(sel) == 0 {
		return obj, nil
	}
	var unknown []string
	for _, name := range sel {
		if name != "id" && !slices.Contains(allowed, name) && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		quoted := make([]string, len(unknown))
		hint := ""
		for i, name := range unknown {
			quoted[i] = `"` + clip(name) + `"`
			if hint == "" {
				hint = didYouMean(name, allowed)
			}
		}
		noun := "property"
		if len(unknown) > 1 {
			noun = "properties"
		}
		list := slices.Clone(allowed)
		if !slices.Contains(list, "id") {
			list = append(list, "id")
		}
		slices.Sort(list)
		return nil, apperr.Invalidf("$select: unknown %s %s%s; allowed: %s", noun, strings.Join(quoted, ", "), hint, strings.Join(list, ", "))
	}

	out := make(map[string]any, len(sel)+2)
	for k, v := range obj {
		prop, _, annotation := strings.Cut(k, "@")
		if k == "id" || strings.HasPrefix(k, "@odata.") || annotation && slices.Contains(sel, prop) {
			out[k] = v
		}
	}
	for _, name := range sel {
		out[name] = obj[name] // nil when absent
	}
	return out, nil
}
