# tests/x86_64: the filesystem engineer's host tests (FileSystem/). See tests/x86_64/Makefile.inc.
RP_FS_TEST_FLAGS = $(AM_CXXFLAGS) $(RP_TEST_CFLAGS) $(RP_X86_HOST_FLAGS) -I$(top_builddir)/tests/x86_64 \
	-fno-exceptions -fno-rtti

# USTAR archives made by Python's tarfile at build time (tests/x86_64/make_ustar_fixtures.py).
tests/x86_64/ustar_fixtures.h: $(top_srcdir)/tests/x86_64/make_ustar_fixtures.py
	@mkdir -p tests/x86_64
	$(AM_V_GEN)python3 $(top_srcdir)/tests/x86_64/make_ustar_fixtures.py $@
CLEANFILES += tests/x86_64/ustar_fixtures.h
EXTRA_DIST += tests/x86_64/make_ustar_fixtures.py

UNIT_TESTS += tests/x86_64/test_fs_ustar
tests_x86_64_test_fs_ustar_SOURCES = tests/x86_64/test_fs_ustar.cpp os/x86_64/FileSystem/ustar.cpp
nodist_tests_x86_64_test_fs_ustar_SOURCES = tests/x86_64/ustar_fixtures.h
tests_x86_64_test_fs_ustar_CXXFLAGS = $(RP_FS_TEST_FLAGS)
tests_x86_64_test_fs_ustar_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
# The generated header must exist before the test's objects are compiled.
$(tests_x86_64_test_fs_ustar_OBJECTS): tests/x86_64/ustar_fixtures.h

# Every FileSystem source, for the tests that need more than one of them.
RP_FS_SOURCES = os/x86_64/FileSystem/ustar.cpp os/x86_64/FileSystem/file.cpp os/x86_64/FileSystem/fd_table.cpp \
	os/x86_64/FileSystem/page_tree.cpp os/x86_64/FileSystem/inode.cpp os/x86_64/FileSystem/path_walk.cpp \
	os/x86_64/FileSystem/vfs_files.cpp os/x86_64/FileSystem/vfs.cpp os/x86_64/FileSystem/vfs_tree.cpp \
	os/x86_64/FileSystem/hooks.cpp os/x86_64/FileSystem/pipe.cpp os/x86_64/FileSystem/eventfd.cpp \
	os/x86_64/FileSystem/syscalls.cpp

UNIT_TESTS += tests/x86_64/test_fs_vfs
tests_x86_64_test_fs_vfs_SOURCES = tests/x86_64/test_fs_vfs.cpp $(RP_FS_SOURCES)
nodist_tests_x86_64_test_fs_vfs_SOURCES = tests/x86_64/ustar_fixtures.h
tests_x86_64_test_fs_vfs_CXXFLAGS = $(RP_FS_TEST_FLAGS)
tests_x86_64_test_fs_vfs_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
$(tests_x86_64_test_fs_vfs_OBJECTS): tests/x86_64/ustar_fixtures.h

# The Linux constants and layouts against the uapi headers (compile-time checks).
UNIT_TESTS += tests/x86_64/test_fs_abi
tests_x86_64_test_fs_abi_SOURCES = tests/x86_64/test_fs_abi.cpp
tests_x86_64_test_fs_abi_CXXFLAGS = $(RP_FS_TEST_FLAGS)
tests_x86_64_test_fs_abi_LDADD = $(RP_TEST_LIBS)

UNIT_TESTS += tests/x86_64/test_fs_pipe
tests_x86_64_test_fs_pipe_SOURCES = tests/x86_64/test_fs_pipe.cpp os/x86_64/FileSystem/file.cpp \
	os/x86_64/FileSystem/pipe.cpp os/x86_64/FileSystem/eventfd.cpp
tests_x86_64_test_fs_pipe_CXXFLAGS = $(RP_FS_TEST_FLAGS)
tests_x86_64_test_fs_pipe_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)

UNIT_TESTS += tests/x86_64/test_fs_syscalls
tests_x86_64_test_fs_syscalls_SOURCES = tests/x86_64/test_fs_syscalls.cpp $(RP_FS_SOURCES)
nodist_tests_x86_64_test_fs_syscalls_SOURCES = tests/x86_64/ustar_fixtures.h
tests_x86_64_test_fs_syscalls_CXXFLAGS = $(RP_FS_TEST_FLAGS)
tests_x86_64_test_fs_syscalls_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
$(tests_x86_64_test_fs_syscalls_OBJECTS): tests/x86_64/ustar_fixtures.h
