// io_uring_register(2): probe, registered files and buffers, eventfd, restrictions, ring enabling, sync cancel.
#include "optable.hpp"

namespace ringport::shim {

namespace {

constexpr uint32_t kMaxFixedFiles = 1u << 20;
constexpr uint32_t kMaxRegBuffers = 1u << 14;
constexpr uint64_t kMaxBufferLen = 1ull << 30;

int64_t probe(Ring&, uint64_t arg, uint32_t nr)
{
	if (nr > lx::OP_LAST)
		nr = lx::OP_LAST;
	size_t size = sizeof(lx::io_uring_probe) + nr * sizeof(lx::io_uring_probe_op);
	uint8_t buf[sizeof(lx::io_uring_probe) + lx::OP_LAST * sizeof(lx::io_uring_probe_op)];
	if (rp_host_copy_from_user(buf, arg, size))
		return -lx::EFAULT;
	if (!all_zero(buf, size))
		return -lx::EINVAL;
	auto* p = reinterpret_cast<lx::io_uring_probe*>(buf);
	p->last_op = lx::OP_LAST - 1;
	for (uint32_t i = 0; i < nr; ++i) {
		p->ops[i].op = uint8_t(i);
		if (kOps[i].supported)
			p->ops[i].flags = lx::PROBE_OP_SUPPORTED;
	}
	p->ops_len = uint8_t(nr);
	return rp_host_copy_to_user(arg, buf, size);
}

// Frees the file table. unregister: the files are retired (let go, and their tags posted, once requests that
// could use them are done); otherwise (a registration that failed half way) they are put at once, without tags.
void drop_files(Ring& r, bool unregister = false)
{
	for (uint32_t i = 0; i < r.nr_files; ++i) {
		uint64_t tag = r.file_tags ? r.file_tags[i] : 0;
		if (unregister)
			(void)rsrc_retire(r, r.files[i], tag);
		else if (r.files[i] >= 0)
			rp_host_file_put(r.files[i]);
	}
	rp_host_free(r.files, sizeof(int32_t) * r.nr_files);
	if (r.file_tags)
		rp_host_free(r.file_tags, sizeof(uint64_t) * r.nr_files);
	r.files = nullptr;
	r.file_tags = nullptr;
	r.nr_files = 0;
	r.file_alloc_start = r.file_alloc_end = 0;
}

void drop_buffers(Ring& r, bool unregister = false)
{
	if (unregister && r.buf_tags)
		for (uint32_t i = 0; i < r.nr_bufs; ++i)
			(void)rsrc_retire(r, -1, r.buf_tags[i]);
	rp_host_free(r.bufs, sizeof(RegisteredBuffer) * r.nr_bufs);
	if (r.buf_tags)
		rp_host_free(r.buf_tags, sizeof(uint64_t) * r.nr_bufs);
	r.bufs = nullptr;
	r.buf_tags = nullptr;
	r.nr_bufs = 0;
}

} // namespace

void replace_buffer_table(Ring& r, RegisteredBuffer* bufs, uint64_t* tags, uint32_t nr, uint32_t retire_from,
                          uint32_t retire_to)
{
	// Replaced buffers' tags are posted once the requests that could still use them are done, as an update's.
	if (r.buf_tags)
		for (uint32_t i = retire_from; i < retire_to && i < r.nr_bufs; ++i)
			(void)rsrc_retire(r, -1, r.buf_tags[i]);
	drop_buffers(r);
	r.bufs = bufs;
	r.buf_tags = tags;
	r.nr_bufs = nr;
}

namespace {

// Reads entry i of an optional tag array (0 without one).
Status read_tag(uint64_t tags, uint32_t i, uint64_t* tag)
{
	*tag = 0;
	if (tags && rp_host_copy_from_user(tag, tags + 8ull * i, 8))
		return Status::fail(-lx::EFAULT);
	return kOk;
}

// Takes a reference on fd for a fixed-file slot. io_uring fds cannot be registered.
int grab_file(int32_t fd)
{
	if (fd < 0 || rp_host_ring_of_fd(fd))
		return -lx::EBADF;
	return rp_host_file_get(fd); // -EBADF when fd is not open
}

int64_t register_files(Ring& r, uint64_t arg, uint32_t nr, uint64_t tags)
{
	if (r.nr_files)
		return -lx::EBUSY;
	if (!nr)
		return -lx::EINVAL;
	if (nr > kMaxFixedFiles)
		return -lx::EMFILE;
	auto* files = static_cast<int32_t*>(rp_host_alloc(sizeof(int32_t) * nr));
	auto* file_tags = static_cast<uint64_t*>(rp_host_alloc(sizeof(uint64_t) * nr));
	if (!files || !file_tags) {
		rp_host_free(files, sizeof(int32_t) * nr);
		rp_host_free(file_tags, sizeof(uint64_t) * nr);
		return -lx::ENOMEM;
	}
	for (uint32_t i = 0; i < nr; ++i)
		files[i] = -1;
	r.files = files;
	r.file_tags = file_tags;
	r.nr_files = nr;
	for (uint32_t i = 0; i < nr; ++i) {
		int32_t fd = -1;
		if (arg && rp_host_copy_from_user(&fd, arg + 4ull * i, 4)) {
			drop_files(r);
			return -lx::EFAULT;
		}
		uint64_t tag = 0;
		if (!read_tag(tags, i, &tag).ok()) {
			drop_files(r);
			return -lx::EFAULT;
		}
		if (!arg || fd == -1) {
			if (tag) { // an empty slot has nothing to tag
				drop_files(r);
				return -lx::EINVAL;
			}
			continue;
		}
		int ref = grab_file(fd);
		if (ref < 0) {
			drop_files(r);
			return ref;
		}
		files[i] = ref;
		file_tags[i] = tag;
	}
	r.file_alloc_start = 0;
	r.file_alloc_end = nr;
	return 0;
}

int64_t update_files(Ring& r, uint32_t offset, uint64_t data, uint32_t nr, uint64_t tags = 0)
{
	if (!r.nr_files)
		return -lx::ENXIO;
	if (uint64_t(offset) + nr > r.nr_files)
		return -lx::EINVAL;
	uint32_t done = 0;
	int err = 0;
	for (; done < nr; ++done) {
		int32_t fd;
		uint64_t tag;
		if (!read_tag(tags, done, &tag).ok() || rp_host_copy_from_user(&fd, data + 4ull * done, 4)) {
			err = -lx::EFAULT;
			break;
		}
		if ((fd == lx::REGISTER_FILES_SKIP || fd == -1) && tag) {
			err = -lx::EINVAL; // removing or skipping leaves nothing to tag
			break;
		}
		if (fd == lx::REGISTER_FILES_SKIP)
			continue;
		uint32_t i = offset + done;
		if (r.files[i] >= 0) {
			(void)rsrc_retire(r, r.files[i], r.file_tags[i]);
			r.files[i] = -1;
			r.file_tags[i] = 0;
		}
		if (fd != -1) {
			int ref = grab_file(fd);
			if (ref < 0) {
				err = ref;
				break;
			}
			r.files[i] = ref;
			r.file_tags[i] = tag;
		}
	}
	return done ? done : err;
}

// Reads and checks iovec i of a buffer registration or update as Linux does before pinning it.
int read_buffer(uint64_t arg, uint32_t i, RegisteredBuffer* out)
{
	struct {
		uint64_t base, len;
	} iov;
	if (rp_host_copy_from_user(&iov, arg + 16ull * i, 16))
		return -lx::EFAULT;
	if (!iov.base && iov.len)
		return -lx::EFAULT;
	if (iov.base && (!iov.len || iov.len > kMaxBufferLen))
		return -lx::EFAULT;
	if (iov.base && iov.base + iov.len < iov.base)
		return -lx::EOVERFLOW;
	if (iov.base) {
		// The pages must exist and be pinnable (Linux pins them here).
		if (int err = rp_host_check_pinnable(iov.base, iov.len))
			return err;
	}
	*out = {iov.base, iov.len};
	return 0;
}

int64_t register_buffers(Ring& r, uint64_t arg, uint32_t nr, bool sparse, uint64_t tags = 0)
{
	if (r.nr_bufs)
		return -lx::EBUSY;
	if (!nr || nr > kMaxRegBuffers)
		return -lx::EINVAL;
	auto* bufs = static_cast<RegisteredBuffer*>(rp_host_alloc(sizeof(RegisteredBuffer) * nr));
	auto* buf_tags = static_cast<uint64_t*>(rp_host_alloc(sizeof(uint64_t) * nr));
	if (!bufs || !buf_tags) {
		rp_host_free(bufs, sizeof(RegisteredBuffer) * nr);
		rp_host_free(buf_tags, sizeof(uint64_t) * nr);
		return -lx::ENOMEM;
	}
	for (uint32_t i = 0; i < nr && !sparse; ++i) {
		int err = read_buffer(arg, i, &bufs[i]);
		if (!err && !read_tag(tags, i, &buf_tags[i]).ok())
			err = -lx::EFAULT;
		if (!err && buf_tags[i] && !bufs[i].addr)
			err = -lx::EINVAL; // an empty slot has nothing to tag
		if (err) {
			rp_host_free(bufs, sizeof(RegisteredBuffer) * nr);
			rp_host_free(buf_tags, sizeof(uint64_t) * nr);
			return err;
		}
	}
	r.bufs = bufs;
	r.buf_tags = buf_tags;
	r.nr_bufs = nr;
	return 0;
}

int64_t update_buffers(Ring& r, uint32_t offset, uint64_t data, uint32_t nr, uint64_t tags)
{
	if (!r.nr_bufs)
		return -lx::ENXIO;
	if (uint64_t(offset) + nr > r.nr_bufs)
		return -lx::EINVAL;
	uint32_t done = 0;
	int err = 0;
	for (; done < nr; ++done) {
		RegisteredBuffer b;
		uint64_t tag;
		if (!read_tag(tags, done, &tag).ok()) {
			err = -lx::EFAULT;
			break;
		}
		if ((err = read_buffer(data, done, &b)))
			break;
		if (!b.addr && tag) {
			err = -lx::EINVAL;
			break;
		}
		uint32_t i = offset + done;
		(void)rsrc_retire(r, -1, r.buf_tags[i]);
		r.bufs[i] = b;
		r.buf_tags[i] = tag;
	}
	return done ? done : err;
}

int64_t register_eventfd(Ring& r, uint64_t arg, uint32_t nr, bool async)
{
	if (nr != 1)
		return -lx::EINVAL;
	if (r.eventfd >= 0)
		return -lx::EBUSY;
	int32_t fd;
	if (rp_host_copy_from_user(&fd, arg, 4))
		return -lx::EFAULT;
	if (fd < 0)
		return -lx::EBADF;
	int ref = rp_host_file_get(fd); // -EBADF when fd is not open
	if (ref < 0)
		return ref;
	r.eventfd = ref;
	r.eventfd_async = async;
	return 0;
}

int64_t register_restrictions(Ring& r, uint64_t arg, uint32_t nr)
{
	if (!r.disabled)
		return -lx::EBADFD;
	if (r.restrictions_registered)
		return -lx::EBUSY;
	constexpr uint32_t kMax = lx::RESTRICTION_LAST + lx::REGISTER_LAST + lx::OP_LAST;
	if (!arg || nr > kMax)
		return -lx::EINVAL;
	Restrictions rs{};
	for (uint32_t i = 0; i < nr; ++i) {
		lx::io_uring_restriction x;
		if (rp_host_copy_from_user(&x, arg + sizeof(x) * i, sizeof(x)))
			return -lx::EFAULT;
		switch (x.opcode) {
		case lx::RESTRICTION_REGISTER_OP:
			if (x.register_op >= lx::REGISTER_LAST)
				return -lx::EINVAL;
			rs.register_op[x.register_op / 8] |= uint8_t(1u << (x.register_op % 8));
			break;
		case lx::RESTRICTION_SQE_OP:
			if (x.sqe_op >= lx::OP_LAST)
				return -lx::EINVAL;
			rs.sqe_op[x.sqe_op / 8] |= uint8_t(1u << (x.sqe_op % 8));
			break;
		case lx::RESTRICTION_SQE_FLAGS_ALLOWED:
			rs.sqe_flags_allowed = x.sqe_flags;
			break;
		case lx::RESTRICTION_SQE_FLAGS_REQUIRED:
			rs.sqe_flags_required = x.sqe_flags;
			break;
		default:
			return -lx::EINVAL;
		}
	}
	r.restrictions = rs;
	r.restrictions_registered = true;
	return 0;
}

struct SyncCancelWait {
	Req* owner;
	const CancelSpec* spec;
};

bool sync_cancel_done(Ring&, void* ctx)
{
	auto* w = static_cast<SyncCancelWait*>(ctx);
	return w->owner->u.cancel.outstanding == 0;
}

// Whether no request the cancel names is in flight any more (the running ones it could not stop finished).
bool sync_cancel_targets_gone(Ring& r, void* ctx)
{
	auto* w = static_cast<SyncCancelWait*>(ctx);
	for (Req* q = r.inflight.head; q; q = q->next)
		if (q != w->owner && !(q->state & REQ_DONE) && !kOps[q->opcode].is_cancel && cancel_matches(r, *w->spec, q))
			return false;
	return true;
}

// One round of cancellation with the owner's counters fresh: what Linux's __io_sync_cancel answers.
int64_t sync_cancel_round(Ring& r, const CancelSpec& spec, Req* owner, uint64_t deadline)
{
	owner->u.cancel.outstanding = owner->u.cancel.canceled = 0;
	owner->u.cancel.first_error = 0;
	owner->u.cancel.counts = false;
	int64_t found = cancel_start(r, spec, owner);
	if (found < 0)
		return found;
	SyncCancelWait w{owner, &spec};
	if (int rc = run_until(r, sync_cancel_done, &w, deadline); rc)
		return rc;
	if (owner->u.cancel.all)
		return owner->u.cancel.canceled ? int64_t(owner->u.cancel.canceled) : -lx::ENOENT;
	// Like ASYNC_CANCEL: waitid and futex targets report how many they removed.
	return owner->u.cancel.canceled ? (owner->u.cancel.counts ? 1 : 0)
	                                : (owner->u.cancel.first_error ? owner->u.cancel.first_error : -lx::ENOENT);
}

int64_t sync_cancel(Ring& r, uint64_t arg)
{
	lx::io_uring_sync_cancel_reg reg;
	if (Status s = copy_in(&reg, arg); !s.ok())
		return s.err;
	if (!all_zero(reg.pad, sizeof(reg.pad)) || !all_zero(reg.pad2, sizeof(reg.pad2)))
		return -lx::EINVAL;
	CancelSpec spec;
	if (Status s = cancel_prep_spec(&spec, reg.addr, reg.fd, reg.flags, reg.opcode, true); !s.ok())
		return s.err;
	uint64_t deadline = UINT64_MAX;
	if (reg.timeout.tv_sec != -1 || reg.timeout.tv_nsec != -1) {
		if (reg.timeout.tv_sec < 0 || reg.timeout.tv_nsec < 0 || reg.timeout.tv_nsec >= 1000000000)
			return -lx::EINVAL;
		deadline = rp_host_now_ns(lx::CLOCK_MONOTONIC_) + uint64_t(reg.timeout.tv_sec) * 1000000000ull +
		           uint64_t(reg.timeout.tv_nsec);
	}
	// The waiting is done on an internal request that collects the native cancel results.
	Req* owner = alloc_req(r);
	if (!owner)
		return -lx::ENOMEM;
	owner->opcode = lx::OP_ASYNC_CANCEL;
	owner->state |= REQ_NO_CQE;
	owner->u.cancel.all = (spec.flags & (lx::ASYNC_CANCEL_ALL | lx::ASYNC_CANCEL_ANY)) != 0;
	int64_t ret = sync_cancel_round(r, spec, owner, deadline);
	// A request already running cannot be stopped (-EALREADY): Linux then waits, up to the timeout, asking
	// again each time requests complete, until nothing it names is left (0) or a round answers otherwise.
	while (ret == -lx::EALREADY) {
		SyncCancelWait w{owner, &spec};
		if (int rc = run_until(r, sync_cancel_targets_gone, &w, deadline); rc) {
			ret = rc; // -ETIME at the deadline, -EINTR
			break;
		}
		ret = sync_cancel_round(r, spec, owner, deadline);
		if (ret == -lx::ENOENT || ret > 0)
			ret = 0;
	}
	owner->state |= REQ_DONE;
	free_req_if_unused(r, owner);
	return ret;
}

// REGISTER_CLOCK: the clock absolute wait timeouts (ENTER_ABS_TIMER) are measured on.
int64_t register_clock(Ring& r, uint64_t arg, uint32_t nr)
{
	if (!arg || nr)
		return -lx::EINVAL;
	lx::io_uring_clock_register reg;
	if (Status s = copy_in(&reg, arg); !s.ok())
		return s.err;
	if (!all_zero(reg.resv, sizeof(reg.resv)))
		return -lx::EINVAL;
	if (reg.clockid != lx::CLOCK_MONOTONIC_ && reg.clockid != lx::CLOCK_BOOTTIME_)
		return -lx::EINVAL;
	r.clockid = reg.clockid;
	return 0;
}

// REGISTER_IOWQ_AFF: the CPUs the ring's async workers may run on. Linux takes at most cpumask_size() bytes
// and refuses a mask with CPUs the task may not use (here: beyond the machine's CPUs, or none the process may
// use, which the OS checks). The OS pins the native ring's workers (those of an SQPOLL ring's SQ thread too: it
// submits through the same native ring); an OS without worker threads only has the mask checked and kept.
int64_t register_iowq_aff(Ring& r, uint64_t arg, uint32_t len)
{
	if (!arg || !len)
		return -lx::EINVAL;
	uint8_t mask[sizeof(r.iowq_aff)] = {};
	uint32_t n = len < sizeof(mask) ? len : uint32_t(sizeof(mask));
	if (rp_host_copy_from_user(mask, arg, n))
		return -lx::EFAULT;
	uint32_t cpus = rp_host_cpu_count();
	for (uint32_t bit = cpus; bit < 8 * sizeof(mask); ++bit)
		if (mask[bit / 8] & (1u << (bit % 8)))
			return -lx::EINVAL;
	if (int e = rp_host_ring_wq_affinity(r.native, mask, n); e && e != -lx::EOPNOTSUPP)
		return e;
	__builtin_memcpy(r.iowq_aff, mask, sizeof(mask));
	r.iowq_aff_set = true;
	return 0;
}

int64_t unregister_iowq_aff(Ring& r, uint64_t arg, uint32_t len)
{
	if (arg || len)
		return -lx::EINVAL;
	if (int e = rp_host_ring_wq_affinity(r.native, nullptr, 0); e && e != -lx::EOPNOTSUPP)
		return e;
	r.iowq_aff_set = false;
	return 0;
}

// Writes n zero bytes at user address dst (a query's result structure beyond what was filled in).
int clear_user(uint64_t dst, uint64_t n)
{
	static constexpr uint8_t kZero[64] = {};
	for (uint64_t done = 0; done < n;) {
		uint64_t chunk = n - done < sizeof(kZero) ? n - done : sizeof(kZero);
		if (rp_host_copy_to_user(dst + done, kZero, chunk))
			return -lx::EFAULT;
		done += chunk;
	}
	return 0;
}

// One query header (Linux 6.18's io_handle_query_entry): a result in hdr.result, -errno only when the header
// itself or the result structure cannot be read or written.
int query_entry(uint64_t uhdr, uint64_t* next)
{
	lx::io_uring_query_hdr hdr;
	if (Status s = copy_in(&hdr, uhdr); !s.ok())
		return s.err;
	uint32_t usize = hdr.size;
	uint32_t size = hdr.size < lx::QUERY_OPCODE_SIZE_6_18 ? hdr.size : lx::QUERY_OPCODE_SIZE_6_18;
	lx::io_uring_query_opcode data{};
	uint32_t res_size = 0;
	int32_t result = -lx::EINVAL;
	if (hdr.query_op >= lx::QUERY_MAX_6_18) {
		result = -lx::EOPNOTSUPP;
	} else if (all_zero(hdr.resv, sizeof(hdr.resv)) && !hdr.result && size) {
		if (rp_host_copy_from_user(&data, hdr.query_data, size))
			return -lx::EFAULT;
		// OPCODES: what this io_uring takes, from the same constants its checks use.
		data.nr_request_opcodes = lx::OP_LAST;
		data.nr_register_opcodes = lx::REGISTER_LAST;
		data.feature_flags = advertised_features();
		data.ring_setup_flags = honoured_setup_flags();
		data.enter_flags = kEnterFlags;
		data.sqe_flags = lx::SQE_VALID_FLAGS;
		res_size = lx::QUERY_OPCODE_SIZE_6_18;
		result = 0;
	}
	hdr.result = result;
	hdr.size = usize < res_size ? usize : res_size;
	// As copy_struct_to_user: what was produced, then zeroes up to the size the caller gave.
	if (hdr.size && rp_host_copy_to_user(hdr.query_data, &data, hdr.size))
		return -lx::EFAULT;
	if (int e = clear_user(hdr.query_data + hdr.size, usize - hdr.size))
		return e;
	if (rp_host_copy_to_user(uhdr, &hdr, sizeof(hdr)))
		return -lx::EFAULT;
	*next = hdr.next_entry;
	return 0;
}

// REGISTER_QUERY: a chain of headers, at most 1000 long (Linux's guard against a cycle: -ERANGE).
int64_t query(uint64_t arg, uint32_t nr)
{
	if (nr)
		return -lx::EINVAL;
	int count = 0;
	for (uint64_t uhdr = arg; uhdr;) {
		uint64_t next = 0;
		if (int e = query_entry(uhdr, &next))
			return e;
		uhdr = next;
		if (++count >= 1000)
			return -lx::ERANGE;
	}
	return 0;
}

int64_t dispatch(Ring& r, uint32_t op, uint64_t arg, uint32_t nr)
{
	switch (op) {
	case lx::REGISTER_PROBE:
		if (!arg || nr > 256)
			return -lx::EINVAL;
		return probe(r, arg, nr);
	case lx::REGISTER_FILES:
		if (!arg)
			return -lx::EFAULT;
		return register_files(r, arg, nr, 0);
	case lx::UNREGISTER_FILES:
		if (arg || nr)
			return -lx::EINVAL;
		if (!r.nr_files)
			return -lx::ENXIO;
		drop_files(r, true);
		commit(r);
		return 0;
	case lx::REGISTER_FILES_UPDATE: {
		if (!nr)
			return -lx::EINVAL;
		lx::io_uring_rsrc_update up;
		if (Status s = copy_in(&up, arg); !s.ok())
			return s.err;
		if (up.resv)
			return -lx::EINVAL;
		if (uint64_t(up.offset) + nr > 0xffffffffull)
			return -lx::EOVERFLOW;
		int64_t n = update_files(r, up.offset, up.data, nr);
		commit(r);
		return n;
	}
	case lx::REGISTER_FILES2:
	case lx::REGISTER_BUFFERS2: {
		lx::io_uring_rsrc_register rr;
		if (nr != sizeof(rr))
			return -lx::EINVAL;
		if (Status s = copy_in(&rr, arg); !s.ok())
			return s.err;
		if (rr.resv2 || (rr.flags & ~lx::RSRC_REGISTER_SPARSE))
			return -lx::EINVAL;
		if ((rr.flags & lx::RSRC_REGISTER_SPARSE) && (rr.data || rr.tags))
			return -lx::EINVAL;
		if (op == lx::REGISTER_FILES2)
			return register_files(r, rr.data, rr.nr, rr.tags);
		return register_buffers(r, rr.data, rr.nr, rr.flags & lx::RSRC_REGISTER_SPARSE, rr.tags);
	}
	case lx::REGISTER_FILES_UPDATE2:
	case lx::REGISTER_BUFFERS_UPDATE: {
		lx::io_uring_rsrc_update2 up;
		if (nr != sizeof(up))
			return -lx::EINVAL;
		if (Status s = copy_in(&up, arg); !s.ok())
			return s.err;
		if (up.resv || up.resv2)
			return -lx::EINVAL;
		if (uint64_t(up.offset) + up.nr > 0xffffffffull)
			return -lx::EOVERFLOW;
		int64_t n = op == lx::REGISTER_FILES_UPDATE2 ? update_files(r, up.offset, up.data, up.nr, up.tags)
		                                             : update_buffers(r, up.offset, up.data, up.nr, up.tags);
		commit(r); // tags of what was let go at once
		return n;
	}
	case lx::REGISTER_BUFFERS:
		if (!arg)
			return -lx::EFAULT;
		return register_buffers(r, arg, nr, false);
	case lx::UNREGISTER_BUFFERS:
		if (arg || nr)
			return -lx::EINVAL;
		if (!r.nr_bufs)
			return -lx::ENXIO;
		drop_buffers(r, true);
		commit(r);
		return 0;
	case lx::REGISTER_EVENTFD:
	case lx::REGISTER_EVENTFD_ASYNC:
		return register_eventfd(r, arg, nr, op == lx::REGISTER_EVENTFD_ASYNC);
	case lx::UNREGISTER_EVENTFD:
		if (arg || nr)
			return -lx::EINVAL;
		if (r.eventfd < 0)
			return -lx::ENXIO;
		rp_host_file_put(r.eventfd);
		r.eventfd = -1;
		return 0;
	case lx::REGISTER_RESIZE_RINGS:
		if (!arg || nr != 1)
			return -lx::EINVAL;
		return resize_rings(r, arg);
	case lx::REGISTER_PERSONALITY:
		if (arg || nr)
			return -lx::EINVAL;
		return register_personality(r);
	case lx::UNREGISTER_PERSONALITY:
		if (arg)
			return -lx::EINVAL;
		return unregister_personality(r, nr);
	case lx::REGISTER_RESTRICTIONS:
		return register_restrictions(r, arg, nr);
	case lx::REGISTER_ENABLE_RINGS:
		if (arg || nr)
			return -lx::EINVAL;
		if (!r.disabled)
			return -lx::EBADFD;
		if ((r.flags & lx::SETUP_SINGLE_ISSUER) && !r.submitter_task)
			r.submitter_task = rp_host_task_id();
		if (r.restrictions_registered)
			r.restrictions.active = true;
		__atomic_store_n(&r.disabled, false, __ATOMIC_RELEASE);
		return 0;
	case lx::REGISTER_SYNC_CANCEL:
		if (!arg || nr != 1)
			return -lx::EINVAL;
		return sync_cancel(r, arg);
	case lx::REGISTER_FILE_ALLOC_RANGE: {
		if (!arg || nr)
			return -lx::EINVAL;
		lx::io_uring_file_index_range range;
		if (Status s = copy_in(&range, arg); !s.ok())
			return s.err;
		if (range.resv)
			return -lx::EINVAL;
		if (uint64_t(range.off) + range.len > 0xffffffffull)
			return -lx::EOVERFLOW;
		if (uint64_t(range.off) + range.len > r.nr_files)
			return -lx::EINVAL;
		r.file_alloc_start = range.off;
		r.file_alloc_end = range.off + range.len;
		return 0;
	}
	case lx::REGISTER_IOWQ_MAX_WORKERS: {
		// The OS owns the worker pool; the limits are kept and reported as Linux does.
		if (!arg || nr != 2)
			return -lx::EINVAL;
		uint32_t v[2];
		if (rp_host_copy_from_user(v, arg, sizeof(v)))
			return -lx::EFAULT;
		if (v[0] > 0x7fffffffu || v[1] > 0x7fffffffu)
			return -lx::EINVAL;
		if (!r.iowq_max[0]) {
			r.iowq_max[0] = r.sq_entries < 8 ? r.sq_entries : 8;
			r.iowq_max[1] = 1024;
		}
		uint32_t old[2] = {r.iowq_max[0], r.iowq_max[1]};
		for (int i = 0; i < 2; ++i)
			if (v[i])
				r.iowq_max[i] = v[i];
		return rp_host_copy_to_user(arg, old, sizeof(old));
	}
	case lx::REGISTER_PBUF_RING:
		return register_pbuf_ring(r, arg, nr);
	case lx::UNREGISTER_PBUF_RING:
		return unregister_pbuf_ring(r, arg, nr);
	case lx::REGISTER_PBUF_STATUS:
		return pbuf_status(r, arg, nr);
	case lx::REGISTER_QUERY:
		return query(arg, nr);
	case lx::REGISTER_MEM_REGION:
		return register_mem_region(r, arg, nr);
	case lx::REGISTER_CLOCK:
		return register_clock(r, arg, nr);
	case lx::REGISTER_IOWQ_AFF:
		return register_iowq_aff(r, arg, nr);
	case lx::UNREGISTER_IOWQ_AFF:
		return unregister_iowq_aff(r, arg, nr);
	default:
		// Known but not implemented (kRegisterOps says which) and unknown opcodes alike: Linux's answer for an
		// opcode it lacks.
		return -lx::EINVAL;
	}
}

} // namespace

int64_t files_update_from_op(Ring& r, uint32_t offset, uint64_t data, uint32_t nr)
{
	if (offset != lx::FILE_INDEX_ALLOC)
		return update_files(r, offset, data, nr);
	// Each fd goes to a free slot of the allocation range; the chosen slot is written back over the fd.
	uint32_t done = 0;
	int64_t err = 0;
	for (; done < nr; ++done) {
		int32_t fd;
		if (rp_host_copy_from_user(&fd, data + 4ull * done, 4)) {
			err = -lx::EFAULT;
			break;
		}
		int ref = grab_file(fd);
		if (ref < 0) {
			err = ref;
			break;
		}
		int64_t slot = install_direct(r, ref, lx::FILE_INDEX_ALLOC);
		if (slot < 0) {
			err = slot;
			break;
		}
		int32_t out = int32_t(slot);
		if (rp_host_copy_to_user(data + 4ull * done, &out, 4)) {
			err = -lx::EFAULT;
			break;
		}
	}
	return done ? done : err;
}

namespace {
struct RegisterOpTable {
	RegisterOpInfo e[lx::REGISTER_LAST];
};
constexpr RegisterOpTable build_register_ops()
{
	RegisterOpTable t{};
#define RP_REG(ID, status) t.e[lx::ID] = {#ID, status, false}
#define RP_REG_REFUSED(ID, why) t.e[lx::ID] = {#ID, "-EINVAL: " why, true}
	RP_REG(REGISTER_BUFFERS, "supported");
	RP_REG(UNREGISTER_BUFFERS, "supported");
	RP_REG(REGISTER_FILES, "supported");
	RP_REG(UNREGISTER_FILES, "supported");
	RP_REG(REGISTER_EVENTFD, "supported");
	RP_REG(UNREGISTER_EVENTFD, "supported");
	RP_REG(REGISTER_FILES_UPDATE, "supported");
	RP_REG(REGISTER_EVENTFD_ASYNC, "supported");
	RP_REG(REGISTER_PROBE, "supported");
	RP_REG(REGISTER_PERSONALITY, "supported; an SQE runs with its personality's credentials (the OS switches "
	                             "the executing thread's own for the op); -EPERM when the process could not take "
	                             "them back (it dropped root for good) or the OS cannot switch them");
	RP_REG(UNREGISTER_PERSONALITY, "supported");
	RP_REG(REGISTER_RESTRICTIONS, "supported");
	RP_REG(REGISTER_ENABLE_RINGS, "supported");
	RP_REG(REGISTER_FILES2, "supported");
	RP_REG(REGISTER_FILES_UPDATE2, "supported");
	RP_REG(REGISTER_BUFFERS2, "supported");
	RP_REG(REGISTER_BUFFERS_UPDATE, "supported");
	RP_REG(REGISTER_IOWQ_AFF, "supported (the OS's workers for the ring are pinned to the mask; the reference "
	                          "kernel has no workers and only checks it)");
	RP_REG(UNREGISTER_IOWQ_AFF, "supported");
	RP_REG(REGISTER_IOWQ_MAX_WORKERS, "supported (limits kept and reported; the OS's pool is bounded on its own)");
	RP_REG(REGISTER_RING_FDS, "supported (libc glue: per-thread table)");
	RP_REG(UNREGISTER_RING_FDS, "supported (libc glue)");
	RP_REG(REGISTER_PBUF_RING, "supported (IOU_PBUF_RING_MMAP, IOU_PBUF_RING_INC)");
	RP_REG(UNREGISTER_PBUF_RING, "supported");
	RP_REG(REGISTER_SYNC_CANCEL, "supported");
	RP_REG(REGISTER_FILE_ALLOC_RANGE, "supported");
	RP_REG(REGISTER_PBUF_STATUS, "supported");
	RP_REG_REFUSED(REGISTER_NAPI, "no NAPI busy polling");
	RP_REG_REFUSED(UNREGISTER_NAPI, "no NAPI busy polling");
	RP_REG(REGISTER_CLOCK, "supported (CLOCK_MONOTONIC, CLOCK_BOOTTIME for absolute wait timeouts)");
	RP_REG(REGISTER_CLONE_BUFFERS, "supported (ring fd or registered index, offsets, DST_REPLACE)");
	RP_REG(REGISTER_SEND_MSG_RING, "supported with fd -1 only, as on Linux (DATA messages)");
	RP_REG_REFUSED(REGISTER_ZCRX_IFQ, "no zero-copy receive queues (a NIC's hardware queue)");
	RP_REG(REGISTER_RESIZE_RINGS, "supported (DEFER_TASKRUN rings, as on Linux; pending SQEs and CQEs carried over)");
	RP_REG(REGISTER_MEM_REGION, "supported (user and shim-allocated regions, registered wait arguments)");
	RP_REG(REGISTER_QUERY, "supported with or without a ring (OPCODES; later queries answer -EOPNOTSUPP)");
#undef RP_REG
#undef RP_REG_REFUSED
	return t;
}
constexpr RegisterOpTable kRegisterOpTable = build_register_ops();
} // namespace
const RegisterOpInfo (&kRegisterOps)[lx::REGISTER_LAST] = kRegisterOpTable.e;

int64_t register_blind(uint32_t opcode, uint64_t arg, uint32_t nr_args)
{
	switch (opcode) {
	case lx::REGISTER_SEND_MSG_RING: {
		if (!arg || nr_args != 1)
			return -lx::EINVAL;
		lx::io_uring_sqe sqe;
		if (Status s = copy_in(&sqe, arg); !s.ok())
			return s.err;
		if (sqe.flags || sqe.opcode != lx::OP_MSG_RING)
			return -lx::EINVAL; // a bare MSG_RING SQE: no SQE flags mean anything without a ring
		return sync_msg_ring(sqe);
	}
	case lx::REGISTER_QUERY:
		return query(arg, nr_args);
	default:
		return -lx::EINVAL;
	}
}

int64_t register_op(Ring* rp, uint32_t opcode, uint64_t arg, uint32_t nr_args)
{
	Ring& r = *rp;
	if (r.submitter_task && r.submitter_task != rp_host_task_id())
		return -lx::EEXIST;
	if (r.restrictions.active) {
		if (opcode >= lx::REGISTER_LAST || !(r.restrictions.register_op[opcode / 8] & (1u << (opcode % 8))))
			return -lx::EACCES;
	}
	if (opcode == lx::REGISTER_CLONE_BUFFERS)
		return clone_buffers(r, arg, nr_args); // two rings' locks, taken one at a time
	r.lock.lock();
	if (int e = own_native(r); e) {
		unlock_ring(r);
		return e;
	}
	bool was = r.in_submit;
	r.in_submit = true;
	int64_t ret = dispatch(r, opcode, arg, nr_args);
	r.in_submit = was;
	unlock_ring(r);
	return ret;
}

} // namespace ringport::shim
