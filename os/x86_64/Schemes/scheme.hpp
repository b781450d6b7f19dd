// Userspace schemes: the kernel-to-userspace attachment of the Redox design. A server process registers a
// scheme name (RP_SYS_SCHEME_CREATE, os/abi/include/ringport/kernel_calls.h) and gets a request ring plus a data
// area mapped into it; an open of "name:rest" in any process, where no such file exists, becomes an Open request
// on that ring, and the fd the opener gets forwards Read, Pread, Write, Pwrite and Close the same way. The
// opener's thread blocks until the server's reply CQE arrives (as a blocking read of a pipe would).
//
// The protocol is the hosted OS's (os/hosted/src/scheme_protocol.hpp; docs/native-abi.md "Attachment modes"):
// requests are native SQEs with fd = the server's handle, addr = a slot index, user_data = the kernel's tag,
// replies are CQEs; paths and data travel through the request's slot. One request ring per scheme (the kernel
// is one OS instance, where the hosted OS has one per client process).
//
// Portable like FileSystem/ and Ring/: only Platform/ and FileSystem's File, so tests/x86_64/test_schemes.cpp
// runs the forwarding on the host (its wait hook plays the server).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <ringport/kernel_calls.h>
#include <ringport/native_ring.hpp>

#include "FileSystem/file.hpp"
#include "Library/result.hpp"
#include "Platform/platform.hpp"

namespace kernel::schemes {

inline constexpr uint32_t request_entries = 32; // the SQ; also the most requests in flight per scheme
inline constexpr uint32_t reply_entries = 64;   // the CQ: room for every reply even when all are extended
inline constexpr uint32_t slot_size = 64 * 1024;
inline constexpr uint32_t slot_count = 16;
inline constexpr size_t max_name = 64;
inline constexpr size_t max_schemes = 16;

// One registered (or dying) scheme. Referenced by its server file and by every client file; forwards in
// progress hold a reference too, so a server that dies mid-request leaves the object valid for its waiters.
struct Scheme {
	char name[max_name + 1];
	size_t name_length;
	uint32_t refs;
	bool dead; // the server closed its scheme fd (or exited): every request fails with EPIPE

	PageRun *ring_run; // SQ header, CQ header, SQEs, CQEs (one page)
	PageRun *data_run; // slot_count * slot_size
	char *ring_memory; // the kernel's view (direct map)
	char *data;
	rp_ring_header *sq, *cq;
	rp_sqe *sqes;
	rp_cqe *cqes;
	ringport::native::SqProducer requests;
	ringport::native::CqConsumer replies;

	// A request the kernel has sent and not yet seen answered. orphan: nobody waits for it any more (a close,
	// or a waiter that was killed), so its reply just frees it and its slot.
	struct Pending {
		uint64_t tag;
		int64_t result;
		int slot;
		bool used, done, orphan;
	};
	Pending pending[request_entries];
	bool slot_busy[slot_count];
	uint64_t next_tag;
	// Called after requests were published (the server's scheme fd wakes its poll waiters); may be null.
	void (*requests_published)(void *context);
	void *requests_context;
};

// Layout of the ring page (offsets into ring_memory), fixed so the host test can check what user space sees.
inline constexpr size_t sq_header_offset = 0;
inline constexpr size_t cq_header_offset = sizeof(rp_ring_header);
inline constexpr size_t sqes_offset = 2 * sizeof(rp_ring_header);
inline constexpr size_t cqes_offset = sqes_offset + request_entries * sizeof(rp_sqe);
inline constexpr size_t ring_bytes = page_size;
static_assert(cqes_offset + reply_entries * sizeof(rp_cqe) <= ring_bytes, "the request ring fits one page");

// "name:rest" -> the length of name when it is a valid scheme name (no '/' before the ':'), else 0.
size_t scheme_prefix(const char *path);

// Registers name (a kernel string) and maps its rings and data into the current process (view filled with
// the user addresses). Returns the scheme with one reference for the caller (the server file's), or EINVAL,
// EADDRINUSE, ENOMEM.
Result<Scheme *> scheme_register(const char *name, size_t length, rp_kernel_scheme_view *view);
// The server is gone: the name is free again, waiters and later requests fail with EPIPE. Drops no reference.
void scheme_kill(Scheme *scheme);
// The registered scheme of that name, or nullptr.
Scheme *scheme_find(const char *name, size_t length);
void scheme_ref(Scheme *scheme);
void scheme_unref(Scheme *scheme);

// Sends request (its user_data is replaced by the tag) and, unless fire_and_forget, blocks until the server
// answers: the reply's result, or EPIPE (server gone or ring broken), EINTR (the caller is being killed). With
// request_entries in flight it first waits for one to finish (a fire-and-forget request gives up: EAGAIN). slot: the slot the request names (or -1). On success the caller still
// owns it (to copy a Read's bytes out) and frees it; on any error it is no longer the caller's (freed, or
// kept by an interrupted request until its reply), nor after a fire-and-forget request.
Result<int64_t> scheme_forward(Scheme *scheme, rp_sqe request, int slot, bool fire_and_forget = false);
// A free slot (marked busy), or -1.
int scheme_take_slot(Scheme *scheme);
// A free slot, waiting for one while all are in use (each belongs to a request the server will answer): the
// slot, EPIPE (the server is gone) or EINTR (the caller is being killed).
Result<int> scheme_wait_slot(Scheme *scheme);
void scheme_free_slot(Scheme *scheme, int slot);
inline char *scheme_slot(Scheme *scheme, int slot) { return scheme->data + size_t(slot) * slot_size; }

// The open of "name:rest" (FileSystem's hook): claimed is false when name is no registered scheme; otherwise
// the opened client file or the server's error.
Result<FileRef> scheme_open(const char *path, uint32_t flags, uint32_t mode, bool *claimed);

// RP_SYS_SCHEME_CREATE: user name and view pointers -> an fd or -errno.
long scheme_create_call(uint64_t user_name, uint64_t user_view);

// How many Scheme objects are alive (leak checks in the host test).
size_t live_schemes();

} // namespace kernel::schemes
