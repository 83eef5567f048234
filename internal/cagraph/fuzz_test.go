package cagraph

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodePolicy feeds the policy reader arbitrary bytes in both modes:
// it must never panic, and whatever it accepts strictly must write back to
// JSON that reads strictly again. Seeded from the shared exports.
func FuzzDecodePolicy(f *testing.F) {
	seeds, _ := filepath.Glob("../../../shared/data/ca-policies/*/PolicyRepository/*/*.json")
	for i, p := range seeds {
		if i >= 20 {
			break
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"displayName":"x","state":"enabled","conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]}},"grantControls":{"operator":"OR","builtInControls":["mfa"]}}`))
	f.Add([]byte(`{"conditions":{"users":{"includeGuestsOrExternalUsers":{"guestOrExternalUserTypes":"internalGuest,serviceProvider"}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = DecodePolicy(b, Lenient)
		p, _, err := DecodePolicy(b, Strict)
		if err != nil {
			return
		}
		out, err := MarshalPolicy(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := DecodePolicy(out, Strict); err != nil {
			t.Fatalf("re-reading %s: %v", out, err)
		}
	})
}

// FuzzDecodeWhatIf: the What If reader never panics.
func FuzzDecodeWhatIf(f *testing.F) {
	f.Add([]byte(`{"signInIdentity":{"@odata.type":"#microsoft.graph.userSignIn","userId":"u"},"signInContext":{"@odata.type":"#microsoft.graph.authContext","authenticationContextValue":"c1"},"signInConditions":{"ipAddress":"::1","country":"US","deviceInfo":{"isCompliant":true}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeWhatIf(b, Strict)
		_, _ = DecodeWhatIf(b, Lenient)
		_, _, _ = DecodeNamedLocation(b, Strict)
		_, _, _ = DecodeStrength(b, Lenient)
	})
}
