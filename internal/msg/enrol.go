package msg

// The messages of enrolment: the shop's domain errors (err.) and the
// e-mails it sends (mail.). The shop's page texts are in shop.go.
const (
	ShopEmailInvalid      ID = "err.shop-email-invalid"
	ShopCountryInvalid    ID = "err.shop-country-invalid"
	ShopPrivacyRequired   ID = "err.shop-privacy-required"
	ShopMarketingAnswer   ID = "err.shop-marketing-answer"
	ShopPasswordsDiffer   ID = "err.shop-passwords-differ"
	ShopLoginFailed       ID = "err.shop-login-failed"
	ShopEmailNotVerified  ID = "err.shop-email-not-verified"
	ShopPasswordExpired   ID = "err.shop-password-expired"
	ShopThrottled         ID = "err.shop-throttled"
	ShopCodeInvalid       ID = "err.shop-code-invalid"
	ShopCouponUnknown     ID = "err.shop-coupon-unknown"
	ShopCouponNotYet      ID = "err.shop-coupon-not-yet"
	ShopCouponExpired     ID = "err.shop-coupon-expired"
	ShopCouponUsedUp      ID = "err.shop-coupon-used-up"
	ShopBillingName       ID = "err.shop-billing-name"
	ShopBillingTaxID      ID = "err.shop-billing-taxid"
	ShopBillingAddress    ID = "err.shop-billing-address"
	ShopPaymentMethod     ID = "err.shop-payment-method"
	ShopTransition        ID = "err.shop-transition"
	ShopOrderNotFound     ID = "err.shop-order-not-found"
	ShopPaymentSignature  ID = "err.shop-payment-signature"
	ShopPaymentMismatch   ID = "err.shop-payment-mismatch"
	ShopPaymentUnknown    ID = "err.shop-payment-unknown"
	ShopMobileInvalid     ID = "err.shop-mobile-invalid"
	ShopNameRequired      ID = "err.shop-name-required"
	ShopBirthDateInvalid  ID = "err.shop-birthdate-invalid"
	ShopDocCountry        ID = "err.shop-doc-country"
	ShopDetailsLink       ID = "err.shop-details-link"
	ShopCitizenship       ID = "err.shop-citizenship"
	ShopCouponInvalidSpec ID = "err.shop-coupon-spec"
	ShopCheckoutConsents  ID = "err.shop-checkout-consents"
	ShopPaymentsLedger    ID = "err.shop-payments-ledger"
	ShopPaymentDecided    ID = "err.shop-payment-decided"
	ShopPaymentsOff       ID = "err.shop-payments-off"

	// The consent texts, hashed into each consent record.
	ConsentPrivacyText   ID = "shop.consent.privacy"
	ConsentMarketingText ID = "shop.consent.marketing"
	ConsentPartnersText  ID = "shop.consent.partners"
	ConsentBiometricText ID = "shop.consent.biometric"
	ConsentAutomatedText ID = "shop.consent.automated"

	// StateName names an enrolment state in a sentence ("err.shop-state-" + state).
	StateNamePrefix = "err.shop-state-"

	MailShopVerify   ID = "mail.shop-verify"
	MailShopReset    ID = "mail.shop-reset"
	MailShopExists   ID = "mail.shop-exists"
	MailShopContinue ID = "mail.shop-continue"
	MailShopReceipt  ID = "mail.shop-receipt"
)

