package msg

// The messages of domain errors (errs.M): what a caller reads when a request
// is refused. Their English is also CSC's error_description, so the texts of
// the CSC specification keep its words.
const (
	ContentTypeJSON             ID = "err.content-type-json"
	ContentTypeForm             ID = "err.content-type-form"
	FormUnreadable              ID = "err.form-unreadable"
	BodyUnreadable              ID = "err.body-unreadable"
	BodyTooLarge                ID = "err.body-too-large"
	BodyNotJSON                 ID = "err.body-not-json"
	BodyNotObject               ID = "err.body-not-object"
	BodyTooDeep                 ID = "err.body-too-deep"
	SignDocParamsTooLarge       ID = "err.signdoc-params-too-large"
	SignDocBusy                 ID = "err.signdoc-busy"
	SignDocThrottled            ID = "err.signdoc-throttled"
	NotImplemented              ID = "err.not-implemented"
	MalformedAuthorization      ID = "err.malformed-authorization"
	MalformedUserPassword       ID = "err.malformed-user-password"
	MissingAccessToken          ID = "err.missing-access-token"
	UserIDMustBeNull            ID = "err.userid-must-be-null"
	AuthenticationError         ID = "err.authentication-error"
	MissingParam                ID = "err.missing-param"
	MissingParamIn              ID = "err.missing-param-in"
	InvalidParam                ID = "err.invalid-param"
	InvalidParamIn              ID = "err.invalid-param-in"
	InvalidBase64               ID = "err.invalid-base64"
	InvalidBase64In             ID = "err.invalid-base64-in"
	InvalidNumSignatures        ID = "err.invalid-numsignatures"
	InvalidDigestLength         ID = "err.invalid-digest-length"
	DigestsAndDocuments         ID = "err.digests-and-documents"
	NoDigestsNorDocuments       ID = "err.no-digests-nor-documents"
	EmptyHashes                 ID = "err.empty-hashes"
	MoreHashesThanSignatures    ID = "err.more-hashes-than-signatures"
	TooManySignatures           ID = "err.too-many-signatures"
	HashNotAuthorized           ID = "err.hash-not-authorized"
	DocumentsNotAuthorized      ID = "err.documents-not-authorized"
	SADExpired                  ID = "err.sad-expired"
	SADTwice                    ID = "err.sad-twice"
	HashAlgoContradicts         ID = "err.hashalgo-contradicts"
	HashAlgoContradictsIn       ID = "err.hashalgo-contradicts-in"
	InvalidRefreshToken         ID = "err.invalid-refresh-token"
	RefreshTokenExpired         ID = "err.refresh-token-expired"
	TokenRevoked                ID = "err.token-revoked"
	TokenExpired                ID = "err.token-expired"
	TokenInvalid                ID = "err.token-invalid"
	NeedsServiceToken           ID = "err.needs-service-token"
	ManagementNeedsServiceToken ID = "err.management-needs-service-token"
	AuthorizationUnknown        ID = "err.authorization-unknown"
	UserCancelled               ID = "err.user-cancelled"
	UnknownCredential           ID = "err.unknown-credential"
	CredentialDisabled          ID = "err.credential-disabled"
	CredentialLocked            ID = "err.credential-locked"
	CertExpired                 ID = "err.cert-expired"
	CertNotYetValid             ID = "err.cert-not-yet-valid"
	CertRevoked                 ID = "err.cert-revoked"
	CertSuspended               ID = "err.cert-suspended"
	HSMCouldNotSign             ID = "err.hsm-could-not-sign"
	SignatureNotAudited         ID = "err.signature-not-audited"
	EventNotAudited             ID = "err.event-not-audited"
	ChangeNotAudited            ID = "err.change-not-audited"
	NoCredentialCanSign         ID = "err.no-credential-can-sign"
	NoSigningCredential         ID = "err.no-signing-credential"
	CredentialNotChosen         ID = "err.credential-not-chosen"
	UnknownAuthObject           ID = "err.unknown-auth-object"
	AsyncNotSupported           ID = "err.async-not-supported"
	NonceTooLong                ID = "err.nonce-too-long"
	QualifierNotOffered         ID = "err.qualifier-not-offered"
	PSSNoSHA1                   ID = "err.pss-no-sha1"
	PSSOnlyMGF1                 ID = "err.pss-only-mgf1"
	PSSMGF1Hash                 ID = "err.pss-mgf1-hash"
	PSSSaltLength               ID = "err.pss-salt-length"
	PSSUnsupportedHash          ID = "err.pss-unsupported-hash"
	PSSAdESSalt                 ID = "err.pss-ades-salt"
	LevelUnknown                ID = "err.level-unknown"
	FormatPAdESNotPDF           ID = "err.format-pades-not-pdf"
	EnvelopeCAdES               ID = "err.envelope-cades"
	PAdESOnlyParam              ID = "err.pades-only-param"
	LevelNoRevocation           ID = "err.level-no-revocation"
	LevelNoTSA                  ID = "err.level-no-tsa"
	DocumentEmpty               ID = "err.document-empty"
	FormatPAdESForDocuments     ID = "err.format-pades-documents"
	XAdESNotXML                 ID = "err.xades-not-xml"
	XAdESPDF                    ID = "err.xades-pdf"
	XAdESDTD                    ID = "err.xades-dtd"
	XAdESTooDeep                ID = "err.xades-too-deep"
	XAdESTooLarge               ID = "err.xades-too-large"
	XAdESEnvelope               ID = "err.xades-envelope"
	XAdESLevel                  ID = "err.xades-level"
	XAdESAlgorithm              ID = "err.xades-algorithm"
	XAdESSignatureDoesNotVerify ID = "err.xades-signature-does-not-verify"
	FormatPAdESNeedsPDF         ID = "err.format-pades-needs-pdf"
	FormatCAdESForDigests       ID = "err.format-cades-digests"
	EnvelopePAdES               ID = "err.envelope-pades"
	EnvelopeDetached            ID = "err.envelope-detached"
	SignedPropsPAdES            ID = "err.signed-props-pades"
	SignedPropsCAdES            ID = "err.signed-props-cades"
	UserIDFormat                ID = "err.userid-format"
	UserIDTaken                 ID = "err.userid-taken"
	LoginWrong                  ID = "err.login-wrong"
	LoginLocked                 ID = "err.login-locked"
	LoginThrottledNetwork       ID = "err.login-throttled-network"
	LoginTooManyAttempts        ID = "err.login-too-many-attempts"
	EnterUserAndPassword        ID = "err.enter-user-password"
	EnterPassword               ID = "err.enter-password"
	EnterOTP                    ID = "err.enter-otp"
	EnterTheOTP                 ID = "err.enter-the-otp"
	EnterCurrentPIN             ID = "err.enter-current-pin"
	EnterCurrentPassword        ID = "err.enter-current-password"
	NotLoggedIn                 ID = "err.not-logged-in"
	LogInFirst                  ID = "err.log-in-first"
	SessionEnded                ID = "err.session-ended"
	SessionExpired              ID = "err.session-expired"
	PINInvalid                  ID = "err.pin-invalid"
	PINPolicy                   ID = "err.pin-policy"
	PINGuessable                ID = "err.pin-guessable"
	PINConfirmDiffers           ID = "err.pin-confirm-differs"
	PINUnchanged                ID = "err.pin-unchanged"
	PasswordWrong               ID = "err.password-wrong"
	PasswordConfirmDiffers      ID = "err.password-confirm-differs"
	PasswordUnchanged           ID = "err.password-unchanged"
	PasswordTooLong             ID = "err.password-too-long"
	PasswordRepeats             ID = "err.password-repeats"
	RuleLength                  ID = "err.rule-length"
	RuleUpper                   ID = "err.rule-upper"
	RuleLower                   ID = "err.rule-lower"
	RuleDigit                   ID = "err.rule-digit"
	RuleSpecial                 ID = "err.rule-special"
	PasswordNeeds               ID = "err.password-needs"
	OTPInvalid                  ID = "err.otp-invalid"
	OTPWrong                    ID = "err.otp-wrong"
	OTPReused                   ID = "err.otp-reused"
	OTPThrottled                ID = "err.otp-throttled"
	AccountCodesLocked          ID = "err.account-codes-locked"
	ChooseOTPMode               ID = "err.choose-otp-mode"
	OTPFromApp                  ID = "err.otp-from-app"
	LinkAppFirst                ID = "err.link-app-first"
	AppCodeWrong                ID = "err.app-code-wrong"
	NoAppEnrolmentToConfirm     ID = "err.no-app-enrolment"
	NoAppToConfirm              ID = "err.no-app-to-confirm"
	NotWaitingForAppCode        ID = "err.not-waiting-app-code"
	TwoFactorAlreadyOff         ID = "err.twofactor-already-off"
	TwoFactorAlreadyOn          ID = "err.twofactor-already-on"
	TwoFactorNotOn              ID = "err.twofactor-not-on"
	EmailInvalid                ID = "err.email-invalid"
	PhoneFormat                 ID = "err.phone-format"
	PhoneUnchanged              ID = "err.phone-unchanged"
	CertEmailUnchanged          ID = "err.cert-email-unchanged"
	LanguageUnknown             ID = "err.language-unknown"
	DateFormat                  ID = "err.date-format"
	DateOrder                   ID = "err.date-order"
	CannotChangeNow             ID = "err.cannot-change-now"
	RenewRaced                  ID = "err.renew-raced"
	RenewNotRegistered          ID = "err.renew-not-registered"
	RenewOnlyValid              ID = "err.renew-only-valid"
	ActionUnknown               ID = "err.action-unknown"
	ReasonInvalid               ID = "err.reason-invalid"
	ReasonNotForSigning         ID = "err.reason-not-for-signing"
	ReasonNotForHolder          ID = "err.reason-not-for-holder"
	ReasonOnlyRevocation        ID = "err.reason-only-revocation"
	NoteTooLong                 ID = "err.note-too-long"
	NotePrintable               ID = "err.note-printable"
	ERCLength                   ID = "err.erc-length"
	EmergencyUserThrottled      ID = "err.emergency-user-throttled"
	EmergencyAddressThrottled   ID = "err.emergency-address-throttled"
	MalformedOID                ID = "err.malformed-oid"
	ClientNeedsNameAndURI       ID = "err.client-needs-name-uri"
	RedirectURIScheme           ID = "err.redirect-uri-scheme"
)

