# tests/x86_64: the ring engineer's host tests (Ring/, Shim/). See tests/x86_64/Makefile.inc.
RP_RING_TEST_FLAGS = $(AM_CXXFLAGS) $(RP_TEST_CFLAGS) $(RP_X86_HOST_FLAGS) -fno-exceptions -fno-rtti

RP_RING_FILES = \
	os/x86_64/Ring/completion.cpp \
	os/x86_64/Ring/op_table.cpp \
	os/x86_64/Ring/ops_core.cpp \
	os/x86_64/Ring/ops_files.cpp \
	os/x86_64/Ring/ops_later.cpp \
	os/x86_64/Ring/ops_memory.cpp \
	os/x86_64/Ring/ops_readiness.cpp \
	os/x86_64/Ring/ops_rw.cpp \
	os/x86_64/Ring/ops_time.cpp \
	os/x86_64/Ring/pending.cpp \
	os/x86_64/Ring/ring_arguments.cpp \
	os/x86_64/Ring/ring_calls.cpp \
	os/x86_64/Ring/ring_enter.cpp \
	os/x86_64/Ring/ring_memory.cpp \
	os/x86_64/Ring/timer_queue.cpp

RP_SHIM_KERNEL_FILES = \
	os/x86_64/Shim/host_files.cpp \
	os/x86_64/Shim/host_memory.cpp \
	os/x86_64/Shim/host_ring.cpp \
	os/x86_64/Shim/host_wait.cpp \
	os/x86_64/Shim/io_uring_calls.cpp \
	os/x86_64/Shim/io_uring_file.cpp

# The filesystem the ops run against (the filesystem engineer's sources, compiled again for these programs).
RP_RING_TEST_FS_FILES = \
	os/x86_64/FileSystem/fd_table.cpp \
	os/x86_64/FileSystem/file.cpp \
	os/x86_64/FileSystem/hooks.cpp \
	os/x86_64/FileSystem/inode.cpp \
	os/x86_64/FileSystem/page_tree.cpp \
	os/x86_64/FileSystem/path_walk.cpp \
	os/x86_64/FileSystem/ustar.cpp \
	os/x86_64/FileSystem/vfs.cpp \
	os/x86_64/FileSystem/vfs_files.cpp \
	os/x86_64/FileSystem/vfs_tree.cpp

# The native ring executor over the ramfs; Shim/ is not linked (Syscalls/weak_hooks.cpp stands in for it).
UNIT_TESTS += tests/x86_64/test_ring_executor
tests_x86_64_test_ring_executor_SOURCES = tests/x86_64/test_ring_executor.cpp tests/x86_64/test_ring_helpers.hpp \
	$(RP_RING_FILES) $(RP_RING_TEST_FS_FILES) os/x86_64/Syscalls/weak_hooks.cpp
tests_x86_64_test_ring_executor_CXXFLAGS = $(RP_RING_TEST_FLAGS)
tests_x86_64_test_ring_executor_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
