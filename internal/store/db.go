package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strongroom-id/strongroom/internal/apperr"
	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/clock"
)

// Dialect is what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered placeholders ($1, $2, …) instead of ?.
	Numbered bool
	// Time converts a time for use as a query argument.
	Time func(time.Time) any
	// Translate maps a driver error to an application error by its code,
	// or returns nil when it does not know the error.
	Translate func(error) error
	// ForUpdate is appended to a SELECT that locks the rows it reads
	// (empty for SQLite, whose write transactions are already exclusive).
	ForUpdate string
	// Migrations lists the embedded migrations, in order.
	Migrations []Migration
	// MigrationsTable is the DDL that creates the migrations table.
	MigrationsTable string
	// LockMigrations serialises migration runs across processes on conn
	// and returns the function that releases the lock.
	LockMigrations func(ctx context.Context, conn *sql.Conn) (func(), error)
	// CacheStatements keeps prepared statements by query text. SQLite
	// (modernc.org/sqlite) spends most of a small query parsing its SQL;
	// pgx caches statements itself.
	CacheStatements bool
	// GroupCommit lets queued write transactions share one commit
	// (group.go): for SQLite, whose single writer makes them queue.
	GroupCommit bool
}

// DB is the database. Reads outside a transaction use the reader pool;
// writes happen in InTx on the writer pool (one connection for SQLite, so
// writes are serialised; the same pool for PostgreSQL).
type DB struct {
	conn
	writer  *sql.DB
	reader  *sql.DB
	clock   clock.Clock
	version string
	// writerStmts caches statements prepared on the writer pool, for
	// transactions; the reader's cache is in conn.
	writerStmts *stmtCache
	// closers run first on Close (a dialect's background work).
	closers []func()
	// group commits queued transactions together (Dialect.GroupCommit).
	group *committer
}

// Options configure a DB.
type Options struct {
	Clock      clock.Clock
	AppVersion string
}

// New returns a DB over the given pools (which may be the same).
func New(writer, reader *sql.DB, d *Dialect, o Options) *DB {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	db := &DB{conn: conn{x: reader, d: d}, writer: writer, reader: reader, clock: o.Clock, version: o.AppVersion}
	if d.CacheStatements {
		db.conn.stmts = &stmtCache{pool: reader}
		db.writerStmts = &stmtCache{pool: writer}
	}
	if d.GroupCommit {
		db.group = &committer{db: db}
	}
	return db
}

// OnClose registers f to run first when the DB is closed, before its
// pools close (a dialect stops its background work there).
func (db *DB) OnClose(f func()) { db.closers = append(db.closers, f) }

// Dialect returns the database dialect's name.
func (db *DB) Dialect() string { return db.d.Name }

// Clock returns the clock transactions take their time from.
func (db *DB) Clock() clock.Clock { return db.clock }

// Close closes the pools.
func (db *DB) Close() error {
	for _, f := range db.closers {
		f()
	}
	db.closers = nil
	db.conn.stmts.close()
	db.writerStmts.close()
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.reader.PingContext(ctx)
}

// Tx is one database transaction.
type Tx struct {
	conn
	tx     *sql.Tx
	now    time.Time
	events []audit.Event
	after  []func()
}

// Now is the transaction's time, taken once when it began.
func (tx *Tx) Now() time.Time { return tx.now }

// Audit queues an audit event; it is appended to the chain when the
// transaction commits, and discarded if it rolls back.
func (tx *Tx) Audit(e audit.Event) { tx.events = append(tx.events, e) }

// AfterCommit registers fn to run after a successful commit (for example to
// wake a background worker).
func (tx *Tx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// InTx runs fn in a transaction and commits it when fn returns nil.
// With group commit, fn runs in a savepoint of a transaction it may share
// with transactions queued behind it; InTx returns once that transaction
// has committed (see group.go).
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	if db.group != nil {
		return db.group.inTx(ctx, fn)
	}
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return db.translate(err)
	}
	tx := db.newTx(sqlTx, false)
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if len(tx.events) > 0 {
		if err = tx.appendAudit(ctx); err != nil {
			return err
		}
	}
	if err = sqlTx.Commit(); err != nil {
		return db.translate(err)
	}
	// The writer's connection is free again: prepare what the
	// transaction could not find in the cache.
	db.writerStmts.prepare(ctx, tx.conn.missed)
	for _, f := range tx.after {
		f()
	}
	return nil
}

// newTx wraps a transaction on the writer's connection, with the time
// taken now; detach is for a transaction shared by group commit.
func (db *DB) newTx(sqlTx *sql.Tx, detach bool) *Tx {
	return &Tx{conn: conn{x: sqlTx, d: db.d, stmts: db.writerStmts, tx: sqlTx, detach: detach}, tx: sqlTx, now: db.clock.Now().UTC().Truncate(time.Microsecond)}
}

