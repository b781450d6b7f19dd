// Fuzz target (c): the hosted OS's native ring consumer (os/abi/include/ringport/native_ring.h), with no shim in
// front of it. Each input creates a ring with fuzzed parameters, then runs a script: write native SQEs with any
// opcode, flags and fields (fields confined by what native_ops.hpp says each one is: a file, a path, caller
// memory, a value), publish, scribble any word of either ring header or of the indirect index array, enter
// (waiting at most ~2 ms), consume completions. Then it destroys the ring.
//
// Input: [data seed][sq_entries][cq_entries][flags][reserved] then commands, one byte each:
//   0-3 SQE, 4 publish, 5 enter, 6 consume, 7 scribble.
#include "fuzz_env.hpp"

#include <ringport/hosted_os.h>
#include <ringport/native_ops.hpp>

using namespace fuzzenv;
using ringport::native::Arg;
using ringport::native::kOpArgs;

namespace {

Arena g_arena;
bool g_verbose = getenv("RP_FUZZ_VERBOSE") != nullptr; // print each completion (debugging an input)

struct Mapped {
	uint64_t user_data;
	uint64_t len;
};

struct Ring {
	rp_os_ring* ring = nullptr;
	rp_os_ring_view v{};
	rp_os_ring_params p{};
	uint64_t tail = 0;    // our SQ tail (published on command 4)
	uint64_t cq_head = 0; // our CQ head
	Mapped mapped[16];    // MMAP requests, so their mappings can be undone
	unsigned nmapped = 0;
};

// Fills one field of kind k. op is the opcode, for the kinds whose meaning depends on it.
uint64_t field(Input& in, Arg k, uint8_t op, uint64_t len_for_arrays, bool is_addr)
{
	switch (k) {
	case Arg::unused: return (in.in.u8() & 15) == 15 ? in.value() : 0; // must be zero: sometimes is not
	case Arg::file: return uint64_t(in.fd_value());
	case Arg::dirfd: return uint64_t(in.dirfd_value());
	case Arg::path: case Arg::string: return in.data_ptr();
	case Arg::in: case Arg::out: case Arg::inout:
		if (is_addr && (op == RP_OP_READV || op == RP_OP_WRITEV || op == RP_OP_PREADV || op == RP_OP_PWRITEV))
			return in.iovec_ptr(uint32_t(len_for_arrays));
		if (is_addr && (op == RP_OP_SENDMSG || op == RP_OP_RECVMSG))
			return in.msghdr_ptr();
		return in.data_ptr();
	case Arg::value: case Arg::varies: return in.value();
	}
	return 0;
}

void fill_sqe(Input& in, Ring& r, rp_sqe* s)
{
	std::memset(s, 0, sizeof(*s));
	uint8_t opb = in.in.u8();
	s->opcode = opb < 200 ? uint8_t(opb % (RP_OP_STANDARD_COUNT + 1)) : opb;
	uint8_t fl = in.in.u8();
	s->flags = (fl & 0x80) ? fl : (fl & (RP_SQE_CHAIN | RP_SQE_WAIT_READY | RP_SQE_DRAIN));
	s->priority = (in.in.u8() & 7) == 7 ? in.in.u16() : 0;
	s->syscall_flags = in.in.u8() < 128 ? in.in.u8() : in.in.u32();
	s->user_data = in.in.u8();
	s->len = in.in.u8() < 160 ? in.in.u16() & 0x3fff : in.value();

	if (s->opcode < RP_OP_STANDARD_COUNT) {
		const auto& a = kOpArgs[s->opcode];
		s->fd = field(in, a.fd, s->opcode, s->len, false);
		if (a.len != Arg::value)
			s->len = field(in, a.len, s->opcode, 0, false);
		s->addr = field(in, a.addr, s->opcode, s->len, true);
		s->offset = field(in, a.offset, s->opcode, 0, false);
		s->additional1 = field(in, a.a1, s->opcode, 0, false);
		s->additional2 = field(in, a.a2, s->opcode, 0, false);
		if (!a.flags && (in.in.u8() & 7) != 7)
			s->syscall_flags = 0;
	} else {
		// Scheme-private or unknown: an fd, data pointers (socket options read and write them), values.
		s->fd = uint64_t(in.fd_value());
		s->addr = in.data_ptr();
		s->offset = in.value();
		s->additional1 = in.data_ptr();
		s->additional2 = in.value();
	}

	// What no confined decoder can make safe on its own: ops that act on address ranges or on fd numbers.
	switch (s->opcode) {
	case RP_OP_FUTEX: {
		uint32_t fop = s->syscall_flags & 0x7f;
		s->addr = fop == RP_FUTEX_WAITV ? in.waitv_ptr(uint32_t(s->len)) : in.data_ptr();
		if (fop == RP_FUTEX_WAIT)
			s->offset = in.in.u8() & 0x80 ? in.in.u32() : s->offset;
		break;
	}
	case RP_OP_MADVISE:
		s->syscall_flags = Input::safe_advice(s->syscall_flags);
		s->len = in.clamp_range(s->addr, s->len);
		break;
	case RP_OP_MUNMAP:
		s->len = in.clamp_range(s->addr, s->len);
		break;
	case RP_OP_MMAP:
		// Anywhere the kernel likes, or fixed inside the arena; the result is unmapped when it completes.
		s->addr = in.in.u8() & 1 ? in.data_ptr() : 0;
		s->len = in.clamp_range(s->addr, s->len & 0xfffff);
		if (s->syscall_flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
			if (!in.a.in_arena(s->addr))
				s->syscall_flags &= ~uint32_t(MAP_FIXED | MAP_FIXED_NOREPLACE);
		}
		s->additional1 &= 7; // PROT_*
		if (r.nmapped < 16) {
			s->user_data = 0x10000 + r.nmapped;
			r.mapped[r.nmapped++] = {s->user_data, s->len};
		}
		break;
	case RP_OP_CLOSE_RANGE: {
		// Over the input's own fds only (below them are stdio and libFuzzer's).
		int lo = in.fd[0], hi = in.fd[0];
		for (int f : in.fd)
			if (f >= 0) {
				lo = f < lo ? f : lo;
				hi = f > hi ? f : hi;
			}
		s->fd = uint64_t(lo + in.in.u8() % 4);
		s->offset = in.in.u8() & 1 ? uint64_t(hi) : s->fd + in.in.u8() % 4;
		break;
	}
	case RP_OP_DUP:
		s->offset = in.in.u8() & 1 ? UINT64_MAX : uint64_t(in.fd_value());
		break;
	default:
		break;
	}
}

void consume(Ring& r)
{
	uint64_t tail = __atomic_load_n(&r.v.cq->tail, __ATOMIC_ACQUIRE);
	uint32_t mask = r.p.cq_entries - 1;
	uint64_t n = 0;
	while (r.cq_head != tail && n++ <= mask) {
		rp_cqe c = r.v.cqes[r.cq_head & mask];
		int64_t result = c.status;
		bool ext = c.flags & RP_CQE_EXTENDED;
		if (ext && r.cq_head + 1 != tail) {
			rp_cqe_ext e;
			std::memcpy(&e, &r.v.cqes[(r.cq_head + 1) & mask], sizeof(e));
			result = e.result;
		}
		if (g_verbose)
			fprintf(stderr, "native cqe: user_data %llu status %lld flags %#x\n", (unsigned long long)c.user_data,
			        (long long)result, c.flags);
		for (unsigned i = 0; i < r.nmapped; ++i)
			if (r.mapped[i].user_data == c.user_data && result > 0 && !g_arena.in_arena(uint64_t(result))) {
				munmap(reinterpret_cast<void*>(result), r.mapped[i].len);
				r.mapped[i].user_data = ~0ull;
			}
		r.cq_head += ext ? 2 : 1;
	}
	__atomic_store_n(&r.v.cq->head, r.cq_head, __ATOMIC_RELEASE);
}

void run(Input& in)
{
	Ring r;
	uint8_t se = in.in.u8(), ce = in.in.u8(), fl = in.in.u8(), rs = in.in.u8();
	r.p.sq_entries = (se & 0x80) ? se : 1u << (se % 9);
	r.p.cq_entries = (ce & 0x80) ? ce : 1u << (1 + ce % 9);
	r.p.flags = (fl & 0x80) ? fl : (fl & RP_RING_INDIRECT);
	r.p.reserved = (rs & 0xf0) == 0xf0 ? rs : 0;
	int rc = rp_os_ring_create(&r.p, &r.ring, &r.v);
	if (g_verbose)
		fprintf(stderr, "native ring: sq %u cq %u flags %#x -> %d\n", r.p.sq_entries, r.p.cq_entries, r.p.flags, rc);
	if (rc != 0)
		return;

	unsigned steps = 0;
	while (!in.in.empty() && ++steps < 512) {
		uint8_t c = in.in.u8() & 7;
		if (c < 4) {
			uint64_t head = __atomic_load_n(&r.v.sq->head, __ATOMIC_ACQUIRE);
			if (r.tail - head >= r.p.sq_entries)
				continue;
			uint32_t slot = uint32_t(r.tail & (r.p.sq_entries - 1));
			if (r.v.sq_indirect)
				r.v.sq_indirect[slot] = slot;
			fill_sqe(in, r, &r.v.sqes[slot]);
			if (g_verbose) {
				const rp_sqe& q = r.v.sqes[slot];
				fprintf(stderr, "native sqe: op %u flags %#x fd %lld addr %#llx len %#llx off %#llx a1 %#llx a2 %#llx sf %#x\n",
				        q.opcode, q.flags, (long long)q.fd, (unsigned long long)q.addr, (unsigned long long)q.len,
				        (unsigned long long)q.offset, (unsigned long long)q.additional1,
				        (unsigned long long)q.additional2, q.syscall_flags);
			}
			++r.tail;
		} else if (c == 4) {
			__atomic_store_n(&r.v.sq->tail, r.tail, __ATOMIC_RELEASE);
		} else if (c == 5) {
			__atomic_store_n(&r.v.sq->tail, r.tail, __ATOMIC_RELEASE);
			uint8_t f = in.in.u8();
			struct timespec ts = {0, (f & 7) * 250000};
			uint32_t min = (f >> 3) & 3;
			uint32_t flags = (f & 0xe0) == 0xe0 ? in.in.u32() : 0;
			int n = rp_os_ring_enter(r.ring, min, flags, (min || (f & 0x20)) ? &ts : nullptr);
			if (g_verbose)
				fprintf(stderr, "native enter: min %u flags %#x -> %d\n", min, flags, n);
		} else if (c == 6) {
			consume(r);
		} else {
			// Any 4-byte word of either header (head, tail, waiters, version, count, mask, flags, status,
			// entry size, dropped, padding) or of the indirect array: the other side's memory is not to be trusted.
			uint8_t w = in.in.u8();
			uint32_t v = (w & 0x40) ? in.in.u32() : in.in.u8();
			uint32_t* word;
			if ((w & 3) == 2 && r.v.sq_indirect)
				word = &r.v.sq_indirect[in.in.u16() % r.p.sq_entries];
			else
				word = reinterpret_cast<uint32_t*>((w & 1) ? r.v.cq : r.v.sq) + in.in.u8() % (sizeof(rp_ring_header) / 4);
			__atomic_store_n(word, v, __ATOMIC_RELEASE);
		}
	}
	// Whatever the script left unpublished or unentered is entered now, once, without waiting.
	__atomic_store_n(&r.v.sq->tail, r.tail, __ATOMIC_RELEASE);
	int n = rp_os_ring_enter(r.ring, 0, 0, nullptr);
	if (g_verbose)
		fprintf(stderr, "native enter at the end -> %d\n", n);
	consume(r);
	rp_os_ring_destroy(r.ring);
}

} // namespace

RP_FUZZ_TARGET(run, g_arena)
