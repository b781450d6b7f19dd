// Chains and ring registers: entries joined by RP_SQE_CHAIN run one after another without the program, and
// RP_SQE_REGISTERS passes results between them through the SQ header's registers (docs/native-abi.md,
// "Chains and registers").
//
// A chain (an entry followed by entries flagged CHAIN, consumed by one enter), or a lone entry with registers,
// becomes one Op on the worker pool. The worker runs its steps in order on a ring of its own (one per worker
// thread, so every opcode keeps exactly the behaviour it has when submitted alone), loading registers into a
// step just before it starts and storing its result as soon as it ends, and posts each step's completion to
// the program's CQ as it happens. A step that fails cancels the rest (-ECANCELED), as a failed link does on
// Linux. Paths are copied when the entry is consumed, like every other path the OS keeps beyond enter.
#include "internal.hpp"

#include <ringport/native_ops.hpp>
#include <ringport/native_ring_linux.hpp>

#include <cerrno>
#include <memory>
#include <vector>

namespace ringport::hosted {

namespace {

struct Step {
	rp_sqe sqe{};
	int64_t early = 0; // a problem found while consuming the entry (-EINVAL, -EFAULT): the step's result
	std::vector<char> path, path2;
};

struct Chain {
	Ring* ring = nullptr;
	bool started = false; // a worker took it (set before the first step; read under Ring::mu at release)
	rp_ring_header* regs = nullptr; // the SQ header: where the registers live
	std::vector<Step> steps;
};

Chain* chain_of(Op& op) { return reinterpret_cast<Chain*>(uintptr_t(op.scratch[0])); }

uint64_t* field(rp_sqe& s, uint32_t which)
{
	switch (which) {
	case RP_REG_FIELD_FD: return &s.fd;
	case RP_REG_FIELD_ADDR: return &s.addr;
	case RP_REG_FIELD_LEN: return &s.len;
	case RP_REG_FIELD_OFFSET: return &s.offset;
	case RP_REG_FIELD_A1: return &s.additional1;
	case RP_REG_FIELD_A2: return &s.additional2;
	default: return nullptr;
	}
}

native::Arg arg_kind(const native::OpArgs& a, uint32_t which)
{
	switch (which) {
	case RP_REG_FIELD_FD: return a.fd;
	case RP_REG_FIELD_ADDR: return a.addr;
	case RP_REG_FIELD_LEN: return a.len;
	case RP_REG_FIELD_OFFSET: return a.offset;
	case RP_REG_FIELD_A1: return a.a1;
	case RP_REG_FIELD_A2: return a.a2;
	default: return native::Arg::unused;
	}
}

// A register may feed a field the op reads as a number, an fd or caller memory; never a path or string (those
// were copied at consumption) or a field the op does not use.
bool loadable(uint8_t opcode, uint32_t which)
{
	if (opcode >= RP_OP_STANDARD_COUNT)
		return which >= RP_REG_FIELD_FD && which <= RP_REG_FIELD_A2; // scheme-private: any field
	using native::Arg;
	Arg k = arg_kind(native::kOpArgs[opcode], which);
	return k != Arg::unused && k != Arg::path && k != Arg::string;
}

bool spec_valid(const rp_sqe& s)
{
	uint32_t spec = s.priority;
	if (spec & ~RP_REG_SPEC_VALID_BITS)
		return false;
	uint32_t f1 = spec & 7, f2 = (spec >> 5) & 7;
	if (f1 > RP_REG_FIELD_A2 || f2 > RP_REG_FIELD_A2 || (f1 && f1 == f2))
		return false;
	return (!f1 || loadable(s.opcode, f1)) && (!f2 || loadable(s.opcode, f2));
}

// Copies the path fields the table names, so the program may reuse their memory once enter returns.
int64_t copy_paths(Step& st)
{
	if (st.sqe.opcode >= RP_OP_STANDARD_COUNT)
		return 0;
	const native::OpArgs& a = native::kOpArgs[st.sqe.opcode];
	using native::Arg;
	struct Field {
		Arg kind;
		uint64_t* value;
	} fields[] = {{a.addr, &st.sqe.addr}, {a.a1, &st.sqe.additional1}, {a.a2, &st.sqe.additional2}};
	bool first = true;
	for (auto& f : fields) {
		if (f.kind != Arg::path && f.kind != Arg::string)
			continue;
		std::vector<char>& out = first ? st.path : st.path2;
		if (!first && !st.path2.empty())
			return -EINVAL; // three strings: no opcode has them
		if (int e = copy_path(*f.value, out); e < 0)
			return e;
		*f.value = uint64_t(uintptr_t(out.data()));
		first = false;
	}
	return 0;
}

// The worker's own ring: every step runs through it exactly as a lone submission would.
struct StepRing {
	rp_os_ring* ring = nullptr;
	rp_os_ring_view view{};
	native::SqProducer sq;
	native::CqConsumer cq;
	~StepRing() { reset(); }
	bool ready()
	{
		if (ring)
			return true;
		rp_os_ring_params p{2, 4, 0, 0};
		if (rp_os_ring_create(&p, &ring, &view) < 0)
			return false;
		sq = native::SqProducer(view.sq, view.sqes, view.sq_indirect);
		cq = native::CqConsumer(view.cq, view.cqes);
		return true;
	}
	// Destroying cancels a step still in flight (teardown of the program's ring).
	void reset()
	{
		if (ring)
			rp_os_ring_destroy(ring);
		ring = nullptr;
	}
};
thread_local StepRing t_steps;

bool stopping(Ring& ring)
{
	std::lock_guard<std::mutex> g(ring.mu);
	return ring.stopping;
}

// Runs one step to its end. -ECANCELED when the program's ring is being torn down.
int64_t run_step(Ring& owner, rp_sqe s)
{
	if (!t_steps.ready())
		return -ENOMEM;
	s.user_data = 1;
	if (t_steps.sq.push(s) != RP_RING_OK)
		return -EAGAIN;
	t_steps.sq.publish();
	for (;;) {
		int r = rp_os_ring_enter(t_steps.ring, 1, 0, nullptr);
		rp_cqe cqe;
		int64_t result;
		if (native::pop_completion(t_steps.cq, &cqe, &result) == RP_RING_OK) {
			t_steps.cq.release();
			return result;
		}
		if (r < 0 && r != -EINTR)
			return r;
		if (stopping(owner)) {
			t_steps.reset();
			return -ECANCELED;
		}
	}
}

int64_t load(Chain& c, rp_sqe& s, uint32_t which, uint32_t reg)
{
	uint32_t set = __atomic_load_n(&c.regs->registers_set, __ATOMIC_ACQUIRE);
	if (!(set & (1u << reg)))
		return -EINVAL; // read before anything was written to it
	*field(s, which) = uint64_t(__atomic_load_n(&c.regs->registers[reg], __ATOMIC_RELAXED));
	return 0;
}

void store(Chain& c, uint32_t reg, int64_t value)
{
	__atomic_store_n(&c.regs->registers[reg], value, __ATOMIC_RELAXED);
	__atomic_fetch_or(&c.regs->registers_set, 1u << reg, __ATOMIC_RELEASE);
}

int64_t start_and_run(Chain& c, Step& st)
{
	if (st.early < 0)
		return st.early;
	rp_sqe s = st.sqe;
	if (s.flags & RP_SQE_REGISTERS) {
		uint32_t spec = s.priority;
		if (uint32_t f1 = spec & 7; f1)
			if (int64_t e = load(c, s, f1, (spec >> 3) & 3); e < 0)
				return e;
		if (uint32_t f2 = (spec >> 5) & 7; f2)
			if (int64_t e = load(c, s, f2, (spec >> 8) & 3); e < 0)
				return e;
	}
	s.flags &= uint8_t(~(RP_SQE_CHAIN | RP_SQE_REGISTERS));
	s.priority = 0;
	int64_t r = run_step(*c.ring, s);
	if (r >= 0 && (st.sqe.flags & RP_SQE_REGISTERS) && (st.sqe.priority & (1u << 10)))
		store(c, (st.sqe.priority >> 11) & 3, r);
	return r;
}

// The worker's whole job: every step but the last is posted here; the last one's result is returned for the
// worker loop to post under the chain's user_data (the last entry's).
int64_t run_chain(Op& op)
{
	Chain& c = *chain_of(op);
	c.started = true;
	bool failed = false;
	int64_t last = 0;
	for (size_t i = 0; i < c.steps.size(); ++i) {
		int64_t r = failed ? -ECANCELED : start_and_run(c, c.steps[i]);
		failed |= r < 0;
		if (i + 1 == c.steps.size()) {
			last = r;
			break;
		}
		c.ring->cq.post_now(c.steps[i].sqe.user_data, r, 0);
		c.ring->notify();
	}
	return last;
}

void release_chain(Op& op)
{
	Chain* c = chain_of(op);
	// Cancelled before a worker took it (Cancel of its last entry, or teardown): the last entry's completion
	// is the op's own; every earlier entry still gets one, so none is lost.
	if (c && !c->started)
		for (size_t i = 0; i + 1 < c->steps.size(); ++i)
			c->ring->cq.post_now(c->steps[i].sqe.user_data, -ECANCELED, 0);
	delete c;
	op.scratch[0] = 0;
}

const OpKind chain_kind{nullptr, run_chain, release_chain};

} // namespace

bool starts_chain(const rp_sqe& sqe, native::SqConsumer& sq)
{
	if (sqe.flags & RP_SQE_REGISTERS)
		return true;
	rp_sqe next;
	return sq.peek(&next) == RP_RING_OK && (next.flags & RP_SQE_CHAIN);
}

void issue_chain(Ring& ring, const rp_sqe& first, native::SqConsumer& sq, uint32_t* left, int* consumed)
{
	auto c = std::make_unique<Chain>();
	c->ring = &ring;
	c->regs = ring.view.sq;
	auto add = [&](const rp_sqe& s) {
		Step st;
		st.sqe = s;
		if ((s.flags & ~RP_SQE_VALID_FLAGS) || (s.flags & RP_SQE_DRAIN) || ((s.flags & RP_SQE_REGISTERS) && !spec_valid(s)))
			st.early = -EINVAL;
		else
			st.early = copy_paths(st);
		c->steps.push_back(std::move(st));
	};
	add(first);
	rp_sqe next;
	while (*left > 1 && sq.peek(&next) == RP_RING_OK && (next.flags & RP_SQE_CHAIN)) {
		if (sq.pop(&next) != RP_RING_OK)
			break;
		--*left;
		++*consumed;
		add(next);
	}
	std::lock_guard<std::mutex> g(ring.mu);
	rp_sqe key = c->steps.back().sqe; // the chain is found (and cancelled) by its last entry's user_data
	Op* op = ring.new_op(key, &chain_kind);
	op->scratch[0] = uint64_t(uintptr_t(c.release()));
	ring.to_worker_locked(op);
}

} // namespace ringport::hosted
