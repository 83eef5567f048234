package store

import "context"

// Binding adapts the DB to one service's storage port: reads go to the DB's
// reader, and InTx hands the service the transaction as its own Tx
// interface. T must be an interface that *Tx implements; the wiring package
// checks that at compile time.
type Binding[T any] struct{ *DB }

// Bind returns db bound to the port T.
func Bind[T any](db *DB) Binding[T] { return Binding[T]{db} }

// InTx runs fn in a transaction, passing the transaction as T.
func (b Binding[T]) InTx(ctx context.Context, fn func(T) error) error {
	return b.DB.InTx(ctx, func(tx *Tx) error { return fn(any(tx).(T)) })
}
