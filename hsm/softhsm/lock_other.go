//go:build !unix

package softhsm

// Lock is a no-op where flock(2) does not exist: share a token directory
// between processes only on Unix.
func (t Token) Lock() (unlock func(), err error) { return func() {}, nil }
