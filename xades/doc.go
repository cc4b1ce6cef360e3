// Package xades makes XAdES baseline signatures (ETSI EN 319 132-1),
// B-B and B-T, of an XML document: enveloped in it, as a FatturaPA
// invoice needs (a ds:Signature appended as the root element's last
// child, its first reference URI="" with the enveloped-signature and
// exclusive C14N transforms), or enveloping it (the root element in a
// ds:Object of the signature); or of a file of any type, XML or not,
// detached from it: the signature is a document of its own (ds:Signature
// root) whose data reference names the file by a relative URI (its base
// name, percent-encoded) with no transform, so that the digest is over
// the file's raw bytes. The second reference is the
// xades:SignedProperties (SigningTime, SigningCertificateV2,
// DataObjectFormat). Like pades it splits the work in two: Prepare returns
// the digest the holder's key must sign (the signature activation module
// signs it), Finish puts the value in and, for B-T, the SignatureTimeStamp
// over the canonical ds:SignatureValue. The original bytes are never
// rewritten: the signature is spliced in before the root's end tag, or
// the root's bytes into the ds:Object. XML with a DTD is refused; nesting
// is bounded. XML parsing is github.com/beevik/etree over encoding/xml
// (which expands no entity it was not given); exclusive canonicalisation
// is this package's own (c14n.go), streamed from the tree into the hash.
package xades
