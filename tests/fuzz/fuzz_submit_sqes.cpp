// Fuzz target (a): the submission path. Each input sets up one io_uring through libringport's system-call
// surface (rp_sys_io_uring_setup/enter/register, as a program linked with -lringport reaches the shim and the
// hosted OS in-process), registers some resources, then runs a script of commands: write an SQE with any
// opcode, flags and fields; submit; wait a little; reap; scribble a word of the mapped SQ/CQ rings. Then it
// tears the ring down. Pointers and fds come only from fuzz_env.hpp's confined decoders.
//
// Input: [data seed][setup entries][setup flags u16][registrations] then commands, one byte each:
//   0-3 SQE, 4 submit, 5 wait (<= ~2 ms), 6 reap, 7 scribble (any 4-byte-aligned word of the SQ/CQ mapping).
#include "fuzz_env.hpp"

#include "fuzz_linux_ring.hpp"

using namespace fuzzenv;


namespace {

Arena g_arena;

// How an SQE field is filled, per opcode (Linux's meaning of addr, off/addr2 and addr3 for that opcode).
enum class K : uint8_t {
	V,     // a number (value(): also safe as a pointer)
	P,     // a data pointer (buffer, path, sockaddr out, ...)
	IOV,   // an iovec array, len entries
	MSG,   // a msghdr
	TS,    // a timespec
	WAITV, // a futex_waitv array, len entries
	FDS,   // an fd array, len entries
	SA,    // a socket address (its length goes to the length field the op reads)
	BYTES, // plain bytes the op reads (open_how, epoll_event)
	FD,    // an fd number (EPOLL_CTL's target)
};
struct OpKinds {
	K addr = K::V, off = K::V, addr3 = K::V;
	bool splice_fd = false; // splice_fd_in is a second fd
	bool fd_is_value = false; // fd is not an fd (SOCKET's domain, WAITID's id)
};

constexpr OpKinds kinds(uint8_t op)
{
	using namespace ringport::lx;
	OpKinds k;
	switch (op) {
	case OP_READV: case OP_WRITEV: k.addr = K::IOV; break;
	case OP_READ_FIXED: case OP_WRITE_FIXED: case OP_READ: case OP_WRITE: case OP_RECV: case OP_PROVIDE_BUFFERS:
	case OP_READ_MULTISHOT: case OP_MADVISE: case OP_UNLINKAT: case OP_MKDIRAT: case OP_OPENAT:
		k.addr = K::P;
		break;
	case OP_SENDMSG: case OP_RECVMSG: case OP_SENDMSG_ZC: k.addr = K::MSG; break;
	case OP_TIMEOUT: case OP_LINK_TIMEOUT: k.addr = K::TS; break;
	case OP_TIMEOUT_REMOVE: k.off = K::TS; break; // addr = the target's user_data; addr2 = the new timespec
	case OP_ACCEPT: k.addr = K::P; k.off = K::P; break;
	case OP_CONNECT: case OP_BIND: k.addr = K::SA; break;
	case OP_FILES_UPDATE: k.addr = K::FDS; break;
	case OP_STATX: case OP_RENAMEAT: case OP_SYMLINKAT: case OP_LINKAT: case OP_FSETXATTR: case OP_FGETXATTR:
		k.addr = K::P;
		k.off = K::P;
		break;
	case OP_SETXATTR: case OP_GETXATTR: k.addr = K::P; k.off = K::P; k.addr3 = K::P; break;
	case OP_SEND: case OP_SEND_ZC: k.addr = K::P; k.off = K::SA; break;
	case OP_OPENAT2: k.addr = K::P; k.off = K::BYTES; break;
	case OP_EPOLL_CTL: k.addr = K::BYTES; k.off = K::FD; break;
	case OP_SPLICE: case OP_TEE: k.splice_fd = true; break;
	case OP_URING_CMD: k.addr3 = K::P; break; // getsockopt/setsockopt optval
	case OP_WAITID: k.off = K::P; k.fd_is_value = true; break;
	case OP_FUTEX_WAIT: case OP_FUTEX_WAKE: k.addr = K::P; break;
	case OP_FUTEX_WAITV: k.addr = K::WAITV; break;
	case OP_SOCKET: k.fd_is_value = true; break;
	default: break;
	}
	return k;
}

void fill_sqe(Input& in, LinuxRing& r, lx::io_uring_sqe* s)
{
	uint8_t opb = in.in.u8();
	s->opcode = opb >= 250 ? opb : uint8_t(opb % (lx::OP_LAST + 2));
	OpKinds k = kinds(s->opcode);
	uint8_t fl = in.in.u8();
	s->flags = (fl & 0x80) ? fl : (fl & 0x7f & ~lx::SQE_FIXED_FILE) | ((fl & 0x40) ? 0 : (fl & 1));
	s->ioprio = (in.in.u8() & 3) == 3 ? in.in.u16() : 0;
	if (k.fd_is_value)
		s->fd = int32_t(in.u32_value());
	else if (s->flags & lx::SQE_FIXED_FILE)
		s->fd = in.in.u8() < 224 ? int32_t(in.in.u8() % 20) : int32_t(in.u32_value());
	else
		s->fd = int32_t(in.fd_value());
	s->len = in.u32_value();
	s->op_flags = in.in.u8() < 128 ? in.in.u8() : in.in.u32();
	s->user_data = in.in.u8();
	s->buf_index = in.in.u8() < 200 ? in.in.u8() % 8 : in.in.u16();
	s->personality = (in.in.u8() & 7) == 7 ? in.in.u16() : 0;
	if (k.splice_fd)
		s->splice_fd_in = (in.in.u8() & 1) ? int32_t(in.fd_value()) : int32_t(in.in.u8() % 20);
	else
		s->file_index = in.in.u8() < 192 ? 0 : in.u32_value();

	auto field = [&](K kind, uint64_t& dst) {
		uint32_t len = 0;
		switch (kind) {
		case K::V: dst = in.value(); break;
		case K::P: dst = in.data_ptr(); break;
		case K::IOV: dst = in.iovec_ptr(s->len); break;
		case K::MSG: dst = in.msghdr_ptr(); break;
		case K::TS: dst = in.timespec_ptr(); break;
		case K::WAITV: dst = in.waitv_ptr(s->len); break;
		case K::FDS: dst = in.fd_array_ptr(s->len); break;
		case K::SA:
			dst = in.sockaddr_ptr(&len);
			if (s->opcode == lx::OP_SEND || s->opcode == lx::OP_SEND_ZC)
				s->addr_len = uint16_t(len);
			else if (s->opcode == lx::OP_BIND)
				s->off = len;
			else
				s->off = len; // CONNECT: addrlen in addr2
			break;
		case K::BYTES: dst = in.bytes_ptr(64); break;
		case K::FD: dst = uint64_t(in.fd_value()); break;
		}
	};
	field(k.addr, s->addr);
	if (k.addr != K::SA)
		field(k.off, s->off);
	field(k.addr3, s->addr3);
	if (r.sqe_size == 128 && s->opcode == lx::OP_URING_CMD)
		field(K::P, reinterpret_cast<uint64_t*>(s)[8]);
	if (s->opcode == lx::OP_MADVISE) {
		s->fadvise_advice = Input::safe_advice(s->fadvise_advice);
		s->len = uint32_t(in.clamp_range(s->addr, s->len));
	}
}

// Resources registered before the script runs (each chosen by one bit): the input's fds as fixed files, the
// data region as four fixed buffers, a provided-buffer ring over eight data chunks, the eventfd.
void register_some(Input& in, LinuxRing& r, uint8_t which)
{
	if (which & 1) {
		auto* fds = reinterpret_cast<int32_t*>(in.a.alloc(4 * 16));
		if (fds) {
			for (unsigned i = 0; i < 16; ++i)
				fds[i] = i < kSlotCount ? in.fd[i] : -1;
			rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_FILES, fds, 16);
		}
	}
	if (which & 2) {
		auto* v = reinterpret_cast<struct iovec*>(in.a.alloc(4 * sizeof(struct iovec)));
		if (v) {
			for (unsigned i = 0; i < 4; ++i) {
				v[i].iov_base = in.a.data + i * (kDataSize / 4);
				v[i].iov_len = kDataSize / 4;
			}
			rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_BUFFERS, v, 4);
		}
	}
	if (which & 4) {
		// The ring lives in the struct region's first page (page aligned, kept for it).
		auto* bufs = reinterpret_cast<lx::io_uring_buf*>(in.a.strct);
		for (unsigned i = 0; i < 8; ++i) {
			bufs[i].addr = uint64_t(in.a.data) + kNamesEnd + i * 512;
			bufs[i].len = 512;
			bufs[i].bid = uint16_t(i);
		}
		reinterpret_cast<lx::io_uring_buf_ring*>(bufs)->tail = 8;
		auto* reg = reinterpret_cast<lx::io_uring_buf_reg*>(in.a.alloc(sizeof(lx::io_uring_buf_reg)));
		if (reg) {
			reg->ring_addr = uint64_t(bufs);
			reg->ring_entries = 8;
			reg->bgid = uint16_t(which >> 5);
			rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_PBUF_RING, reg, 1);
		}
	}
	if (which & 8) {
		auto* efd = reinterpret_cast<int32_t*>(in.a.alloc(4));
		if (efd) {
			*efd = in.fd[kEventfd];
			rp_sys_io_uring_register(unsigned(r.fd), (which & 16) ? lx::REGISTER_EVENTFD_ASYNC : lx::REGISTER_EVENTFD,
			                         efd, 1);
		}
	}
}

