# Native build with the system compiler and the installed -dev packages.
CC ?= cc
STRIP ?= strip
RUNNER :=
