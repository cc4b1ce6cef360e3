package pades

import (
	"fmt"
)

// widgetSpec describes the signature field and widget an update adds.
type widgetSpec struct {
	fieldName string
	sigRef    ref
	pageIndex int64      // 0-based
	rect      [4]float64 // zero for an invisible widget
	apDict    *dict      // normal appearance, or nil
	apData    []byte
}

// Annotation flags: Print (4) and Locked (128), so the widget prints and
// cannot be moved or deleted in a viewer.
const widgetFlags = int64(4 | 128)

// addSignatureField adds a signature field whose widget sits on the given
// page, and registers it in the AcroForm. editCatalog may change the new
// catalog (for /Perms or /DSS) before it is written.
func (e *editor) addSignatureField(u *update, w widgetSpec, editCatalog func(*dict)) error {
	pageRef, page, err := e.page(w.pageIndex)
	if err != nil {
		return err
	}
	widgetRef := u.alloc()
	widget := newDict().
		set("Type", name("Annot")).
		set("Subtype", name("Widget")).
		set("FT", name("Sig")).
		set("T", textString(w.fieldName)).
		set("V", w.sigRef).
		set("F", widgetFlags).
		set("Rect", array{real(w.rect[0]), real(w.rect[1]), real(w.rect[2]), real(w.rect[3])}).
		set("P", pageRef)
	if w.apDict != nil {
		apRef := u.alloc()
		u.putStream(apRef, w.apDict, w.apData)
		widget.set("AP", newDict().set("N", apRef))
	}
	e.put(u, widgetRef, widget)

	annots, err := e.resolveArray(page.get("Annots"))
	if err != nil {
		return err
	}
	newPage := page.clone()
	newPage.set("Annots", append(append(array{}, annots...), widgetRef))
	e.put(u, pageRef, newPage)

	cat, err := e.catalog()
	if err != nil {
		return err
	}
	newCat := cat.clone()
	afObj := cat.get("AcroForm")
	af, err := e.resolveDict(afObj)
	if err != nil {
		return err
	}
	var newAF *dict
	if af != nil {
		newAF = af.clone()
	} else {
		newAF = newDict()
	}
	fields, err := e.resolveArray(newAF.get("Fields"))
	if err != nil {
		return err
	}
	newAF.set("Fields", append(append(array{}, fields...), widgetRef))
	flags, _ := newAF.get("SigFlags").(int64)
	newAF.set("SigFlags", flags|3) // SignaturesExist | AppendOnly
	if afRef, ok := afObj.(ref); ok && af != nil {
		e.put(u, afRef, newAF)
	} else {
		newCat.set("AcroForm", newAF)
	}
	if editCatalog != nil {
		editCatalog(newCat)
	}
	e.put(u, e.ch.root, newCat)
	return nil
}

// fieldInfo summarises the existing AcroForm fields.
type fieldInfo struct {
	names      map[string]bool
	signatures int   // signed signature fields
	docMDP     int64 // P of an existing certification signature, 0 if none
}

func (e *editor) existingFields() (fieldInfo, error) {
	fi := fieldInfo{names: map[string]bool{}}
	cat, err := e.catalog()
	if err != nil {
		return fi, err
	}
	af, err := e.resolveDict(cat.get("AcroForm"))
	if err != nil || af == nil {
		return fi, err
	}
	fields, err := e.resolveArray(af.get("Fields"))
	if err != nil {
		return fi, err
	}
	for _, f := range fields {
		fd, err := e.resolveDict(f)
		if err != nil {
			return fi, err
		}
		if fd == nil {
			continue
		}
		if t, ok := fd.get("T").(pdfString); ok {
			fi.names[string(t)] = true
		}
		if fd.get("FT") == name("Sig") && fd.get("V") != nil {
			fi.signatures++
		}
	}
	perms, err := e.resolveDict(cat.get("Perms"))
	if err != nil {
		return fi, err
	}
	if perms != nil && perms.get("DocMDP") != nil {
		fi.docMDP = 2 // the default when /P is absent
		sig, err := e.resolveDict(perms.get("DocMDP"))
		if err != nil {
			return fi, err
		}
		refs, err := e.resolveArray(sig.get("Reference"))
		if err != nil {
			return fi, err
		}
		for _, r := range refs {
			rd, err := e.resolveDict(r)
			if err != nil || rd == nil || rd.get("TransformMethod") != name("DocMDP") {
				continue
			}
			tp, err := e.resolveDict(rd.get("TransformParams"))
			if err != nil || tp == nil {
				continue
			}
			if p, ok := tp.get("P").(int64); ok {
				fi.docMDP = p
			}
		}
	}
	return fi, nil
}

// uniqueFieldName returns "Signature<n>" with the first n not in use.
func (fi fieldInfo) uniqueFieldName() string {
	for n := 1; ; n++ {
		s := fmt.Sprintf("Signature%d", n)
		if !fi.names[s] {
			return s
		}
	}
}
