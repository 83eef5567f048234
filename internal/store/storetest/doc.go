// Package storetest is the storage conformance suite: one set of tests that
// every dialect of package store must pass, in the manner of
// testing/slogtest. The sqlite and postgres packages run it from their own
// tests.
package storetest
