package tsa

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ClockCheck tells whether the clock that dates tokens can be trusted now.
// ETSI EN 319 421 (7.7.2) asks a TSA to stop issuing time-stamps when its
// time may be out of the stated accuracy; the TSA asks before every token.
type ClockCheck interface {
	ClockTrusted(ctx context.Context) error
}

// ErrClockUntrusted is wrapped by a ClockCheck's refusal.
var ErrClockUntrusted = errors.New("the clock is not trustworthy")

// KernelClock trusts the system clock only while the kernel says an external
// discipline (NTP, PTP, chrony, systemd-timesyncd) keeps it synchronised and
// its maximum error stays within MaxError (the accuracy the tokens state):
// adjtimex(2), the same state `timedatectl` reports as "System clock
// synchronized".
type KernelClock struct {
	MaxError time.Duration
}

// ClockTrusted reads the kernel's clock discipline.
func (k KernelClock) ClockTrusted(context.Context) error {
	st, err := readKernelClock()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrClockUntrusted, err)
	}
	return judgeKernelClock(st, k.MaxError)
}

// kernelClock is what adjtimex reports.
type kernelClock struct {
	state    int           // TIME_OK, TIME_INS, ..., TIME_ERROR
	unsync   bool          // STA_UNSYNC: no discipline is running
	maxError time.Duration // the kernel's bound of the clock's error
}

const timeError = 5 // TIME_ERROR: the clock is not synchronised

func judgeKernelClock(st kernelClock, limit time.Duration) error {
	switch {
	case st.state == timeError || st.unsync:
		return fmt.Errorf("%w: the kernel reports the clock unsynchronised (no NTP/PTP discipline)", ErrClockUntrusted)
	case limit > 0 && st.maxError > limit:
		return fmt.Errorf("%w: the kernel's maximum clock error %s exceeds the stated accuracy %s", ErrClockUntrusted, st.maxError, limit)
	}
	return nil
}

// UncheckedClock trusts the clock without asking: for development machines
// and tests whose clocks no NTP disciplines. The composition root logs a
// warning when it is in use.
type UncheckedClock struct{}

// ClockTrusted always trusts.
func (UncheckedClock) ClockTrusted(context.Context) error { return nil }
