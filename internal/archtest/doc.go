// Package archtest holds the architecture tests: the import rules of
// STYLE.md, checked on every test run, and the rule that every package has
// a doc.go. It has no code of its own.
package archtest
