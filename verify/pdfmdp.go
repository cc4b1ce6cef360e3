package verify

// DocMDP and FieldMDP (ISO 32000-2 12.8.2.2, 12.8.2.4): what a PDF's later
// incremental updates change, compared object by object with the revision
// a signature signed, and which of those changes the signature permits.
// Each change is classed by the lowest DocMDP P that permits it:
//
//	1: a DSS and document time-stamps (PAdES B-LT, B-LTA add them to any document),
//	   and the metadata (/Info, XMP) signing tools update with them
//	2: form fill-in (a field's /V, /AS, /AP) and signatures (new or existing signature fields)
//	3: annotations added, changed or removed
//	4: anything else (page content, resources, the page tree, other catalog entries...)
//
// and names the fields whose value it changes, for FieldMDP locks. A
// revision is a prefix of the file ending at a %%EOF whose cross-reference
// reads.

import (
	"fmt"
	"sort"
	"strings"
)

// maxPDFWalk bounds the pages, annotations and fields walked per revision.
const maxPDFWalk = 20000

// pdfChange is one change a later revision makes.
type pdfChange struct {
	what   string
	need   int      // the lowest P that permits it (4: none does)
	fields []string // full names of non-signature fields whose value it changes
}

// pdfSigDict is a signature dictionary found through the AcroForm: the
// field's full name and what its /Reference and /Type say.
type pdfSigDict struct {
	field     string
	docTS     bool
	docMDP    int      // P of a DocMDP transform; 0 if none
	lock      string   // FieldMDP /Action: All, Include, Exclude; "" if none
	lockNames []string // FieldMDP /Fields
}

// pdfSigDicts maps each signature dictionary's ByteRange to what it says.
func pdfSigDicts(d *pdfDoc) map[[4]int]pdfSigDict {
	out := map[[4]int]pdfSigDict{}
	cat := d.catalog()
	if cat == nil {
		return out
	}
	af := d.dictOf(cat["AcroForm"])
	perms := d.dictOf(cat["Perms"])
	var permsBR [4]int
	if perms != nil {
		if sd := d.dictOf(perms["DocMDP"]); sd != nil {
			permsBR, _ = byteRangeOf(d, sd)
		}
	}
	walkFields(d, af, func(name string, f pdfDict, ft pdfName) {
		if ft != "Sig" {
			return
		}
		sd := d.dictOf(f["V"])
		if sd == nil {
			return
		}
		br, ok := byteRangeOf(d, sd)
		if !ok {
			return
		}
		s := pdfSigDict{field: name, docTS: sd["Type"] == pdfName("DocTimeStamp") || sd["SubFilter"] == pdfName("ETSI.RFC3161")}
		for _, r := range d.arrayOf(sd["Reference"]) {
			ref := d.dictOf(r)
			if ref == nil {
				continue
			}
			tp := d.dictOf(ref["TransformParams"])
			switch ref["TransformMethod"] {
			case pdfName("DocMDP"):
				// Only the signature /Perms names certifies the document.
				if br != permsBR {
					continue
				}
				s.docMDP = 2 // the default P
				if p, ok := tp["P"].(int64); ok && p >= 1 && p <= 3 {
					s.docMDP = int(p)
				}
			case pdfName("FieldMDP"):
				if a, ok := tp["Action"].(pdfName); ok && (a == "All" || a == "Include" || a == "Exclude") {
					s.lock = string(a)
					for _, n := range d.arrayOf(tp["Fields"]) {
						if str, ok := n.(pdfString); ok {
							s.lockNames = append(s.lockNames, textString(str))
						}
					}
				}
			}
		}
		out[br] = s
	})
	return out
}

func byteRangeOf(d *pdfDoc, sd pdfDict) ([4]int, bool) {
	var br [4]int
	a := d.arrayOf(sd["ByteRange"])
	if len(a) != 4 {
		return br, false
	}
	for i, x := range a {
		n, ok := x.(int64)
		if !ok || n < 0 || n > int64(len(d.b)) {
			return br, false
		}
		br[i] = int(n)
	}
	return br, true
}

// textString decodes a PDF text string (UTF-16BE with BOM, else taken as
// PDFDocEncoding's ASCII part).
func textString(s pdfString) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		var r []rune
		for i := 2; i+1 < len(s); i += 2 {
			r = append(r, rune(s[i])<<8|rune(s[i+1]))
		}
		return string(r)
	}
	return string(s)
}

