package tsa

import "fmt"

// FailureInfo is one bit of the RFC 3161 PKIFailureInfo BIT STRING.
type FailureInfo int

// The PKIFailureInfo bits of RFC 3161 section 2.4.2 that this TSA sends.
const (
	BadAlg              FailureInfo = 0  // unrecognized or unsupported algorithm
	BadRequest          FailureInfo = 2  // transaction not permitted or supported
	BadDataFormat       FailureInfo = 5  // the data submitted has the wrong format
	TimeNotAvailable    FailureInfo = 14 // the TSA's time source is not available
	UnacceptedPolicy    FailureInfo = 15 // the requested TSA policy is not supported
	UnacceptedExtension FailureInfo = 16 // the requested extension is not supported
	SystemFailure       FailureInfo = 25 // the request cannot be handled due to system failure
)

func (f FailureInfo) String() string {
	switch f {
	case BadAlg:
		return "badAlg"
	case BadRequest:
		return "badRequest"
	case BadDataFormat:
		return "badDataFormat"
	case TimeNotAvailable:
		return "timeNotAvailable"
	case UnacceptedPolicy:
		return "unacceptedPolicy"
	case UnacceptedExtension:
		return "unacceptedExtension"
	case SystemFailure:
		return "systemFailure"
	}
	return fmt.Sprintf("failureInfo(%d)", int(f))
}

// PKIStatus values of RFC 3161 section 2.4.2.
const (
	statusGranted         = 0
	statusGrantedWithMods = 1
	statusRejection       = 2
)

// rejection is why a request is refused; it becomes a TimeStampResp with
// status rejection, the failure bit and the text as statusString.
type rejection struct {
	failure FailureInfo
	text    string
}

func (r *rejection) Error() string { return r.failure.String() + ": " + r.text }

func reject(f FailureInfo, format string, args ...any) *rejection {
	return &rejection{failure: f, text: fmt.Sprintf(format, args...)}
}
