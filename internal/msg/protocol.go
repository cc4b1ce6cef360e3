package msg

// The messages of the protocol packages' errors (ca, ca/ocsp, pades, tsa,
// internal/cms, otp, hsm, storage, audit, ...): what a CSC client, a holder
// at the portal or an operator at qesctl reads when a certificate, a
// signature, a time-stamp or a dependency refuses. Their English is the
// text these errors have always had, so CSC's error_description and the
// tests that match it are unchanged.
const (
	CAQCPDSEmpty                       ID = "err.ca.qc-pds-empty"
	CAQCPDSURLNotIA5String             ID = "err.ca.qc-pds-url-not-ia5string"
	CAQCPDSLanguage                    ID = "err.ca.qc-pds-language"
	CAQCNoInfoAllowed                  ID = "err.ca.qc-no-info-allowed"
	CAQCRetentionNotInteger            ID = "err.ca.qc-retention-not-integer"
	CAQCRetentionTooShort              ID = "err.ca.qc-retention-too-short"
	CAQCTypeEmpty                      ID = "err.ca.qc-type-empty"
	CAQCNoSemanticsIdentifier          ID = "err.ca.qc-no-semantics-identifier"
	ConfigPINFile                      ID = "err.config.pin-file"
	ConfigPINFileInDataDir             ID = "err.config.pin-file-in-data-dir"
	ConfigDuration                     ID = "err.config.duration"
	ConfigRead                         ID = "err.config.read"
	ConfigFile                         ID = "err.config.file"
	ConfigDataDir                      ID = "err.config.data-dir"
	ConfigListen                       ID = "err.config.listen"
	ConfigListenNotLoopback            ID = "err.config.listen-not-loopback"
	ConfigTLSIncomplete                ID = "err.config.tls-incomplete"
	ConfigPublicURL                    ID = "err.config.public-url"
	ConfigArgon2id                     ID = "err.config.argon2id"
	ConfigRegion                       ID = "err.config.region"
	ConfigServiceTextTooLong           ID = "err.config.service-text-too-long"
	ConfigMultisign                    ID = "err.config.multisign"
	ConfigLogLevel                     ID = "err.config.log-level"
	ConfigJobsSkip                     ID = "err.config.jobs-skip"
	ConfigTSAPolicyOID                 ID = "err.config.tsa-policy-oid"
	ConfigTSAClock                     ID = "err.config.tsa-clock"
	ConfigTSAAccuracy                  ID = "err.config.tsa-accuracy"
	AuditLogLostRecords                ID = "err.audit.log-lost-records"
	AuditLogRewritten                  ID = "err.audit.log-rewritten"
	AuditLogUnavailable                ID = "err.audit.log-unavailable"
	AuditSaveAnchor                    ID = "err.audit.save-anchor"
	AuditWriteAuditLog                 ID = "err.audit.write-audit-log"
	AuditSyncAuditLog                  ID = "err.audit.sync-audit-log"
	AuditTruncateAfterFailedWrite      ID = "err.audit.truncate-after-failed-write"
	AuditSyncAfterFailedWrite          ID = "err.audit.sync-after-failed-write"
	AuthnSignAccessToken               ID = "err.authn.sign-access-token"
	CATaxCodeLength                    ID = "err.ca.tax-code-length"
	CATaxCodeMalformed                 ID = "err.ca.tax-code-malformed"
	CATaxCodeCheckCharacter            ID = "err.ca.tax-code-check-character"
	CANumericTaxCodeDigits             ID = "err.ca.numeric-tax-code-digits"
	CANumericTaxCodeCheckDigit         ID = "err.ca.numeric-tax-code-check-digit"
	CACRLNumberNegative                ID = "err.ca.crl-number-negative"
	CACRLNumberTooLong                 ID = "err.ca.crl-number-too-long"
	CACRLNextUpdateBeforeThisUpdate    ID = "err.ca.crl-next-update-before-this-update"
	CACRLEntrySerial                   ID = "err.ca.crl-entry-serial"
	CACRLSerialTwice                   ID = "err.ca.crl-serial-twice"
	CACRLRevocationTime                ID = "err.ca.crl-revocation-time"
	CACRLReasonNotAllowed              ID = "err.ca.crl-reason-not-allowed"
	CAValidityInverted                 ID = "err.ca.validity-inverted"
	CAMaxPathLen                       ID = "err.ca.max-path-len"
	CACAPublicKey                      ID = "err.ca.ca-public-key"
	CARootSignerMissing                ID = "err.ca.root-signer-missing"
	CARootKey                          ID = "err.ca.root-key"
	CASubordinateBeforeIssuer          ID = "err.ca.subordinate-before-issuer"
	CAIssuerIncomplete                 ID = "err.ca.issuer-incomplete"
	CAIssuerNotCA                      ID = "err.ca.issuer-not-ca"
	CAIssuerNoSKI                      ID = "err.ca.issuer-no-ski"
	CAIssuerSignerMismatch             ID = "err.ca.issuer-signer-mismatch"
	CAIssuerKey                        ID = "err.ca.issuer-key"
	CAIssuerNotValidNow                ID = "err.ca.issuer-not-valid-now"
	CACertificateOutlivesIssuer        ID = "err.ca.certificate-outlives-issuer"
	CASubjectKeyIsCAKey                ID = "err.ca.subject-key-is-ca-key"
	CAUnsupportedSubjectCurve          ID = "err.ca.unsupported-subject-curve"
	CAUnsupportedRSAKeySize            ID = "err.ca.unsupported-rsa-key-size"
	CAUnsupportedRSAExponent           ID = "err.ca.unsupported-rsa-exponent"
	CASubjectPublicKeyMissing          ID = "err.ca.subject-public-key-missing"
	CAUnsupportedSubjectKeyType        ID = "err.ca.unsupported-subject-key-type"
	CAInvalidLintSkipList              ID = "err.ca.invalid-lint-skip-list"
	CAUnsupportedCAKeyType             ID = "err.ca.unsupported-ca-key-type"
	OCSPIssuerRequired                 ID = "err.ocsp.issuer-required"
	OCSPResponderRequired              ID = "err.ocsp.responder-required"
	OCSPSignerRequired                 ID = "err.ocsp.signer-required"
	OCSPStatusSourceRequired           ID = "err.ocsp.status-source-required"
	OCSPNegativeSetting                ID = "err.ocsp.negative-setting"
	OCSPRefreshTooLong                 ID = "err.ocsp.refresh-too-long"
	OCSPSignerMismatch                 ID = "err.ocsp.signer-mismatch"
	OCSPResponderNotIssuedByIssuer     ID = "err.ocsp.responder-not-issued-by-issuer"
	OCSPResponderLacksOCSPSigning      ID = "err.ocsp.responder-lacks-ocsp-signing"
	OCSPResponderLacksNoCheck          ID = "err.ocsp.responder-lacks-no-check"
	OCSPResponderLacksDigitalSignature ID = "err.ocsp.responder-lacks-digital-signature"
	OCSPUnsupportedKey                 ID = "err.ocsp.unsupported-key"
	OCSPSerialNumberPositive           ID = "err.ocsp.serial-number-positive"
	OCSPMalformedSPKI                  ID = "err.ocsp.malformed-spki"
	OCSPCRLNotPublishedYet             ID = "err.ocsp.crl-not-published-yet"
	CAOwnerMissing                     ID = "err.ca.owner-missing"
	CAMalformedCertificatePolicies     ID = "err.ca.malformed-certificate-policies"
	CACPSURINotIA5String               ID = "err.ca.cpsuri-not-ia5-string"
	CAInvalidOID                       ID = "err.ca.invalid-oid"
	CAURLNotHTTP                       ID = "err.ca.url-not-http"
	CAPolicyOIDNotQCP                  ID = "err.ca.policy-oid-not-qcp"
	CARetentionPeriod                  ID = "err.ca.retention-period"
	CAValidityNotNegative              ID = "err.ca.validity-not-negative"
	CAQualifiedProfileMissing          ID = "err.ca.qualified-profile-missing"
	CASubjectPublicKey                 ID = "err.ca.subject-public-key"
	CAIssuerNoOCSPURL                  ID = "err.ca.issuer-no-ocspurl"
	CACRLPublisherIncomplete           ID = "err.ca.crl-publisher-incomplete"
	CACRLRefreshTooLong                ID = "err.ca.crl-refresh-too-long"
	CANoCRLNamed                       ID = "err.ca.no-crl-named"
	CAMalformedQCStatements            ID = "err.ca.malformed-qc-statements"
	CAQCStatementsEmpty                ID = "err.ca.qc-statements-empty"
	CAQCStatementAppearsTwice          ID = "err.ca.qc-statement-appears-twice"
	CAQCStatementInvalid               ID = "err.ca.qc-statement-invalid"
	CAPDSRequired                      ID = "err.ca.pds-required"
	CAPDSURLAbsoluteHttpsURL           ID = "err.ca.pds-url-absolute-https-url"
	CAPDSLanguageNotISO                ID = "err.ca.pds-language-not-iso"
	CAPDSLanguageListedTwice           ID = "err.ca.pds-language-listed-twice"
	CAPDSEnglishRequired               ID = "err.ca.pds-english-required"
	CASerialNotPositive                ID = "err.ca.serial-not-positive"
	CANotInRegister                    ID = "err.ca.not-in-register"
	CAUnknownRevocationReason          ID = "err.ca.unknown-revocation-reason"
	CASemanticsIdentifierTooLong       ID = "err.ca.semantics-identifier-too-long"
	CASemanticsIdentifierTooShort      ID = "err.ca.semantics-identifier-too-short"
	CASemanticsIdentifierTypeUnknown   ID = "err.ca.semantics-identifier-type-unknown"
	CASemanticsIdentifierCountry       ID = "err.ca.semantics-identifier-country"
	CASemanticsIdentifierNoDash        ID = "err.ca.semantics-identifier-no-dash"
	CASemanticsIdentifierCharacters    ID = "err.ca.semantics-identifier-characters"
	CASemanticsIdentifierDashEnds      ID = "err.ca.semantics-identifier-dash-ends"
	CAEventNoTime                      ID = "err.ca.event-no-time"
	CAEventBeforeLastChange            ID = "err.ca.event-before-last-change"
	CAUnknownLifecycleEvent            ID = "err.ca.unknown-lifecycle-event"
	CASuspensionReasonCertificateHold  ID = "err.ca.suspension-reason-certificate-hold"
	CACannotSuspendCertificate         ID = "err.ca.cannot-suspend-certificate"
	CACannotReactivateRevoked          ID = "err.ca.cannot-reactivate-revoked"
	CACannotReactivate                 ID = "err.ca.cannot-reactivate"
	CANotASigningRevocationReason      ID = "err.ca.not-a-signing-revocation-reason"
	CACannotRevokeCertificate          ID = "err.ca.cannot-revoke-certificate"
	CACountryNotISO                    ID = "err.ca.country-not-iso"
	CACommonNameTooLong                ID = "err.ca.common-name-too-long"
	CAFieldRequired                    ID = "err.ca.field-required"
	CAFieldNotUTF8                     ID = "err.ca.field-not-utf8"
	CAFieldTooLong                     ID = "err.ca.field-too-long"
	CAFieldSpaces                      ID = "err.ca.field-spaces"
	CAFieldNonPrintable                ID = "err.ca.field-non-printable"
	CAEmailNotASCII                    ID = "err.ca.email-not-ascii"
	CASubjectNeedsCountry              ID = "err.ca.subject-needs-country"
	CASubjectNeedsOrganization         ID = "err.ca.subject-needs-organization"
	CSCClientGone                      ID = "err.csc.client-gone"
	HSMUnknownKeyType                  ID = "err.hsm.unknown-key-type"
	PKCS11NeedsCgo                     ID = "err.pkcs11.needs-cgo"
	PKCS11ConfigMissing                ID = "err.pkcs11.config-missing"
	PKCS11OpenTokenModule              ID = "err.pkcs11.open-token-module"
	PKCS11UnsupportedKeyType           ID = "err.pkcs11.unsupported-key-type"
	PKCS11GenerateKey                  ID = "err.pkcs11.generate-key"
	PKCS11MalformedKeyReference        ID = "err.pkcs11.malformed-key-reference"
	PKCS11FindKey                      ID = "err.pkcs11.find-key"
	PKCS11NoKeyPair                    ID = "err.pkcs11.no-key-pair"
	PKCS11DestroyKey                   ID = "err.pkcs11.destroy-key"
	PKCS11ReadKeyAttributes            ID = "err.pkcs11.read-key-attributes"
	PKCS11FindSecret                   ID = "err.pkcs11.find-secret"
	PKCS11LockObjects                  ID = "err.pkcs11.lock-objects"
	PKCS11GenerateSecret               ID = "err.pkcs11.generate-secret"
	PKCS11StartHMAC                    ID = "err.pkcs11.start-hmac"
	PKCS11HMAC                         ID = "err.pkcs11.hmac"
	PKCS11FindAESKey                   ID = "err.pkcs11.find-aes-key"
	PKCS11GenerateAESKey               ID = "err.pkcs11.generate-aes-key"
	PKCS11AESGCM                       ID = "err.pkcs11.aes-gcm"
	PKCS11Seal                         ID = "err.pkcs11.seal"
	PKCS11Open                         ID = "err.pkcs11.open"
	SoftHSMNotInstalled                ID = "err.softhsm.not-installed"
	SoftHSMUtilNotFound                ID = "err.softhsm.util-not-found"
	AdminMalformedRequest              ID = "err.admin.malformed-request"
	AdminBodyNotJSON                   ID = "err.admin.body-not-json"
	AdminUnknownOperation              ID = "err.admin.unknown-operation"
	AdminQesdUnreachable               ID = "err.admin.qesd-unreachable"
	AppReasonNotApplicable             ID = "err.app.reason-not-applicable"
	AppUserIDRequired                  ID = "err.app.user-id-required"
	CMSTimeStampNotSignedData          ID = "err.cms.time-stamp-not-signed-data"
	CMSNotEnveloping                   ID = "err.cms.not-enveloping"
	CMSCountersignOneSigner            ID = "err.cms.countersign-one-signer"
	PAdESCountersignLevel              ID = "err.pades.countersign-level"
	CMSTimeStampNoTSTInfo              ID = "err.cms.time-stamp-no-tst-info"
	CMSTSTInfoMalformed                ID = "err.cms.tstinfo-malformed"
	CMSTimeStampCertificatesMalformed  ID = "err.cms.time-stamp-certificates-malformed"
	LifecycleEmergencyRefused          ID = "err.lifecycle.emergency-refused"
	LifecycleNotCurrentCertificate     ID = "err.lifecycle.not-current-certificate"
	LifecycleKeyDestructionNotAudited  ID = "err.lifecycle.key-destruction-not-audited"
	OTPNoAddress                       ID = "err.otp.no-address"
	OTPResendTooSoon                   ID = "err.otp.resend-too-soon"
	OTPNotSent                         ID = "err.otp.not-sent"
	OTPCodeExpired                     ID = "err.otp.code-expired"
	OTPNotRequested                    ID = "err.otp.not-requested"
	OTPOpenOutbox                      ID = "err.otp.open-outbox"
	OTPWriteOutbox                     ID = "err.otp.write-outbox"
	PAdESSignerCertificateMissing      ID = "err.pades.signer-certificate-missing"
	PAdESCAdESEmptyContent             ID = "err.pades.cades-empty-content"
	PAdESUnknownConformanceLevel       ID = "err.pades.unknown-conformance-level"
	PAdESLevelNeedsTimestamper         ID = "err.pades.level-needs-timestamper"
	PAdESLevelNeedsRevocation          ID = "err.pades.level-needs-revocation"
	PAdESDigestLength                  ID = "err.pades.digest-length"
	PAdESSignatureDoesNotVerify        ID = "err.pades.signature-does-not-verify"
	PAdESNoSignerGiven                 ID = "err.pades.no-signer-given"
	PAdESSignerKeyMismatch             ID = "err.pades.signer-key-mismatch"
	PAdESUnsupportedDigest             ID = "err.pades.unsupported-digest"
	PAdESRSAKeyTooSmall                ID = "err.pades.rsa-key-too-small"
	PAdESUnsupportedCurve              ID = "err.pades.unsupported-curve"
	PAdESUnsupportedKeyType            ID = "err.pades.unsupported-key-type"
	PAdESIssuerNotFound                ID = "err.pades.issuer-not-found"
	PAdESFetchOCSPResponse             ID = "err.pades.fetch-ocsp-response"
	PAdESFetchCRL                      ID = "err.pades.fetch-crl"
	PAdESNoRevocationData              ID = "err.pades.no-revocation-data"
	PAdESNoRevocationSource            ID = "err.pades.no-revocation-source"
	PAdESUnknownLevelName              ID = "err.pades.unknown-level-name"
	PAdESCertificationPermission       ID = "err.pades.certification-permission"
	PAdESEmptyPDF                      ID = "err.pades.empty-pdf"
	PAdESEncryptedPDF                  ID = "err.pades.encrypted-pdf"
	PAdESCertifiedNoChanges            ID = "err.pades.certified-no-changes"
	PAdESCertificationNotFirst         ID = "err.pades.certification-not-first"
	PAdESFieldExists                   ID = "err.pades.field-exists"
	PAdESNoSuchPage                    ID = "err.pades.no-such-page"
	PAdESRectangleTooSmall             ID = "err.pades.rectangle-too-small"
	PAdESDocumentTruncated             ID = "err.pades.document-truncated"
	PAdESNotPDF                        ID = "err.pades.not-pdf"
	PAdESTimestampHashUnsupported      ID = "err.pades.timestamp-hash-unsupported"
	PAdESNoTimestamper                 ID = "err.pades.no-timestamper"
	PAdESTimestampFailed               ID = "err.pades.timestamp-failed"
	StoreDatabaseInUse                 ID = "err.store.database-in-use"
	StoreNotFound                      ID = "err.store.not-found"
	StoreAlreadyExists                 ID = "err.store.already-exists"
	StoreHolderNotFound                ID = "err.store.holder-not-found"
	StoreNoCRLYet                      ID = "err.store.no-crl-yet"
	StoreClosed                        ID = "err.store.closed"
	StoreCommitGroup                   ID = "err.store.commit-group"
	TSAUndecodableResponse             ID = "err.tsa.undecodable-response"
	TSARefused                         ID = "err.tsa.refused"
	TSAGrantedNoToken                  ID = "err.tsa.granted-no-token"
	TSAUndecodableToken                ID = "err.tsa.undecodable-token"
	TSAWrongImprint                    ID = "err.tsa.wrong-imprint"
	TSAWrongNonce                      ID = "err.tsa.wrong-nonce"
	TSAInvalidURL                      ID = "err.tsa.invalid-url"
	TSAUnreachable                     ID = "err.tsa.unreachable"
	TSAResponseUnreadable              ID = "err.tsa.response-unreadable"
	TSAHTTPStatus                      ID = "err.tsa.http-status"
	TSAContentType                     ID = "err.tsa.content-type"
	TSAResponseTooLarge                ID = "err.tsa.response-too-large"
	TSASignerRequired                  ID = "err.tsa.signer-required"
	TSACertificateRequired             ID = "err.tsa.certificate-required"
	TSAPolicyOIDRequired               ID = "err.tsa.policy-oid-required"
	TSAAccuracyNotNegative             ID = "err.tsa.accuracy-not-negative"
	TSAKeyUsageNotSigning              ID = "err.tsa.key-usage-not-signing"
	TSASignerMismatch                  ID = "err.tsa.signer-mismatch"
	TSANoExtKeyUsage                   ID = "err.tsa.no-ext-key-usage"
	TSAExtKeyUsageNotCritical          ID = "err.tsa.ext-key-usage-not-critical"
	TSAExtKeyUsageNotTimeStamping      ID = "err.tsa.ext-key-usage-not-time-stamping"
	TSAUnsupportedKey                  ID = "err.tsa.unsupported-key"
	TSANotTimeStampResp                ID = "err.tsa.not-time-stamp-resp"
	TSARespNoStatus                    ID = "err.tsa.resp-no-status"
	TSARespStatusStringMalformed       ID = "err.tsa.resp-status-string-malformed"
	TSARespStatusStringNotUTF8         ID = "err.tsa.resp-status-string-not-utf8"
	TSARespFailInfoMalformed           ID = "err.tsa.resp-fail-info-malformed"
	TSARespStatusUnexpectedFields      ID = "err.tsa.resp-status-unexpected-fields"
	TSARespTokenMalformed              ID = "err.tsa.resp-token-malformed"
	TSACancelled                       ID = "err.tsa.cancelled"
	TSANonceTooLong                    ID = "err.tsa.nonce-too-long"
	TSAClockUntrusted                  ID = "err.tsa.clock-untrusted"
	TSAHashNotAccepted                 ID = "err.tsa.hash-not-accepted"
	TSADigestLength                    ID = "err.tsa.digest-length"
	SAMPUKBlocked                      ID = "err.sam.puk-blocked"
	SAMPUKInvalid                      ID = "err.sam.puk-invalid"
	SignDocInField                     ID = "err.signdoc.in-field"
	SignDocFieldPrefix                 ID = "err.signdoc.field-prefix"
	PAdESPDFNoCatalog                  ID = "err.pades.pdf-no-catalog"
	PAdESPDFNoPageTree                 ID = "err.pades.pdf-no-page-tree"
	PAdESPDFPageNotFound               ID = "err.pades.pdf-page-not-found"
	PAdESPDFObjectLoop                 ID = "err.pades.pdf-object-loop"
	PAdESPDFObjectDamaged              ID = "err.pades.pdf-object-damaged"
	PAdESPDFObjectUnreadable           ID = "err.pades.pdf-object-unreadable"
	PAdESPDFTooManyXrefSections        ID = "err.pades.pdf-too-many-xref-sections"
	PAdESPDFXrefLoop                   ID = "err.pades.pdf-xref-loop"
	PAdESPDFPrevNotInteger             ID = "err.pades.pdf-prev-not-integer"
	PAdESPDFXrefOutsideFile            ID = "err.pades.pdf-xref-outside-file"
	PAdESPDFNoXrefAt                   ID = "err.pades.pdf-no-xref-at"
	PAdESPDFNotXrefStream              ID = "err.pades.pdf-not-xref-stream"
	PAdESPDFTrailerUnreadable          ID = "err.pades.pdf-trailer-unreadable"
	PAdESPDFTrailerNotDictionary       ID = "err.pades.pdf-trailer-not-dictionary"
	PAdESPDFXrefTableMalformed         ID = "err.pades.pdf-xref-table-malformed"
	PAdESPDFXrefSubsectionTooLong      ID = "err.pades.pdf-xref-subsection-too-long"
	PAdESPDFXrefEntryMalformed         ID = "err.pades.pdf-xref-entry-malformed"
	PAdESPDFXrefStreamW                ID = "err.pades.pdf-xref-stream-w"
	PAdESPDFXrefStreamIndex            ID = "err.pades.pdf-xref-stream-index"
	PAdESPDFXrefStreamUnreadable       ID = "err.pades.pdf-xref-stream-unreadable"
	PAdESPDFXrefStreamShort            ID = "err.pades.pdf-xref-stream-short"
	PAdESPDFNoStartxref                ID = "err.pades.pdf-no-startxref"
	PAdESPDFStartxrefNoOffset          ID = "err.pades.pdf-startxref-no-offset"
	PAdESPDFNoRootReference            ID = "err.pades.pdf-no-root-reference"
	PAdESPDFObjectStreamMissing        ID = "err.pades.pdf-object-stream-missing"
	PAdESPDFObjectOffsetOutside        ID = "err.pades.pdf-object-offset-outside"
	PAdESPDFObjectNotAtOffset          ID = "err.pades.pdf-object-not-at-offset"
	PAdESPDFRepairTooManyObjects       ID = "err.pades.pdf-repair-too-many-objects"
	PAdESPDFRepairNoCatalog            ID = "err.pades.pdf-repair-no-catalog"
	PAdESPDFTooManyObjects             ID = "err.pades.pdf-too-many-objects"
	PAdESInvalidPDF                    ID = "err.pades.invalid-pdf"
	TSALogUnavailable                  ID = "err.tsa.log-unavailable"
)

