// Chains (RP_SQE_CHAIN) and ring registers (RP_SQE_REGISTERS) in the kernel's executor, with the semantics of
// docs/native-abi.md "Chains and registers" (the hosted OS's os/hosted/src/op_chain.cpp runs the same rules).
//
// An entry followed by entries flagged CHAIN in one enter (or a lone entry with registers) becomes a Chain: its
// steps are copied at consumption (paths too, into the heap), then started one at a time through the op table,
// exactly as lone entries run. A step that completes inline lets the next start at once; a step that parks (an
// empty pipe, a poll, a timeout) carries the chain on its PendingOp, and finish_pending() hands its result back
// here (chain_step_finished), so the rest runs from the executor's completion path - inside the writer's system
// call, as every parked op completes - never in a loop in the submitter's call. Each step posts its own
// completion, in chain order; a failed step cancels the rest (-ECANCELED) without starting them.
#include "Ring/chains.hpp"

#include <ringport/native_ops.hpp>
#include <ringport/native_registers.hpp>

namespace kernel {

namespace {

struct ChainStep {
	rp_sqe sqe;
	int64_t early; // a problem found at consumption (a refused flag or specifier, a bad path): the result
	// Paths copied at consumption: the user address each replaced, and the heap copy (nullptr: none).
	uint64_t path_from[2];
	char *path[2];
};

struct Chain {
	NativeRing *ring;
	uint32_t count, capacity;
	uint32_t next;     // the step to start
	ChainStep *steps;
};

// The step a handler runs now (its copied paths answer path_argument), or nullptr. One CPU, one thread, and
// handlers do not run other handlers, so one slot is enough.
constinit ChainStep *running_step = nullptr;

// Copies the path and string fields kOpArgs names, so the program may reuse that memory once enter returns.
int64_t copy_paths(ChainStep &st)
{
	if (st.sqe.opcode >= RP_OP_STANDARD_COUNT)
		return 0;
	const native::OpArgs &a = native::kOpArgs[st.sqe.opcode];
	struct {
		native::Arg kind;
		uint64_t value;
	} fields[] = {{a.addr, st.sqe.addr}, {a.a1, st.sqe.additional1}, {a.a2, st.sqe.additional2}};
	uint32_t n = 0;
	for (auto &f : fields) {
		if (f.kind != native::Arg::path && f.kind != native::Arg::string)
			continue;
		if (n == 2)
			return -EINVAL; // three strings: no opcode has them
		Result<char *> copy = path_argument(f.value);
		if (!copy.ok())
			return -int64_t(copy.error());
		st.path_from[n] = f.value;
		st.path[n++] = copy.value();
	}
	return 0;
}

void free_chain(Chain *c)
{
	for (uint32_t i = 0; i < c->count; i++)
		for (char *p : c->steps[i].path)
			if (p)
				deallocate(p);
	if (c->steps)
		deallocate(c->steps);
	deallocate(c);
}

bool add_step(Chain &c, const rp_sqe &s)
{
	if (c.count == c.capacity) {
		uint32_t capacity = c.capacity ? c.capacity * 2 : 4;
		auto *steps = static_cast<ChainStep *>(allocate(capacity * sizeof(ChainStep)));
		if (!steps)
			return false;
		if (c.count)
			memcpy(steps, c.steps, c.count * sizeof(ChainStep));
		if (c.steps)
			deallocate(c.steps);
		c.steps = steps;
		c.capacity = capacity;
	}
	ChainStep &st = c.steps[c.count++];
	memset(&st, 0, sizeof st);
	st.sqe = s;
	if ((s.flags & ~RP_SQE_VALID_FLAGS) || (s.flags & RP_SQE_DRAIN) || ((s.flags & RP_SQE_REGISTERS) && !native::register_spec_valid(s)))
		st.early = -EINVAL;
	else
		st.early = copy_paths(st);
	return true;
}

void store(NativeRing &ring, const ChainStep &st, int64_t result)
{
	native::store_register(ring.sq_header, st.sqe, result);
}

// Starts step c.next: its result, or parked (the PendingOp now carries the chain).
OpOutcome start_step(Chain &c)
{
	NativeRing &ring = *c.ring;
	ChainStep &st = c.steps[c.next];
	if (st.early < 0)
		return OpOutcome::done(st.early);
	rp_sqe s = st.sqe;
	if (int64_t e = native::load_registers(ring.sq_header, s); e < 0)
		return OpOutcome::done(e);
	// The handler sees a plain entry: the same behaviour as when it is submitted alone.
	native::strip_chain_flags(s);
	const OpDef *op = find_op(s.opcode);
	if (!op)
		return OpOutcome::done(-EINVAL);
	ChainStep *outer = running_step; // a Cancel step may finish another chain's step (which starts nothing)
	running_step = &st;
	OpOutcome outcome = op->run(ring, s);
	running_step = outer;
	if (outcome.parked) {
		// park() put the op last on the ring's pending list; nothing ran in between that could add another.
		PendingOp *pending = ring.pending.back();
		pending->chain = &c;
	}
	return outcome;
}

// Posts the completion of step c.next (result) and starts the following steps until one parks or the chain
// ends. A failure cancels every step after it.
void advance(Chain *c, int64_t result, uint32_t flags, bool post)
{
	NativeRing &ring = *c->ring;
	for (;;) {
		ChainStep &done = c->steps[c->next];
		store(ring, done, result);
		if (post)
			post_completion(ring, done.sqe.user_data, result, flags);
		post = true;
		if (++c->next == c->count)
			break;
		if (result < 0 || ring.destroying) {
			result = -ECANCELED;
			flags = 0;
			continue;
		}
		OpOutcome outcome = start_step(*c);
		if (outcome.parked)
			return;
		result = outcome.result;
		flags = outcome.flags;
	}
	free_chain(c);
}

} // namespace

bool starts_chain(NativeRing &ring, const rp_sqe &sqe)
{
	if (sqe.flags & RP_SQE_REGISTERS)
		return true;
	rp_sqe next;
	return ring.sq.peek(&next) == RP_RING_OK && (next.flags & RP_SQE_CHAIN);
}

long run_chain(NativeRing &ring, const rp_sqe &first, uint32_t *left)
{
	long consumed = 0;
	auto *c = static_cast<Chain *>(allocate(sizeof(Chain)));
	if (c)
		*c = Chain{&ring, 0, 0, 0, nullptr};
	bool failed = !c || !add_step(*c, first);
	if (failed) {
		// Out of kernel memory: the first entry fails, the entries chained to it are cancelled as they come.
		post_completion(ring, first.user_data, -ENOMEM, 0);
		if (c)
			free_chain(c);
		c = nullptr;
	}
	rp_sqe next;
	while (*left > 1 && ring.sq.peek(&next) == RP_RING_OK && (next.flags & RP_SQE_CHAIN)) {
		if (ring.sq.pop(&next) != RP_RING_OK)
			break;
		--*left;
		++consumed;
		if (!failed && add_step(*c, next))
			continue;
		if (!failed) {
			// Out of kernel memory part-way: what was copied completes now, in order (the first entry as
			// the failing step), and this entry and the rest of the chain are cancelled as they come.
			post_completion(ring, first.user_data, -ENOMEM, 0);
			for (uint32_t i = 1; i < c->count; i++)
				post_completion(ring, c->steps[i].sqe.user_data, -ECANCELED, 0);
			free_chain(c);
			c = nullptr;
			failed = true;
		}
		post_completion(ring, next.user_data, -ECANCELED, 0);
	}
	if (failed)
		return consumed;
	OpOutcome outcome = start_step(*c);
	if (!outcome.parked)
		advance(c, outcome.result, outcome.flags, true);
	return consumed;
}

void chain_step_finished(void *chain, int64_t result)
{
	auto *c = static_cast<Chain *>(chain);
	// The step's own completion is posted already (finish_pending). The next steps run here, which is the
	// owner's context: run_ready_ops and run_due_timers finish only the current process's ops, Cancel is the
	// owner's own op, and teardown (destroying) cancels the rest without running them.
	advance(c, result, 0, false);
}

const char *chain_path(uint64_t user_path)
{
	if (!running_step)
		return nullptr;
	for (uint32_t i = 0; i < 2; i++)
		if (running_step->path[i] && running_step->path_from[i] == user_path)
			return running_step->path[i];
	return nullptr;
}

} // namespace kernel
