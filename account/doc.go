// Package account owns the holders' accounts: creating a holder, the
// password policy and the login lockout (failures counted, accounts locked,
// flat timing for unknown user IDs), CSC auth/login with its refresh
// tokens, the authenticator apps (the signing app and the two-factor login
// app, seeds sealed in the HSM), the recovery contacts, the OTP channel
// settings and the rest of the self-service the web portal offers
// (language, password change, certificate e-mail address, PIN change),
// with the SMS and e-mail texts those changes send.
//
// A holder's credentials, PIN and signing OTP check are the signature
// activation module's: account reaches them only through the SAM interface
// it declares (ownership, the holder's OTP, the PIN change). Web sessions
// are the portal's.
package account
