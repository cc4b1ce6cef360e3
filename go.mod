module github.com/qesproject/qes

go 1.26
