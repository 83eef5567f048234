package privilege

import (
	"context"

	"github.com/strongroom-id/strongroom/internal/directory"
)

// memoTx remembers the users and groups a transaction looked up: a
// decision reads the same principal for the rules, the audit targets and
// the notifications, and the expiry job reads each holder several times.
// Nothing in PIM's transactions changes users or groups, so the memory is
// exact for the transaction's life.
type memoTx struct {
	Tx
	users  map[string]userResult
	groups map[string]groupResult
}

type userResult struct {
	u   directory.User
	err error
}

type groupResult struct {
	g   directory.Group
	err error
}

func memo(tx Tx) *memoTx {
	if m, ok := tx.(*memoTx); ok {
		return m
	}
	return &memoTx{Tx: tx, users: map[string]userResult{}, groups: map[string]groupResult{}}
}

func (m *memoTx) FindUserByID(ctx context.Context, id string) (directory.User, error) {
	if r, ok := m.users[id]; ok {
		return r.u, r.err
	}
	u, err := m.Tx.FindUserByID(ctx, id)
	m.users[id] = userResult{u, err}
	return u, err
}

func (m *memoTx) FindGroupByID(ctx context.Context, id string) (directory.Group, error) {
	if r, ok := m.groups[id]; ok {
		return r.g, r.err
	}
	g, err := m.Tx.FindGroupByID(ctx, id)
	m.groups[id] = groupResult{g, err}
	return g, err
}
