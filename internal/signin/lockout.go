package signin

import "context"

// recordLocked writes a refused attempt on a locked account or address to
// the sign-in log (Entra's error 50053), so that the log has every
// attempt. It does not count as a further failure.
func (s *Service) recordLocked(ctx context.Context, c Client, upn string) error {
	u, err := s.findUser(ctx, upn)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		r := s.newRecord(tx.Now(), c, upn, u)
		r.Status = Status{ErrorCode: ErrAccountLocked, FailureReason: "The account or address is locked: too many failed sign-in attempts."}
		r.ConditionalAccessStatus = "notApplied"
		return tx.AddSignIn(ctx, r)
	})
}