var enrolMessages = map[ID][2]string{
	ShopEmailInvalid:                   {"Enter a valid e-mail address", "Inserisci un indirizzo e-mail valido"},
	ShopCountryInvalid:                 {"Choose your country of residence", "Scegli il paese di residenza"},
	ShopPrivacyRequired:                {"You must acknowledge the privacy notice to register", "Per registrarti devi prendere visione dell'informativa sulla privacy"},
	ShopMarketingAnswer:                {"Answer yes or no to each marketing consent", "Rispondi sì o no a ciascun consenso di marketing"},
	ShopPasswordsDiffer:                {"The two passwords differ", "Le due password sono diverse"},
	ShopLoginFailed:                    {"Wrong e-mail or password", "E-mail o password errati"},
	ShopEmailNotVerified:               {"Confirm your e-mail address first: enter the code we sent you", "Conferma prima il tuo indirizzo e-mail: inserisci il codice che ti abbiamo inviato"},
	ShopPasswordExpired:                {"Your password has expired: choose a new one with \"Forgot password\"", "La password è scaduta: scegline una nuova con \"Password dimenticata\""},
	ShopThrottled:                      {"Too many attempts; try again in a few minutes", "Troppi tentativi: riprova tra qualche minuto"},
	ShopCodeInvalid:                    {"The code is wrong or has expired", "Il codice è errato o scaduto"},
	ShopCouponUnknown:                  {"The coupon code %q does not exist", "Il codice coupon %q non esiste"},
	ShopCouponNotYet:                   {"The coupon %q is not valid yet", "Il coupon %q non è ancora valido"},
	ShopCouponExpired:                  {"The coupon %q has expired", "Il coupon %q è scaduto"},
	ShopCouponUsedUp:                   {"The coupon %q has been used up", "Il coupon %q è esaurito"},
	ShopBillingName:                    {"Enter the name or company the invoice is made out to", "Inserisci il nome o la ragione sociale dell'intestatario della fattura"},
	ShopBillingTaxID:                   {"Enter a tax code or VAT number", "Inserisci un codice fiscale o una partita IVA"},
	ShopBillingAddress:                 {"Enter the billing address", "Inserisci l'indirizzo di fatturazione"},
	ShopPaymentMethod:                  {"Choose a payment method", "Scegli un metodo di pagamento"},
	ShopTransition:                     {"This order is %s: it cannot move to %s", "Questo ordine è %s: non può passare a %s"},
	ShopCheckoutConsents:               {"Both consents are needed for the identification: the processing of biometric data and the automated decision", "Per l'identificazione servono entrambi i consensi: al trattamento dei dati biometrici e alla decisione automatizzata"},
	ShopPaymentsLedger:                 {"The payment could not be recorded; nothing was charged or changed", "Il pagamento non può essere registrato: non è stato addebitato né modificato nulla"},
	ShopPaymentDecided:                 {"This payment is already %s", "Questo pagamento è già %s"},
	ShopPaymentsOff:                    {"Shop payments are off (payments.provider is \"none\")", "I pagamenti del negozio sono disattivati (payments.provider è \"none\")"},
	"err.shop-state-unconfirmed":       {"not confirmed (e-mail)", "non confermato (e-mail)"},
	"err.shop-state-registered":        {"registered", "registrato"},
	"err.shop-state-ordered":           {"awaiting payment", "in attesa di pagamento"},
	"err.shop-state-paid":              {"paid", "pagato"},
	"err.shop-state-details_submitted": {"complete (details submitted)", "completo (dati inviati)"},
	"err.shop-state-identifying":       {"being identified", "in identificazione"},
	"err.shop-state-identified":        {"identified, awaiting review", "identificato, in attesa di verifica"},
	"err.shop-state-approved":          {"identity approved", "identità approvata"},
	"err.shop-state-rejected":          {"rejected", "respinto"},
	"err.shop-state-retry_required":    {"identification to be repeated", "identificazione da ripetere"},
	"err.shop-state-failed":            {"failed (attempts exhausted)", "non riuscito (tentativi esauriti)"},
	ShopOrderNotFound:                  {"Order not found", "Ordine non trovato"},
	ShopPaymentSignature:               {"The payment notice's signature is not valid", "La firma della notifica di pagamento non è valida"},
	ShopPaymentMismatch:                {"The payment does not match the order", "Il pagamento non corrisponde all'ordine"},
	ShopPaymentUnknown:                 {"Unknown payment", "Pagamento sconosciuto"},
	ShopMobileInvalid:                  {"Enter the mobile number in international format, e.g. +393331234567", "Inserisci il cellulare in formato internazionale, per esempio +393331234567"},
	ShopNameRequired:                   {"Enter name and surname as on the identity document", "Inserisci nome e cognome come sul documento d'identità"},
	ShopBirthDateInvalid:               {"Enter a valid date of birth", "Inserisci una data di nascita valida"},
	ShopDocCountry:                     {"Choose the country that issued the identity document", "Scegli il paese che ha rilasciato il documento d'identità"},
	ShopDetailsLink:                    {"This link is not valid for the order", "Questo link non è valido per l'ordine"},
	ShopCitizenship:                    {"Say whether the applicant is an Italian citizen", "Indica se il richiedente è cittadino italiano"},
	ShopCouponInvalidSpec:              {"A coupon needs a code (letters, digits, - and _), and either a percentage of 1..100 or an amount", "Un coupon richiede un codice (lettere, cifre, - e _) e una percentuale da 1 a 100 oppure un importo"},

	MailShopVerify: {"qes: your code to confirm this e-mail address is %s. It expires in %d minutes.",
		"qes: il codice per confermare questo indirizzo e-mail è %s. Scade tra %d minuti."},
	MailShopReset: {"qes: your code to set a new shop password is %s. It expires in %d minutes. If you did not ask for it, ignore this message.",
		"qes: il codice per impostare una nuova password del negozio è %s. Scade tra %d minuti. Se non l'hai chiesto tu, ignora questo messaggio."},
	MailShopExists: {"qes: someone tried to register again with this e-mail address. If it was you, log in or use \"Forgot password\"; otherwise ignore this message.",
		"qes: qualcuno ha provato a registrarsi di nuovo con questo indirizzo e-mail. Se sei stato tu, accedi o usa \"Password dimenticata\"; altrimenti ignora questo messaggio."},
	MailShopContinue: {"qes: thank you. Your order %s is complete; the UserID of your certificate will be %s. Continue the activation (identification) here: %s",
		"qes: grazie. Il tuo ordine %s è completo; lo UserID del tuo certificato sarà %s. Continua l'attivazione (identificazione) qui: %s"},
	MailShopReceipt: {"qes: payment received for order %s: %s %s. Complete the online form here (or pass the link on): %s",
		"qes: pagamento ricevuto per l'ordine %s: %s %s. Compila il modulo online qui (o inoltra il link): %s"},
}
