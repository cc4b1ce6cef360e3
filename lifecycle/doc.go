// Package lifecycle owns the status of holders' certificates: suspend,
// reactivate, revoke and renew (by the holder with OTP and password, by an
// operator, or by the emergency code), the saga that keeps key, SADs,
// register, audit log and the holder's inbox in step, the notices it sends,
// and the periodic sweep that reconciles key destruction and orphaned
// certificates. The CSC management edge, the portal and qesctl only call
// it.
package lifecycle
