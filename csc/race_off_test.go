//go:build !race

package csc_test

const raceEnabled = false
