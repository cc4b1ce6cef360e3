package msg

// The error_description texts of the OAuth 2.0 authorization server (RFC
// 6749 section 4.1.2.1 and 5.2). Clients read the English text; the
// Italian one is for the page a user sees when nobody can be redirected.
const (
	OAuthMissingParam          ID = "oauth.err.missing-param"
	OAuthInvalidParam          ID = "oauth.err.invalid-param"
	OAuthClientIsPublic        ID = "oauth.err.client-is-public"
	OAuthClientAuthRequired    ID = "oauth.err.client-auth-required"
	OAuthRequestURINotAllowed  ID = "oauth.err.request-uri-not-allowed"
	OAuthRequestURIInvalid     ID = "oauth.err.request-uri-invalid"
	OAuthRedirectNotRegistered ID = "oauth.err.redirect-not-registered"
	OAuthResponseTypeCode      ID = "oauth.err.response-type-code"
	OAuthPKCERequired          ID = "oauth.err.pkce-required"
	OAuthChallengeMethod       ID = "oauth.err.challenge-method"
	OAuthDetailsOneCredential  ID = "oauth.err.details-one-credential"
	OAuthDetailsInvalid        ID = "oauth.err.details-invalid"
	OAuthScopeUnknown          ID = "oauth.err.scope-unknown"
	OAuthHashesInvalid         ID = "oauth.err.hashes-invalid"
	OAuthMoreHashes            ID = "oauth.err.more-hashes"
	OAuthNeedsCredential       ID = "oauth.err.needs-credential"
	OAuthQualifier             ID = "oauth.err.qualifier"
	OAuthTooManySignatures     ID = "oauth.err.too-many-signatures"
	OAuthCodeInvalid           ID = "oauth.err.code-invalid"
	OAuthRedirectMismatch      ID = "oauth.err.redirect-mismatch"
	OAuthVerifierMismatch      ID = "oauth.err.verifier-mismatch"
)

var oauthErrorMessages = map[ID][2]string{
	OAuthMissingParam:          {"Missing parameter %s", "Manca il parametro %s"},
	OAuthInvalidParam:          {"Invalid parameter %s", "Parametro %s non valido"},
	OAuthClientIsPublic:        {"This client is public and has no secret", "Questo client è pubblico e non ha un segreto"},
	OAuthClientAuthRequired:    {"Client authorization required", "È richiesta l'autenticazione del client"},
	OAuthRequestURINotAllowed:  {"request_uri is not allowed in a pushed request", "request_uri non è ammesso in una richiesta inviata (PAR)"},
	OAuthRequestURIInvalid:     {"Invalid or expired request_uri", "request_uri non valido o scaduto"},
	OAuthRedirectNotRegistered: {"redirect_uri is not registered for this client", "redirect_uri non è registrato per questo client"},
	OAuthResponseTypeCode:      {"response_type must be code", "response_type deve essere code"},
	OAuthPKCERequired:          {"Missing parameter code_challenge (PKCE is required)", "Manca il parametro code_challenge (PKCE è obbligatorio)"},
	OAuthChallengeMethod:       {"code_challenge_method must be S256", "code_challenge_method deve essere S256"},
	OAuthDetailsOneCredential:  {"Invalid parameter authorization_details: one object of type credential is expected", "Parametro authorization_details non valido: è atteso un solo oggetto di tipo credential"},
	OAuthDetailsInvalid:        {"Invalid parameter authorization_details: %s", "Parametro authorization_details non valido: %s"},
	OAuthScopeUnknown:          {"scope must be service or credential", "scope deve essere service o credential"},
	OAuthHashesInvalid:         {"Invalid parameter hashes: %s", "Parametro hashes non valido: %s"},
	OAuthMoreHashes:            {"More hashes than numSignatures", "Più hash che numSignatures"},
	OAuthNeedsCredential:       {"Missing parameter credentialID or signatureQualifier", "Manca il parametro credentialID o signatureQualifier"},
	OAuthQualifier:             {"Invalid parameter signatureQualifier: this service issues eu_eidas_qes signatures", "Parametro signatureQualifier non valido: questo servizio produce firme eu_eidas_qes"},
	OAuthTooManySignatures:     {"Numbers of signatures is too high", "Il numero di firme è troppo alto"},
	OAuthCodeInvalid:           {"Authorization code is invalid or expired", "Il codice di autorizzazione non è valido o è scaduto"},
	OAuthRedirectMismatch:      {"redirect_uri parameter does not match", "Il parametro redirect_uri non corrisponde"},
	OAuthVerifierMismatch:      {"code_verifier does not match the code_challenge", "code_verifier non corrisponde a code_challenge"},
}
