// The socket scheme's RP_OP_SOCKET_TX_TIMESTAMPS: transmit timestamps (SO_TIMESTAMPING) taken off a socket's
// error queue as records, inline and without waiting. What the kernel shim turns into Linux 6.13's
// SOCKET_URING_OP_TX_TIMESTAMP: it waits for the queue itself (a RegisterEvents stream for POLLERR) and asks
// again on every event.
//
// Linux's command walks the error queue under its lock and takes only payload-less timestamp entries, leaving
// anything else (a timestamp that carries the sent packet, an ICMP error, a zero-copy notice) where it was for
// recvmsg(MSG_ERRQUEUE). From user space the queue can only be read from its head, and MSG_PEEK does not apply
// to it, so an entry taken is gone. The op therefore reads the queue only while the socket's own settings say
// nothing but payload-less timestamps can be in it: SO_TIMESTAMPING with OPT_TSONLY and a reporting flag
// (SOFTWARE or RAW_HARDWARE), and none of IP_RECVERR, IPV6_RECVERR, SO_ZEROCOPY or SO_TXTIME's error reports.
// Otherwise it takes nothing (0): without TSONLY every entry carries its packet, which Linux never posts either.
#include "internal.hpp"

#include <cerrno>
#include <cstring>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>

namespace ringport::hosted {

namespace {

// getsockopt straight to the kernel; false when the option is off or the socket has no such option.
bool option_on(int fd, int level, int name)
{
	int v = 0;
	socklen_t len = sizeof v;
	return sys(SYS_getsockopt, fd, level, name, &v, &len) == 0 && v != 0;
}

// Whether the error queue can hold only what the command may take (see the file comment).
bool only_timestamps_queued(int fd, int family)
{
	uint32_t ts[2] = {0, 0}; // struct so_timestamping { flags; bind_phc; } (older kernels write the flags alone)
	socklen_t len = sizeof ts;
	if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TIMESTAMPING, ts, &len) < 0)
		return false;
	if (!(ts[0] & SOF_TIMESTAMPING_OPT_TSONLY) ||
	    !(ts[0] & (SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RAW_HARDWARE)))
		return false;
	if (option_on(fd, SOL_SOCKET, SO_ZEROCOPY))
		return false;
	sock_txtime txtime{};
	len = sizeof txtime;
	if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TXTIME, &txtime, &len) == 0 &&
	    (txtime.flags & SOF_TXTIME_REPORT_ERRORS))
		return false;
	if ((family == AF_INET || family == AF_INET6) && option_on(fd, SOL_IP, IP_RECVERR))
		return false;
	if (family == AF_INET6 && option_on(fd, SOL_IPV6, IPV6_RECVERR))
		return false;
	return true;
}

// One error-queue entry, read without waiting: 1 a timestamp (*out filled), 0 an entry with nothing to report
// (dropped: Linux would have left it, and it cannot be put back), -EAGAIN the queue is empty, or -errno.
int take_one(int fd, rp_tx_timestamp* out)
{
	alignas(cmsghdr) char control[512];
	char payload[1]; // TSONLY entries carry none; one byte tells a payload (MSG_TRUNC) from none
	iovec iov{payload, sizeof payload};
	msghdr m{};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = control;
	m.msg_controllen = sizeof control;
	long n = sys(SYS_recvmsg, fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return int(fail());
	const sock_extended_err* ee = nullptr;
	const timespec* stamps = nullptr; // scm_timestamping: [0] software, [2] hardware
	for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && (c->cmsg_type == SO_TIMESTAMPING_OLD || c->cmsg_type == SO_TIMESTAMPING_NEW) &&
		    c->cmsg_len >= CMSG_LEN(3 * sizeof(timespec)))
			stamps = reinterpret_cast<const timespec*>(CMSG_DATA(c)); // 64-bit: old and new layouts agree
		else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		          (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
		         c->cmsg_len >= CMSG_LEN(sizeof(sock_extended_err)))
			ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
	}
	if (n > 0 || (m.msg_flags & MSG_TRUNC) || !ee || !stamps || ee->ee_errno != ENOMSG ||
	    ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING)
		return 0;
	// Linux prefers the software stamp when the socket reports it and it is set, else the hardware one.
	const timespec* t = nullptr;
	uint32_t flags = 0;
	if (stamps[0].tv_sec || stamps[0].tv_nsec)
		t = &stamps[0];
	else if (stamps[2].tv_sec || stamps[2].tv_nsec) {
		t = &stamps[2];
		flags = RP_TX_TIMESTAMP_HW;
	}
	if (!t)
		return 0;
	out->key = ee->ee_data;
	out->type = ee->ee_info;
	out->sec = t->tv_sec;
	out->nsec = uint32_t(t->tv_nsec);
	out->flags = flags;
	return 1;
}

} // namespace

Issue op_socket_tx_timestamps(Ring&, const rp_sqe& sqe)
{
	int fd;
	if (!to_fd(sqe.fd, &fd))
		return Issue::complete(-EBADF);
	sockaddr_storage addr{};
	socklen_t addr_len = sizeof addr;
	if (sys(SYS_getsockname, fd, &addr, &addr_len) < 0)
		return Issue::complete(errno == ENOTSOCK ? -ENOSYS : fail()); // not a socket: no scheme gives it meaning
	if (sqe.len > RP_TX_TIMESTAMPS_MAX || sqe.offset || sqe.additional1 || sqe.additional2 || sqe.syscall_flags)
		return Issue::complete(-EINVAL);
	if (sqe.len == 0 || !only_timestamps_queued(fd, addr.ss_family))
		return Issue::complete(0); // len 0 only asks whether the file has the op
	rp_tx_timestamp got[RP_TX_TIMESTAMPS_MAX];
	uint32_t count = 0;
	while (count < sqe.len) {
		int r = take_one(fd, &got[count]);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			if (count)
				break; // what was taken is reported; the error comes again next time
			return Issue::complete(r);
		}
		count += uint32_t(r);
	}
	if (int r = copy_out(sqe.addr, got, count * sizeof got[0]); r < 0)
		return Issue::complete(r);
	return Issue::complete(count);
}

} // namespace ringport::hosted
