// How many arguments each x86-64 Linux system call takes, for the interposed syscall(2) (interposers.cpp).
//
// syscall() is variadic: the caller passes only the arguments its call takes, and reading more with va_arg
// reads past them. On x86-64 the first five after the number travel in registers (a va_list reads them from
// the register save area of our own frame, harmless), but a sixth is read from the caller's stack, beyond
// what it pushed: sanitizers report a stack underflow there, and it is undefined behaviour. So the
// interposer reads exactly the count below. A number not listed (a call newer than this table) gets six, the
// most a Linux system call takes, so that it is forwarded whole.
#pragma once

#include <sys/syscall.h>

namespace ringport::glue {

// Calls newer than the build machine's headers, by their x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).
namespace nr {
inline constexpr long cachestat = 451, fchmodat2 = 452, map_shadow_stack = 453, futex_wake = 454, futex_wait = 455,
                      futex_requeue = 456, statmount = 457, listmount = 458, lsm_get_self_attr = 459,
                      lsm_set_self_attr = 460, lsm_list_modules = 461, mseal = 462, setxattrat = 463,
                      getxattrat = 464, listxattrat = 465, removexattrat = 466, open_tree_attr = 467,
                      file_getattr = 468, file_setattr = 469;
}

// A duplicated number does not compile (two case labels), so each call has one count.
constexpr int syscall_arg_count(long n)
{
	switch (n) {
	case SYS_getpid: case SYS_getppid: case SYS_gettid: case SYS_getuid: case SYS_geteuid: case SYS_getgid:
	case SYS_getegid: case SYS_sched_yield: case SYS_pause: case SYS_fork: case SYS_vfork: case SYS_sync:
	case SYS_setsid: case SYS_getpgrp: case SYS_munlockall: case SYS_vhangup: case SYS_inotify_init:
	case SYS_restart_syscall: case SYS_rt_sigreturn:
		return 0;
	case SYS_close: case SYS_brk: case SYS_exit: case SYS_exit_group: case SYS_dup: case SYS_alarm: case SYS_chdir:
	case SYS_fchdir: case SYS_rmdir: case SYS_unlink: case SYS_uname: case SYS_umask: case SYS_getpgid:
	case SYS_getsid: case SYS_setuid: case SYS_setgid: case SYS_setfsuid: case SYS_setfsgid: case SYS_fsync:
	case SYS_fdatasync: case SYS_pipe: case SYS_time: case SYS_times: case SYS_sysinfo: case SYS_acct:
	case SYS_chroot: case SYS_iopl: case SYS_personality: case SYS_shmdt: case SYS_sched_getscheduler:
	case SYS_sched_get_priority_max: case SYS_sched_get_priority_min: case SYS_mlockall: case SYS_io_destroy:
	case SYS_epoll_create: case SYS_epoll_create1: case SYS_set_tid_address: case SYS_inotify_init1:
	case SYS_eventfd: case SYS_unshare: case SYS_timer_getoverrun: case SYS_timer_delete: case SYS_syncfs:
	case SYS_userfaultfd: case SYS_memfd_secret: case SYS_swapoff: case SYS_adjtimex: case SYS_uselib:
	case SYS_mq_unlink: case SYS_pkey_free:
		return 1;
	case SYS_munmap: case SYS_dup2: case SYS_pipe2: case SYS_access: case SYS_mkdir: case SYS_creat: case SYS_link:
	case SYS_symlink: case SYS_rename: case SYS_truncate: case SYS_ftruncate: case SYS_chmod: case SYS_fchmod:
	case SYS_getrlimit: case SYS_setrlimit: case SYS_getrusage: case SYS_gettimeofday: case SYS_settimeofday:
	case SYS_kill: case SYS_tkill: case SYS_listen: case SYS_shutdown: case SYS_flock: case SYS_getitimer:
	case SYS_fstat: case SYS_stat: case SYS_lstat: case SYS_sigaltstack: case SYS_rt_sigpending:
	case SYS_rt_sigsuspend: case SYS_utime: case SYS_ustat: case SYS_statfs: case SYS_fstatfs:
	case SYS_getpriority: case SYS_sched_setparam: case SYS_sched_getparam: case SYS_sched_rr_get_interval:
	case SYS_mlock: case SYS_munlock: case SYS_pivot_root: case SYS_arch_prctl: case SYS_setreuid:
	case SYS_setregid: case SYS_getgroups: case SYS_setgroups: case SYS_capget: case SYS_capset:
	case SYS_timerfd_gettime: case SYS_clock_settime: case SYS_clock_gettime: case SYS_clock_getres:
	case SYS_nanosleep: case SYS_swapon: case SYS_sethostname: case SYS_setdomainname: case SYS_umount2:
	case SYS_io_setup: case SYS_delete_module: case SYS_memfd_create: case SYS_inotify_rm_watch:
	case SYS_eventfd2: case SYS_fanotify_init: case SYS_timer_gettime: case SYS_setns: case SYS_utimes:
	case SYS_clone3: case SYS_pidfd_open: case SYS_process_mrelease: case SYS_landlock_restrict_self:
	case SYS_setpgid: case SYS_mq_notify: case SYS_getcwd: case SYS_set_robust_list: case SYS_msgget:
	case SYS_removexattr: case SYS_lremovexattr: case SYS_fremovexattr: case SYS_pkey_alloc: case SYS_fsopen:
	case SYS_clock_adjtime: case SYS_io_uring_setup: case SYS_timerfd_create:
		return 2;
	case SYS_setpriority: case SYS_read: case SYS_write: case SYS_open: case SYS_poll: case SYS_lseek:
	case SYS_mprotect: case SYS_ioctl: case SYS_readv: case SYS_writev: case SYS_madvise: case SYS_msync:
	case SYS_mincore: case SYS_shmget: case SYS_shmat: case SYS_shmctl: case SYS_socket: case SYS_connect:
	case SYS_accept: case SYS_sendmsg: case SYS_recvmsg: case SYS_bind: case SYS_getsockname:
	case SYS_getpeername: case SYS_semget: case SYS_semop: case SYS_msgctl: case SYS_fcntl: case SYS_getdents:
	case SYS_getdents64: case SYS_readlink: case SYS_chown: case SYS_fchown: case SYS_lchown: case SYS_setresuid:
	case SYS_getresuid: case SYS_setresgid: case SYS_getresgid: case SYS_mknod: case SYS_sched_setscheduler:
	case SYS_sched_setaffinity: case SYS_sched_getaffinity: case SYS_syslog: case SYS_execve: case SYS_ioperm:
	case SYS_init_module: case SYS_finit_module: case SYS_tgkill: case SYS_get_robust_list: case SYS_mkdirat:
	case SYS_unlinkat: case SYS_fchmodat: case SYS_faccessat: case SYS_inotify_add_watch: case SYS_getrandom:
	case SYS_seccomp: case SYS_bpf: case SYS_mlock2: case SYS_open_by_handle_at: case SYS_lookup_dcookie:
	case SYS_rt_sigqueueinfo: case SYS_timer_create: case SYS_io_cancel: case SYS_io_submit: case SYS_dup3:
	case SYS_pidfd_getfd: case SYS_open_tree: case SYS_fsmount: case SYS_fspick: case SYS_close_range:
	case SYS_landlock_create_ruleset: case nr::map_shadow_stack: case nr::mseal: case SYS_signalfd:
	case SYS_futimesat: case SYS_modify_ldt: case SYS_setitimer: case SYS_membarrier: case SYS_listxattr:
	case SYS_llistxattr: case SYS_flistxattr: case SYS_set_mempolicy: case SYS_mq_getsetattr: case SYS_getcpu:
	case SYS_sched_setattr: case SYS_symlinkat: case nr::lsm_list_modules:
		return 3;
	case SYS_rt_sigaction: case SYS_rt_sigprocmask: case SYS_pread64: case SYS_pwrite64: case SYS_sendfile:
	case SYS_socketpair: case SYS_wait4: case SYS_mknodat: case SYS_openat: case SYS_newfstatat: case SYS_renameat:
	case SYS_readlinkat: case SYS_utimensat: case SYS_epoll_wait: case SYS_epoll_ctl: case SYS_timerfd_settime:
	case SYS_timer_settime: case SYS_clock_nanosleep: case SYS_rt_sigtimedwait: case SYS_rt_tgsigqueueinfo:
	case SYS_accept4: case SYS_fadvise64: case SYS_vmsplice: case SYS_tee: case SYS_sync_file_range:
	case SYS_fallocate: case SYS_quotactl: case SYS_reboot: case SYS_request_key: case SYS_ptrace:
	case SYS_prlimit64: case SYS_sendmmsg: case SYS_signalfd4: case SYS_pkey_mprotect: case SYS_openat2:
	case SYS_pidfd_send_signal: case SYS_io_uring_register: case SYS_faccessat2: case SYS_mq_open:
	case nr::lsm_get_self_attr: case nr::lsm_set_self_attr: case nr::fchmodat2: case nr::futex_wake:
	case nr::futex_requeue: case nr::statmount: case nr::listmount: case nr::removexattrat: case nr::cachestat:
	case SYS_migrate_pages: case SYS_kexec_load: case SYS_getxattr: case SYS_lgetxattr: case SYS_fgetxattr:
	case SYS_landlock_add_rule: case SYS_set_mempolicy_home_node: case SYS_sched_getattr: case SYS_semtimedop:
	case SYS_semctl: case SYS_msgsnd: case SYS_rseq: case SYS_quotactl_fd:
		return 4;
	case SYS_select: case SYS_mremap: case SYS_setsockopt: case SYS_getsockopt: case SYS_clone: case SYS_msgrcv:
	case SYS_prctl: case SYS_mount: case SYS_waitid: case SYS_perf_event_open: case SYS_kcmp: case SYS_renameat2:
	case SYS_execveat: case SYS_statx: case SYS_kexec_file_load: case SYS_remap_file_pages:
	case SYS_get_mempolicy: case SYS_mq_timedsend: case SYS_mq_timedreceive: case SYS_fanotify_mark:
	case SYS_name_to_handle_at: case SYS_add_key: case SYS_keyctl: case SYS_io_getevents: case SYS_ppoll:
	case SYS_recvmmsg: case SYS_linkat: case SYS_fchownat: case SYS_setxattr: case SYS_lsetxattr:
	case SYS_fsetxattr: case SYS_move_mount: case SYS_fsconfig: case SYS_mount_setattr: case SYS_process_madvise:
	case SYS_futex_waitv: case SYS_preadv: case SYS_pwritev: case nr::listxattrat: case nr::file_getattr:
	case nr::file_setattr: case nr::open_tree_attr:
		return 5;
	default: // mmap, recvfrom, sendto, futex, pselect6, epoll_pwait, epoll_pwait2, splice, move_pages, mbind,
	         // process_vm_readv/writev, copy_file_range, preadv2, pwritev2, io_pgetevents, io_uring_enter,
	         // futex_wait, getxattrat, setxattrat, and any call this table does not know
		return 6;
	}
}

} // namespace ringport::glue