var errorMessages = map[ID][2]string{
	ContentTypeJSON:             {"The Content-Type must be application/json", "Il Content-Type deve essere application/json"},
	ContentTypeForm:             {"The Content-Type must be application/x-www-form-urlencoded", "Il Content-Type deve essere application/x-www-form-urlencoded"},
	FormUnreadable:              {"The form body could not be read", "Non è stato possibile leggere il modulo inviato"},
	BodyUnreadable:              {"The request body could not be read", "Non è stato possibile leggere il corpo della richiesta"},
	BodyTooLarge:                {"The request body is larger than %d bytes", "Il corpo della richiesta supera %d byte"},
	BodyNotJSON:                 {"The request body is not valid JSON", "Il corpo della richiesta non è JSON valido"},
	BodyNotObject:               {"The request body must be a JSON object", "Il corpo della richiesta deve essere un oggetto JSON"},
	BodyTooDeep:                 {"The request body nests too deeply", "Il corpo della richiesta ha troppi livelli annidati"},
	SignDocParamsTooLarge:       {"The signDoc parameters other than the documents' content exceed %d bytes", "I parametri di signDoc diversi dal contenuto dei documenti superano %d byte"},
	SignDocBusy:                 {"The service is signing too many documents at once; try again shortly", "Il servizio sta firmando troppi documenti insieme: riprova tra poco"},
	SignDocThrottled:            {"Too many signDoc requests for this credential; try again later", "Troppe richieste signDoc per questa credenziale: riprova più tardi"},
	NotImplemented:              {"The method is not implemented by this service", "Il metodo non è implementato da questo servizio"},
	MalformedAuthorization:      {"Malformed authorization header", "Intestazione Authorization malformata"},
	MalformedUserPassword:       {"Malformed username-password", "Nome utente e password malformati"},
	MissingAccessToken:          {"Missing access token: send Authorization: Bearer <token>", "Token di accesso mancante: invia Authorization: Bearer <token>"},
	UserIDMustBeNull:            {"userID parameter MUST be null", "Il parametro userID deve essere null"},
	AuthenticationError:         {"An error occurred during authentication process", "Si è verificato un errore durante l'autenticazione"},
	MissingParam:                {"Missing (or invalid type) %s parameter %s", "Parametro %[2]s mancante o di tipo diverso da %[1]s"},
	MissingParamIn:              {"Missing (or invalid type) %s parameter %s in %s", "Parametro %[2]s mancante o di tipo diverso da %[1]s in %[3]s"},
	InvalidParam:                {"Invalid parameter %s", "Parametro %s non valido"},
	InvalidParamIn:              {"Invalid parameter %s in %s", "Parametro %s non valido in %s"},
	InvalidBase64:               {"Invalid Base64 %s string parameter", "Il parametro %s non è Base64 valido"},
	InvalidBase64In:             {"Invalid Base64 %s string parameter in %s", "Il parametro %s non è Base64 valido in %s"},
	InvalidNumSignatures:        {"Invalid value for parameter numSignatures", "Valore non valido per il parametro numSignatures"},
	InvalidDigestLength:         {"Invalid digest value length", "Lunghezza del digest non valida"},
	DigestsAndDocuments:         {"Both documentDigests and documents parameters passed", "Sono stati passati sia documentDigests sia documents"},
	NoDigestsNorDocuments:       {"Empty documentDigests and documents objects", "documentDigests e documents sono vuoti"},
	EmptyHashes:                 {"Empty hash array", "L'elenco degli hash è vuoto"},
	MoreHashesThanSignatures:    {"More hashes than numSignatures", "Gli hash sono più di numSignatures"},
	TooManySignatures:           {"Numbers of signatures is too high", "Il numero di firme è troppo alto"},
	HashNotAuthorized:           {"Hash is not authorized by the SAD", "L'hash non è autorizzato dal SAD"},
	DocumentsNotAuthorized:      {"documentDigests or documents are not authorized by the SAD", "documentDigests o documents non sono autorizzati dal SAD"},
	SADExpired:                  {"SAD expired", "Il SAD è scaduto"},
	SADTwice:                    {"Signature activation data was provided in both the request and the access token. Please provide it in only one place.", "I dati di attivazione della firma sono stati forniti sia nella richiesta sia nel token di accesso: forniscili in un solo punto."},
	HashAlgoContradicts:         {"String parameter hashAlgorithmOID contradicts with signAlgo parameter", "Il parametro hashAlgorithmOID contraddice il parametro signAlgo"},
	HashAlgoContradictsIn:       {"String parameter hashAlgorithmOID contradicts with signAlgo parameter in %s", "Il parametro hashAlgorithmOID contraddice il parametro signAlgo in %s"},
	InvalidRefreshToken:         {"Invalid refresh_token", "refresh_token non valido"},
	RefreshTokenExpired:         {"Refresh token expired", "Il refresh token è scaduto"},
	TokenRevoked:                {"The access token has been revoked", "Il token di accesso è stato revocato"},
	TokenExpired:                {"The access token has expired", "Il token di accesso è scaduto"},
	TokenInvalid:                {"The access token is not valid", "Il token di accesso non è valido"},
	NeedsServiceToken:           {"This access token has credential scope; this method needs a service authorization", "Questo token di accesso vale per una credenziale: questo metodo richiede un'autorizzazione di servizio"},
	ManagementNeedsServiceToken: {"Certificate management needs a service access token (auth/login), not a credential token", "La gestione del certificato richiede un token di accesso di servizio (auth/login), non un token di credenziale"},
	AuthorizationUnknown:        {"This authorization has expired or is unknown: start again from the application", "Questa autorizzazione è scaduta o sconosciuta: ricomincia dall'applicazione"},
	UserCancelled:               {"The user cancelled the authorization", "L'utente ha annullato l'autorizzazione"},
	UnknownCredential:           {"Invalid parameter credentialID", "Credenziale sconosciuta"},
	CredentialDisabled:          {"The credential identified by credentialID is disabled", "La credenziale indicata da credentialID è disabilitata"},
	CredentialLocked:            {"Credential locked", "La credenziale è bloccata: il PIN è stato sbagliato troppe volte. Sbloccala con il PUK"},
	CertExpired:                 {"Signing certificate is expired", "Il certificato di firma è scaduto"},
	CertNotYetValid:             {"Signing certificate is not yet valid", "Il certificato di firma non è ancora valido"},
	CertRevoked:                 {"Signing certificate is revoked", "Il certificato di firma è revocato"},
	CertSuspended:               {"Signing certificate is suspended", "Il certificato di firma è sospeso"},
	HSMCouldNotSign:             {"The HSM could not sign", "L'HSM non è riuscito a firmare"},
	SignatureNotAudited:         {"The signature cannot be recorded in the audit log; nothing was signed", "Non è possibile registrare la firma nel registro di audit: non è stato firmato nulla"},
	EventNotAudited:             {"The service cannot record this in its audit log now; nothing was done. Try again later", "Il servizio ora non può registrare l'operazione nel registro di audit: non è stato fatto nulla. Riprova più tardi"},
	ChangeNotAudited:            {"The change cannot be recorded in the audit log; nothing was changed", "Non è possibile registrare la modifica nel registro di audit: non è stato modificato nulla"},
	NoCredentialCanSign:         {"You have no credential that can sign", "Non hai alcuna credenziale in grado di firmare"},
	NoSigningCredential:         {"You have no signing credential", "Non hai alcuna credenziale di firma"},
	CredentialNotChosen:         {"Missing (or invalid type) string parameter credentialID: this service does not choose a credential from signatureQualifier", "Parametro credentialID mancante: questo servizio non sceglie una credenziale in base a signatureQualifier"},
	UnknownAuthObject:           {"Invalid parameter authData: unknown authentication object %q", "Parametro authData non valido: oggetto di autenticazione %q sconosciuto"},
	AsyncNotSupported:           {"Invalid parameter operationMode: asynchronous signing is not supported", "Parametro operationMode non valido: la firma asincrona non è supportata"},
	NonceTooLong:                {"Invalid parameter nonce: at most %d bytes", "Parametro nonce non valido: al massimo %d byte"},
	QualifierNotOffered:         {"Invalid parameter signatureQualifier: credentials of this service make eu_eidas_qes signatures, not %q", "Parametro signatureQualifier non valido: le credenziali di questo servizio producono firme eu_eidas_qes, non %q"},
	PSSNoSHA1:                   {"Invalid parameter signAlgoParams: SHA-1 is not accepted", "Parametro signAlgoParams non valido: SHA-1 non è accettato"},
	PSSOnlyMGF1:                 {"Invalid parameter signAlgoParams: only MGF1 is supported", "Parametro signAlgoParams non valido: è supportato solo MGF1"},
	PSSMGF1Hash:                 {"Invalid parameter signAlgoParams: MGF1 must use the signature hash", "Parametro signAlgoParams non valido: MGF1 deve usare l'hash della firma"},
	PSSSaltLength:               {"Invalid parameter signAlgoParams: salt length must be 1..%d", "Parametro signAlgoParams non valido: la lunghezza del salt deve essere tra 1 e %d"},
	PSSUnsupportedHash:          {"Invalid parameter signAlgoParams: unsupported hash", "Parametro signAlgoParams non valido: hash non supportato"},
	PSSAdESSalt:                 {"Invalid parameter signAlgoParams in %s: AdES signatures use an RSASSA-PSS salt as long as the hash (%d bytes)", "Parametro signAlgoParams non valido in %s: le firme AdES usano un salt RSASSA-PSS lungo quanto l'hash (%d byte)"},
	LevelUnknown:                {"Invalid parameter conformance_level in %s: %q is not Ades-B-B, Ades-B-T, Ades-B-LT or Ades-B-LTA", "Parametro conformance_level non valido in %s: %q non è Ades-B-B, Ades-B-T, Ades-B-LT né Ades-B-LTA"},
	FormatPAdESNotPDF:           {"Invalid parameter signature_format in %s: the file is not a PDF, which PAdES needs; sign it as CAdES (\"C\")", "Parametro signature_format non valido in %s: il file non è un PDF, che PAdES richiede; firmalo in CAdES (\"C\")"},
	EnvelopeCAdES:               {"Invalid parameter signed_envelope_property in %s: %q (CAdES allows Attached, Detached, Parallel or Countersignature)", "Parametro signed_envelope_property non valido in %s: %q (CAdES ammette Attached, Detached, Parallel o Countersignature)"},
	PAdESOnlyParam:              {"Invalid parameter %s in %s: only PAdES signatures take it", "Parametro %s non valido in %s: lo accettano solo le firme PAdES"},
	LevelNoRevocation:           {"Invalid parameter conformance_level in %s: this service has no revocation data source, so %s is not offered", "Parametro conformance_level non valido in %s: questo servizio non ha una fonte di dati di revoca, quindi %s non è offerto"},
	LevelNoTSA:                  {"Invalid parameter conformance_level in %s: this service has no time-stamp authority, so only Ades-B-B is offered", "Parametro conformance_level non valido in %s: questo servizio non ha un'autorità di marcatura temporale, quindi è offerto solo Ades-B-B"},
	DocumentEmpty:               {"Invalid parameter document in %s: the document is empty", "Parametro document non valido in %s: il documento è vuoto"},
	FormatPAdESForDocuments:     {"Invalid parameter signature_format in %s: documents are signed as PAdES (\"P\"), CAdES (\"C\"), XAdES (\"X\") or JAdES (\"J\")", "Parametro signature_format non valido in %s: i documenti si firmano in PAdES (\"P\"), CAdES (\"C\"), XAdES (\"X\") o JAdES (\"J\")"},
	XAdESNotXML:                 {"the document is not well-formed XML, which XAdES (\"X\") needs (%s); sign it as CAdES (\"C\")", "il documento non è XML ben formato, che XAdES (\"X\") richiede (%s); firmalo in CAdES (\"C\")"},
	XAdESPDF:                    {"the document is a PDF, not XML, which XAdES (\"X\") needs; sign it as PAdES (\"P\") or CAdES (\"C\")", "il documento è un PDF, non XML, che XAdES (\"X\") richiede; firmalo in PAdES (\"P\") o CAdES (\"C\")"},
	XAdESDTD:                    {"the XML document has a DTD (DOCTYPE or entity declarations), which is refused: its entities could expand without bound or load external files", "il documento XML ha una DTD (DOCTYPE o dichiarazioni di entità), che è rifiutata: le sue entità potrebbero espandersi senza limite o caricare file esterni"},
	XAdESTooDeep:                {"the XML document nests elements deeper than %d levels", "il documento XML annida elementi oltre %d livelli"},
	XAdESTooLarge:               {"the XML document has more than %d elements", "il documento XML ha più di %d elementi"},
	XAdESEnvelope:               {"Invalid parameter signed_envelope_property in %s: %q (XAdES allows Enveloped, Enveloping or Detached)", "Parametro signed_envelope_property non valido in %s: %q (XAdES ammette Enveloped, Enveloping o Detached)"},
	XAdESLevel:                  {"Invalid parameter conformance_level in %s: XAdES is offered at Ades-B-B and Ades-B-T, not %s", "Parametro conformance_level non valido in %s: XAdES è offerto in Ades-B-B e Ades-B-T, non %s"},
	XAdESAlgorithm:              {"Invalid parameter signAlgo in %s: XAdES signatures take RSA PKCS#1 v1.5 or ECDSA", "Parametro signAlgo non valido in %s: le firme XAdES accettano RSA PKCS#1 v1.5 o ECDSA"},
	XAdESSignatureDoesNotVerify: {"the signature value does not verify with the signer certificate", "il valore di firma non è verificabile con il certificato del firmatario"},
	FormatPAdESNeedsPDF:         {"Invalid parameter signature_format in %s: PAdES needs the PDF itself; send it in documents, or sign the digest as CAdES (\"C\")", "Parametro signature_format non valido in %s: PAdES richiede il PDF stesso; invialo in documents, oppure firma il digest in CAdES (\"C\")"},
	FormatCAdESForDigests:       {"Invalid parameter signature_format in %s: only CAdES (\"C\") is offered for digests", "Parametro signature_format non valido in %s: per i digest è offerto solo CAdES (\"C\")"},
	EnvelopePAdES:               {"Invalid parameter signed_envelope_property in %s: %q (PAdES allows Certification or Revision)", "Parametro signed_envelope_property non valido in %s: %q (PAdES ammette Certification o Revision)"},
	EnvelopeDetached:            {"Invalid parameter signed_envelope_property in %s: a signature over a digest can only be Detached", "Parametro signed_envelope_property non valido in %s: una firma su un digest può essere solo Detached"},
	SignedPropsPAdES:            {"Invalid parameter signed_props (%s) in %s: PAdES accepts Name, Reason, Location and ContactInfo with base64 UTF-8 text", "Parametro signed_props (%s) non valido in %s: PAdES accetta Name, Reason, Location e ContactInfo con testo UTF-8 in base64"},
	SignedPropsCAdES:            {"Invalid parameter signed_props (%s) in documentDigests[%d]: CAdES signatures take no extra attributes here", "Parametro signed_props (%s) non valido in documentDigests[%d]: qui le firme CAdES non accettano attributi aggiuntivi"},
	UserIDFormat:                {"The user ID must be 3-64 characters: letters, digits, '.', '_', '@', '-'", "Il nome utente deve avere da 3 a 64 caratteri: lettere, cifre, '.', '_', '@', '-'"},
	UserIDTaken:                 {"This user ID is already taken", "Questo nome utente è già in uso"},
	LoginWrong:                  {"The user ID or password is wrong", "Nome utente o password errati"},
	LoginLocked:                 {"Too many failed logins: the account is locked until %s", "Troppi accessi falliti: l'account è bloccato fino alle %s"},
	LoginTooManyAttempts:        {"Too many failed logins for this user ID from your address: try again in %d min", "Troppi accessi falliti per questo codice utente dal tuo indirizzo: riprova tra %d min"},
	LoginThrottledNetwork:       {"Too many failed logins from your network: wait a few minutes and try again", "Troppi accessi falliti dalla tua rete: attendi qualche minuto e riprova"},
	EnterUserAndPassword:        {"Enter your user ID and password", "Inserisci nome utente e password"},
	EnterPassword:               {"Missing (or invalid type) string parameter password", "Inserisci la password"},
	EnterOTP:                    {"Missing (or invalid type) string parameter otp", "Inserisci il codice OTP"},
	EnterTheOTP:                 {"Enter the one-time code", "Inserisci il codice OTP"},
	EnterCurrentPIN:             {"Enter your current PIN", "Inserisci il PIN attuale"},
	EnterCurrentPassword:        {"Enter your current password", "Inserisci la password attuale"},
	NotLoggedIn:                 {"You are not logged in", "Non hai effettuato l'accesso"},
	LogInFirst:                  {"Log in first", "Prima accedi"},
	SessionEnded:                {"Your session has ended: log in again", "La sessione è terminata: accedi di nuovo"},
	SessionExpired:              {"Your session has expired: log in again", "La sessione è scaduta: accedi di nuovo"},
	PINInvalid:                  {"The PIN is invalid", "Il PIN è errato. Dopo 5 errori la credenziale si blocca"},
	PINPolicy:                   {"The PIN must be 6 to 8 digits; not all the same digit and not a sequence such as 123456", "Il PIN deve avere da 6 a 8 cifre, non tutte uguali e non in sequenza come 123456"},
	PINGuessable:                {"The PIN is too easy to guess: it must be 6 to 8 digits; not all the same digit and not a sequence such as 123456", "Il PIN è troppo facile da indovinare: deve avere da 6 a 8 cifre, non tutte uguali e non in sequenza come 123456"},
	PINConfirmDiffers:           {"The new PIN and its confirmation are different", "Il nuovo PIN e la sua conferma sono diversi"},
	PINUnchanged:                {"The new PIN must be different from the current one", "Il nuovo PIN deve essere diverso da quello attuale"},
	PasswordWrong:               {"The current password is wrong", "La password attuale è errata"},
	PasswordConfirmDiffers:      {"The new password and its confirmation are different", "La nuova password e la sua conferma sono diverse"},
	PasswordUnchanged:           {"The new password must be different from the current one", "La nuova password deve essere diversa da quella attuale"},
	PasswordTooLong:             {"The password must be at most 128 characters", "La password deve avere al massimo 128 caratteri"},
	PasswordRepeats:             {"The password must not repeat a character more than twice in a row", "La password non deve ripetere un carattere più di due volte di seguito"},
	RuleLength:                  {"at least 8 characters", "almeno 8 caratteri"},
	RuleUpper:                   {"an upper-case letter", "una lettera maiuscola"},
	RuleLower:                   {"a lower-case letter", "una lettera minuscola"},
	RuleDigit:                   {"a digit", "una cifra"},
	RuleSpecial:                 {"a special character", "un carattere speciale"},
	PasswordNeeds:               {"The password needs %s", "Alla password manca: %s"},
	OTPInvalid:                  {"The one-time code is wrong or has expired", "Il codice OTP è errato o scaduto"},
	OTPWrong:                    {"The OTP is invalid", "Il codice è errato"},
	OTPReused:                   {"The OTP was already used; wait for the next code", "Il codice è già stato usato: attendi il codice successivo"},
	OTPThrottled:                {"Too many wrong OTPs: try again after %s", "Troppi codici OTP errati: riprova dopo le %s"},
	AccountCodesLocked:          {"Too many wrong codes: account changes are locked for a few minutes", "Troppi codici errati: le modifiche all'account sono bloccate per qualche minuto"},
	ChooseOTPMode:               {"Choose SMS or authenticator app", "Scegli SMS o app di autenticazione"},
	OTPFromApp:                  {"Your one-time codes come from your authenticator app: type its current code, no SMS is needed", "I tuoi codici arrivano dall'app di autenticazione: inserisci il codice attuale, non serve alcun SMS"},
	LinkAppFirst:                {"Link an authenticator app first", "Prima collega un'app di autenticazione"},
	AppCodeWrong:                {"The authenticator code is wrong", "Il codice dell'app di autenticazione è errato"},
	NoAppEnrolmentToConfirm:     {"There is no authenticator app enrolment to confirm: start again", "Non c'è alcuna app di autenticazione da confermare: ricomincia"},
	NoAppToConfirm:              {"There is no authenticator app to confirm: start again", "Non c'è alcuna app di autenticazione da confermare: ricomincia"},
	NotWaitingForAppCode:        {"This session does not wait for an authenticator code", "Questa sessione non attende un codice dell'app"},
	TwoFactorAlreadyOff:         {"Two-factor login is already off", "L'accesso a due fattori è già disattivato"},
	TwoFactorAlreadyOn:          {"Two-factor login is already on: turn it off first to link another app", "L'accesso a due fattori è già attivo: disattivalo prima di collegare un'altra app"},
	TwoFactorNotOn:              {"Two-factor login is not on for this account", "L'accesso a due fattori non è attivo per questo account"},
	EmailInvalid:                {"The e-mail address is not valid", "L'indirizzo e-mail non è valido"},
	PhoneFormat:                 {"The mobile number must be in international format, e.g. +393331234567", "Il numero di cellulare deve essere in formato internazionale, per esempio +393331234567"},
	PhoneUnchanged:              {"This is already your OTP mobile number", "Questo è già il tuo numero di cellulare per gli OTP"},
	CertEmailUnchanged:          {"This is already your certificate's e-mail address", "Questo è già l'indirizzo e-mail del tuo certificato"},
	LanguageUnknown:             {"The language must be English (en) or Italian (it)", "La lingua deve essere inglese (en) o italiano (it)"},
	DateFormat:                  {"Dates must be written as YYYY-MM-DD", "Le date devono essere nel formato AAAA-MM-GG"},
	DateOrder:                   {"The start date must be before the end date", "La data di inizio deve precedere la data di fine"},
	CannotChangeNow:             {"This certificate cannot change that way now", "Questo certificato ora non può cambiare in questo modo"},
	RenewRaced:                  {"The credential changed while it was being renewed; try again", "La credenziale è cambiata durante il rinnovo: riprova"},
	RenewNotRegistered:          {"The certificate is not in the register and cannot be renewed", "Il certificato non è nel registro e non può essere rinnovato"},
	RenewOnlyValid:              {"Only a valid certificate can be renewed; this one is %s (a suspended one must be reactivated first, a revoked or expired one needs a new enrolment)", "Si può rinnovare solo un certificato valido; questo è %s (uno sospeso va prima riattivato, uno revocato o scaduto richiede una nuova registrazione)"},
	ActionUnknown:               {"Invalid parameter action: %q is not one of suspend, reactivate, revoke, renew", "Parametro action non valido: %q non è suspend, reactivate, revoke né renew"},
	ReasonInvalid:               {"Invalid parameter reason: %s", "Parametro reason non valido: %s"},
	ReasonNotForSigning:         {"Invalid parameter reason: %s cannot revoke a signing certificate", "Parametro reason non valido: %s non può revocare un certificato di firma"},
	ReasonNotForHolder:          {"Invalid parameter reason: a holder may give unspecified, keyCompromise, affiliationChanged or cessationOfOperation, not %s", "Parametro reason non valido: il titolare può indicare unspecified, keyCompromise, affiliationChanged o cessationOfOperation, non %s"},
	ReasonOnlyRevocation:        {"Invalid parameter reason: only a revocation has a reason code", "Parametro reason non valido: solo una revoca ha un codice di motivo"},
	NoteTooLong:                 {"Invalid parameter note: at most %d characters", "La nota può avere al massimo %d caratteri"},
	NotePrintable:               {"Invalid parameter note: printable characters only", "La nota può contenere solo caratteri stampabili"},
	ERCLength:                   {"Invalid parameter erc: the emergency code is %d digits", "Parametro erc non valido: il codice di emergenza ha %d cifre"},
	EmergencyUserThrottled:      {"Too many emergency requests for this user ID; try again later", "Troppe richieste di emergenza per questo nome utente: riprova più tardi"},
	EmergencyAddressThrottled:   {"Too many emergency requests from this address; try again later", "Troppe richieste di emergenza da questo indirizzo: riprova più tardi"},
	MalformedOID:                {"malformed OID %q", "OID malformato: %q"},
	ClientNeedsNameAndURI:       {"a client needs a name and at least one redirect URI", "un client ha bisogno di un nome e di almeno un redirect URI"},
	RedirectURIScheme:           {"redirect URI %q must be https, http on loopback, or an app scheme, without a fragment", "il redirect URI %q deve essere https, http su loopback o uno schema di app, senza frammento"},
}
