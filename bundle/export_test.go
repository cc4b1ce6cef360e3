package bundle

// VerifySeal exposes the seal check to the external tests, which build
// seals on a real qesd.
var VerifySeal = verifySeal
