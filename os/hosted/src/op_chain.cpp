// Chains and ring registers: entries joined by RP_SQE_CHAIN run one after another without the program, and
// RP_SQE_REGISTERS passes results between them through the SQ header's registers (docs/native-abi.md,
// "Chains and registers").
//
// A chain (an entry followed by entries flagged CHAIN, consumed by one enter), or a lone entry with registers,
// runs its steps in order through a small native ring of the OS's own (borrowed from a pool), so every opcode
// keeps exactly the behaviour it has when submitted alone. Registers are loaded into a step just before it
// starts and its result is stored as soon as it ends. Steps run inside the program's enter for as long as they
// complete without waiting; the first step that waits (a pipe read, a worker's blocking call) hands the chain,
// with its step ring, to one Op on the worker pool, which waits for that step and runs the rest. Each step's
// completion is posted as it ends, in chain order. A step that fails cancels the rest (-ECANCELED), as a failed
// link does on Linux. The paths of steps left for the worker are copied before enter returns, like every other
// path the OS keeps beyond enter.
#include "internal.hpp"

#include <ringport/native_ops.hpp>
#include <ringport/native_registers.hpp>
#include <ringport/native_ring_linux.hpp>

#include <cerrno>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace ringport::hosted {

namespace {

struct Step {
	rp_sqe sqe{};
	int64_t early = 0; // a problem found while consuming the entry (-EINVAL, -EFAULT): the step's result
	std::vector<char> path, path2;
};

struct StepRing;

struct Chain {
	Ring* ring = nullptr;
	rp_ring_header* regs = nullptr; // the SQ header: where the registers live
	std::vector<Step> steps;
	size_t next = 0;                // the step that was waiting when the chain left enter
	StepRing* in_flight = nullptr;  // the ring that step waits in
	bool started = false;           // a worker took it (read under Ring::mu at release)
};

Chain* chain_of(Op& op) { return reinterpret_cast<Chain*>(uintptr_t(op.scratch[0])); }

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

// A ring of the OS's own that runs steps: each step is submitted to it exactly as a lone entry would be, so
// every opcode keeps its own behaviour. Rings are pooled: a chain borrows one for as long as it runs.
struct StepRing {
	rp_os_ring* ring = nullptr;
	rp_os_ring_view view{};
	native::SqProducer sq;
	native::CqConsumer cq;
};

// A plain array, not a container: the pool must not be destroyed at exit, or the rings in it would look
// leaked to LeakSanitizer (they stay reachable from here until the process ends, as the OS's threads do).
std::mutex g_pool_mu;
constexpr size_t kPoolSize = 16;
StepRing* g_pool[kPoolSize];
size_t g_pooled;

StepRing* borrow_step_ring()
{
	{
		std::lock_guard<std::mutex> g(g_pool_mu);
		if (g_pooled)
			return g_pool[--g_pooled];
	}
	auto* r = new (std::nothrow) StepRing;
	if (!r)
		return nullptr;
	rp_os_ring_params p{2, 4, 0, 0};
	if (rp_os_ring_create(&p, &r->ring, &r->view) < 0) {
		delete r;
		return nullptr;
	}
	r->sq = native::SqProducer(r->view.sq, r->view.sqes, r->view.sq_indirect);
	r->cq = native::CqConsumer(r->view.cq, r->view.cqes);
	return r;
}

// Back to the pool when idle (its step completed); destroyed when a step may still be in flight in it.
void return_step_ring(StepRing* r, bool idle)
{
	if (!r)
		return;
	if (idle) {
		std::lock_guard<std::mutex> g(g_pool_mu);
		if (g_pooled < kPoolSize) {
			g_pool[g_pooled++] = r;
			return;
		}
	}
	rp_os_ring_destroy(r->ring); // cancels a step still in flight
	delete r;
}

bool stopping(Ring& ring)
{
	std::lock_guard<std::mutex> g(ring.mu);
	return ring.stopping;
}

// A step's result is known: store it if asked to.
void step_ended(Chain& c, size_t i, int64_t r) { native::store_register(c.regs, c.steps[i].sqe, r); }

bool take_result(StepRing& sr, int64_t* result)
{
	rp_cqe cqe;
	if (native::pop_completion(sr.cq, &cqe, result) != RP_RING_OK)
		return false;
	sr.cq.release();
	return true;
}

// Starts step i on sr and runs it as far as it goes without waiting. True with *result when it ended (or could
// not start); false when it waits in sr for readiness, a timer or a worker of sr's.
bool start_step(Chain& c, size_t i, StepRing& sr, int64_t* result)
{
	Step& st = c.steps[i];
	if (st.early < 0) {
		*result = st.early;
		return true;
	}
	rp_sqe s = st.sqe;
	if (int64_t e = native::load_registers(c.regs, s); e < 0) {
		*result = e;
		return true;
	}
	native::strip_chain_flags(s);
	s.user_data = 1;
	if (sr.sq.push(s) != RP_RING_OK) { // a 2-entry ring with at most one step in it: cannot happen
		*result = -EAGAIN;
		return true;
	}
	sr.sq.publish();
	int r = rp_os_ring_enter(sr.ring, 0, 0, nullptr);
	if (r < 0) {
		*result = r;
		return true;
	}
	return take_result(sr, result);
}

// Worker: waits for the step in flight in sr. -ECANCELED when the program's ring is being torn down (sr is
// then no longer usable: *sr_gone).
int64_t wait_step(Ring& owner, StepRing& sr, bool* sr_gone)
{
	for (;;) {
		int r = rp_os_ring_enter(sr.ring, 1, 0, nullptr);
		int64_t result;
		if (take_result(sr, &result))
			return result;
		if (r < 0 && r != -EINTR) {
			*sr_gone = true;
			return r;
		}
		if (stopping(owner)) {
			*sr_gone = true;
			return -ECANCELED;
		}
	}
}

// The worker's part: the step in flight when the chain left enter, then the rest. Every step but the last is
// posted here; the last one's result is returned for the worker loop to post under the chain's user_data.
int64_t run_chain(Op& op)
{
	Chain& c = *chain_of(op);
	c.started = true;
	StepRing* sr = c.in_flight;
	c.in_flight = nullptr;
	bool gone = false;
	int64_t r = wait_step(*c.ring, *sr, &gone);
	bool failed = false;
	for (size_t i = c.next;; ++i) {
		step_ended(c, i, r);
		failed |= r < 0;
		if (i + 1 == c.steps.size()) {
			return_step_ring(sr, !gone);
			return r;
		}
		c.ring->cq.post_now(c.steps[i].sqe.user_data, r, 0);
		c.ring->notify();
		if (failed || gone) {
			r = -ECANCELED;
		} else if (!start_step(c, i + 1, *sr, &r)) {
			r = wait_step(*c.ring, *sr, &gone);
		}
	}
}

void release_chain(Op& op)
{
	Chain* c = chain_of(op);
	// Cancelled before a worker took it (Cancel of its last entry, or teardown): the step in flight is cancelled
	// with its ring; it and every later entry but the last complete -ECANCELED here (the last one's completion
	// is the op's own), so none is lost.
	if (c && !c->started) {
		return_step_ring(c->in_flight, false);
		for (size_t i = c->next; i + 1 < c->steps.size(); ++i)
			c->ring->cq.post_now(c->steps[i].sqe.user_data, -ECANCELED, 0);
	}
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

void issue_chain(Ring& ring, const rp_sqe& first, native::SqConsumer& sq, uint32_t* left, int* consumed,
                 InlineBatch& batch)
{
	auto c = std::make_unique<Chain>();
	c->ring = &ring;
	c->regs = ring.view.sq;
	auto add = [&](const rp_sqe& s) {
		Step st;
		st.sqe = s;
		if ((s.flags & ~RP_SQE_VALID_FLAGS) || (s.flags & RP_SQE_DRAIN) || ((s.flags & RP_SQE_REGISTERS) && !native::register_spec_valid(s)))
			st.early = -EINVAL;
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
	// Inline, for as long as the steps complete without waiting (what most file steps do): no thread handoff.
	StepRing* sr = borrow_step_ring();
	bool failed = false;
	for (size_t i = 0; i < c->steps.size(); ++i) {
		int64_t r = -ECANCELED;
		if (!failed) {
			if (!sr)
				r = -ENOMEM;
			else if (!start_step(*c, i, *sr, &r)) {
				// Step i waits: the worker takes the chain from here. The later steps' paths are copied now (the
				// program may reuse that memory once enter returns; steps run inside enter read it in place, and
				// step i's own path is the step ring's business, as for any entry). What completed so far goes
				// out first, so the program sees the completions in chain order.
				for (size_t j = i + 1; j < c->steps.size(); ++j)
					if (c->steps[j].early == 0)
						c->steps[j].early = copy_paths(c->steps[j]);
				batch.flush();
				c->next = i;
				c->in_flight = sr;
				std::lock_guard<std::mutex> g(ring.mu);
				rp_sqe key = c->steps.back().sqe; // found (and cancelled) by its last entry's user_data
				Op* op = ring.new_op(key, &chain_kind);
				op->scratch[0] = uint64_t(uintptr_t(c.release()));
				ring.to_worker_locked(op);
				return;
			}
			step_ended(*c, i, r);
		}
		failed |= r < 0;
		batch.add(c->steps[i].sqe.user_data, r, 0);
	}
	return_step_ring(sr, true);
}

} // namespace ringport::hosted
