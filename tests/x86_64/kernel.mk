# tests/x86_64: the kernel engineer's host tests (Library, host Platform, ELF loader).
UNIT_TESTS += tests/x86_64/kernel_library
tests_x86_64_kernel_library_SOURCES = tests/x86_64/kernel_library.cpp
tests_x86_64_kernel_library_CXXFLAGS = $(AM_CXXFLAGS) $(RP_TEST_CFLAGS) $(RP_X86_HOST_FLAGS)
tests_x86_64_kernel_library_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)

UNIT_TESTS += tests/x86_64/kernel_elf
tests_x86_64_kernel_elf_SOURCES = tests/x86_64/kernel_elf.cpp os/x86_64/Tasks/elf_inspect.cpp
tests_x86_64_kernel_elf_CXXFLAGS = $(AM_CXXFLAGS) $(RP_TEST_CFLAGS) $(RP_X86_HOST_FLAGS)
tests_x86_64_kernel_elf_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
