#!/usr/bin/env bash
# The compiler tests/native runs under mvn -Psanitize (CXX): g++ (or TN_CXX) with the sanitizers the kernel
# library was built with (TN_SANITIZE), on every compile and link, so each native test is sanitized like
# the library it links, whatever tests/native/run.sh compiles.
exec "${TN_CXX:-g++}" -fsanitize="${TN_SANITIZE:?TN_SANITIZE names the sanitizers}" -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer "$@"
