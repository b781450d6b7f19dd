# tests/x86_64: the filesystem engineer's host tests (FileSystem/). See tests/x86_64/Makefile.inc.