// walkFields calls fn for each terminal field of the AcroForm with its full
// name, dictionary and (inherited) field type; bounded in count and depth.
func walkFields(d *pdfDoc, af pdfDict, fn func(name string, f pdfDict, ft pdfName)) {
	if af == nil {
		return
	}
	seen := map[int]bool{}
	n := 0
	var walk func(o any, parent string, ft pdfName, depth int)
	walk = func(o any, parent string, ft pdfName, depth int) {
		if r, ok := o.(pdfRef); ok {
			if seen[r.num] {
				return
			}
			seen[r.num] = true
		}
		n++
		if n > maxPDFWalk || depth > maxPDFDepth {
			return
		}
		f := d.dictOf(o)
		if f == nil {
			return
		}
		name, _ := qualifiedName(parent, f)
		if t, ok := f["FT"].(pdfName); ok {
			ft = t
		}
		kids := d.arrayOf(f["Kids"])
		// Kids without /T are the field's widgets, not fields.
		hasFieldKids := false
		for _, k := range kids {
			if kd := d.dictOf(k); kd != nil && kd["T"] != nil {
				hasFieldKids = true
			}
		}
		if !hasFieldKids {
			fn(name, f, ft)
			return
		}
		for _, k := range kids {
			walk(k, name, ft, depth+1)
		}
	}
	for _, f := range d.arrayOf(af["Fields"]) {
		walk(f, "", "", 0)
	}
}

// pdfRoles names the objects of a revision a later one may change: what
// each object number is (catalog, page 3, field "x", ...).
type pdfRoles struct {
	role      map[int]string
	fieldName map[int]string // fields and their widgets -> full name
	sigField  map[int]bool
	page      map[int]int // page and annots-array objects -> page number
}

func pdfRolesOf(d *pdfDoc) pdfRoles {
	r := pdfRoles{role: map[int]string{}, fieldName: map[int]string{}, sigField: map[int]bool{}, page: map[int]int{}}
	set := func(o any, role string) {
		if ref, ok := o.(pdfRef); ok {
			if _, done := r.role[ref.num]; !done {
				r.role[ref.num] = role
			}
		}
	}
	if ref, ok := d.trailer["Info"].(pdfRef); ok {
		r.role[ref.num] = "info"
	}
	root := d.trailer["Root"]
	set(root, "catalog")
	cat := d.catalog()
	if cat == nil {
		return r
	}
	set(cat["AcroForm"], "acroform")
	set(cat["Metadata"], "metadata")
	af := d.dictOf(cat["AcroForm"])
	if af != nil {
		set(af["Fields"], "fields")
	}
	// The DSS and what it holds, two levels down (DSS -> VRI -> entries).
	set(cat["DSS"], "dss")
	if dss := d.dictOf(cat["DSS"]); dss != nil {
		for _, v := range dss {
			set(v, "dss")
		}
		if vri := d.dictOf(dss["VRI"]); vri != nil {
			for _, v := range vri {
				set(v, "dss")
			}
		}
	}
	// Fields, by reference to learn their object numbers.
	seen := map[int]bool{}
	n := 0
	var walkF func(o any, parent string, ft pdfName, depth int)
	walkF = func(o any, parent string, ft pdfName, depth int) {
		ref, ok := o.(pdfRef)
		if !ok || seen[ref.num] || n > maxPDFWalk || depth > maxPDFDepth {
			return
		}
		seen[ref.num] = true
		n++
		f := d.dictOf(ref)
		if f == nil {
			return
		}
		name, isField := qualifiedName(parent, f)
		if isField {
			r.role[ref.num] = "field"
		} else {
			r.role[ref.num] = "widget"
		}
		if t, ok := f["FT"].(pdfName); ok {
			ft = t
		}
		r.fieldName[ref.num] = name
		r.sigField[ref.num] = ft == "Sig"
		set(f["Kids"], "kids")
		for _, k := range d.arrayOf(f["Kids"]) {
			walkF(k, name, ft, depth+1)
		}
	}
	if af != nil {
		for _, f := range d.arrayOf(af["Fields"]) {
			walkF(f, "", "", 0)
		}
	}
	// Pages, their annotations, contents and resources.
	pages := 0
	var walkP func(o any, depth int)
	walkP = func(o any, depth int) {
		ref, ok := o.(pdfRef)
		if !ok || seen[ref.num] || n > maxPDFWalk || depth > maxPDFDepth {
			return
		}
		seen[ref.num] = true
		n++
		p := d.dictOf(ref)
		if p == nil {
			return
		}
		if p["Type"] == pdfName("Pages") || p["Kids"] != nil {
			r.role[ref.num] = "pages"
			set(p["Kids"], "pages")
			set(p["Resources"], "resources")
			for _, k := range d.arrayOf(p["Kids"]) {
				walkP(k, depth+1)
			}
			return
		}
		pages++
		r.role[ref.num] = "page"
		r.page[ref.num] = pages
		if a, ok := p["Annots"].(pdfRef); ok {
			r.role[a.num] = "annots"
			r.page[a.num] = pages
		}
		for _, a := range d.arrayOf(p["Annots"]) {
			if ar, ok := a.(pdfRef); ok {
				if _, isField := r.role[ar.num]; !isField {
					r.role[ar.num] = "annot"
				}
				r.page[ar.num] = pages
			}
		}
		set(p["Contents"], "content")
		for _, c := range d.arrayOf(p["Contents"]) {
			set(c, "content")
		}
		set(p["Resources"], "resources")
	}
	walkP(cat["Pages"], 0)
	return r
}

