// Credentials for native entries flagged RP_SQE_CREDS (creds.cpp; docs/native-abi.md, "Credentials").
// A ring keeps snapshots of its caller's credentials under 16-bit ids (rp_os_ring_register_creds); an entry
// naming one runs with them: the thread that executes it (the enter caller for inline work, a worker for
// blocking work) switches its OWN kernel credentials with raw system calls around the op and switches back.
// Linux keeps credentials per thread; glibc's set*id wrappers broadcast to every thread, so they are never used.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ringport/native_ring.h>

namespace ringport::hosted {

struct Creds {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	std::vector<uint32_t> groups; // as the kernel reports them (sorted)
	bool operator==(const Creds&) const = default;
};
using CredsRef = std::shared_ptr<const Creds>;

// The calling thread's credentials: 0 or -errno.
int current_creds(Creds& out);

// Runs the calling thread with `target` for its lifetime and puts back exactly what it had. Signals are
// blocked meanwhile, so no program code (a handler) runs with borrowed credentials. err() is 0 when the
// thread now has `target` (or already had it), -EPERM when the host would not let this process take them or
// could not promise to give them back (nothing changed then). A failed restore aborts the process: running on
// with the wrong identity is never an option.
class CredsScope {
public:
	explicit CredsScope(const Creds* target);
	~CredsScope();
	CredsScope(const CredsScope&) = delete;
	CredsScope& operator=(const CredsScope&) = delete;
	int err() const { return err_; }

private:
	friend class CredsPause;
	const Creds* target_ = nullptr;
	CredsScope* outer_ = nullptr;
	Creds saved_;
	uint64_t saved_mask_ = 0; // the kernel's signal mask before the switch
	bool switched_ = false;
	int err_ = 0;
};

// A thread started while this one wears borrowed credentials would keep them for life (a new thread copies
// its creator's): every OS thread is started under a CredsPause (threads.hpp), which gives the creating thread
// its own credentials back for the moment and wears the borrowed ones again afterwards.
class CredsPause {
public:
	CredsPause();
	~CredsPause();
	CredsPause(const CredsPause&) = delete;
	CredsPause& operator=(const CredsPause&) = delete;

private:
	CredsScope* scope_;
};

// The credentials the op being issued on this thread runs with (set by the enter loop around an entry flagged
// RP_SQE_CREDS): Ring::new_op gives them to the op, so a worker that runs it later switches to them too.
extern thread_local const CredsRef* t_issuing_creds;

struct Ring;
// An entry flagged RP_SQE_CREDS: takes the credentials its `priority` names into *out and clears the flag and
// the field, so the opcode sees an ordinary entry. -EINVAL for an id not registered or with RP_SQE_REGISTERS
// (both use `priority`).
int entry_creds(Ring& ring, struct ::rp_sqe& sqe, CredsRef* out);

} // namespace ringport::hosted
