# tests/x86_64: the ring engineer's host tests (Ring/, Shim/). See tests/x86_64/Makefile.inc.
