# tests/x86_64: the host test of the userspace schemes (os/x86_64/Schemes: the kernel-to-userspace attachment)
# over the VFS and the host Platform, whose wait hook plays the server. See tests/x86_64/Makefile.inc.
RP_SCHEMES_SOURCES = os/x86_64/Schemes/scheme_forwarding.cpp os/x86_64/Schemes/scheme_files.cpp

UNIT_TESTS += tests/x86_64/test_schemes
tests_x86_64_test_schemes_SOURCES = tests/x86_64/test_schemes.cpp $(RP_SCHEMES_SOURCES) $(RP_FS_SOURCES)
tests_x86_64_test_schemes_CXXFLAGS = $(RP_FS_TEST_FLAGS) -I$(top_srcdir)/os/abi/include
tests_x86_64_test_schemes_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
