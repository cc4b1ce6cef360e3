// Package authn owns bearer authentication: access tokens (JWT ES256 signed
// by an HSM key and registered, so they can be revoked), refresh tokens
// (kept only as a MAC) and their grants, the Principal a valid token
// speaks for, and revocation (RFC 7009). Who may get a token - password,
// OAuth client, PIN and OTP - is decided by its callers.
package authn
