// The two kinds of file a scheme gives out (scheme.hpp): the server's scheme fd, whose last close unregisters
// the name, and a client's fd on one of the server's handles, whose transfers and close are forwarded. Also
// the open of "name:rest" (FileSystem's hook) and RP_SYS_SCHEME_CREATE.
#include "FileSystem/fd_table.hpp"
#include "FileSystem/vfs.hpp"
#include "Library/errno.hpp"
#include "Library/string.hpp"
#include "Schemes/scheme.hpp"

namespace kernel::schemes {

namespace {

// The server's end: holds the scheme's first reference. Its last close (or the server's exit) kills the
// scheme, so clients waiting on it get EPIPE and the name is an ordinary path again.
class SchemeServerFile final : public File {
public:
	explicit SchemeServerFile(Scheme *scheme) : File(FileKind::other, O_RDWR_), scheme_(scheme)
	{
		scheme_->requests_published = [](void *self) { static_cast<SchemeServerFile *>(self)->notify_readiness(); };
		scheme_->requests_context = this;
	}
	~SchemeServerFile() override
	{
		scheme_->requests_published = nullptr;
		scheme_kill(scheme_);
		scheme_unref(scheme_);
	}

protected:
	// Readable while requests wait to be consumed, so the server may also sleep in poll(2).
	uint32_t do_poll() override
	{
		uint64_t head = __atomic_load_n(&scheme_->sq->head, __ATOMIC_ACQUIRE);
		uint64_t tail = scheme_->requests.staged_tail();
		return (head != tail ? POLLIN_ | POLLRDNORM_ : 0) | POLLOUT_ | POLLWRNORM_;
	}

private:
	Scheme *scheme_;
};

// A client's fd: one handle of the server. Read/Write go out as READ/WRITE (the server keeps the position, as
// the hosted OS's scheme fds do), Pread/Pwrite with their offset; at most one slot (64 KiB) per request, so a
// larger transfer is short. Waiting for the server (or for a free slot) ignores O_NONBLOCK and the ring's
// no-wait attempt: the server answers every request, so the wait is bounded by it, as a regular file's read by
// the disk; and an EAGAIN here would park a ring op on a file that never reports readiness.
class SchemeFile final : public File {
public:
	SchemeFile(Scheme *scheme, uint64_t handle, uint32_t flags) : File(FileKind::other, flags), scheme_(scheme), handle_(handle)
	{
		scheme_ref(scheme_);
	}
	~SchemeFile() override
	{
		// The server learns the handle is free; nobody waits for its answer (Linux's close cannot fail late).
		rp_sqe close{};
		close.opcode = RP_OP_CLOSE;
		close.fd = handle_;
		(void)scheme_forward(scheme_, close, -1, true);
		scheme_unref(scheme_);
	}

protected:
	Result<size_t> do_read(const IoBuffer &buf, bool) override { return transfer(RP_OP_READ, buf, 0); }
	Result<size_t> do_write(const IoBuffer &buf, bool) override { return transfer(RP_OP_WRITE, buf, 0); }
	Result<size_t> do_pread(const IoBuffer &buf, uint64_t offset) override { return transfer(RP_OP_PREAD, buf, offset); }
	Result<size_t> do_pwrite(const IoBuffer &buf, uint64_t offset) override
	{
		return transfer(RP_OP_PWRITE, buf, offset);
	}
	Result<void> do_statx(Statx &out) override
	{
		// What a character device of no particular number says: enough for stdio's fstat.
		out = Statx{};
		out.stx_mask = STATX_TYPE_ | STATX_MODE_;
		out.stx_mode = uint16_t(S_IFCHR_ | 0600);
		out.stx_blksize = 4096;
		return {};
	}

private:
	Result<size_t> transfer(uint8_t opcode, const IoBuffer &buf, uint64_t offset)
	{
		const bool in = opcode == RP_OP_READ || opcode == RP_OP_PREAD;
		const size_t length = buf.length() < slot_size ? buf.length() : slot_size;
		int slot = TRY(scheme_wait_slot(scheme_));
		char *bytes = scheme_slot(scheme_, slot);
		if (!in) {
			// In page-sized pieces, so a fault part-way forwards what was readable (Linux's short write).
			size_t copied = 0;
			while (copied < length) {
				size_t piece = buf.contiguous(copied, length - copied);
				if (buf.copy_out(copied, bytes + copied, piece) < 0)
					break;
				copied += piece;
			}
			if (copied == 0 && length) {
				scheme_free_slot(scheme_, slot);
				return Error(EFAULT);
			}
			return finish(opcode, buf, offset, slot, copied, false);
		}
		return finish(opcode, buf, offset, slot, length, true);
	}

