package signin

import (
	"context"
	"slices"

	"github.com/strongroom-id/strongroom/internal/session"
)

// Check decides whether an existing, complete session meets what
// client.Target requires now (an application's Conditional Access
// policies, or an authentication context for a step-up) without a new
// proof. When it does and the target is an authentication context, the
// context is recorded in the session with the time. Every check is logged
// like a sign-in (an unmet one as interrupted, a blocked one as failure).
func (s *Service) Check(ctx context.Context, c Client, sess session.Session) (Result, error) {
	var res Result
	err := s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.FindUserByID(ctx, sess.UserID)
		if err != nil {
			return err
		}
		groups, err := groupIDs(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		dec, err := s.decide(ctx, tx, c, u, groups, sess)
		if err != nil {
			return err
		}
		res = Result{Session: sess, User: u, Decision: dec}
		r := s.newRecord(tx.Now(), c, u.UserPrincipalName, &u)
		for _, pr := range sess.Proofs {
			r.AuthenticationMethodsUsed = appendUnique(r.AuthenticationMethodsUsed, MethodName(pr.Mode))
			r.AuthenticationDetails = append(r.AuthenticationDetails, AuthenticationDetail{AuthenticationMethod: MethodName(pr.Mode),
				AuthenticationStepDateTime: pr.Time, Succeeded: true, AuthenticationStepResultDetail: "Previously satisfied"})
		}
		if sess.Evidence().IsMultifactor() {
			r.AuthenticationRequirement = "multiFactorAuthentication"
		}
		r.AppliedConditionalAccessPolicies = dec.Applied
		if r.AppliedConditionalAccessPolicies == nil {
			r.AppliedConditionalAccessPolicies = []AppliedPolicy{}
		}
		r.ConditionalAccessStatus = dec.CAStatus
		switch {
		case dec.Blocked:
			res.Status = StatusBlocked
			r.Status = Status{ErrorCode: ErrBlockedByPolicy, FailureReason: "Access has been blocked by Conditional Access policies.", AdditionalDetails: dec.BlockedBy}
		case dec.Satisfied:
			res.Status = StatusSignedIn
			if id := c.Target.Context; id != "" {
				sess.Contexts = slices.DeleteFunc(sess.Contexts, func(x session.Context) bool { return x.ID == id })
				sess.Contexts = append(sess.Contexts, session.Context{ID: id, Time: tx.Now()})
				if err := s.sessions.Save(ctx, tx, sess); err != nil {
					return err
				}
				res.Session = sess
				r.AuthenticationContextClassReferences = []ContextReference{{ID: id, Detail: "required"}}
			}
		default:
			res.Status = StatusAdditionalAuthenticationRequired
			r.Status = Status{ErrorCode: ErrStrongAuthRequired, FailureReason: "Strong authentication is required.", AdditionalDetails: dec.Message}
		}
		return tx.AddSignIn(ctx, r)
	})
	return res, err
}
