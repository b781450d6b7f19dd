# tests/x86_64: the ring engineer's host tests (Ring/, Shim/). See tests/x86_64/Makefile.inc.
RP_RING_TEST_FLAGS = $(AM_CXXFLAGS) $(RP_TEST_CFLAGS) $(RP_X86_HOST_FLAGS) -fno-exceptions -fno-rtti

RP_RING_FILES = \
	os/x86_64/Ring/chains.cpp \
	os/x86_64/Ring/completion.cpp \
	os/x86_64/Ring/op_table.cpp \
	os/x86_64/Ring/ops_core.cpp \
	os/x86_64/Ring/ops_files.cpp \
	os/x86_64/Ring/ops_later.cpp \
	os/x86_64/Ring/ops_memory.cpp \
	os/x86_64/Ring/ops_process.cpp \
	os/x86_64/Ring/ops_readiness.cpp \
	os/x86_64/Ring/ops_rw.cpp \
	os/x86_64/Ring/ops_time.cpp \
	os/x86_64/Ring/pending.cpp \
	os/x86_64/Ring/pending_index.cpp \
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
	os/x86_64/FileSystem/eventfd.cpp \
	os/x86_64/FileSystem/fd_table.cpp \
	os/x86_64/FileSystem/file.cpp \
	os/x86_64/FileSystem/hooks.cpp \
	os/x86_64/FileSystem/inode.cpp \
	os/x86_64/FileSystem/page_tree.cpp \
	os/x86_64/FileSystem/path_walk.cpp \
	os/x86_64/FileSystem/pipe.cpp \
	os/x86_64/FileSystem/syscalls.cpp \
	os/x86_64/FileSystem/ustar.cpp \
	os/x86_64/FileSystem/vfs.cpp \
	os/x86_64/FileSystem/vfs_files.cpp \
	os/x86_64/FileSystem/vfs_tree.cpp

# The native ring executor over the ramfs; Shim/ is not linked (Syscalls/weak_hooks.cpp stands in for it).
UNIT_TESTS += tests/x86_64/test_ring_executor
tests_x86_64_test_ring_executor_SOURCES = tests/x86_64/test_ring_executor.cpp tests/x86_64/test_ring_helpers.hpp \
	$(RP_RING_FILES) $(RP_RING_TEST_FS_FILES) os/x86_64/Syscalls/weak_hooks.cpp \
	tests/x86_64/host_platform_memory.cpp
tests_x86_64_test_ring_executor_CXXFLAGS = $(RP_RING_TEST_FLAGS)
tests_x86_64_test_ring_executor_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)

# Parked FUTEX and WAITPID ops of the executor (the host Platform's futex and child doubles).
UNIT_TESTS += tests/x86_64/test_ring_park
tests_x86_64_test_ring_park_SOURCES = tests/x86_64/test_ring_park.cpp tests/x86_64/test_ring_helpers.hpp \
	$(RP_RING_FILES) $(RP_RING_TEST_FS_FILES) os/x86_64/Syscalls/weak_hooks.cpp \
	tests/x86_64/host_platform_memory.cpp
tests_x86_64_test_ring_park_CXXFLAGS = $(RP_RING_TEST_FLAGS)
tests_x86_64_test_ring_park_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)

# The unmodified kernel-shim (RP_SHIM_SOURCES) over Shim/'s host.h and the executor: io_uring as a program
# sees it, on the host.
UNIT_TESTS += tests/x86_64/test_shim_kernel
tests_x86_64_test_shim_kernel_SOURCES = tests/x86_64/test_shim_kernel.cpp tests/x86_64/test_ring_helpers.hpp \
	$(RP_RING_FILES) $(RP_SHIM_KERNEL_FILES) $(RP_SHIM_SOURCES) $(RP_RING_TEST_FS_FILES) \
	os/x86_64/Syscalls/weak_hooks.cpp tests/x86_64/host_platform_memory.cpp
tests_x86_64_test_shim_kernel_CXXFLAGS = $(RP_RING_TEST_FLAGS) -fno-threadsafe-statics
tests_x86_64_test_shim_kernel_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)

# Under QEMU: io_uring through the in-kernel shim from a freestanding program (tests/x86_64/programs/ring_uring.c).
run-ring-smoke: os/x86_64/rpk.elf $(RPK_BUILD)/programs/hello.t $(RPK_BUILD)/programs/ring_uring.t
	@$(SHELL) $(top_srcdir)/tests/x86_64/run-ring-smoke.sh os/x86_64/rpk.elf $(RPK_BUILD)/programs
.PHONY: run-ring-smoke
EXTRA_DIST += tests/x86_64/run-ring-smoke.sh

# Chains and ring registers in the executor (Ring/chains.cpp), the hosted OS's cases plus a waiting step.
UNIT_TESTS += tests/x86_64/test_ring_chains
tests_x86_64_test_ring_chains_SOURCES = tests/x86_64/test_ring_chains.cpp tests/x86_64/test_ring_helpers.hpp \
	$(RP_RING_FILES) $(RP_RING_TEST_FS_FILES) os/x86_64/Syscalls/weak_hooks.cpp \
	tests/x86_64/host_platform_memory.cpp
tests_x86_64_test_ring_chains_CXXFLAGS = $(RP_RING_TEST_FLAGS)
tests_x86_64_test_ring_chains_LDADD = $(RP_X86_HOST_LIBS) $(RP_TEST_LIBS)