var protocolMessages = map[ID][2]string{
	AuditLogLostRecords:                {"audit log %s lost acknowledged records %d..%d; run `qesctl audit verify`", "il registro di audit %s ha perso i record confermati %d..%d; esegui `qesctl audit verify`"},
	AuditLogRewritten:                  {"audit log %s was rewritten; run `qesctl audit verify`", "il registro di audit %s è stato riscritto; esegui `qesctl audit verify`"},
	AuditLogUnavailable:                {"audit log unavailable", "registro di audit non disponibile"},
	AuditSaveAnchor:                    {"save audit anchor at record %d", "salvataggio dell'ancora di audit al record %d"},
	AuditWriteAuditLog:                 {"write audit log", "scrittura del registro di audit"},
	AuditSyncAuditLog:                  {"sync audit log", "sincronizzazione del registro di audit"},
	AuditTruncateAfterFailedWrite:      {"cut the audit log back after a failed write", "ripristino del registro di audit dopo una scrittura non riuscita"},
	AuditSyncAfterFailedWrite:          {"sync the audit log after a failed write", "sincronizzazione del registro di audit dopo una scrittura non riuscita"},
	AuthnSignAccessToken:               {"sign access token", "firma del token di accesso"},
	CATaxCodeLength:                    {"Italian tax code must have 16 characters (or 11 digits)", "Il codice fiscale deve avere 16 caratteri (o 11 cifre)"},
	CATaxCodeMalformed:                 {"Italian tax code is malformed (expected e.g. RSSMRA80A01H501U, upper case)", "Il codice fiscale non è nel formato corretto (atteso per esempio RSSMRA80A01H501U, in maiuscolo)"},
	CATaxCodeCheckCharacter:            {"Italian tax code check character is wrong: re-check the code", "Il carattere di controllo del codice fiscale è errato: ricontrolla il codice"},
	CANumericTaxCodeDigits:             {"an 11-character Italian tax code must be all digits", "un codice fiscale di 11 caratteri deve essere composto solo da cifre"},
	CANumericTaxCodeCheckDigit:         {"Italian numeric tax code check digit is wrong: re-check the code", "La cifra di controllo del codice fiscale numerico è errata: ricontrolla il codice"},
	CACRLNumberNegative:                {"CRL number must be a non-negative integer", "Il numero della CRL deve essere un intero non negativo"},
	CACRLNumberTooLong:                 {"CRL number exceeds 20 octets", "Il numero della CRL supera i 20 ottetti"},
	CACRLNextUpdateBeforeThisUpdate:    {"CRL nextUpdate must be after thisUpdate", "Il nextUpdate della CRL deve essere successivo a thisUpdate"},
	CACRLEntrySerial:                   {"CRL entry needs a positive serial number", "Una voce della CRL richiede un numero di serie positivo"},
	CACRLSerialTwice:                   {"serial %x listed twice on the CRL", "il seriale %x compare due volte nella CRL"},
	CACRLRevocationTime:                {"serial %x: revocation time must be set and not after thisUpdate", "seriale %x: l'ora di revoca deve essere indicata e non successiva a thisUpdate"},
	CACRLReasonNotAllowed:              {"serial %x: reason %s cannot appear on this CRL", "seriale %x: il motivo %s non può comparire in questa CRL"},
	CAValidityInverted:                 {"CA validity needs notBefore before notAfter", "la validità della CA richiede notBefore precedente a notAfter"},
	CAMaxPathLen:                       {"MaxPathLen must be -1 (absent) or at least 0", "MaxPathLen deve essere -1 (assente) o almeno 0"},
	CACAPublicKey:                      {"CA public key", "chiave pubblica della CA"},
	CARootSignerMissing:                {"root signer is missing", "manca il firmatario della root"},
	CARootKey:                          {"root key", "chiave della root"},
	CASubordinateBeforeIssuer:          {"subordinate CA would be valid before its issuer", "la CA subordinata sarebbe valida prima della CA emittente"},
	CAIssuerIncomplete:                 {"issuer needs a CA certificate and its signer", "l'emittente richiede un certificato di CA e il suo firmatario"},
	CAIssuerNotCA:                      {"issuer certificate must be a CA with keyCertSign and cRLSign", "il certificato dell'emittente deve essere di una CA con keyCertSign e cRLSign"},
	CAIssuerNoSKI:                      {"issuer certificate has no subject key identifier", "il certificato dell'emittente non ha un subject key identifier"},
	CAIssuerSignerMismatch:             {"issuer signer does not match the CA certificate's public key", "il firmatario dell'emittente non corrisponde alla chiave pubblica del certificato della CA"},
	CAIssuerKey:                        {"issuer key", "chiave dell'emittente"},
	CAIssuerNotValidNow:                {"the issuing CA certificate is not valid now", "il certificato della CA emittente non è valido in questo momento"},
	CACertificateOutlivesIssuer:        {"certificate would expire after the issuing CA (%s): shorten the validity or renew the CA", "il certificato scadrebbe dopo la CA emittente (%s): riduci la validità o rinnova la CA"},
	CASubjectKeyIsCAKey:                {"subject public key is the CA's own key", "la chiave pubblica del soggetto è la chiave stessa della CA"},
	CAUnsupportedSubjectCurve:          {"unsupported subject key curve %s: use P-256 or P-384", "curva %s della chiave del soggetto non supportata: usa P-256 o P-384"},
	CAUnsupportedRSAKeySize:            {"unsupported subject RSA key size %d: use 2048, 3072 or 4096 bits", "dimensione %d della chiave RSA del soggetto non supportata: usa 2048, 3072 o 4096 bit"},
	CAUnsupportedRSAExponent:           {"unsupported subject RSA public exponent %d: use 65537", "esponente pubblico RSA %d del soggetto non supportato: usa 65537"},
	CASubjectPublicKeyMissing:          {"subject public key is missing", "manca la chiave pubblica del soggetto"},
	CAUnsupportedSubjectKeyType:        {"unsupported subject key type %T: use RSA or ECDSA", "tipo di chiave del soggetto %T non supportato: usa RSA o ECDSA"},
	CAInvalidLintSkipList:              {"invalid lint skip list", "elenco di controlli lint da saltare non valido"},
	CAUnsupportedCAKeyType:             {"unsupported CA key type %T", "tipo di chiave della CA %T non supportato"},
	OCSPIssuerRequired:                 {"ocsp: an Issuer certificate is required", "ocsp: serve un certificato Issuer"},
	OCSPResponderRequired:              {"ocsp: a responder Certificate is required", "ocsp: serve un Certificate del responder"},
	OCSPSignerRequired:                 {"ocsp: a Signer is required", "ocsp: serve un Signer"},
	OCSPStatusSourceRequired:           {"ocsp: a status Source is required", "ocsp: serve una Source di stato"},
	OCSPNegativeSetting:                {"ocsp: Validity, Refresh and MaxCacheEntries must not be negative", "ocsp: Validity, Refresh e MaxCacheEntries non possono essere negativi"},
	OCSPRefreshTooLong:                 {"ocsp: Refresh (%v) must be shorter than Validity (%v)", "ocsp: Refresh (%v) deve essere più breve di Validity (%v)"},
	OCSPSignerMismatch:                 {"ocsp: the Signer's public key is not the responder certificate's", "ocsp: la chiave pubblica del Signer non è quella del certificato del responder"},
	OCSPResponderNotIssuedByIssuer:     {"ocsp: the responder certificate is not issued by the Issuer", "ocsp: il certificato del responder non è emesso dall'Issuer"},
	OCSPResponderLacksOCSPSigning:      {"ocsp: the responder certificate lacks extendedKeyUsage id-kp-OCSPSigning", "ocsp: al certificato del responder manca l'extendedKeyUsage id-kp-OCSPSigning"},
	OCSPResponderLacksNoCheck:          {"ocsp: the responder certificate lacks the id-pkix-ocsp-nocheck extension", "ocsp: al certificato del responder manca l'estensione id-pkix-ocsp-nocheck"},
	OCSPResponderLacksDigitalSignature: {"ocsp: the responder certificate's keyUsage lacks digitalSignature", "ocsp: al keyUsage del certificato del responder manca digitalSignature"},
	OCSPUnsupportedKey:                 {"ocsp: %v", "ocsp: chiave non supportata: %v"},
	OCSPSerialNumberPositive:           {"ocsp: serial number must be positive", "ocsp: il numero di serie deve essere positivo"},
	OCSPMalformedSPKI:                  {"ocsp: a certificate's subjectPublicKeyInfo is malformed", "ocsp: il subjectPublicKeyInfo di un certificato è malformato"},
	OCSPCRLNotPublishedYet:             {"the %s CRL is not published yet", "la CRL %s non è ancora pubblicata"},
	CAOwnerMissing:                     {"a qualified certificate needs its owner: the holder and the credential", "un certificato qualificato richiede il suo proprietario: il titolare e la credenziale"},
	CAMalformedCertificatePolicies:     {"malformed certificatePolicies", "certificatePolicies malformato"},
	CACPSURINotIA5String:               {"CPS URI qualifier must be an IA5String", "il qualificatore CPS URI deve essere una IA5String"},
	CAInvalidOID:                       {"invalid OID %q: %v", "OID %q non valido: %v"},
	CAURLNotHTTP:                       {"%s %q must be an absolute http or https URL", "%s %q deve essere un URL assoluto http o https"},
	CAPolicyOIDNotQCP:                  {"PolicyOID must be the TSP's own policy, not an ETSI QCP policy", "PolicyOID deve essere la policy propria del TSP, non una policy ETSI QCP"},
	CARetentionPeriod:                  {"retention period must be between 0 and 100 years", "il periodo di conservazione deve essere tra 0 e 100 anni"},
	CAValidityNotNegative:              {"validity must not be negative", "la validità non può essere negativa"},
	CAQualifiedProfileMissing:          {"qualified profile is missing", "manca il profilo qualificato"},
	CASubjectPublicKey:                 {"subject public key", "chiave pubblica del soggetto"},
	CAIssuerNoOCSPURL:                  {"issuer has no OCSP URL configured: required for end-entity certificates", "l'emittente non ha un URL OCSP configurato: è obbligatorio per i certificati end-entity"},
	CACRLPublisherIncomplete:           {"CRL publisher needs a store, the issuing CA and the root", "la pubblicazione delle CRL richiede un archivio, la CA emittente e la root"},
	CACRLRefreshTooLong:                {"CRL refresh %v must be shorter than the CRL validity %v", "l'aggiornamento della CRL %v deve essere più breve della validità della CRL %v"},
	CANoCRLNamed:                       {"no CRL named %q", "nessuna CRL di nome %q"},
	CAMalformedQCStatements:            {"malformed qcStatements", "qcStatements malformato"},
	CAQCStatementsEmpty:                {"qcStatements is empty", "qcStatements è vuoto"},
	CAQCStatementAppearsTwice:          {"QC statement %s appears twice", "il QC statement %s compare due volte"},
	CAQCStatementInvalid:               {"QC statement %s: %s", "dichiarazione QC %s: %s"},
	CAPDSRequired:                      {"at least one PDS location (in English) is required", "serve almeno un indirizzo di PDS (in inglese)"},
	CAPDSURLAbsoluteHttpsURL:           {"PDS URL %q must be an absolute https URL", "l'URL del PDS %q deve essere un URL https assoluto"},
	CAPDSLanguageNotISO:                {"PDS language %q must be a lower-case ISO 639-1 code", "la lingua del PDS %q deve essere un codice ISO 639-1 in minuscolo"},
	CAPDSLanguageListedTwice:           {"PDS language %q listed twice", "la lingua del PDS %q compare due volte"},
	CAPDSEnglishRequired:               {"a PDS in English (language \"en\") is required", "serve un PDS in inglese (lingua \"en\")"},
	CASerialNotPositive:                {"certificate serial number must be positive", "il numero di serie del certificato deve essere positivo"},
	CANotInRegister:                    {"certificate %x is not in the register", "il certificato %x non è nel registro"},
	CAUnknownRevocationReason:          {"unknown revocation reason %q: use one of unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn", "motivo di revoca %q sconosciuto: usa uno tra unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn"},
	CASemanticsIdentifierTooLong:       {"semantics identifier longer than %d characters", "l'identificativo semantico supera i %d caratteri"},
	CASemanticsIdentifierTooShort:      {"semantics identifier too short: want e.g. TINIT-<tax code> or PASIT-<passport number>", "identificativo semantico troppo corto: atteso per esempio TINIT-<codice fiscale> o PASIT-<numero di passaporto>"},
	CASemanticsIdentifierTypeUnknown:   {"semantics identifier type %q unknown: use PAS, IDC, PNO, TIN (or TAX), or a national two-character scheme followed by ':'", "tipo di identificativo semantico %q sconosciuto: usa PAS, IDC, PNO, TIN (o TAX) o uno schema nazionale di due caratteri seguito da ':'"},
	CASemanticsIdentifierCountry:       {"semantics identifier country %q is not an ISO 3166-1 alpha-2 code", "il paese %q dell'identificativo semantico non è un codice ISO 3166-1 alpha-2"},
	CASemanticsIdentifierNoDash:        {"semantics identifier needs a '-' after the country code", "l'identificativo semantico richiede un '-' dopo il codice del paese"},
	CASemanticsIdentifierCharacters:    {"semantics identifier may only contain letters, digits and - . / + after the country code", "dopo il codice del paese l'identificativo semantico può contenere solo lettere, cifre e - . / +"},
	CASemanticsIdentifierDashEnds:      {"semantics identifier number must not start or end with '-'", "il numero dell'identificativo semantico non può iniziare né finire con '-'"},
	CAEventNoTime:                      {"event has no time", "l'evento non ha un orario"},
	CAEventBeforeLastChange:            {"%s at %s precedes the last status change at %s", "%s del %s precede l'ultimo cambio di stato, del %s"},
	CAUnknownLifecycleEvent:            {"unknown lifecycle event %v", "evento del ciclo di vita %v sconosciuto"},
	CASuspensionReasonCertificateHold:  {"a suspension has reason certificateHold, not %s", "una sospensione ha come motivo certificateHold, non %s"},
	CACannotSuspendCertificate:         {"cannot suspend a certificate that is %s", "non si può sospendere un certificato nello stato %s"},
	CACannotReactivateRevoked:          {"cannot reactivate a revoked certificate (a suspension that reaches its maximum period becomes a revocation)", "non si può riattivare un certificato revocato (una sospensione che raggiunge il periodo massimo diventa una revoca)"},
	CACannotReactivate:                 {"cannot reactivate a certificate that is %s: only a suspended one", "non si può riattivare un certificato nello stato %s: solo uno sospeso"},
	CANotASigningRevocationReason:      {"%s is not a revocation reason for a signing certificate", "%s non è un motivo di revoca per un certificato di firma"},
	CACannotRevokeCertificate:          {"cannot revoke a certificate that is %s", "non si può revocare un certificato nello stato %s"},
	CACountryNotISO:                    {"country %q is not an ISO 3166-1 alpha-2 code (upper case)", "il paese %q non è un codice ISO 3166-1 alpha-2 (in maiuscolo)"},
	CACommonNameTooLong:                {"\"given name surname\" exceeds %d characters: supply a shorter common name", "\"nome cognome\" supera i %d caratteri: indica un common name più corto"},
	CAFieldRequired:                    {"%s is required", "%s è obbligatorio"},
	CAFieldNotUTF8:                     {"%s is not valid UTF-8", "%s non è UTF-8 valido"},
	CAFieldTooLong:                     {"%s exceeds %d characters", "%s supera i %d caratteri"},
	CAFieldSpaces:                      {"%s has leading, trailing or repeated spaces", "%s ha spazi iniziali, finali o ripetuti"},
	CAFieldNonPrintable:                {"%s contains a control or non-printable character", "%s contiene un carattere di controllo o non stampabile"},
	CAEmailNotASCII:                    {"e-mail address %q is not a plain ASCII address", "l'indirizzo e-mail %q non è un semplice indirizzo ASCII"},
	CASubjectNeedsCountry:              {"%s subject needs one ISO 3166-1 countryName", "il soggetto %s richiede un countryName ISO 3166-1"},
	CASubjectNeedsOrganization:         {"%s subject needs one organizationName", "il soggetto %s richiede un organizationName"},
	CSCClientGone:                      {"the client went away while waiting for the signDoc budget", "il client si è disconnesso mentre attendeva il proprio turno per signDoc"},
	HSMUnknownKeyType:                  {"unknown key type %q (want one of ec-p256, ec-p384, rsa-2048, rsa-3072)", "tipo di chiave %q sconosciuto (atteso uno tra ec-p256, ec-p384, rsa-2048, rsa-3072)"},
	PKCS11NeedsCgo:                     {"qes was built without cgo: the PKCS#11 key manager needs cgo (CGO_ENABLED=1 and a C compiler)", "qes è stato compilato senza cgo: il gestore di chiavi PKCS#11 richiede cgo (CGO_ENABLED=1 e un compilatore C)"},
	PKCS11ConfigMissing:                {"hsm: module path and token label are required", "hsm: servono il percorso del modulo e l'etichetta del token"},
	PKCS11OpenTokenModule:              {"hsm: open token %q with module %s", "hsm: apertura del token %q con il modulo %s"},
	PKCS11UnsupportedKeyType:           {"hsm: unsupported key type %q", "hsm: tipo di chiave %q non supportato"},
	PKCS11GenerateKey:                  {"hsm: generate %s key", "hsm: generazione della chiave %s"},
	PKCS11MalformedKeyReference:        {"hsm: malformed key reference %q", "hsm: riferimento di chiave %q malformato"},
	PKCS11FindKey:                      {"hsm: find key %s", "hsm: ricerca della chiave %s"},
	PKCS11NoKeyPair:                    {"hsm: no key pair with id %s on the token", "hsm: nessuna coppia di chiavi con id %s sul token"},
	PKCS11DestroyKey:                   {"hsm: destroy key %s", "hsm: distruzione della chiave %s"},
	PKCS11ReadKeyAttributes:            {"hsm: read key attributes", "hsm: lettura degli attributi della chiave"},
	PKCS11FindSecret:                   {"hsm: find secret %s", "hsm: ricerca del segreto %s"},
	PKCS11LockObjects:                  {"hsm: lock the token's objects for a change", "hsm: blocco degli oggetti del token per una modifica"},
	PKCS11GenerateSecret:               {"hsm: generate secret %s", "hsm: generazione del segreto %s"},
	PKCS11StartHMAC:                    {"hsm: start HMAC", "hsm: avvio dell'HMAC"},
	PKCS11HMAC:                         {"hsm: HMAC", "hsm: calcolo dell'HMAC"},
	PKCS11FindAESKey:                   {"hsm: find AES key %s", "hsm: ricerca della chiave AES %s"},
	PKCS11GenerateAESKey:               {"hsm: generate AES key %s", "hsm: generazione della chiave AES %s"},
	PKCS11AESGCM:                       {"hsm: AES-GCM", "hsm: cifratura AES-GCM"},
	PKCS11Seal:                         {"hsm: seal", "hsm: cifratura"},
	PKCS11Open:                         {"hsm: open", "hsm: decifratura"},
	SoftHSMNotInstalled:                {"SoftHSM2 is not installed: install the Debian/Ubuntu package 'softhsm2' (sudo apt-get install softhsm2) or configure another PKCS#11 module", "SoftHSM2 non è installato: installa il pacchetto Debian/Ubuntu 'softhsm2' (sudo apt-get install softhsm2) o configura un altro modulo PKCS#11"},
	SoftHSMUtilNotFound:                {"softhsm2-util not found: install the Debian/Ubuntu package 'softhsm2'", "softhsm2-util non trovato: installa il pacchetto Debian/Ubuntu 'softhsm2'"},
	AdminMalformedRequest:              {"malformed admin request", "richiesta di amministrazione malformata"},
	AdminBodyNotJSON:                   {"request body must be JSON", "il corpo della richiesta deve essere JSON"},
	AdminUnknownOperation:              {"unknown operation %s", "operazione sconosciuta %s"},
	AdminQesdUnreachable:               {"talk to the running qesd", "comunicazione con il qesd in esecuzione"},
	AppReasonNotApplicable:             {"--reason applies to suspend and revoke, not %s", "--reason vale per suspend e revoke, non per %s"},
	AppUserIDRequired:                  {"the user ID is required", "il nome utente è obbligatorio"},
	CMSTimeStampNotSignedData:          {"the time-stamp token is not DER SignedData over a TSTInfo", "la marca temporale non è un SignedData DER su un TSTInfo"},
	CMSCountersignOneSigner:            {"the signed file has %d signers: a countersignature is added to a file with exactly one", "il file firmato ha %d firmatari: una controfirma si aggiunge a un file che ne ha esattamente uno"},
	PAdESCountersignLevel:              {"a countersignature is made up to B-LT (an archive time-stamp belongs to a signer, not to a countersignature)", "una controfirma si fa fino a B-LT (una marca temporale di archivio appartiene a un firmatario, non a una controfirma)"},
	CMSNotEnveloping:                   {"the document is not a signed file qes can add a parallel signature to: a CMS SignedData (DER, or BER made DER) with the signed data (id-data) inside, a .p7m", "il documento non è un file firmato a cui qes possa aggiungere una firma parallela: un CMS SignedData (DER, o BER reso DER) con i dati firmati (id-data) all'interno, un .p7m"},
	CMSTimeStampNoTSTInfo:              {"the time-stamp token has no TSTInfo content", "la marca temporale non ha un contenuto TSTInfo"},
	CMSTSTInfoMalformed:                {"the TSTInfo is malformed", "il TSTInfo è malformato"},
	CMSTimeStampCertificatesMalformed:  {"the time-stamp token's certificates are malformed", "i certificati della marca temporale sono malformati"},
	LifecycleEmergencyRefused:          {"The user ID or the emergency code is wrong, or emergency suspension is blocked for this account: contact the service", "Il nome utente o il codice di emergenza è errato, oppure la sospensione d'emergenza è bloccata per questo account: contatta il servizio"},
	LifecycleNotCurrentCertificate:     {"not the credential's current certificate", "non è il certificato attuale della credenziale"},
	LifecycleKeyDestructionNotAudited:  {"key destruction cannot be recorded in the audit log", "la distruzione della chiave non può essere registrata nel registro di audit"},
	OTPNoAddress:                       {"no %s address on file to send the code to", "nessun indirizzo %s registrato a cui inviare il codice"},
	OTPResendTooSoon:                   {"a code was sent less than %s ago; wait before asking for another", "un codice è stato inviato meno di %s fa: attendi prima di chiederne un altro"},
	OTPNotSent:                         {"the code could not be sent; try again later", "non è stato possibile inviare il codice: riprova più tardi"},
	OTPCodeExpired:                     {"The OTP has expired; request a new one", "Il codice OTP è scaduto: richiedine uno nuovo"},
	OTPNotRequested:                    {"The OTP is invalid or was not requested", "Il codice OTP è errato o non è stato richiesto"},
	OTPOpenOutbox:                      {"open outbox", "apertura della posta in uscita"},
	OTPWriteOutbox:                     {"write outbox", "scrittura della posta in uscita"},
	PAdESSignerCertificateMissing:      {"the signer certificate is missing", "manca il certificato del firmatario"},
	PAdESCAdESEmptyContent:             {"the content to sign is empty", "il contenuto da firmare è vuoto"},
	PAdESUnknownConformanceLevel:       {"unknown conformance level", "livello di conformità sconosciuto"},
	PAdESLevelNeedsTimestamper:         {"level %s needs a time-stamp authority", "il livello %s richiede un'autorità di marcatura temporale"},
	PAdESLevelNeedsRevocation:          {"level %s needs a revocation data source", "il livello %s richiede una fonte dei dati di revoca"},
	PAdESDigestLength:                  {"the document digest has %d bytes, want %d for %v", "il digest del documento ha %d byte, ne servono %d per %v"},
	PAdESSignatureDoesNotVerify:        {"the signature value does not verify with the signer certificate over the prepared digest", "il valore della firma non si verifica con il certificato del firmatario sul digest preparato"},
	PAdESNoSignerGiven:                 {"no signer given", "nessun firmatario indicato"},
	PAdESSignerKeyMismatch:             {"the signer key does not match the signer certificate", "la chiave del firmatario non corrisponde al certificato del firmatario"},
	PAdESUnsupportedDigest:             {"unsupported digest algorithm %v (use SHA-256, SHA-384 or SHA-512)", "algoritmo di digest %v non supportato (usa SHA-256, SHA-384 o SHA-512)"},
	PAdESRSAKeyTooSmall:                {"RSA key of %d bits is too small (at least 2048)", "una chiave RSA di %d bit è troppo piccola (almeno 2048)"},
	PAdESUnsupportedCurve:              {"unsupported elliptic curve (use P-256, P-384 or P-521)", "curva ellittica non supportata (usa P-256, P-384 o P-521)"},
	PAdESUnsupportedKeyType:            {"unsupported signer key type %T (use RSA or ECDSA)", "tipo di chiave del firmatario %T non supportato (usa RSA o ECDSA)"},
	PAdESIssuerNotFound:                {"cannot find the issuer of %q to fetch its revocation data; supply the issuing CA certificate", "impossibile trovare l'emittente di %q per recuperarne i dati di revoca: fornisci il certificato della CA emittente"},
	PAdESFetchOCSPResponse:             {"fetch OCSP response for %s", "recupero della risposta OCSP per %s"},
	PAdESFetchCRL:                      {"fetch CRL for %s", "recupero della CRL per %s"},
	PAdESNoRevocationData:              {"no revocation data (OCSP or CRL) available for %q", "nessun dato di revoca (OCSP o CRL) disponibile per %q"},
	PAdESNoRevocationSource:            {"no revocation data source configured", "nessuna fonte dei dati di revoca configurata"},
	PAdESUnknownLevelName:              {"unknown conformance level %q (want AdES-B-B, AdES-B-T, AdES-B-LT or AdES-B-LTA)", "livello di conformità %q sconosciuto (atteso AdES-B-B, AdES-B-T, AdES-B-LT o AdES-B-LTA)"},
	PAdESCertificationPermission:       {"certification permission must be 1, 2 or 3", "il permesso di certificazione deve essere 1, 2 o 3"},
	PAdESEmptyPDF:                      {"invalid PDF: the document is empty (0 bytes)", "PDF non valido: il documento è vuoto (0 byte)"},
	PAdESEncryptedPDF:                  {"encrypted PDFs are not supported: remove the password protection before signing", "i PDF cifrati non sono supportati: rimuovi la protezione con password prima di firmare"},
	PAdESCertifiedNoChanges:            {"the document is certified with no changes allowed (DocMDP P=1): it cannot be signed again", "il documento è certificato senza modifiche consentite (DocMDP P=1): non può essere firmato di nuovo"},
	PAdESCertificationNotFirst:         {"a certification signature must be the first signature of the document, and this one is already signed", "una firma di certificazione deve essere la prima firma del documento, e questo è già firmato"},
	PAdESFieldExists:                   {"a form field named %q already exists", "esiste già un campo del modulo di nome %q"},
	PAdESNoSuchPage:                    {"page %d does not exist: the document has %d page(s)", "la pagina %d non esiste: il documento ha %d pagina/e"},
	PAdESRectangleTooSmall:             {"the signature rectangle must be at least 1x1 user units", "il rettangolo della firma deve essere almeno di 1x1 unità utente"},
	PAdESDocumentTruncated:             {"the document is shorter than its stated size", "il documento è più corto della dimensione dichiarata"},
	PAdESNotPDF:                        {"invalid PDF: the document is not a PDF file (no %%PDF- header in the first %d bytes)", "PDF non valido: il documento non è un file PDF (nessuna intestazione %%PDF- nei primi %d byte)"},
	PAdESTimestampHashUnsupported:      {"time-stamp token uses an unsupported hash algorithm", "la marca temporale usa un algoritmo di hash non supportato"},
	PAdESNoTimestamper:                 {"a time-stamp is required for this level but no time-stamp authority is configured", "questo livello richiede una marca temporale, ma non è configurata alcuna autorità di marcatura temporale"},
	PAdESTimestampFailed:               {"time-stamp authority request failed", "la richiesta all'autorità di marcatura temporale non è riuscita"},
	StoreDatabaseInUse:                 {"database %s is in use by another process (is qesd already running?)", "il database %s è in uso da un altro processo (qesd è già in esecuzione?)"},
	StoreNotFound:                      {"%s not found", "%s non trovato"},
	StoreAlreadyExists:                 {"%s already exists", "%s esiste già"},
	StoreHolderNotFound:                {"holder %s not found", "titolare %s non trovato"},
	StoreNoCRLYet:                      {"no CRL of %s yet", "non c'è ancora una CRL di %s"},
	StoreClosed:                        {"database closed", "database chiuso"},
	StoreCommitGroup:                   {"commit a group of %d changes", "salvataggio di un gruppo di %d modifiche"},
	TSAUndecodableResponse:             {"the time-stamp authority sent an undecodable response", "l'autorità di marcatura temporale ha inviato una risposta non decodificabile"},
	TSARefused:                         {"the time-stamp authority refused the request (status %d, failure %v): %s", "l'autorità di marcatura temporale ha rifiutato la richiesta (stato %d, errore %v): %s"},
	TSAGrantedNoToken:                  {"the time-stamp authority granted the request but sent no token", "l'autorità di marcatura temporale ha accolto la richiesta ma non ha inviato alcuna marca"},
	TSAUndecodableToken:                {"the time-stamp authority sent an undecodable token", "l'autorità di marcatura temporale ha inviato una marca non decodificabile"},
	TSAWrongImprint:                    {"the time-stamp token covers another message imprint than the one requested", "la marca temporale copre un'impronta diversa da quella richiesta"},
	TSAWrongNonce:                      {"the time-stamp token does not echo the request nonce", "la marca temporale non riporta il nonce della richiesta"},
	TSAInvalidURL:                      {"the time-stamp authority URL is invalid", "l'URL dell'autorità di marcatura temporale non è valido"},
	TSAUnreachable:                     {"the time-stamp authority is unreachable", "l'autorità di marcatura temporale non è raggiungibile"},
	TSAResponseUnreadable:              {"the time-stamp response could not be read", "non è stato possibile leggere la risposta di marcatura temporale"},
	TSAHTTPStatus:                      {"the time-stamp authority answered HTTP %d: %s", "l'autorità di marcatura temporale ha risposto HTTP %d: %s"},
	TSAContentType:                     {"the time-stamp authority answered Content-Type %q, not %s", "l'autorità di marcatura temporale ha risposto con Content-Type %q, non %s"},
	TSAResponseTooLarge:                {"the time-stamp response exceeds %d bytes", "la risposta di marcatura temporale supera i %d byte"},
	TSASignerRequired:                  {"tsa: a Signer is required", "tsa: serve un Signer"},
	TSACertificateRequired:             {"tsa: a TSA Certificate is required", "tsa: serve un Certificate della TSA"},
	TSAPolicyOIDRequired:               {"tsa: a Policy OID is required", "tsa: serve un OID di Policy"},
	TSAAccuracyNotNegative:             {"tsa: Accuracy must not be negative", "tsa: Accuracy non può essere negativo"},
	TSAKeyUsageNotSigning:              {"tsa: the TSA certificate's keyUsage allows neither digitalSignature nor nonRepudiation", "tsa: il keyUsage del certificato della TSA non consente né digitalSignature né nonRepudiation"},
	TSASignerMismatch:                  {"tsa: the Signer's public key is not the TSA certificate's", "tsa: la chiave pubblica del Signer non è quella del certificato della TSA"},
	TSANoExtKeyUsage:                   {"tsa: the TSA certificate has no extendedKeyUsage extension; RFC 3161 requires a critical one with only id-kp-timeStamping", "tsa: il certificato della TSA non ha l'estensione extendedKeyUsage; la RFC 3161 ne richiede una critica con solo id-kp-timeStamping"},
	TSAExtKeyUsageNotCritical:          {"tsa: the TSA certificate's extendedKeyUsage is not critical; RFC 3161 requires it to be", "tsa: l'extendedKeyUsage del certificato della TSA non è critica, come invece richiede la RFC 3161"},
	TSAExtKeyUsageNotTimeStamping:      {"tsa: the TSA certificate's extendedKeyUsage must contain id-kp-timeStamping and nothing else", "tsa: l'extendedKeyUsage del certificato della TSA deve contenere id-kp-timeStamping e nient'altro"},
	TSAUnsupportedKey:                  {"tsa: %v", "tsa: chiave non supportata: %v"},
	TSANotTimeStampResp:                {"not a DER TimeStampResp", "non è un TimeStampResp DER"},
	TSARespNoStatus:                    {"TimeStampResp has no status", "TimeStampResp non ha uno stato"},
	TSARespStatusStringMalformed:       {"TimeStampResp statusString is malformed", "lo statusString di TimeStampResp è malformato"},
	TSARespStatusStringNotUTF8:         {"TimeStampResp statusString is not UTF8String", "lo statusString di TimeStampResp non è una UTF8String"},
	TSARespFailInfoMalformed:           {"TimeStampResp failInfo is malformed", "il failInfo di TimeStampResp è malformato"},
	TSARespStatusUnexpectedFields:      {"TimeStampResp status has unexpected fields", "lo stato di TimeStampResp ha campi inattesi"},
	TSARespTokenMalformed:              {"TimeStampResp token is malformed", "il token di TimeStampResp è malformato"},
	TSACancelled:                       {"tsa: request cancelled before signing", "tsa: richiesta annullata prima della firma"},
	TSANonceTooLong:                    {"the nonce is longer than %d bytes", "il nonce supera i %d byte"},
	TSAClockUntrusted:                  {"The time-stamping authority's clock is not trustworthy now; try again later", "L'orologio dell'autorità di marcatura temporale ora non è affidabile: riprova più tardi"},
	TSAHashNotAccepted:                 {"hash algorithm %v is not accepted for time-stamps; use SHA-256, SHA-384 or SHA-512", "l'algoritmo di hash %v non è accettato per le marche temporali: usa SHA-256, SHA-384 o SHA-512"},
	TSADigestLength:                    {"the digest is %d bytes but %v digests are %d bytes", "il digest è di %d byte, ma i digest %v sono di %d byte"},
	TSALogUnavailable:                  {"The time-stamp cannot be recorded in the TSA's log; none was issued", "La marca temporale non può essere registrata nel registro della TSA: non ne è stata emessa alcuna"},
	SAMPUKBlocked:                      {"The PUK is blocked: the credential must be revoked and a new one issued", "Il PUK è bloccato: la credenziale deve essere revocata e ne va emessa una nuova"},
	SAMPUKInvalid:                      {"The PUK is invalid", "Il PUK è errato"},
	SignDocInField:                     {"%s in %s", "%s (in %s)"},
	SignDocFieldPrefix:                 {"%s: %s", "Nel campo %s: %s"},
	PAdESInvalidPDF:                    {"invalid PDF: %s", "PDF non valido: %s"},
	PAdESPDFNoCatalog:                  {"the document catalog (/Root) is missing or not a dictionary", "il catalogo del documento (/Root) manca o non è un dizionario"},
	PAdESPDFNoPageTree:                 {"the catalog has no page tree (/Pages)", "il catalogo non ha un albero delle pagine (/Pages)"},
	PAdESPDFPageNotFound:               {"page %d not found in the page tree", "pagina %d non trovata nell'albero delle pagine"},
	PAdESPDFObjectLoop:                 {"object %d refers to itself while being read", "l'oggetto %d rimanda a se stesso durante la lettura"},
	PAdESPDFObjectDamaged:              {"object %d is damaged or truncated, and the cross-reference data could not be used either (%s): %v", "l'oggetto %d è danneggiato o troncato, e nemmeno i dati dei riferimenti incrociati sono utilizzabili (%s): %v"},
	PAdESPDFObjectUnreadable:           {"cannot read object %d (broken xref?): %v", "impossibile leggere l'oggetto %d (xref danneggiata?): %v"},
	PAdESPDFTooManyXrefSections:        {"too many cross-reference sections", "troppe sezioni di riferimenti incrociati"},
	PAdESPDFXrefLoop:                   {"cross-reference sections form a loop", "le sezioni di riferimenti incrociati formano un ciclo"},
	PAdESPDFPrevNotInteger:             {"/Prev in the trailer is not an integer", "/Prev nel trailer non è un intero"},
	PAdESPDFXrefOutsideFile:            {"cross-reference offset %d is outside the file", "l'offset dei riferimenti incrociati %d è fuori dal file"},
	PAdESPDFNoXrefAt:                   {"no cross-reference table or stream at offset %d (broken xref): %v", "nessuna tabella o stream di riferimenti incrociati all'offset %d (xref danneggiata): %v"},
	PAdESPDFNotXrefStream:              {"object at cross-reference offset %d is not an xref stream (broken xref)", "l'oggetto all'offset dei riferimenti incrociati %d non è uno stream xref (xref danneggiata)"},
	PAdESPDFTrailerUnreadable:          {"unreadable trailer dictionary: %s", "dizionario del trailer illeggibile: %s"},
	PAdESPDFTrailerNotDictionary:       {"trailer is not a dictionary", "il trailer non è un dizionario"},
	PAdESPDFXrefTableMalformed:         {"malformed cross-reference table near byte %d (broken xref)", "tabella dei riferimenti incrociati malformata vicino al byte %d (xref danneggiata)"},
	PAdESPDFXrefSubsectionTooLong:      {"cross-reference subsection is longer than the file (broken xref)", "una sottosezione dei riferimenti incrociati è più lunga del file (xref danneggiata)"},
	PAdESPDFXrefEntryMalformed:         {"malformed cross-reference entry near byte %d (broken xref)", "voce dei riferimenti incrociati malformata vicino al byte %d (xref danneggiata)"},
	PAdESPDFXrefStreamW:                {"xref stream has no valid /W", "lo stream xref non ha un /W valido"},
	PAdESPDFXrefStreamIndex:            {"xref stream has an invalid /Index", "lo stream xref ha un /Index non valido"},
	PAdESPDFXrefStreamUnreadable:       {"unreadable xref stream: %s", "stream xref illeggibile: %s"},
	PAdESPDFXrefStreamShort:            {"xref stream is shorter than its /Index says (broken xref)", "lo stream xref è più corto di quanto dichiara il suo /Index (xref danneggiata)"},
	PAdESPDFNoStartxref:                {"truncated or damaged PDF: no startxref near the end of the file", "PDF troncato o danneggiato: nessuno startxref vicino alla fine del file"},
	PAdESPDFStartxrefNoOffset:          {"truncated or damaged PDF: startxref is not followed by an offset", "PDF troncato o danneggiato: startxref non è seguito da un offset"},
	PAdESPDFNoRootReference:            {"the trailer has no /Root reference to the document catalog", "il trailer non ha un riferimento /Root al catalogo del documento"},
	PAdESPDFObjectStreamMissing:        {"object %d is said to be in object stream %d, which is not in the file (broken xref)", "l'oggetto %d risulterebbe nello stream di oggetti %d, che non è nel file (xref danneggiata)"},
	PAdESPDFObjectOffsetOutside:        {"object %d has offset %d, outside the file (broken xref)", "l'oggetto %d ha offset %d, fuori dal file (xref danneggiata)"},
	PAdESPDFObjectNotAtOffset:          {"the cross-reference entry of object %d points at offset %d, where that object does not start (broken xref)", "la voce dei riferimenti incrociati dell'oggetto %d punta all'offset %d, dove quell'oggetto non inizia (xref danneggiata)"},
	PAdESPDFRepairTooManyObjects:       {"the cross-reference data is unusable (%s) and the file holds more than %d objects, the most qes rebuilds a cross-reference table for", "i dati dei riferimenti incrociati sono inutilizzabili (%s) e il file contiene più di %d oggetti, il massimo per cui qes ricostruisce una tabella dei riferimenti incrociati"},
	PAdESPDFRepairNoCatalog:            {"the cross-reference data is unusable (%s), and scanning the file for objects found no document catalog (neither a trailer /Root nor an object of /Type /Catalog that leads to a page tree), so there is no document to sign", "i dati dei riferimenti incrociati sono inutilizzabili (%s) e la scansione del file non ha trovato un catalogo del documento (né un /Root nel trailer né un oggetto /Type /Catalog che porti a un albero delle pagine): non c'è un documento da firmare"},
	PAdESPDFTooManyObjects:             {"the file holds more than %d objects, the most qes rebuilds a cross-reference table for", "il file contiene più di %d oggetti, il massimo per cui qes ricostruisce una tabella dei riferimenti incrociati"},
	ConfigPINFile:                      {"hsm.pinFile %q", "file del PIN hsm.pinFile %q"},
	ConfigPINFileInDataDir:             {"hsm.pinFile %s lies inside the data directory %s: keep the token PIN outside it (for example /etc/qes/hsm.pin, a systemd credential or QES_HSM_PIN)", "hsm.pinFile %s si trova nella directory dei dati %s: tieni il PIN del token fuori da essa (per esempio /etc/qes/hsm.pin, una credenziale systemd o QES_HSM_PIN)"},
	ConfigDuration:                     {"duration must be a string like \"720h\"", "la durata deve essere una stringa come \"720h\""},
	ConfigRead:                         {"read %s", "lettura di %s"},
	ConfigFile:                         {"config %s", "configurazione %s"},
	ConfigDataDir:                      {"data directory %s", "directory dei dati %s"},
	ConfigListen:                       {"listen address %q", "indirizzo di ascolto %q"},
	ConfigListenNotLoopback:            {"listen address %q is not loopback: plain HTTP is refused there; set tls.certFile and tls.keyFile in %s", "l'indirizzo di ascolto %q non è di loopback: lì l'HTTP in chiaro è rifiutato; imposta tls.certFile e tls.keyFile in %s"},
	ConfigTLSIncomplete:                {"tls needs both certFile and keyFile", "tls richiede sia certFile sia keyFile"},
	ConfigPublicURL:                    {"publicURL %q must be an http(s) URL", "publicURL %q deve essere un URL http(s)"},
	ConfigArgon2id:                     {"argon2id needs time >= 1, memoryKiB >= 8 and threads >= 1", "argon2id richiede time >= 1, memoryKiB >= 8 e threads >= 1"},
	ConfigRegion:                       {"service.region %q must be an ISO 3166-1 alpha-2 code such as IT", "service.region %q deve essere un codice ISO 3166-1 alpha-2 come IT"},
	ConfigServiceTextTooLong:           {"service.name and service.description must be at most 255 characters (CSC info)", "service.name e service.description possono avere al massimo 255 caratteri (CSC info)"},
	ConfigMultisign:                    {"service.multisign must be 1..1000", "service.multisign deve essere tra 1 e 1000"},
	ConfigLogLevel:                     {"log.level %q: want debug, info, warn or error", "log.level %q: atteso debug, info, warn o error"},
	ConfigJobsSkip:                     {"jobs.skip %q: not a job this node may skip (one of %s)", "jobs.skip %q: non è un job che questo nodo può saltare (uno di %s)"},
	ConfigTSAPolicyOID:                 {"tsa.policyOID %q is not a dotted object identifier such as 1.3.6.1.4.1.55555.1.2", "tsa.policyOID %q non è un identificativo di oggetto in notazione puntata come 1.3.6.1.4.1.55555.1.2"},
	ConfigTSAClock:                     {"tsa.clock %q must be %q or %q", "tsa.clock %q deve essere %q o %q"},
	ConfigTSAAccuracy:                  {"tsa.accuracy %s must be between 0 and 1m", "tsa.accuracy %s deve essere compreso tra 0 e 1m"},
	CAQCNoInfoAllowed:                  {"must not carry statement information", "non deve contenere informazioni aggiuntive"},
	CAQCRetentionNotInteger:            {"retention period must be an INTEGER", "il periodo di conservazione deve essere un INTEGER"},
	CAQCRetentionTooShort:              {"retention period must be at least one year", "il periodo di conservazione deve essere di almeno un anno"},
	CAQCTypeEmpty:                      {"QcType must be a non-empty SEQUENCE OF OBJECT IDENTIFIER", "QcType deve essere una SEQUENCE OF OBJECT IDENTIFIER non vuota"},
	CAQCNoSemanticsIdentifier:          {"SemanticsInformation must carry a semanticsIdentifier", "SemanticsInformation deve contenere un semanticsIdentifier"},
	CAQCPDSEmpty:                       {"QcPDS must be a non-empty SEQUENCE OF PdsLocation", "QcPDS deve essere una SEQUENCE OF PdsLocation non vuota"},
	CAQCPDSURLNotIA5String:             {"PDS url must be an IA5String", "l'url del PDS deve essere una IA5String"},
	CAQCPDSLanguage:                    {"PDS language must be a two-character PrintableString", "la lingua del PDS deve essere una PrintableString di due caratteri"},
}
