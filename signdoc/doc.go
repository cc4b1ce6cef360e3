// Package signdoc is CSC signatures/signDoc: server-side AdES signatures.
// It owns the request rules (formats, conformance levels, envelope
// properties, algorithms per entry), the plan -> pades.Prepare -> SAM
// (use the SAD, sign the digests) -> pades.Finish pipeline, and the
// validation info returned on request. It never holds the holder's key:
// the signature activation module (package sam) checks the SAD and
// signs the digests this package hands it, and never sees a PDF.
package signdoc
