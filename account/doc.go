// Package account owns the holders' accounts: creating a holder, the
// password policy and the password throttle (per address, per user ID and
// address with growing delays, an e-mail to the holder of an account under
// attack, no lock-out a stranger can trigger, the same answers and timing
// for unknown user IDs; throttle.go), CSC auth/login with its refresh
// tokens, the authenticator apps (the signing app and the two-factor login
// app, seeds sealed in the HSM), the recovery contacts with the password
// reset and user ID reminder through them (recovery.go), the OTP channel
// settings and the rest of the self-service the web portal offers
// (language, password change, certificate e-mail address, PIN change),
// with the SMS and e-mail texts those changes send.
//
// A holder's credentials, PIN and signing OTP check are the signature
// activation module's: account reaches them only through the SAM interface
// it declares (ownership, the holder's OTP, the PIN change). Web sessions
// are the portal's.
package account
