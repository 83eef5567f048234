package config

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestDocListsEnvVars keeps the operator-facing list in doc.go in step with
// the variables Load reads.
func TestDocListsEnvVars(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	known := []string{"STRONGROOM_CONFIG"}
	for _, e := range envVars {
		known = append(known, e.name)
		if e.file {
			known = append(known, e.name+"_FILE")
		}
	}
	for _, name := range known {
		if !regexp.MustCompile(`\b` + name + `\b`).Match(doc) {
			t.Errorf("doc.go does not list %s", name)
		}
	}
	for _, name := range regexp.MustCompile(`\bSTRONGROOM_[A-Z_]*[A-Z]\b`).FindAllString(string(doc), -1) {
		if name != "STRONGROOM_X" && name != "STRONGROOM_X_FILE" && !slices.Contains(known, name) {
			t.Errorf("doc.go lists %s, which Load does not read", name)
		}
	}
}
