package portal

// Messages is the catalogue, for the external tests.
var Messages = messages
