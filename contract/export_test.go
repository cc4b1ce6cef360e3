package contract

// Render is the generator, for the black-box tests.
var Render = render
