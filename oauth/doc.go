// Package oauth is the OAuth 2.0 authorization server of the CSC API
// (spec 8.4): client registration, the authorization code flow with PKCE
// (S256 only), pushed authorization requests (RFC 9126), service and
// credential scopes (with RAR authorization_details), the transactions a
// user completes in the browser, single-use codes, the token and refresh
// grants and revocation (RFC 7009).
//
// It owns no credential: the holder's password is checked by the account
// rules (Accounts) and the PIN/OTP check and the SAD behind a
// credential-scope token are the signature activation module's (SAM).
// Its refusals are errs.Error values carrying the RFC 6749 code (errs.OAuth)
// with catalogue messages; the csc edge turns them into redirects or JSON.
package oauth