// conn runs queries on a pool or a transaction, rebinding placeholders and
// converting arguments for the dialect.
type conn struct {
	x interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	d *Dialect
	// stmts, when set, caches prepared statements (see
	// Dialect.CacheStatements). In a transaction, tx is set and cached
	// statements are bound to it.
	stmts *stmtCache
	tx    *sql.Tx
	// missed lists query texts a transaction did not find in the cache;
	// they are prepared after it commits, when the writer's only
	// connection is free (preparing during it would wait for itself).
	missed []string
	// detach runs statements without the caller's cancellation: in a
	// shared transaction, an interrupted write would roll back everyone's
	// work (SQLite rolls the whole transaction back), so a member is only
	// refused before it starts.
	detach bool
}

func (c *conn) ctx(ctx context.Context) context.Context {
	if c.detach {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

var rebound sync.Map // query text → numbered form

func (c *conn) rebind(q string) string {
	if !c.d.Numbered {
		return q
	}
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	s := b.String()
	rebound.Store(q, s)
	return s
}

func (c *conn) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = c.d.Time(v.UTC().Truncate(time.Microsecond))
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = c.d.Time(v.UTC().Truncate(time.Microsecond))
			}
		}
	}
	return args
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = c.ctx(ctx)
	q = c.rebind(q)
	if st := c.stmt(ctx, q); st != nil {
		r, err := st.ExecContext(ctx, c.args(args)...)
		return r, c.translate(err)
	}
	r, err := c.x.ExecContext(ctx, q, c.args(args)...)
	return r, c.translate(err)
}

func (c *conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = c.ctx(ctx)
	q = c.rebind(q)
	if st := c.stmt(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, c.args(args)...)
		return rows, c.translate(err)
	}
	rows, err := c.x.QueryContext(ctx, q, c.args(args)...)
	return rows, c.translate(err)
}

func (c *conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = c.ctx(ctx)
	q = c.rebind(q)
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, c.args(args)...)
	}
	return c.x.QueryRowContext(ctx, q, c.args(args)...)
}

// stmt returns the cached prepared statement for q (bound to the
// transaction, in one), or nil to run q unprepared.
func (c *conn) stmt(ctx context.Context, q string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	if c.tx != nil {
		st := c.stmts.lookup(q)
		if st == nil {
			c.missed = append(c.missed, q)
			return nil
		}
		return c.tx.StmtContext(ctx, st)
	}
	return c.stmts.get(ctx, q)
}

// maxCachedStatements bounds a cache: queries built with a varying number
// of placeholders must not grow it without end.
const maxCachedStatements = 512

// stmtCache holds statements prepared on one pool, by query text.
type stmtCache struct {
	pool *sql.DB
	m    sync.Map // query text → *sql.Stmt
	n    atomic.Int32
}

func (c *stmtCache) lookup(q string) *sql.Stmt {
	if v, ok := c.m.Load(q); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// get returns the statement for q, preparing it when there is room; nil
// when it cannot (the caller runs q unprepared, and reports its error).
// No lock is held while preparing, which may wait for a connection.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if st := c.lookup(q); st != nil {
		return st
	}
	if c.n.Load() >= maxCachedStatements {
		return nil
	}
	st, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if v, loaded := c.m.LoadOrStore(q, st); loaded {
		_ = st.Close()
		return v.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// prepare fills the cache with qs (best effort).
func (c *stmtCache) prepare(ctx context.Context, qs []string) {
	if c == nil {
		return
	}
	for _, q := range qs {
		c.get(ctx, q)
	}
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.m.Range(func(_, v any) bool {
		_ = v.(*sql.Stmt).Close()
		return true
	})
}

// translate maps driver errors to application errors by code.
func (c *conn) translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, apperr.NotFound, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if t := c.d.Translate(err); t != nil {
		return t
	}
	return apperr.Wrap(err, apperr.Internal, "database error")
}

// scanner is satisfied by *sql.Row and *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// one runs a query expected to return one row and scans it with scan;
// no row is apperr.NotFound.
func one[T any](ctx context.Context, c *conn, scan func(scanner) (T, error), q string, args ...any) (T, error) {
	v, err := scan(c.queryRow(ctx, q, args...))
	if err != nil {
		var zero T
		return zero, c.translate(err)
	}
	return v, nil
}

// list runs a query and scans every row.
func list[T any](ctx context.Context, c *conn, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, c.translate(err)
		}
		out = append(out, v)
	}
	return out, c.translate(rows.Err())
}

// affected turns "no row changed" into NotFound.
func affected(r sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "database error")
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "not found")
	}
	return nil
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anyArgs converts a string slice to query arguments.
func anyArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// where builds a conjunction of conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) in(col string, vals []string) {
	w.add(fmt.Sprintf("%s IN (%s)", col, placeholders(len(vals))), anyArgs(vals)...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit returns a LIMIT clause for n (0: no limit).
func limit(n int) string {
	if n <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(n)
}

// ExecForTest runs a statement in the transaction. It exists for the
// conformance suite, to prove that the database itself refuses changes
// that Strongroom's code never makes.
func (tx *Tx) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}
