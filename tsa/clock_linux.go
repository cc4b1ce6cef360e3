package tsa

import (
	"time"

	"golang.org/x/sys/unix"
)

func readKernelClock() (kernelClock, error) {
	var tx unix.Timex // Modes 0: read only
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return kernelClock{}, err
	}
	return kernelClock{state: state, unsync: tx.Status&unix.STA_UNSYNC != 0, maxError: time.Duration(tx.Maxerror) * time.Microsecond}, nil
}
