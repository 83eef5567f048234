package caport

import (
	"fmt"
	"io"
	"strings"
)

// Report says what an import did, or with DryRun what it would do. Its
// JSON is the stable shape of `strongroom import --json` and of the
// admin API's answer (docs/import.md): every list is present, [] when
// empty.
type Report struct {
	DryRun bool `json:"dryRun"`
	// Created counts the objects created (or that a dry run would create).
	Created Counts `json:"created"`
	// Objects are every object of the input, in the order they are
	// processed: contexts, named locations, strengths, groups, policies.
	Objects []ObjectReport `json:"objects"`
	// Placeholders are the references to objects neither in the import,
	// nor in Strongroom, nor mapped: each was dropped from the policies
	// that use it.
	Placeholders []Placeholder `json:"placeholders"`
	// Mapped are the references the mapping resolved.
	Mapped []Mapped `json:"mapped"`
	// Warnings are about the import as a whole (an unused mapping entry).
	Warnings []string `json:"warnings"`
}

// Counts counts objects by kind.
type Counts struct {
	Policies                int `json:"policies"`
	NamedLocations          int `json:"namedLocations"`
	AuthenticationStrengths int `json:"authenticationStrengths"`
	AuthenticationContexts  int `json:"authenticationContexts"`
	Groups                  int `json:"groups"`
}

func (c *Counts) add(k Kind) {
	switch k {
	case KindPolicy:
		c.Policies++
	case KindNamedLocation:
		c.NamedLocations++
	case KindStrength:
		c.AuthenticationStrengths++
	case KindContext:
		c.AuthenticationContexts++
	case KindGroup:
		c.Groups++
	}
}

// Action is what an import does with an object of its input.
type Action string

// Actions.
const (
	// ActionCreate: the object is created, with a new id (contexts keep
	// theirs).
	ActionCreate Action = "create"
	// ActionUse: an existing Strongroom object stands for it (mapped, or
	// the same context or strength already exists); nothing is created.
	ActionUse Action = "use"
	// ActionSkip: a built-in authentication strength; Strongroom has its
	// own with the same id.
	ActionSkip Action = "skip"
)

// ObjectReport is what happened to one object of the input.
type ObjectReport struct {
	Kind        Kind   `json:"kind"`
	Source      string `json:"source"`
	SourceID    string `json:"sourceId,omitempty"`
	DisplayName string `json:"displayName"`
	Action      Action `json:"action"`
	// ID is the Strongroom object's id: the one created (left out by a
	// dry run, whose ids are thrown away) or the one used.
	ID string `json:"id,omitempty"`
	// State is a policy's state as imported; SourceState its state in the
	// input when that differs.
	State       string `json:"state,omitempty"`
	SourceState string `json:"sourceState,omitempty"`
	// Notes explain every change the import made to the object, and
	// anything to do after it.
	Notes []string `json:"notes"`
	// Ignored are the properties Strongroom does not know, by path: they
	// were not stored.
	Ignored []string `json:"ignored"`
	// NotEnforced are properties Strongroom stores but does not enforce
	// (or cannot ever satisfy), with why.
	NotEnforced []NotEnforced `json:"notEnforced"`
}

// NotEnforced is one stored property that Strongroom does not enforce.
type NotEnforced struct {
	Property string `json:"property"`
	Reason   string `json:"reason"`
}

// Placeholder is a reference that could not be resolved.
type Placeholder struct {
	Kind   Kind   `json:"kind"`
	ID     string `json:"id"`
	UsedBy []Use  `json:"usedBy"`
}

// Use is where a policy used a reference.
type Use struct {
	Policy   string `json:"policy"`
	Source   string `json:"source"`
	Property string `json:"property"`
}

// Mapped is a reference the mapping resolved.
type Mapped struct {
	Kind        Kind   `json:"kind"`
	From        string `json:"from"`
	To          string `json:"to"`
	DisplayName string `json:"displayName,omitempty"`
}

// normalize makes every list non-nil, so that JSON says [].
func (r *Report) normalize() {
	if r.Objects == nil {
		r.Objects = []ObjectReport{}
	}
	if r.Placeholders == nil {
		r.Placeholders = []Placeholder{}
	}
	if r.Mapped == nil {
		r.Mapped = []Mapped{}
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	for i := range r.Objects {
		o := &r.Objects[i]
		if o.Notes == nil {
			o.Notes = []string{}
		}
		if o.Ignored == nil {
			o.Ignored = []string{}
		}
		if o.NotEnforced == nil {
			o.NotEnforced = []NotEnforced{}
		}
	}
}

// WriteText writes the report for people: what was (or would be) created,
// each object's notes, ignored and unenforced properties, placeholders
// and mappings.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	verb := "Imported"
	if r.DryRun {
		verb = "Dry run, nothing was written. The import would create"
	}
	fmt.Fprintf(&b, "%s: %s.\n", verb, r.Created.String())
	for _, o := range r.Objects {
		fmt.Fprintf(&b, "\n%s %q (%s): %s", o.Kind.Singular(), o.DisplayName, o.Source, o.Action)
		if o.ID != "" {
			fmt.Fprintf(&b, ", id %s", o.ID)
		}
		if o.State != "" {
			fmt.Fprintf(&b, ", state %s", o.State)
			if o.SourceState != "" {
				fmt.Fprintf(&b, " (was %s)", o.SourceState)
			}
		}
		b.WriteString("\n")
		for _, n := range o.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
		for _, p := range o.Ignored {
			fmt.Fprintf(&b, "  ignored (not stored): %s\n", p)
		}
		for _, ne := range o.NotEnforced {
			fmt.Fprintf(&b, "  not enforced: %s: %s\n", ne.Property, ne.Reason)
		}
	}
	if len(r.Mapped) > 0 {
		b.WriteString("\nMapped references:\n")
		for _, m := range r.Mapped {
			to := m.To
			if m.DisplayName != "" && m.DisplayName != m.To {
				to += " (" + m.DisplayName + ")"
			}
			fmt.Fprintf(&b, "  %s %q → %s\n", m.Kind.Singular(), m.From, to)
		}
	}
	if len(r.Placeholders) > 0 {
		b.WriteString("\nUnresolved references (placeholders), dropped from the policies that use them; those policies are imported disabled:\n")
		for _, p := range r.Placeholders {
			fmt.Fprintf(&b, "  %s %q, used by:\n", p.Kind.Singular(), p.ID)
			for _, u := range p.UsedBy {
				fmt.Fprintf(&b, "    %q %s\n", u.Policy, u.Property)
			}
		}
		b.WriteString("Map them to Strongroom objects with --map FILE (see docs/import.md) and import again.\n")
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s\n", wn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String says "3 policies, 1 named location, …" (kinds with none left out).
func (c Counts) String() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(c.Policies, "policy", "policies")
	add(c.NamedLocations, "named location", "named locations")
	add(c.AuthenticationStrengths, "authentication strength", "authentication strengths")
	add(c.AuthenticationContexts, "authentication context", "authentication contexts")
	add(c.Groups, "group", "groups")
	if len(parts) == 0 {
		return "no objects"
	}
	return strings.Join(parts, ", ")
}
