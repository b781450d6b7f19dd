// RP_SQE_ASYNC: an entry started on a worker thread instead of inside the enter that consumed it (Linux's
// IOSQE_ASYNC, which punts a request to io-wq). The worker issues the entry exactly as enter would have, through
// the opcode table, so every opcode keeps its own behaviour: what completes at once completes from the worker,
// what would block waits where it always waits (a pipe read on the reactor), and the worker is free again.
//
// The entry is an op of its own while it waits for a worker and while the worker issues it, so a Cancel finds it
// all along: queued, it is cancelled like any queued op; being issued, the Cancel succeeds (settles_cancel) and
// the worker makes the outcome -ECANCELED, cancelling the op the opcode made if it made one. Paths and strings
// are copied when the entry is consumed (the program may reuse that memory once enter returns); other memory
// the entry names is the caller's to keep until it completes (docs/native-abi.md).
#include "internal.hpp"

#include <ringport/fork_gate.hpp>

#include <cerrno>
#include <mutex>

namespace ringport::hosted {

namespace {

Ring& ring_of(Op& op) { return *reinterpret_cast<Ring*>(uintptr_t(op.scratch[0])); }

// Points the entry's path and string fields at copies (moving a vector keeps its data where it is). A field that
// cannot be copied is left alone: the opcode meets it on the worker and answers as it would have inline.
void keep_strings(rp_sqe& s, std::vector<char>& first, std::vector<char>& second)
{
	const native::OpArgs& a = native::kOpArgs[s.opcode];
	using native::Arg;
	uint64_t* fields[] = {&s.addr, &s.additional1, &s.additional2};
	Arg kinds[] = {a.addr, a.a1, a.a2};
	std::vector<char>* copies[] = {&first, &second};
	unsigned used = 0;
	for (unsigned i = 0; i < 3 && used < 2; ++i) {
		if (kinds[i] != Arg::path && kinds[i] != Arg::string)
			continue;
		std::vector<char>& out = *copies[used];
		if (copy_path(*fields[i], out) == 0) {
			*fields[i] = uint64_t(uintptr_t(out.data()));
			++used;
		} else {
			out.clear();
		}
	}
}

// The op the opcode made for the entry (a reactor wait, a worker's blocking call), if it is still in flight:
// the one under the same user_data made after `since`. Needs mu.
Op* made_since(Ring& ring, uint64_t user_data, uint64_t since, const Op* self)
{
	auto [first, last] = ring.table.equal_range(user_data);
	for (auto it = first; it != last; ++it)
		if (it->second != self && it->second->seq >= since)
			return it->second;
	return nullptr;
}

int64_t issue_on_worker(Op& op)
{
	Ring& ring = ring_of(op);
	// OS code, not a wait: inside the fork gate again (the worker left it around this blocking part).
	fork_gate::Inside working;
	uint64_t since;
	{
		std::lock_guard<std::mutex> g(ring.mu);
		since = ring.next_seq;
	}
	// An op the opcode hands on takes this entry's credentials, as it would have inside enter.
	const CredsRef* before = t_issuing_creds;
	t_issuing_creds = op.creds ? &op.creds : nullptr;
	Issue r = opcode_table[op.sqe.opcode](ring, op.sqe);
	t_issuing_creds = before;
	if (r.kind == Issue::done) {
		op.done_flags = r.cqe_flags;
		return r.result; // -ECANCELED instead when a Cancel came meanwhile (the worker loop)
	}
	std::lock_guard<std::mutex> g(ring.mu);
	if (__atomic_load_n(&op.cancelling, __ATOMIC_ACQUIRE) || ring.stopping) {
		// The Cancel was told it succeeded, or the ring is going and its sweep ran before the op existed: the op
		// the opcode made ends -ECANCELED, unless a worker already runs it (it then ends as it ends, as a running
		// request does on Linux).
		if (Op* made = made_since(ring, op.sqe.user_data, since, &op))
			(void)ring.cancel_op_locked(made);
	}
	return kHandedOn;
}

const OpKind async_issue_kind{nullptr, issue_on_worker, nullptr, false, true};

} // namespace

Issue issue_async(Ring& ring, const rp_sqe& entry)
{
	rp_sqe sqe = entry;
	sqe.flags &= uint8_t(~RP_SQE_ASYNC);
	std::vector<char> first, second;
	keep_strings(sqe, first, second);
	std::lock_guard<std::mutex> g(ring.mu);
	Op* op = ring.new_op(sqe, &async_issue_kind);
	op->buf = std::move(first);
	op->buf2 = std::move(second);
	op->scratch[0] = uint64_t(uintptr_t(&ring));
	ring.to_worker_locked(op);
	return Issue::later();
}

} // namespace ringport::hosted
