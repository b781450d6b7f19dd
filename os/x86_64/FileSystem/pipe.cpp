// The pipe's shared state is a ring of page slots: byte i of the stream lives on slot (i / 4096) % slots.
// head is where the next read starts, count how many bytes are queued; a slot's page is allocated when a write
// first reaches it and freed when the reader has consumed past it.
#include "FileSystem/pipe.hpp"

#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace {

constexpr size_t page = 4096;
constexpr size_t default_capacity = 65536;
constexpr size_t max_capacity = 1u << 20; // Linux's default /proc/sys/fs/pipe-max-size
constexpr uint32_t FIONREAD_ = 0x541B;

class PipeEnd;

struct PipeState {
	uint8_t **pages = nullptr; // slots, allocated with the first write
	size_t capacity = default_capacity;
	size_t head = 0;  // offset of the first queued byte inside the ring (0 <= head < capacity)
	size_t count = 0; // queued bytes
	PipeEnd *reader = nullptr; // the ends still open (nullptr once their last fd is closed)
	PipeEnd *writer = nullptr;

	size_t slots() const { return capacity / page; }
	size_t space() const { return capacity - count; }
	void free_all_pages()
	{
		if (!pages)
			return;
		for (size_t i = 0; i < slots(); ++i)
			deallocate(pages[i]);
		deallocate(pages);
		pages = nullptr;
	}
	// A drained pipe keeps its first page (the next write starts there) and gives the others back: the common
	// write-a-little, read-it-all pattern then costs no allocation and no page clearing per write, as Linux's
	// pipe keeps its buffer pages, while a pipe that once held 64 KiB does not keep them all.
	void keep_first_page_only()
	{
		if (!pages)
			return;
		for (size_t i = 1; i < slots(); ++i) {
			deallocate(pages[i]);
			pages[i] = nullptr;
		}
	}
};

class PipeEnd final : public File {
public:
	PipeEnd(PipeState *state, bool reading, uint32_t flags)
	    : File(FileKind::pipe, flags | (reading ? O_RDONLY_ : O_WRONLY_)), state_(state), reading_(reading)
	{
	}
	~PipeEnd() override;

	PipeState *state() const { return state_; }
	void wake() { notify_readiness(); }

protected:
	bool seekable() const override { return false; }
	Result<size_t> do_read(const IoBuffer &buf, bool nowait) override;
	Result<size_t> do_write(const IoBuffer &buf, bool nowait) override;
	uint32_t do_poll() override;
	Result<long> do_ioctl(uint32_t request, uint64_t argument) override;
	Result<void> do_statx(Statx &out) override
	{
		TRY(File::do_statx(out));
		out.stx_mode = uint16_t(S_IFIFO_ | 0600);
		out.stx_size = 0;
		return {};
	}

private:
	Result<size_t> read_some(const IoBuffer &buf);
	Result<size_t> write_some(const IoBuffer &buf, size_t from, size_t length);
	PipeEnd *other() const { return reading_ ? state_->writer : state_->reader; }

	PipeState *state_;
	bool reading_;
};

PipeEnd::~PipeEnd()
{
	PipeEnd *peer = other();
	(reading_ ? state_->reader : state_->writer) = nullptr;
	if (peer) {
		// The reader now sees end-of-file (POLLHUP), or the writer EPIPE (POLLERR).
		peer->wake();
		return;
	}
	state_->free_all_pages();
	deallocate(state_);
}

// Copies out up to buf.length() queued bytes, freeing the pages left behind (but the first, see
// keep_first_page_only).
Result<size_t> PipeEnd::read_some(const IoBuffer &buf)
{
	PipeState *s = state_;
	size_t want = buf.length() < s->count ? buf.length() : s->count;
	size_t done = 0;
	while (done < want) {
		size_t slot = s->head / page;
		size_t in_page = s->head % page;
		size_t chunk = page - in_page;
		if (chunk > want - done)
			chunk = want - done;
		chunk = buf.contiguous(done, chunk);
		if (buf.copy_in(done, s->pages[slot] + in_page, chunk) < 0) {
			if (!done)
				return Error(EFAULT);
			break;
		}
		done += chunk;
		s->count -= chunk;
		s->head = (s->head + chunk) % s->capacity;
		if (s->count == 0) {
			// Drained: the next write starts at offset 0, in the page kept for it.
			s->head = 0;
			s->keep_first_page_only();
			break;
		}
		// Consumed to the end of this page: free it, unless the queue wraps all the way round into it (the
		// queued bytes reach back to the slot just left only when count > capacity - page).
		if (s->head % page == 0 && s->count <= s->capacity - page) {
			deallocate(s->pages[slot]);
			s->pages[slot] = nullptr;
		}
	}
	return done;
}

// Appends length bytes of buf starting at from (the caller checked the space).
Result<size_t> PipeEnd::write_some(const IoBuffer &buf, size_t from, size_t length)
{
	PipeState *s = state_;
	if (!s->pages) {
		s->pages = static_cast<uint8_t **>(allocate(s->slots() * sizeof(uint8_t *)));
		if (!s->pages)
			return Error(ENOMEM);
	}
	size_t done = 0;
	while (done < length) {
		size_t at = (s->head + s->count) % s->capacity;
		size_t slot = at / page;
		size_t in_page = at % page;
		size_t chunk = page - in_page;
		if (chunk > length - done)
			chunk = length - done;
		chunk = buf.contiguous(from + done, chunk);
		if (!s->pages[slot]) {
			s->pages[slot] = static_cast<uint8_t *>(allocate(page, page));
			if (!s->pages[slot]) {
				if (!done)
					return Error(ENOMEM);
				break;
			}
		}
		if (buf.copy_out(from + done, s->pages[slot] + in_page, chunk) < 0) {
			if (!done)
				return Error(EFAULT);
			break;
		}
		done += chunk;
		s->count += chunk;
	}
	return done;
}