constexpr uint32_t kSetupFlags[] = {
	lx::SETUP_CQSIZE,        lx::SETUP_CLAMP,          lx::SETUP_SUBMIT_ALL,     lx::SETUP_COOP_TASKRUN,
	lx::SETUP_TASKRUN_FLAG,  lx::SETUP_SQE128,         lx::SETUP_CQE32,          lx::SETUP_SINGLE_ISSUER,
	lx::SETUP_DEFER_TASKRUN, lx::SETUP_NO_SQARRAY,     lx::SETUP_SQPOLL,         lx::SETUP_IOPOLL,
	lx::SETUP_R_DISABLED,
};

void run(Input& in)
{
	LinuxRing r;
	uint8_t e = in.in.u8();
	uint16_t fb = in.in.u16();
	r.p.flags = 0;
	for (unsigned i = 0; i < sizeof(kSetupFlags) / sizeof(kSetupFlags[0]); ++i)
		if (fb & (1u << i))
			r.p.flags |= kSetupFlags[i];
	r.p.cq_entries = 1u << (e >> 4);
	r.p.sq_thread_idle = 1;
	r.fd = rp_sys_io_uring_setup(1u << (e & 7), reinterpret_cast<io_uring_params*>(&r.p));
	if (g_verbose)
		fprintf(stderr, "setup(%u, flags %#x, cq %u) -> %d\n", 1u << (e & 7), r.p.flags, r.p.cq_entries, r.fd);
	if (r.fd < 0)
		return;
	in.extra_fd = r.fd;
	if (!r.map()) {
		r.unmap_and_close();
		return;
	}
	register_some(in, r, in.in.u8());
	if (r.p.flags & lx::SETUP_R_DISABLED)
		rp_sys_io_uring_register(unsigned(r.fd), lx::REGISTER_ENABLE_RINGS, nullptr, 0);

	unsigned steps = 0;
	while (!in.in.empty() && ++steps < 512) {
		uint8_t c = in.in.u8() & 7;
		if (c < 4) {
			if (auto* s = r.next_sqe())
				fill_sqe(in, r, s);
			else
				r.submit(0);
		} else if (c == 4) {
			uint8_t f = in.in.u8();
			// GETEVENTS, SQ_WAKEUP, SQ_WAIT, or any bits (the unknown ones must be refused). Never a wait for
			// completions without a time limit.
			uint32_t flags = (f & 0x80) ? (uint32_t(f) << 24 | f) & ~(lx::ENTER_EXT_ARG | lx::ENTER_GETEVENTS)
			                            : f & (lx::ENTER_GETEVENTS | lx::ENTER_SQ_WAKEUP);
			r.submit(flags);
		} else if (c == 5) {
			auto* arg = reinterpret_cast<lx::io_uring_getevents_arg*>(in.a.alloc(sizeof(lx::io_uring_getevents_arg)));
			if (!arg)
				continue;
			uint8_t f = in.in.u8();
			uint32_t min = f & 3;
			arg->ts = in.timespec_ptr(/*for_wait=*/true);
			arg->min_wait_usec = (f & 4) ? in.in.u16() % 1000 : 0;
			if (f & 8) {
				arg->sigmask = in.data_ptr();
				arg->sigmask_sz = in.in.u8() & 0x80 ? 8 : in.in.u8();
			}
			if (!arg->ts)
				min = 0; // no timespec to bound the wait
			uint32_t flags = lx::ENTER_GETEVENTS | lx::ENTER_EXT_ARG | ((f & 16) ? lx::ENTER_ABS_TIMER : 0);
			// An absolute timer with a 0..2 ms timespec has long expired: it returns at once.
			r.submit(flags, min, arg, (f & 32) ? in.in.u8() : sizeof(*arg));
		} else if (c == 6) {
			r.reap();
		} else {
			// Any word of the SQ ring mapping (and the CQ ring's), as a program may write it.
			bool cq = in.in.u8() & 1;
			size_t len = cq && r.cq != r.sq ? r.cq_len : r.sq_len;
			uint8_t* base = cq ? r.cq : r.sq;
			uint32_t off = (in.in.u16() % (len / 4)) * 4;
			uint32_t v = in.in.u8() < 128 ? in.in.u8() : in.in.u32();
			__atomic_store_n(reinterpret_cast<uint32_t*>(base + off), v, __ATOMIC_RELEASE);
		}
	}
	r.submit(lx::ENTER_GETEVENTS);
	r.reap();
	r.unmap_and_close();
}

} // namespace

RP_FUZZ_TARGET(run, g_arena)
