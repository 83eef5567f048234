package signin

import "time"

// Throttle is the failure count for one key (a user, a client address).
type Throttle struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
}

// ThrottlePolicy says how many failures a key may have and how long it is
// locked after that, like Entra's smart lockout (10 failures, then one
// minute, longer on repeats).
type ThrottlePolicy struct {
	Threshold int           // failures allowed within Window
	Window    time.Duration // failures older than this are forgotten
	BaseLock  time.Duration // first lockout
	MaxLock   time.Duration // longest lockout
}

// Throttle policies for sign-in secrets.
var (
	// UserThrottle guards one account against guessing, from anywhere.
	UserThrottle = ThrottlePolicy{Threshold: 10, Window: 30 * time.Minute, BaseLock: time.Minute, MaxLock: time.Hour}
	// AddrThrottle guards against one address spraying many accounts.
	AddrThrottle = ThrottlePolicy{Threshold: 50, Window: 10 * time.Minute, BaseLock: 10 * time.Minute, MaxLock: time.Hour}
)

// Locked reports whether t is locked at now, and for how long still.
func (p ThrottlePolicy) Locked(t Throttle, now time.Time) (bool, time.Duration) {
	if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
		return true, t.LockedUntil.Sub(now)
	}
	return false, 0
}

// LockFor returns how long a key with failures failures is locked: nothing
// below the threshold, then BaseLock doubling with each further failure, up
// to MaxLock.
func (p ThrottlePolicy) LockFor(failures int) time.Duration {
	if failures < p.Threshold {
		return 0
	}
	d := p.BaseLock
	for i := p.Threshold; i < failures && d < p.MaxLock; i++ {
		d *= 2
	}
	return min(d, p.MaxLock)
}
