package xades

// WriteExcC14N is writeExcC14N for the differential tests, which compare
// it with goxmldsig's canonicaliser and with libxml2's.
var WriteExcC14N = writeExcC14N
