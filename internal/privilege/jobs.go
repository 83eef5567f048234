package privilege

import (
	"context"
	"log/slog"
	"time"

	"github.com/strongroom-id/strongroom/internal/audit"
	"github.com/strongroom-id/strongroom/internal/pim"
)

// ExpireBatch is how many ended assignments one transaction removes.
const ExpireBatch = 100

// ExpireDue removes the assignments that reached their end (activations,
// and time-bound eligible and active assignments), audits each with
// Entra's activity ("Remove member from role (PIM activation expired)")
// and tells the holder. It runs batch after batch until none is left and
// returns how many it removed. Several processes may run it at once: each
// batch locks its rows and skips those another holds, and a row is removed
// (and audited, and notified) only by the transaction that deletes it.
//
// The role stopped working at its end already; this only cleans up.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	ctx = systemContext(ctx)
	total := 0
	for {
		n := 0
		err := s.d.Store.InTx(ctx, func(t Tx) error {
			tx := memo(t)
			now := tx.Now()
			recs, err := tx.ClaimEndedSchedules(ctx, now, ExpireBatch)
			if err != nil {
				return err
			}
			n = len(recs)
			cache := map[string]pim.Settings{}
			for _, rec := range recs {
				if err := s.expire(ctx, tx, rec, now, cache); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < ExpireBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

func (s *Service) expire(ctx context.Context, tx Tx, rec ScheduleRecord, now time.Time, cache map[string]pim.Settings) error {
	sch := rec.Schedule(false)
	act, notice, err := pim.End(sch, now)
	if err != nil {
		return err
	}
	if err := s.d.Directory.UnassignInTx(ctx, tx, rec.RoleAssignment); err != nil {
		return err
	}
	if err := tx.MarkScheduleRemoved(ctx, rec.ID, now); err != nil {
		return err
	}
	settings, ok := cache[rec.RoleDefinitionID]
	if !ok {
		if settings, _, err = settingsFor(ctx, tx, rec.RoleDefinitionID); err != nil {
			return err
		}
		cache[rec.RoleDefinitionID] = settings
	}
	req := pim.Request{ID: rec.CreatedUsing, Level: sch.Level, PrincipalID: rec.PrincipalID, RoleDefinitionID: rec.RoleDefinitionID,
		DirectoryScopeID: "/", TargetScheduleID: rec.ID, ActivatedUsing: rec.ActivatedUsing, Status: pim.StatusProvisioned}
	props := []audit.ModifiedProperty{audit.Change("Role.DisplayName", roleName(rec.RoleDefinitionID), nil), audit.Change("Role.TemplateId", rec.RoleDefinitionID, nil)}
	e := audit.New(ctx, act, principalTarget(ctx, tx, rec.PrincipalID, props), roleTarget(rec.RoleDefinitionID)).
		Detail("ScheduleId", rec.ID).Detail("StartTime", timeString(&sch.Start)).Detail("ExpirationTime", timeString(sch.End))
	if rec.CreatedUsing != "" {
		e = e.Detail("RequestId", rec.CreatedUsing)
	}
	tx.Audit(e)
	return s.notify(ctx, tx, settings, req, &sch, []pim.Notice{notice})
}

// TimeOutDue ends the approval requests nobody decided within 24 hours
// ("PIM activation request expired") and tells the requesters. Like
// ExpireDue it is safe to run in several processes at once.
func (s *Service) TimeOutDue(ctx context.Context) (int, error) {
	ctx = systemContext(ctx)
	total := 0
	for {
		n := 0
		err := s.d.Store.InTx(ctx, func(tx Tx) error {
			now := tx.Now()
			rs, err := tx.ClaimExpiredRequests(ctx, now, ExpireBatch)
			if err != nil {
				return err
			}
			n = len(rs)
			for _, r := range rs {
				o, err := pim.TimeOut(r, now)
				if err != nil {
					return err
				}
				settings, _, err := settingsFor(ctx, tx, r.RoleDefinitionID)
				if err != nil {
					return err
				}
				if _, err := s.apply(ctx, tx, o, settings, r.Status); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < ExpireBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// NextEnder is what the job loop asks to sleep until the next end.
type NextEnder interface {
	NextScheduleEnd(ctx context.Context) (*time.Time, error)
}

// RunJobs runs ExpireDue and TimeOutDue until ctx ends: every poll, and
// sooner when the next assignment ends before that (so that removal
// follows an end within moments). Kick wakes it at once.
func (s *Service) RunJobs(ctx context.Context, poll time.Duration, next NextEnder, log *slog.Logger, kick <-chan struct{}) {
	for {
		if n, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pim: removing ended assignments", "err", err)
		} else if n > 0 {
			log.Info("pim: removed ended assignments", "count", n)
		}
		if n, err := s.TimeOutDue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pim: expiring undecided requests", "err", err)
		} else if n > 0 {
			log.Info("pim: expired undecided requests", "count", n)
		}
		wait := poll
		if next != nil {
			if t, err := next.NextScheduleEnd(ctx); err == nil && t != nil {
				if d := t.Sub(s.d.Now()); d < wait {
					wait = max(d, 5*time.Millisecond)
				}
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-kick:
		case <-timer.C:
		}
		timer.Stop()
	}
}
