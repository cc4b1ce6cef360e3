// Package history owns the holder's signing history: recording each
// signature batch off the signing path (Recorder: a bounded queue drained
// by one goroutine it owns, with Flush and Close), the signing report with
// its filters, the daily summary e-mail and the ecological footprint of the
// signatures made. It never signs and never sees a PIN, an OTP or a SAD: the
// signature activation module only tells it, through a one-method
// interface, that a batch was signed.
package history