Result<size_t> PipeEnd::do_read(const IoBuffer &buf, bool nowait)
{
	if (buf.length() == 0)
		return size_t(0);
	for (;;) {
		if (state_->count) {
			size_t n = TRY(read_some(buf));
			if (PipeEnd *w = state_->writer)
				w->wake(); // space was freed
			return n;
		}
		if (!state_->writer)
			return size_t(0); // end-of-file
		if (nowait)
			return Error(EAGAIN);
		if (stop_requested())
			return Error(EINTR);
		wait_for_event(no_deadline);
	}
}

Result<size_t> PipeEnd::do_write(const IoBuffer &buf, bool nowait)
{
	size_t total = buf.length();
	if (!state_->reader)
		return Error(EPIPE);
	if (total == 0)
		return size_t(0);
	size_t done = 0;
	for (;;) {
		if (!state_->reader)
			return done ? Result<size_t>(done) : Result<size_t>(Error(EPIPE));
		size_t left = total - done;
		// Up to PIPE_BUF bytes go in at once or not at all; larger writes fill whatever space there is.
		size_t room = state_->space();
		bool fits = left <= PIPE_BUF_ ? room >= left : room > 0;
		if (fits) {
			size_t n = left < room ? left : room;
			auto wrote = write_some(buf, done, n);
			if (!wrote.ok())
				return done ? Result<size_t>(done) : wrote;
			done += wrote.value();
			if (PipeEnd *r = state_->reader)
				r->wake(); // data arrived: the reader's waiters run now, inside this write
			if (done == total || wrote.value() < n)
				return done; // all written, or a fault stopped the copy
			continue;
		}
		if (nowait)
			return done ? Result<size_t>(done) : Result<size_t>(Error(EAGAIN));
		if (stop_requested())
			return done ? Result<size_t>(done) : Result<size_t>(Error(EINTR));
		wait_for_event(no_deadline);
	}
}

uint32_t PipeEnd::do_poll()
{
	uint32_t events = 0;
	if (reading_) {
		if (state_->count)
			events |= POLLIN_ | POLLRDNORM_;
		if (!state_->writer)
			events |= POLLHUP_;
	} else {
		if (state_->space() >= PIPE_BUF_ || (state_->capacity < PIPE_BUF_ && state_->space()))
			events |= POLLOUT_ | POLLWRNORM_;
		if (!state_->reader)
			events |= POLLERR_;
	}
	return events;
}

Result<long> PipeEnd::do_ioctl(uint32_t request, uint64_t argument)
{
	if (request != FIONREAD_)
		return Error(ENOTTY);
	int value = int(state_->count);
	if (copy_to_user(argument, &value, sizeof value) < 0)
		return Error(EFAULT);
	return 0L;
}

} // namespace

Result<void> pipe_create(uint32_t flags, File **read_end, File **write_end)
{
	if (flags & ~(O_CLOEXEC_ | O_NONBLOCK_ | O_DIRECT_))
		return Error(EINVAL);
	uint32_t status = flags & O_NONBLOCK_;
	PipeState *state = create<PipeState>();
	if (!state)
		return Error(ENOMEM);
	PipeEnd *r = create<PipeEnd>(state, true, status);
	if (!r) {
		deallocate(state);
		return Error(ENOMEM);
	}
	state->reader = r;
	PipeEnd *w = create<PipeEnd>(state, false, status);
	if (!w) {
		r->unref(); // frees the state too (no writer)
		return Error(ENOMEM);
	}
	state->writer = w;
	*read_end = r;
	*write_end = w;
	return {};
}

Result<long> pipe_get_size(File *file)
{
	if (file->kind() != FileKind::pipe)
		return Error(EINVAL);
	return long(static_cast<PipeEnd *>(file)->state()->capacity);
}

Result<long> pipe_set_size(File *file, uint64_t size)
{
	if (file->kind() != FileKind::pipe)
		return Error(EINVAL);
	if (size > max_capacity)
		return Error(EPERM); // Linux: above pipe-max-size without CAP_SYS_RESOURCE
	size_t capacity = page;
	while (capacity < size)
		capacity <<= 1;
	PipeState *s = static_cast<PipeEnd *>(file)->state();
	if (capacity == s->capacity)
		return long(capacity);
	if (s->count > capacity)
		return Error(EBUSY);
	// Re-lay the queued bytes from offset 0 of a new slot array.
	uint8_t **pages = static_cast<uint8_t **>(allocate((capacity / page) * sizeof(uint8_t *)));
	if (!pages)
		return Error(ENOMEM);
	size_t moved = 0;
	while (moved < s->count) {
		size_t slot = moved / page;
		if (!pages[slot]) {
			pages[slot] = static_cast<uint8_t *>(allocate(page, page));
			if (!pages[slot]) {
				for (size_t i = 0; i < capacity / page; ++i)
					deallocate(pages[i]);
				deallocate(pages);
				return Error(ENOMEM);
			}
		}
		size_t from = (s->head + moved) % s->capacity;
		size_t chunk = page - (from % page);
		if (chunk > page - moved % page)
			chunk = page - moved % page;
		if (chunk > s->count - moved)
			chunk = s->count - moved;
		memcpy(pages[slot] + moved % page, s->pages[from / page] + from % page, chunk);
		moved += chunk;
	}
	s->free_all_pages();
	s->pages = pages;
	s->capacity = capacity;
	s->head = 0;
	// More room may make the writer writable.
	if (s->writer)
		s->writer->wake();
	return long(capacity);
}

} // namespace kernel