// pdfChanged compares the cross-references of two revisions: how many
// objects b adds, which objects of a it gives another value (in object
// streams too) and which it frees, in number order.
func pdfChanged(a, b *pdfDoc) (added int, changed, deleted []int) {
	// Only the sections b reads and a does not can name what changed.
	old := map[*pdfSection]bool{}
	for _, s := range a.sections {
		old[s] = true
	}
	nums := map[int]bool{}
	for _, s := range b.sections {
		if old[s] {
			continue
		}
		for n := range s.entries {
			nums[n] = true
		}
		if s.stm != nil {
			for n := range s.stm.entries {
				nums[n] = true
			}
		}
	}
	for num := range nums {
		eb, _ := b.entry(num)
		ea, ok := a.entry(num)
		switch {
		case eb.free && ok && !ea.free && num != 0:
			deleted = append(deleted, num)
		case eb.free:
		case !ok || ea.free:
			added++ // matters only where a changed object refers to it
		case ea == eb && (!eb.inStm || sameEntry(a, b, int(eb.off))):
		default:
			oa, errA := a.object(num)
			ob, errB := b.object(num)
			if errA != nil || errB != nil || !pdfEqual(oa, ob, 0) {
				changed = append(changed, num)
			}
		}
	}
	sort.Ints(changed)
	sort.Ints(deleted)
	return added, changed, deleted
}

func sameEntry(a, b *pdfDoc, num int) bool {
	ea, okA := a.entry(num)
	eb, okB := b.entry(num)
	return okA == okB && ea == eb
}

// pdfDiff lists what revision b changes in revision a.
func pdfDiff(a, b *pdfDoc) []pdfChange {
	var out []pdfChange
	add := func(need int, fields []string, format string, args ...any) {
		out = append(out, pdfChange{what: fmt.Sprintf(format, args...), need: need, fields: fields})
	}
	roles := pdfRolesOf(a)
	_, changed, deleted := pdfChanged(a, b)
	for _, num := range deleted {
		add(4, nil, "object %d deleted", num)
	}
	if ra, rb := a.trailer["Root"], b.trailer["Root"]; ra != rb {
		diffCatalog(a, b, a.catalog(), b.catalog(), add)
	}
	for _, num := range changed {
		oa, _ := a.object(num)
		ob, _ := b.object(num)
		da, _ := oa.(pdfDict)
		db, _ := ob.(pdfDict)
		role := roles.role[num]
		switch role {
		case "catalog":
			diffCatalog(a, b, da, db, add)
		case "acroform":
			diffAcroForm(a, b, da, db, add)
		case "fields":
			diffFieldList(a, b, a.arrayOf(oa), b.arrayOf(ob), add)
		case "dss", "info", "metadata":
			add(1, nil, "the %s", map[string]string{"dss": "DSS", "info": "document information", "metadata": "XMP metadata"}[role])
		case "page":
			for _, k := range changedKeys(da, db) {
				if k == "Annots" {
					diffAnnots(b, roles.page[num], a.arrayOf(da["Annots"]), b.arrayOf(db["Annots"]), add)
				} else {
					add(4, nil, "page %d's /%s", roles.page[num], k)
				}
			}
		case "annots":
			diffAnnots(b, roles.page[num], a.arrayOf(oa), b.arrayOf(ob), add)
		case "field", "widget":
			name := roles.fieldName[num]
			var value []string
			other := []string{}
			for _, k := range changedKeys(da, db) {
				switch k {
				case "V", "AS":
					if !roles.sigField[num] {
						value = []string{name}
					}
				case "AP":
				default:
					other = append(other, "/"+string(k))
				}
			}
			switch {
			case len(other) > 0:
				add(4, value, "form field %q: %s", name, strings.Join(other, " "))
			case roles.sigField[num]:
				add(2, nil, "signature field %q signed", name)
			default:
				add(2, value, "form field %q filled in", name)
			}
		case "annot":
			add(3, nil, "an annotation on page %d changed", roles.page[num])
		case "pages", "kids":
			add(4, nil, "the page tree (object %d)", num)
		case "content":
			add(4, nil, "page content (object %d)", num)
		case "resources":
			add(4, nil, "page resources (object %d)", num)
		default:
			if s, ok := oa.(*pdfStream); ok && (s.dict["Type"] == pdfName("XRef") || s.dict["Type"] == pdfName("ObjStm")) {
				continue
			}
			what := "object"
			if d := a.dictOf(oa); d != nil {
				if t, ok := d["Type"].(pdfName); ok {
					what = "/" + string(t) + " object"
				}
			}
			add(4, nil, "%s %d", what, num)
		}
	}
	return out
}

