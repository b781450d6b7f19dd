# tests/x86_64: the kernel engineer's host tests (Library, host Platform, ELF loader).
UNIT_TESTS += tests/x86_64/kernel_library
tests_x86_64_kernel_library_SOURCES = tests/x86_64/kernel_library.cpp
tests_x86_64_kernel_library_CXXFLAGS = $(AM_CXXFLAGS) $(RP_TEST_CFLAGS) $(RP_X86_HOST_FLAGS)
tests_x86_64_kernel_library_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
