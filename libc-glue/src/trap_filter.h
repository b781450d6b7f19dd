/*
 * The seccomp filter that sends raw io_uring system calls to libringport's SIGSYS handler: io_uring_setup,
 * io_uring_enter and io_uring_register return SECCOMP_RET_TRAP, whatever the ABI (i386 uses the same numbers,
 * x32 adds bit 30; the handler refuses those loudly rather than let them reach Linux), everything else is
 * allowed. One definition for libringport (rp_trap_filter_install, libc-glue/src/sigsys_trap.cpp) and for the
 * `ringport run` launcher (tools/run/ringport.c), which installs it before executing the program.
 */
#ifndef RINGPORT_TRAP_FILTER_H
#define RINGPORT_TRAP_FILTER_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

#define RP_TRAP_FILTER_INIT                                                                                    \
	{                                                                                                          \
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),                                 \
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~0x40000000u),                                                     \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 3, 0),                                        \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 2, 0),                                        \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 1, 0),                                     \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),                                                          \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),                                                           \
	}

#endif