// changedKeys lists the keys whose values differ between two dictionaries.
func changedKeys(a, b pdfDict) []pdfName {
	var out []pdfName
	for k, v := range a {
		if w, ok := b[k]; !ok || !pdfEqual(v, w, 0) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

type addFn func(need int, fields []string, format string, args ...any)

func diffCatalog(a, b *pdfDoc, ca, cb pdfDict, add addFn) {
	for _, k := range changedKeys(ca, cb) {
		switch k {
		case "DSS":
			add(1, nil, "the DSS")
		case "Extensions", "Metadata":
			// The PAdES extension level, and the XMP metadata a signing
			// tool updates (as the document information dictionary).
			add(1, nil, "the catalog's /%s", k)
		case "AcroForm":
			ra, okA := ca[k].(pdfRef)
			rb, okB := cb[k].(pdfRef)
			if okA && okB && ra == rb {
				continue // the AcroForm object is compared as itself
			}
			diffAcroForm(a, b, a.dictOf(ca[k]), b.dictOf(cb[k]), add)
		default:
			add(4, nil, "the catalog's /%s", k)
		}
	}
}

func diffAcroForm(a, b *pdfDoc, fa, fb pdfDict, add addFn) {
	if fa == nil {
		fa = pdfDict{}
	}
	if fb == nil {
		fb = pdfDict{}
	}
	for _, k := range changedKeys(fa, fb) {
		switch k {
		case "Fields":
			ra, okA := fa[k].(pdfRef)
			rb, okB := fb[k].(pdfRef)
			if okA && okB && ra == rb {
				continue
			}
			diffFieldList(a, b, a.arrayOf(fa[k]), b.arrayOf(fb[k]), add)
		case "SigFlags":
			add(1, nil, "the AcroForm's /SigFlags")
		case "DR", "DA", "NeedAppearances":
			add(2, nil, "the AcroForm's /%s", k)
		default:
			add(4, nil, "the AcroForm's /%s", k)
		}
	}
}

func refSet(arr pdfArray) map[pdfRef]bool {
	out := map[pdfRef]bool{}
	for _, x := range arr {
		if r, ok := x.(pdfRef); ok {
			out[r] = true
		}
	}
	return out
}

// diffFieldList classes the top-level fields a revision adds or removes.
func diffFieldList(a, b *pdfDoc, la, lb pdfArray, add addFn) {
	_ = a
	old, now := refSet(la), refSet(lb)
	for r := range old {
		if !now[r] {
			add(4, nil, "form field (object %d) removed", r.num)
		}
	}
	for _, x := range lb {
		r, ok := x.(pdfRef)
		if !ok || old[r] {
			continue
		}
		f := b.dictOf(r)
		name := ""
		if t, ok := f["T"].(pdfString); ok {
			name = textString(t)
		}
		if f["FT"] != pdfName("Sig") {
			add(4, nil, "a new form field %q", name)
			continue
		}
		v := b.dictOf(f["V"])
		switch {
		case v != nil && (v["Type"] == pdfName("DocTimeStamp") || v["SubFilter"] == pdfName("ETSI.RFC3161")):
			add(1, nil, "a document time-stamp (field %q)", name)
		case v != nil:
			add(2, nil, "a new signature (field %q)", name)
		default:
			add(2, nil, "a new empty signature field %q", name)
		}
	}
}

// diffAnnots classes a page's annotations added or removed: a signature
// field's widget goes with its field (classed in the AcroForm), any other
// is an annotation (P=3), another form field's widget is a new field.
func diffAnnots(b *pdfDoc, page int, la, lb pdfArray, add addFn) {
	old, now := refSet(la), refSet(lb)
	for r := range old {
		if !now[r] {
			add(3, nil, "an annotation removed from page %d", page)
		}
	}
	for _, x := range lb {
		r, ok := x.(pdfRef)
		if !ok || old[r] {
			continue
		}
		w := b.dictOf(r)
		if w["Subtype"] != pdfName("Widget") {
			add(3, nil, "an annotation added on page %d", page)
			continue
		}
		ft := w["FT"]
		if ft == nil {
			ft = b.dictOf(w["Parent"])["FT"]
		}
		if ft != pdfName("Sig") {
			add(4, nil, "a new form field widget on page %d", page)
		}
	}
}

// locked says whether a FieldMDP lock covers the field name.
func (s pdfSigDict) locked(name string) bool {
	switch s.lock {
	case "All":
		return true
	case "Include", "Exclude":
		in := false
		for _, n := range s.lockNames {
			if n == name || strings.HasPrefix(name, n+".") {
				in = true
			}
		}
		return in == (s.lock == "Include")
	}
	return false
}

// permission describes a signature's DocMDP and FieldMDP.
func (s pdfSigDict) permission() string {
	var out []string
	switch s.docMDP {
	case 1:
		out = append(out, "certification, P=1 (no changes)")
	case 2:
		out = append(out, "certification, P=2 (form fill-in and signing)")
	case 3:
		out = append(out, "certification, P=3 (form fill-in, signing and annotations)")
	}
	switch s.lock {
	case "All":
		out = append(out, "locks all fields")
	case "Include":
		out = append(out, "locks fields "+strings.Join(s.lockNames, ", "))
	case "Exclude":
		out = append(out, "locks all fields but "+strings.Join(s.lockNames, ", "))
	}
	return strings.Join(out, "; ")
}

// mdpVerdict compares each revision after end with the one before it and
// returns what sd's DocMDP (docBad) and FieldMDP (lockBad) do not permit,
// and how many later revisions there were.
func mdpVerdict(rv *pdfRevisions, ends []int, end int, sd pdfSigDict) (docBad, lockBad []string, revs int, err error) {
	prev, err := rv.at(end)
	if err != nil {
		return nil, nil, 0, err
	}
	seen := map[string]bool{}
	for _, e := range ends {
		if e <= end {
			continue
		}
		next, err := rv.at(e)
		if err != nil {
			if e == ends[len(ends)-1] {
				return nil, nil, revs, err
			}
			continue // a %%EOF inside some stream's data, not a revision
		}
		revs++
		for _, c := range pdfDiff(prev, next) {
			// Each change named once, with the revision that first made it.
			where := fmt.Sprintf("%s (in the revision ending at byte %d)", c.what, e)
			if sd.docMDP > 0 && c.need > sd.docMDP && !seen["d"+c.what] {
				seen["d"+c.what] = true
				docBad = append(docBad, where)
			}
			for _, f := range c.fields {
				if sd.locked(f) && !seen["l"+c.what] {
					seen["l"+c.what] = true
					lockBad = append(lockBad, where)
				}
			}
		}
		prev = next
	}
	return docBad, lockBad, revs, nil
}

// qualifiedName is a form field's fully qualified name (ISO 32000-1
// 12.7.3.2): its parent's, a period and its own /T; a dictionary without
// /T (a widget) has its parent's, and isField false.
func qualifiedName(parent string, f pdfDict) (name string, isField bool) {
	t, ok := f["T"].(pdfString)
	if !ok {
		return parent, false
	}
	if parent == "" {
		return textString(t), true
	}
	return parent + "." + textString(t), true
}
