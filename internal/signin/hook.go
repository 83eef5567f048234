package signin

import (
	"context"

	"github.com/strongroom-id/strongroom/internal/directory"
)

// SignedInHook runs inside the transaction of every sign-in that completes
// a session, after the sign-in is logged; an error aborts the sign-in.
// Privileged Identity Management uses it to alert on emergency-access
// accounts in the same transaction, so that no alert is lost.
type SignedInHook func(ctx context.Context, tx Tx, u directory.User, r Record) error

// SetOnSignedIn installs the hook (before the service serves requests).
func (s *Service) SetOnSignedIn(h SignedInHook) { s.onSignedIn = h }
