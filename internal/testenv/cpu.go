package testenv

import (
	"syscall"
	"time"
)

// CPUTime is the process's CPU time so far, every thread (the garbage
// collector and background work included). Benchmarks report CPU time
// per operation from it: on a shared machine wall time swings with other
// load, and CPU time per operation is what "per core" means.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
