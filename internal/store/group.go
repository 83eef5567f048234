package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit (SQLite).
//
// SQLite has one writer at a time, and most of a small write
// transaction's cost is its commit: one WAL frame (two system calls) for
// every page it touched. When transactions queue for the writer, the
// group shares one database transaction and one commit instead: each runs
// its function in a savepoint of the open transaction, on its own
// goroutine, and the last of the queue (or the one that fills the group)
// commits for all. Nobody returns before the commit that holds its work,
// so an answer is never given for a write that could still be lost, and a
// failing function rolls back its own savepoint only. Without a queue (one
// request at a time) it is an ordinary transaction.
//
// The functions of one group run one after the other, each seeing the
// work of those before it, exactly as if each had committed in turn; they
// commit together or fail together (a failed commit fails every member).

const (
	// maxGroup bounds how many transactions share a commit, so that
	// under continuous load every member still commits soon.
	maxGroup = 32
	// maxGroupAge bounds how long the first member waits for the group
	// to commit, whatever the queue.
	maxGroupAge = 5 * time.Millisecond
)

// errGroupRolledBack is what a group's done channel carries when its only
// member failed (nobody waits for it; the member returns its own error).
var errGroupRolledBack = errors.New("store: transaction rolled back")

type committer struct {
	db *DB
	// mu is held while a member runs on the writer's connection (and
	// while a group begins or commits).
	mu sync.Mutex
	// queued counts the callers waiting for mu or holding it.
	queued atomic.Int32
	// open is the group whose transaction is open, if any (guarded by mu).
	open *group
	// commits and members count committed groups and their members.
	commits, members atomic.Int64
}

// CommitStats reports how many write transactions have committed and in
// how many commits (fewer with group commit under load). Without group
// commit (PostgreSQL) both are zero.
func (db *DB) CommitStats() (transactions, commits int64) {
	if db.group == nil {
		return 0, 0
	}
	return db.group.members.Load(), db.group.commits.Load()
}

// group is one shared transaction.
type group struct {
	tx      *sql.Tx
	members int
	began   time.Time
	missed  []string // statements to prepare once the connection is free
	done    chan struct{}
	err     error // the commit's outcome, set before done is closed
}

// inTx runs fn as a member of the open group (or of a new one).
func (c *committer) inTx(ctx context.Context, fn func(*Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.queued.Add(1)
	c.mu.Lock()
	// leave is what every way out does while holding mu: stop counting
	// as queued, then commit the open group if nobody else will.
	leave := func() {
		c.queued.Add(-1)
		if g := c.open; g != nil && (c.queued.Load() == 0 || g.members >= maxGroup || time.Since(g.began) >= maxGroupAge) {
			c.commit(g)
		}
		c.mu.Unlock()
	}
	if err := ctx.Err(); err != nil {
		leave()
		return err
	}
	g := c.open
	first := g == nil
	if first {
		sqlTx, err := c.db.writer.BeginTx(context.Background(), nil)
		if err != nil {
			leave()
			return c.db.translate(err)
		}
		g = &group{tx: sqlTx, began: time.Now(), done: make(chan struct{})}
		c.open = g
	}
	tx := c.db.newTx(g.tx, true)
	if !first {
		if _, err := tx.exec(ctx, "SAVEPOINT member"); err != nil {
			// The group's transaction is unusable: it fails as a whole.
			c.fail(g, err)
			leave()
			return err
		}
	}
	finished := false
	defer func() {
		if finished {
			return
		}
		// fn panicked (or exited its goroutine): undo its work and let
		// the panic go on.
		c.undo(ctx, g, tx, first)
		leave()
	}()
	err = fn(tx)
	if err == nil && len(tx.events) > 0 {
		err = tx.appendAudit(ctx)
	}
	finished = true
	if err != nil {
		c.undo(ctx, g, tx, first)
		leave()
		return err
	}
	if !first {
		if _, rerr := tx.exec(ctx, "RELEASE member"); rerr != nil {
			c.fail(g, rerr)
		}
	}
	g.members++
	g.missed = append(g.missed, tx.conn.missed...)
	leave()
	<-g.done
	if g.err != nil {
		return g.err
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// undo rolls back the work of member tx: its savepoint, or the whole
// transaction when it was the first (and so far only) member.
func (c *committer) undo(ctx context.Context, g *group, tx *Tx, first bool) {
	if first {
		c.fail(g, errGroupRolledBack)
		return
	}
	if c.open != g {
		return // already failed as a whole
	}
	// ROLLBACK TO keeps the savepoint; RELEASE ends it. If SQLite has
	// already rolled the whole transaction back (some I/O errors do),
	// there is no savepoint and the group fails.
	for _, q := range []string{"ROLLBACK TO member", "RELEASE member"} {
		if _, err := tx.exec(ctx, q); err != nil {
			c.fail(g, err)
			return
		}
	}
	g.missed = append(g.missed, tx.conn.missed...)
}

// fail ends g without committing: every member waiting for it gets err.
func (c *committer) fail(g *group, err error) {
	if c.open != g {
		return
	}
	_ = g.tx.Rollback()
	c.open = nil
	g.err = err
	close(g.done)
}

// commit commits g for all its members, then prepares the statements
// they missed while the writer's connection was theirs.
func (c *committer) commit(g *group) {
	c.commits.Add(1)
	c.members.Add(int64(g.members))
	c.open = nil
	if err := g.tx.Commit(); err != nil {
		g.err = c.db.translate(err)
	}
	close(g.done)
	c.db.writerStmts.prepare(context.Background(), g.missed)
}

// lock keeps group transactions off the writer's connection while f runs
// on it (migrations).
func (c *committer) lock(f func() error) error {
	if c == nil {
		return f()
	}
	c.queued.Add(1)
	c.mu.Lock()
	defer func() {
		c.queued.Add(-1)
		c.mu.Unlock()
	}()
	if g := c.open; g != nil {
		c.commit(g)
	}
	return f()
}
