// Package qes holds what belongs to the repository as a whole: the served
// OpenAPI contract.
package qes

import _ "embed"

// OpenAPI is openapi.yaml, the contract qesd serves at /openapi.yaml and the
// tests hold every response to.
//
//go:embed openapi.yaml
var OpenAPI []byte
