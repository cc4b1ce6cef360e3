// Package pades produces PAdES baseline signatures (ETSI EN 319 142-1) on PDF
// documents: B-B, B-T, B-LT and B-LTA, always as incremental updates so that
// the original bytes and earlier signatures stay intact.
//
// Signing is split in two phases so that a remote signer (CSC signHash) signs
// exactly once: Prepare reserves a computed /Contents placeholder and returns
// the digest of the DER-encoded signed attributes; Finish embeds the
// externally produced signature value (and, from B-T on, a time-stamp over
// it), then appends the DSS (B-LT) and a document time-stamp (B-LTA). Sign
// does both phases with a crypto.Signer.
//
// The same CMS code makes CAdES baseline signatures (ETSI EN 319 122-1,
// cades.go), B-B to B-LTA: detached over a digest (PrepareCAdES), or over a
// whole file of any type, detached (.p7s) or enveloping it (.p7m,
// PrepareCAdESContent), with the same Prepare/Finish split; FinishParts
// hands back an enveloping signature as prefix, the caller's content and
// suffix, so a large file is never copied.
//
// Documents are streamed: input is an io.ReaderAt plus its size, output an
// io.Writer; only the cross-reference data and the few objects an update
// touches are held in memory.
//
// The package has its own small PDF reader (classic xref tables, xref streams,
// object streams) and its own CMS encoder, so that every byte it writes is
// under its control; it imports nothing of qes but internal/errs.
package pades
