package csc

// Request bodies accept the v1 and the v2 spelling of every parameter in
// both API versions (real clients mix them: pyHanko speaks v1 names under
// /csc/v2); responses use each version's own names.

type loginRequest struct {
	RefreshToken *string `json:"refresh_token"`
	RememberMe   bool    `json:"rememberMe"`
	ClientData   string  `json:"clientData" validate:"max=2048"`
}

type loginResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
}

type revokeRequest struct {
	Token         string `json:"token" validate:"required"`
	TokenTypeHint string `json:"token_type_hint" validate:"omitempty,oneof=access_token refresh_token"`
	ClientData    string `json:"clientData" validate:"max=2048"`
}

type listRequest struct {
	UserID         *string `json:"userID"`
	CredentialInfo bool    `json:"credentialInfo"`
	Certificates   string  `json:"certificates" validate:"omitempty,oneof=none single chain"`
	CertInfo       bool    `json:"certInfo"`
	AuthInfo       bool    `json:"authInfo"`
	OnlyValid      bool    `json:"onlyValid"`
	MaxResults     *int    `json:"maxResults" validate:"omitempty,min=1,max=1000"`
	PageToken      string  `json:"pageToken" validate:"max=32"`
	Lang           string  `json:"lang" validate:"max=35"`
	ClientData     string  `json:"clientData" validate:"max=2048"`
}

type listResponse struct {
	CredentialIDs   []string          `json:"credentialIDs"`
	CredentialInfos []*credentialInfo `json:"credentialInfos,omitempty"`
	OnlyValid       *bool             `json:"onlyValid,omitempty"`
	NextPageToken   string            `json:"nextPageToken,omitempty"`
}

type infoCredentialRequest struct {
	CredentialID string `json:"credentialID" validate:"required,max=128"`
	Certificates string `json:"certificates" validate:"omitempty,oneof=none single chain"`
	CertInfo     bool   `json:"certInfo"`
	AuthInfo     bool   `json:"authInfo"`
	Lang         string `json:"lang" validate:"max=35"`
	ClientData   string `json:"clientData" validate:"max=2048"`
}

type keyInfo struct {
	Status string   `json:"status"`
	Algo   []string `json:"algo"`
	Len    int      `json:"len"`
	Curve  string   `json:"curve,omitempty"`
}

type certInfo struct {
	Status       string   `json:"status,omitempty"`
	Certificates []string `json:"certificates,omitempty"`
	IssuerDN     string   `json:"issuerDN,omitempty"`
	SerialNumber string   `json:"serialNumber,omitempty"`
	SubjectDN    string   `json:"subjectDN,omitempty"`
	ValidFrom    string   `json:"validFrom,omitempty"`
	ValidTo      string   `json:"validTo,omitempty"`
}

type pinInfo struct { // v1
	Presence    string `json:"presence"`
	Format      string `json:"format,omitempty"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
}

type otpInfo struct { // v1
	Presence    string `json:"presence"`
	Type        string `json:"type"`
	Format      string `json:"format,omitempty"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
	ID          string `json:"ID,omitempty"`
	Provider    string `json:"provider,omitempty"`
}

type authObject struct { // v2
	Type        string `json:"type"`
	ID          string `json:"id"`
	Format      string `json:"format,omitempty"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
	Generator   string `json:"generator,omitempty"`
}

type authInfo struct { // v2
	Mode       string       `json:"mode"`
	Expression string       `json:"expression,omitempty"`
	Objects    []authObject `json:"objects,omitempty"`
}

// credentialInfo is credentials/info's answer and an element of
// credentials/list's credentialInfos.
type credentialInfo struct {
	CredentialID string    `json:"credentialID,omitempty"`
	Description  string    `json:"description,omitempty"`
	Key          keyInfo   `json:"key"`
	Cert         *certInfo `json:"cert,omitempty"`
	// v1
	AuthMode string   `json:"authMode,omitempty"`
	PIN      *pinInfo `json:"PIN,omitempty"`
	OTP      *otpInfo `json:"OTP,omitempty"`
	// v2
	Auth *authInfo `json:"auth,omitempty"`

	SCAL      string `json:"SCAL"`
	Multisign int    `json:"multisign"`
	Lang      string `json:"lang,omitempty"`
}

type authDataItem struct {
	ID    string `json:"id" validate:"required,max=64"`
	Value string `json:"value" validate:"max=256"`
}

type authorizeRequest struct {
	CredentialID     string         `json:"credentialID" validate:"required,max=128"`
	NumSignatures    *int           `json:"numSignatures" validate:"required"`
	Hash             []string       `json:"hash" validate:"max=10000"`
	Hashes           []string       `json:"hashes" validate:"max=10000"`
	HashAlgo         string         `json:"hashAlgo" validate:"max=64"`
	HashAlgorithmOID string         `json:"hashAlgorithmOID" validate:"max=64"`
	PIN              string         `json:"PIN" validate:"max=256"`
	OTP              string         `json:"OTP" validate:"max=256"`
	AuthData         []authDataItem `json:"authData" validate:"max=8,dive"`
	Description      string         `json:"description" validate:"max=500"`
	ClientData       string         `json:"clientData" validate:"max=2048"`
}

type sadResponse struct {
	SAD       string `json:"SAD"`
	ExpiresIn int    `json:"expiresIn"`
}

type extendRequest struct {
	CredentialID     string   `json:"credentialID" validate:"required,max=128"`
	SAD              string   `json:"SAD" validate:"required,max=256"`
	Hash             []string `json:"hash" validate:"max=10000"`
	Hashes           []string `json:"hashes" validate:"max=10000"`
	HashAlgo         string   `json:"hashAlgo" validate:"max=64"`
	HashAlgorithmOID string   `json:"hashAlgorithmOID" validate:"max=64"`
	ClientData       string   `json:"clientData" validate:"max=2048"`
}

type sendOTPRequest struct {
	CredentialID string `json:"credentialID" validate:"required,max=128"`
	AuthObjectID string `json:"authObjectID" validate:"max=64"`
	ClientData   string `json:"clientData" validate:"max=2048"`
}

type authorizeCheckRequest struct {
	Handle string `json:"handle" validate:"required,max=256"`
}

type signHashRequest struct {
	CredentialID     string   `json:"credentialID" validate:"required,max=128"`
	SAD              string   `json:"SAD" validate:"max=4096"`
	Hash             []string `json:"hash" validate:"max=10000"`
	Hashes           []string `json:"hashes" validate:"max=10000"`
	HashAlgo         string   `json:"hashAlgo" validate:"max=64"`
	HashAlgorithmOID string   `json:"hashAlgorithmOID" validate:"max=64"`
	SignAlgo         string   `json:"signAlgo" validate:"required,max=64"`
	SignAlgoParams   string   `json:"signAlgoParams" validate:"max=1024"`
	OperationMode    string   `json:"operationMode" validate:"omitempty,oneof=S A"`
	ClientData       string   `json:"clientData" validate:"max=2048"`
}

type signHashResponse struct {
	Signatures []string `json:"signatures"`
}

// firstNonEmpty picks the parameter in whichever spelling the client used.
func firstNonEmpty[T any](vals ...[]T) []T {
	for _, v := range vals {
		if len(v) > 0 {
			return v
		}
	}
	return nil
}

func firstString(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