	Result<size_t> finish(uint8_t opcode, const IoBuffer &buf, uint64_t offset, int slot, size_t length, bool in)
	{
		rp_sqe request{};
		request.opcode = opcode;
		request.fd = handle_;
		request.addr = uint64_t(slot);
		request.len = length;
		request.offset = offset;
		Result<int64_t> r = scheme_forward(scheme_, request, slot);
		if (!r.ok())
			return Error(r.error());
		int64_t n = r.value();
		if (n < 0 || uint64_t(n) > length) { // an error, or a server claiming more than it could move
			scheme_free_slot(scheme_, slot);
			return Error(n < 0 ? int(-n) : EIO);
		}
		if (in && n > 0 && buf.copy_in(0, scheme_slot(scheme_, slot), size_t(n)) < 0) {
			scheme_free_slot(scheme_, slot);
			return Error(EFAULT);
		}
		scheme_free_slot(scheme_, slot);
		return size_t(n);
	}

	Scheme *scheme_;
	uint64_t handle_;
};

// The server's answer to an Open: a client file on its handle, or its error.
Result<FileRef> client_file(Scheme *s, const Result<int64_t> &r, uint32_t flags)
{
	if (!r.ok())
		return Error(r.error());
	if (r.value() < 0)
		return Error(int(-r.value()));
	// What F_GETFL will say: the access mode and the status flags open(2) keeps.
	uint32_t kept = flags & (O_ACCMODE_ | O_APPEND_ | O_NONBLOCK_ | O_DIRECT_ | O_NOATIME_ | O_LARGEFILE_);
	SchemeFile *f = create<SchemeFile>(s, uint64_t(r.value()), kept);
	if (!f)
		return Error(ENOMEM); // the server keeps a handle nobody closes
	return FileRef::adopt(f);
}

} // namespace

Result<FileRef> scheme_open(const char *path, uint32_t flags, uint32_t mode, bool *claimed)
{
	*claimed = false;
	size_t n = scheme_prefix(path);
	Scheme *s = n ? scheme_find(path, n) : nullptr;
	if (!s)
		return Error(ENOENT);
	*claimed = true;
	const char *rest = path + n + 1;
	size_t rest_bytes = strlen(rest) + 1;
	if (rest_bytes > slot_size)
		return Error(ENAMETOOLONG);
	scheme_ref(s); // the server may die while we wait (for a slot or for its answer)
	Result<int> slot_or_error = scheme_wait_slot(s);
	if (!slot_or_error.ok()) {
		scheme_unref(s);
		return Error(slot_or_error.error());
	}
	int slot = slot_or_error.value();
	memcpy(scheme_slot(s, slot), rest, rest_bytes);
	rp_sqe request{};
	request.opcode = RP_OP_OPEN;
	request.syscall_flags = flags;
	request.offset = mode;
	request.addr = uint64_t(slot);
	request.len = rest_bytes;
	Result<int64_t> r = scheme_forward(s, request, slot);
	if (r.ok())
		scheme_free_slot(s, slot);
	Result<FileRef> out = client_file(s, r, flags);
	scheme_unref(s);
	return out;
}

long scheme_create_call(uint64_t user_name, uint64_t user_view)
{
	char name[max_name + 2];
	long n = strncpy_from_user(name, user_name, sizeof name);
	if (n == -ENAMETOOLONG)
		return -EINVAL;
	if (n < 0)
		return n;
	if (check_user_range(user_view, sizeof(rp_kernel_scheme_view)) < 0) // unmapped: fail before anything exists
		return -EFAULT;
	FdTable *table = current_fd_table();
	if (!table)
		return -EBADF;
	rp_kernel_scheme_view view;
	Result<Scheme *> s = scheme_register(name, size_t(n), &view);
	if (!s.ok())
		return -s.error();
	vfs_scheme_open_hook = scheme_open; // from the first registration on, opens of "name:..." look here
	SchemeServerFile *f = create<SchemeServerFile>(s.value());
	if (!f) {
		unmap_user(view.sq - sq_header_offset, ring_bytes);
		unmap_user(view.data, size_t(slot_count) * slot_size);
		scheme_kill(s.value());
		scheme_unref(s.value());
		return -ENOMEM;
	}
	FileRef ref = FileRef::adopt(f);
	Result<int> fd = table->install(f, true);
	if (!fd.ok()) {
		unmap_user(view.sq - sq_header_offset, ring_bytes);
		unmap_user(view.data, size_t(slot_count) * slot_size);
		return -fd.error(); // ref's release kills the scheme
	}
	if (copy_to_user(user_view, &view, sizeof view) < 0) {
		(void)table->close(fd.value());
		unmap_user(view.sq - sq_header_offset, ring_bytes);
		unmap_user(view.data, size_t(slot_count) * slot_size);
		return -EFAULT;
	}
	return fd.value();
}

} // namespace kernel::schemes

namespace kernel {
// Syscalls/hooks.hpp's entry for RP_SYS_SCHEME_CREATE.
long scheme_create(uint64_t user_name, uint64_t user_view) { return schemes::scheme_create_call(user_name, user_view); }
} // namespace kernel
