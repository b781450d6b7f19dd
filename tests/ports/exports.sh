#!/usr/bin/env bash
# make check: libringport.so's dynamic exports are its own C interface (rp_*, ringport_*) and the libc calls
# it replaces on ring fds, nothing else (libc-glue/src/libringport.map). An unprefixed internal global would
# clash with, or be bound by, a program's own symbol of the same name.
# Usage: exports.sh path/to/libringport.so
set -euo pipefail
lib=$1
# The interposers, named here independently of the version script so that a change to either shows.
interposers=" close close_range closefrom read __read_chk write readv writev preadv2 pwritev2 preadv64v2 pwritev64v2
  dup dup2 dup3 fcntl fcntl64 mmap mmap64 munmap poll ppoll epoll_ctl epoll_wait epoll_pwait
  syscall send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg shutdown eventfd_write execve execv execvp execvpe execl execlp execle fexecve execveat sigprocmask pthread_sigmask sigaction signal "
interposers=" $(echo $interposers) "
required="rp_sys_io_uring_setup rp_sys_io_uring_enter rp_sys_io_uring_enter2 rp_sys_io_uring_register rp_sys_mmap
  rp_sys_munmap rp_sys_madvise rp_sys_close rp_trap_install rp_trap_filter_install $interposers"

exports=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
bad=0
for s in $exports; do
  case "$s" in
    rp_*|ringport_*) ;;
    *) if [[ "$interposers" != *" $s "* ]]; then echo "exports: $lib exports $s (not rp_/ringport_-prefixed, not an interposer)"; bad=1; fi ;;
  esac
done
for s in $required; do
  grep -qx "$s" <<<"$exports" || { echo "exports: $lib does not export $s"; bad=1; }
done
# Anonymous version node: a versioned close@@X would not satisfy the program's close@GLIBC_2.2.5.
if objdump -T "$lib" | awk '$NF == "close" || $NF == "epoll_wait"' | grep -qv 'Base'; then
  echo "exports: the interposers carry a symbol version; programs' references would skip them"; bad=1
fi
n=$(wc -w <<<"$exports")
if [ "$bad" -eq 0 ]; then echo "exports: PASS ($n symbols, all rp_/ringport_ or interposers)"; else exit 1; fi
