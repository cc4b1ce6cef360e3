package history

import (
	"context"
	"time"

	"github.com/qesproject/qes/storage"
)

// The ecological footprint of a holder's signatures: what printing the
// signed pages would have cost. The formula is deliberately conservative
// and every factor has a published source; the portal shows the same
// formula and sources.
//
//	sheets  = signatures × SheetsPerSignature
//	paper   = sheets × SheetKg                       (kg)
//	CO2     = paper × CO2KgPerKgPaper                (kg CO2e)
//	water   = paper × WaterLitresPerKgPaper          (litres)
//
// SheetsPerSignature: one A4 sheet per signature. A signed document is
// often longer and printed in several copies; one sheet is a lower bound.
//
// SheetKg: an A4 sheet (ISO 216: 210 mm × 297 mm = 0.06237 m²) of 80 g/m²
// office paper weighs 4.99 g.
//
// CO2KgPerKgPaper: 942 kg CO2e per tonne of paper, the production-weighted
// average cradle-to-gate carbon footprint of 252 US mills in Tomberlin, K.
// E., Venditti, R., Yao, Y. (2020), "Life cycle carbon footprint analysis
// of pulp and paper grades in the United States using production-line-based
// data and integration", BioResources 15(2), 3899–3914.
//
// WaterLitresPerKgPaper: 300 m³ per tonne, the lower bound of the water
// footprint of printing and writing paper (300–2600 m³/t, about 2–13 litres
// per A4 sheet) in van Oel, P. R., Hoekstra, A. Y. (2012), "Towards
// quantification of the water footprint of paper: a first estimate of its
// consumptive component", Water Resources Management 26(3), 733–749,
// doi:10.1007/s11269-011-9942-7.
const (
	SheetsPerSignature    = 1
	SheetKg               = 0.210 * 0.297 * 0.080 // m² × kg/m²
	CO2KgPerKgPaper       = 0.942
	WaterLitresPerKgPaper = 300.0
)

// Footprint is what a number of signatures saved.
type Footprint struct {
	Signatures  int
	Sheets      int
	PaperKg     float64
	CO2Kg       float64
	WaterLitres float64
}

// FootprintOf applies the formula to a number of signatures.
func FootprintOf(signatures int) Footprint {
	sheets := signatures * SheetsPerSignature
	paper := float64(sheets) * SheetKg
	return Footprint{Signatures: signatures, Sheets: sheets, PaperKg: paper,
		CO2Kg: paper * CO2KgPerKgPaper, WaterLitres: paper * WaterLitresPerKgPaper}
}

// Footprint is the saving of every signature the holder ever made.
func (p *Service) Footprint(ctx context.Context, holderID string) (Footprint, error) {
	n := 0
	err := p.store.SignatureBatches(ctx, holderID, time.Time{}, time.Time{}, func(b *storage.SignatureBatch) error {
		n += b.Count
		return nil
	})
	return FootprintOf(n), err
}
