package lds

import (
	_ "embed"
	"strings"
	"sync"
)

// iso3166 is the ISO 3166-1 table (alpha-3, alpha-2, name), taken as data
// from Debian's iso-codes so that it can be diffed when ISO changes it.
//
//go:embed data/iso3166.tsv
var iso3166 string

var (
	alpha3Once sync.Once
	alpha3     map[string]string
)

func alpha3Table() map[string]string {
	alpha3Once.Do(func() {
		alpha3 = make(map[string]string, 256)
		for _, line := range strings.Split(iso3166, "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			f := strings.Split(line, "\t")
			if len(f) >= 2 {
				alpha3[f[0]] = f[1]
			}
		}
	})
	return alpha3
}

// icaoSpecial are the ICAO codes of Doc 9303-3 §5 that are not ISO 3166-1
// alpha-3 but name a state whose CSCA signs the document: Germany's "D"
// (Doc 9303 keeps it for historical reasons), the British nationality
// categories (all issued by the UK), and Kosovo (RKS, XK by the user-assigned
// code CSCA masterlists use).
var icaoSpecial = map[string]string{
	"D":   "DE",
	"GBD": "GB", // British Overseas Territories citizen
	"GBN": "GB", // British National (Overseas)
	"GBO": "GB", // British Overseas citizen
	"GBP": "GB", // British protected person
	"GBS": "GB", // British subject
	"RKS": "XK",
}

// icaoNoState are the ICAO codes of organisations and of persons without a
// nationality: there is no state trust list to look them up in.
var icaoNoState = map[string]bool{
	"EUE": true, // European Union
	"UNO": true, // United Nations Organization
	"UNA": true, // United Nations specialized agency
	"UNK": true, // UN interim administration in Kosovo
	"XBA": true, // African Development Bank
	"XIM": true, // African Export-Import Bank
	"XCC": true, // Caribbean Community
	"XCE": true, // Council of Europe
	"XCO": true, // Common Market for Eastern and Southern Africa
	"XEC": true, // Economic Community of West African States
	"XPO": true, // Interpol
	"XES": true, // Organisation of Eastern Caribbean States
	"XMP": true, // Parliamentary Assembly of the Mediterranean
	"XOM": true, // Sovereign Military Order of Malta
	"XDC": true, // Southern African Development Community
	"XXA": true, // stateless person
	"XXB": true, // refugee (1951 Convention)
	"XXC": true, // refugee (other)
	"XXX": true, // unspecified nationality
}

// CountryAlpha2 maps an ICAO issuing-state or nationality code of the MRZ to
// ISO 3166-1 alpha-2, the key of qes's CSCA trust. ok is false for codes
// that name no state (organisations, stateless persons, refugees) or that
// are unknown.
func CountryAlpha2(icao string) (string, bool) {
	icao = strings.Trim(icao, "<")
	if icaoNoState[icao] {
		return "", false
	}
	if a2, ok := icaoSpecial[icao]; ok {
		return a2, true
	}
	a2, ok := alpha3Table()[icao]
	return a2, ok
}
