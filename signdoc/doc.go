// Package signdoc is CSC signatures/signDoc: server-side AdES signatures.
// It owns the request rules (formats, conformance levels, envelope
// properties, algorithms per entry; PAdES only for PDFs, XAdES enveloped
// or enveloping only for XML documents and detached for any file (named by
// the document_name extension), JAdES for JSON documents, CAdES attached
// or detached for any file), the plan -> pades.Prepare/PrepareCAdES,
// xades.Prepare or jades.Prepare -> SAM (use the SAD, sign the digests)
// -> pades.Finish/FinishParts, xades or jades Finish pipeline,
// and the validation info returned on request. The SAD binds each whole
// file's hash, whatever the format. It never holds the holder's key:
// the signature activation module (package sam) checks the SAD and
// signs the digests this package hands it, and never sees a PDF.
package signdoc
