package testutil

import (
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

// The leaf helpers live in packages that do not import internal/app, so
// that the tests of ca, tsa and pades can use them too; these names keep
// the server tests reading testutil.X.

// Clock is the settable test clock (fakeclock).
type Clock = fakeclock.Clock

// NewClock starts a clock at t.
var NewClock = fakeclock.New

// PDF and CMS checks by independent validators (pdfcheck).
type EmbeddedSignature = pdfcheck.EmbeddedSignature

var (
	NeedTool           = pdfcheck.NeedTool
	WriteTemp          = pdfcheck.WriteTemp
	PEM                = testpki.PEM
	NSSDB              = pdfcheck.NSSDB
	Pdfsig             = pdfcheck.Pdfsig
	AssertPdfsigValid  = pdfcheck.AssertPdfsigValid
	AssertQpdfCheck    = pdfcheck.AssertQpdfCheck
	Signatures         = pdfcheck.Signatures
	OpensslCMSVerify   = pdfcheck.OpensslCMSVerify
	OpensslTSVerify    = pdfcheck.OpensslTSVerify
	SignatureTimestamp = pdfcheck.SignatureTimestamp
	AssertSignedPDF    = pdfcheck.AssertSignedPDF
	RenderPage         = pdfcheck.RenderPage
	StrictDER          = pdfcheck.StrictDER
)
