package passkey

import (
	"slices"
	"strings"
)

// KnownAuthenticator is one entry of the built-in table of well-known
// authenticator models.
type KnownAuthenticator struct {
	AAGUID string
	Model  string
}

// KnownModels returns the built-in table of well-known authenticator
// models, sorted by model name then AAGUID: what an administrator can pick
// from when no FIDO metadata is configured.
func KnownModels() []KnownAuthenticator {
	out := make([]KnownAuthenticator, 0, len(knownModels))
	for a, m := range knownModels {
		out = append(out, KnownAuthenticator{AAGUID: a, Model: m})
	}
	slices.SortFunc(out, func(x, y KnownAuthenticator) int {
		if c := strings.Compare(x.Model, y.Model); c != 0 {
			return c
		}
		return strings.Compare(x.AAGUID, y.AAGUID)
	})
	return out
}
