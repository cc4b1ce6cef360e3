package envelope

// text is the envelope's wording in one language. It lives here rather
// than in the message catalogue because it is a document's layout, not a
// message: its sentences are placed one by one on the page.
type text struct {
	lang                                   string // BCP 47 for the PDF's /Lang
	title, subtitle                        string
	holder, userID, number, issued, footer string
	pin, puk, erc                          string
	stepsTitle                             string
	steps                                  []string
	secretTitle                            string
	secret                                 []string
}

var texts = map[string]*text{
	"it": {
		lang:       "it-IT",
		title:      "Busta PIN/PUK/ERC",
		subtitle:   "Firma elettronica qualificata remota qes: i codici personali del tuo certificato. Documento riservato.",
		holder:     "Titolare",
		userID:     "User ID",
		number:     "Numero busta",
		issued:     "Emessa il",
		footer:     "qes - busta PIN/PUK/ERC n.",
		pin:        "PIN iniziale: serve una sola volta, all'attivazione, dove lo sostituisci con un PIN scelto da te. Poi ogni firma chiede il tuo PIN e un codice OTP.",
		puk:        "PUK: serve al primo accesso e a sbloccare il PIN se lo blocchi con troppi tentativi errati.",
		erc:        "ERC (codice di emergenza): sospende subito il certificato se perdi i codici o temi un uso illecito, anche senza accedere all'account.",
		stepsTitle: "Come attivare la firma",
		steps: []string{
			"Primo accesso: apri My Sign all'indirizzo " + FirstAccessPath + ", inserisci lo User ID e il PUK di questa busta, scegli la nuova password e confermala con il codice che ricevi via SMS.",
			"Attivazione: inserisci il PIN iniziale, scegli il tuo nuovo PIN, conferma con un codice OTP e firma il contratto con la tua nuova chiave. Solo allora la chiave di firma è abilitata.",
			"Se non attivi la firma entro il termine indicato nella e-mail, il certificato è revocato e la chiave distrutta.",
			"Emergenza: in caso di smarrimento o furto dei codici, sospendi il certificato con l'ERC dalla pagina di sospensione d'emergenza; poi contatta l'assistenza.",
		},
		secretTitle: "Tieni segreti i codici",
		secret: []string{
			"Non comunicare a nessuno PIN, PUK ed ERC: il personale di qes non te li chiederà mai, né per telefono né per e-mail.",
			"Conserva questa busta separata dalla password; se la stampi, custodisci la copia stampata e distruggila quando non serve più.",
			"La busta è protetta dalla passphrase che hai scelto alla richiesta del certificato: non inoltrarla insieme alla passphrase.",
		},
	},
	"en": {
		lang:       "en-GB",
		title:      "PIN/PUK/ERC envelope",
		subtitle:   "qes remote qualified electronic signature: the personal codes of your certificate. Confidential document.",
		holder:     "Holder",
		userID:     "User ID",
		number:     "Envelope number",
		issued:     "Issued on",
		footer:     "qes - PIN/PUK/ERC envelope no.",
		pin:        "Initial PIN: used once, at activation, where you replace it with a PIN of your own. From then on every signature asks for your PIN and a one-time code.",
		puk:        "PUK: used at your first access, and to unblock your PIN if too many wrong attempts block it.",
		erc:        "ERC (emergency code): suspends your certificate at once if you lose the codes or fear misuse, even without logging in.",
		stepsTitle: "How to activate your signature",
		steps: []string{
			"First access: open My Sign at " + FirstAccessPath + ", enter the User ID and the PUK of this envelope, choose your new password and confirm it with the code you receive by SMS.",
			"Activation: enter the initial PIN, choose your new PIN, confirm with a one-time code and sign the contract with your new key. Only then is your signing key enabled.",
			"If you do not activate your signature by the deadline in the e-mail, the certificate is revoked and the key destroyed.",
			"Emergency: if the codes are lost or stolen, suspend your certificate with the ERC on the emergency suspension page, then contact support.",
		},
		secretTitle: "Keep the codes secret",
		secret: []string{
			"Never tell anyone your PIN, PUK or ERC: qes staff will never ask for them, by phone or by e-mail.",
			"Keep this envelope apart from your password; if you print it, keep the printout safe and destroy it when no longer needed.",
			"The envelope is protected by the passphrase you chose when you requested the certificate: never forward it together with the passphrase.",
		},
	},
}
