//go:build !linux

package tsa

import "errors"

func readKernelClock() (kernelClock, error) {
	return kernelClock{}, errors.New("the kernel clock state can be read on Linux only; configure tsa.clock \"unchecked\" and discipline the clock otherwise")
}
