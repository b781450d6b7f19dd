#include "FileSystem/inode.hpp"

#include "FileSystem/file.hpp"
#include "Library/string.hpp"
#include "Platform/platform.hpp"

namespace kernel {

namespace {

constexpr int signal_file_too_big = 25; // SIGXFSZ

// Inode numbers: unique for the boot (2 is the first, as ext* and tmpfs number their roots).
constinit uint64_t next_ino = 2;
constinit uint64_t live_inodes = 0;

StatxTimestamp now_timestamp()
{
	uint64_t ns = now_ns(0);
	StatxTimestamp t{};
	t.tv_sec = int64_t(ns / 1000000000u);
	t.tv_nsec = uint32_t(ns % 1000000000u);
	return t;
}

template <typename T>
T *make(auto &&...args)
{
	void *memory = allocate(sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
	if (!memory)
		return nullptr;
	return new (memory) T(static_cast<decltype(args) &&>(args)...);
}

} // namespace

// ---- Inode --------------------------------------------------------------------------------------------------

Inode::Inode(InodeType type, uint32_t mode) : type_(type), mode_(mode), ino_(next_ino++)
{
	atime_ = mtime_ = ctime_ = btime_ = now_timestamp();
	++live_inodes;
}

Inode::~Inode() { --live_inodes; }

uint64_t Inode::live_count() { return live_inodes; }

void Inode::maybe_free()
{
	if (links_ == 0 && refs_ == 0)
		destroy_now();
}

void Inode::destroy_now() { delete this; }

void Inode::unref()
{
	if (refs_ == 0)
		panic("Inode::unref: no reference held (ino %lu)", (unsigned long)ino_);
	--refs_;
	maybe_free();
}

void Inode::unlink()
{
	if (links_ == 0)
		panic("Inode::unlink: no link (ino %lu)", (unsigned long)ino_);
	--links_;
	touch_changed();
	maybe_free();
}

void Inode::touch_modified() { mtime_ = ctime_ = now_timestamp(); }
void Inode::touch_changed() { ctime_ = now_timestamp(); }

void Inode::fill_statx(Statx &out) const
{
	out.stx_mask = STATX_BASIC_STATS_ | STATX_BTIME_;
	out.stx_blksize = uint32_t(PageTree::page_bytes);
	out.stx_nlink = statx_nlink();
	out.stx_uid = 0;
	out.stx_gid = 0;
	out.stx_mode = uint16_t(mode_);
	out.stx_ino = ino_;
	out.stx_size = size();
	out.stx_blocks = blocks();
	out.stx_atime = atime_;
	out.stx_btime = btime_;
	out.stx_ctime = ctime_;
	out.stx_mtime = mtime_;
	out.stx_rdev_major = rdev_major_;
	out.stx_rdev_minor = rdev_minor_;
	out.stx_dev_major = 0; // an anonymous device, as tmpfs has
	out.stx_dev_minor = 0x20;
}

// ---- RegularInode -------------------------------------------------------------------------------------------

RegularInode::RegularInode(uint32_t perm, const uint8_t *backing, uint64_t backing_size)
    : Inode(InodeType::regular, S_IFREG_ | (perm & 07777)), size_(backing_size), backing_(backing),
      backing_size_(backing_size)
{
}

RegularInode *RegularInode::create(uint32_t perm, const uint8_t *backing, uint64_t backing_size)
{
	return make<RegularInode>(perm, backing, backing_size);
}

uint64_t RegularInode::blocks() const
{
	// 512-byte blocks: private pages, plus the initrd bytes still standing in for pages not yet written.
	uint64_t backed_pages = (backing_size_ + PageTree::page_bytes - 1) / PageTree::page_bytes;
	uint64_t pages = pages_.page_count();
	for (uint64_t i = 0; i < backed_pages; ++i)
		if (!pages_.find(i))
			++pages;
	return pages * (PageTree::page_bytes / 512);
}

bool RegularInode::page_has_data(uint64_t index) const
{
	return pages_.find(index) || index * PageTree::page_bytes < backing_size_;
}

namespace {

// The next piece of a transfer of want bytes at offset, done bytes in: its file offset, the page it falls in,
// where in that page, and its length (up to the page's end and within the buffer's current contiguous run).
struct PageChunk {
	uint64_t at;
	uint64_t index;
	size_t in_page;
	size_t length;
};

PageChunk next_chunk(const IoBuffer &buf, uint64_t offset, size_t done, uint64_t want)
{
	uint64_t at = offset + done;
	size_t in_page = size_t(at % PageTree::page_bytes);
	size_t length = PageTree::page_bytes - in_page;
	if (length > want - done)
		length = size_t(want - done);
	return {at, at / PageTree::page_bytes, in_page, buf.contiguous(done, length)};
}

} // namespace

Result<size_t> RegularInode::read(const IoBuffer &buf, uint64_t offset)
{
	if (offset >= size_)
		return size_t(0);
	uint64_t want = buf.length();
	if (want > size_ - offset)
		want = size_ - offset;
	size_t done = 0;
	while (done < want) {
		auto [at, index, in_page, chunk] = next_chunk(buf, offset, done, want);
		int r;
		if (const uint8_t *page = pages_.find(index)) {
			r = buf.copy_in(done, page + in_page, chunk);
		} else if (at < backing_size_) {
			// initrd bytes, then zeros where the backing ends inside this chunk
			size_t from_backing = chunk;
			if (from_backing > backing_size_ - at)
				from_backing = size_t(backing_size_ - at);
			r = buf.copy_in(done, backing_ + at, from_backing);
			if (r == 0 && from_backing < chunk)
				r = buf.zero(done + from_backing, chunk - from_backing);
		} else {
			r = buf.zero(done, chunk); // a hole
		}
		if (r < 0)
			return done ? Result<size_t>(done) : Result<size_t>(Error(-r));
		done += chunk;
	}
	return done;
}

Result<size_t> RegularInode::write(const IoBuffer &buf, uint64_t offset)
{
	uint64_t want = buf.length();
	if (want == 0)
		return size_t(0);
	if (offset >= max_size)
		return Error(EFBIG);
	if (want > max_size - offset)
		want = max_size - offset;
	// RLIMIT_FSIZE, as Linux's write checks: nothing at or past the limit (SIGXFSZ, then EFBIG if the process
	// survives it), a short write up to it otherwise.
	uint64_t limit = file_size_limit();
	if (offset >= limit) {
		signal_current(signal_file_too_big);
		return Error(EFBIG);
	}
	if (want > limit - offset)
		want = limit - offset;
	size_t done = 0;
	int error = 0;
	while (done < want) {
		auto [at, index, in_page, chunk] = next_chunk(buf, offset, done, want);
		bool created;
		auto page = pages_.find_or_add(index, &created);
		if (!page.ok()) {
			error = page.error();
			break;
		}
		uint8_t *p = page.value();
		if (created) {
			// A page that was still initrd bytes starts as a copy of them.
			uint64_t page_start = index * PageTree::page_bytes;
			if (page_start < backing_size_) {
				uint64_t n = backing_size_ - page_start;
				memcpy(p, backing_ + page_start, size_t(n < PageTree::page_bytes ? n : PageTree::page_bytes));
			}
		}
		int r = buf.copy_out(done, p + in_page, chunk);
		if (r < 0) {
			error = -r;
			break;
		}
		done += chunk;
	}
	if (done == 0 && error)
		return Error(error);
	if (offset + done > size_)
		size_ = offset + done;
	touch_modified();
	return done;
}

Result<void> RegularInode::truncate(uint64_t length)
{
	if (length > max_size)
		return Error(EFBIG);
	// Growing past RLIMIT_FSIZE (truncate, ftruncate, fallocate) is refused as Linux's inode_newsize_ok does.
	if (length > size_ && length > file_size_limit()) {
		signal_current(signal_file_too_big);
		return Error(EFBIG);
	}
	if (length < size_) {
		uint64_t keep_pages = (length + PageTree::page_bytes - 1) / PageTree::page_bytes;
		pages_.remove_from(keep_pages);
		size_t tail = size_t(length % PageTree::page_bytes);
		if (tail)
			if (uint8_t *last = pages_.find(length / PageTree::page_bytes))
				memset(last + tail, 0, PageTree::page_bytes - tail);
		if (backing_size_ > length)
			backing_size_ = length;
	}
	size_ = length;
	touch_modified();
	return {};
}

Result<uint64_t> RegularInode::seek_data(uint64_t offset, bool hole) const
{
	if (offset >= size_)
		return Error(ENXIO);
	uint64_t last_page = (size_ - 1) / PageTree::page_bytes;
	for (uint64_t index = offset / PageTree::page_bytes; index <= last_page; ++index) {
		if (page_has_data(index) != hole) {
			uint64_t at = index * PageTree::page_bytes;
			return at > offset ? at : offset;
		}
	}
	// No data after offset: ENXIO; no hole before the end: the implicit hole at end of file.
	if (hole)
		return size_;
	return Error(ENXIO);
}

// ---- DirectoryInode -----------------------------------------------------------------------------------------

DirectoryInode::DirectoryInode(uint32_t perm, DirectoryInode *parent)
    : Inode(InodeType::directory, S_IFDIR_ | (perm & 07777)), parent_(parent)
{
}

DirectoryInode *DirectoryInode::create(uint32_t perm, DirectoryInode *parent)
{
	return make<DirectoryInode>(perm, parent);
}

uint32_t DirectoryInode::statx_nlink() const { return dead_ ? 0 : 2 + subdirs_; }

DirEntry *DirectoryInode::find(const char *name, size_t length) const
{
	for (DirEntry *e : entries_)
		if (e->length == length && memcmp(e->name, name, length) == 0)
			return e;
	return nullptr;
}

DirEntry *DirectoryInode::find_inode(const Inode *inode) const
{
	for (DirEntry *e : entries_)
		if (e->inode == inode)
			return e;
	return nullptr;
}

DirEntry *DirectoryInode::at_or_after(uint64_t cookie) const
{
	for (DirEntry *e : entries_)
		if (e->cookie >= cookie)
			return e;
	return nullptr;
}

Result<void> DirectoryInode::add(const char *name, size_t length, Inode *inode)
{
	if (dead_)
		return Error(ENOENT);
	if (length == 0 || length > NAME_MAX_)
		return Error(length ? ENAMETOOLONG : ENOENT);
	DirEntry *e = make<DirEntry>();
	if (!e)
		return Error(ENOMEM);
	e->inode = inode;
	e->cookie = next_cookie_++;
	e->length = uint16_t(length);
	memcpy(e->name, name, length);
	e->name[length] = 0;
	entries_.push_back(e);
	inode->link();
	if (inode->is_dir()) {
		++subdirs_;
		static_cast<DirectoryInode *>(inode)->set_parent(this);
	}
	inode->touch_changed();
	touch_modified();
	return {};
}

void DirectoryInode::remove(DirEntry *entry)
{
	entries_.remove(entry);
	Inode *inode = entry->inode;
	deallocate(entry);
	if (inode->is_dir())
		--subdirs_;
	touch_modified();
	inode->unlink();
}

void DirectoryInode::retarget(DirEntry *entry, Inode *inode)
{
	Inode *old = entry->inode;
	entry->inode = inode;
	inode->link();
	if (inode->is_dir()) {
		++subdirs_;
		static_cast<DirectoryInode *>(inode)->set_parent(this);
	}
	if (old->is_dir())
		--subdirs_;
	touch_modified();
	old->unlink();
}

void DirectoryInode::destroy_tree()
{
	while (DirEntry *e = entries_.pop_front()) {
		Inode *inode = e->inode;
		deallocate(e);
		if (inode->is_dir()) {
			static_cast<DirectoryInode *>(inode)->destroy_tree();
			static_cast<DirectoryInode *>(inode)->kill();
		}
		// Drop our link; a node still held (an open file, a cwd) is freed with its last reference.
		inode->unlink();
	}
	subdirs_ = 0;
}

// ---- symlinks and devices -----------------------------------------------------------------------------------

SymlinkInode *SymlinkInode::create(const char *target, size_t length)
{
	char *copy = static_cast<char *>(allocate(length + 1));
	if (!copy)
		return nullptr;
	SymlinkInode *node = make<SymlinkInode>();
	if (!node) {
		deallocate(copy);
		return nullptr;
	}
	memcpy(copy, target, length);
	copy[length] = 0;
	node->target_ = copy;
	node->length_ = length;
	return node;
}

SymlinkInode::~SymlinkInode() { deallocate(target_); }

DeviceInode::DeviceInode(Device device, uint32_t perm) : Inode(InodeType::char_device, S_IFCHR_ | (perm & 07777)), device_(device)
{
	// Linux's numbers: mem 1:3 null, 1:5 zero; tty 5:1 console.
	switch (device) {
	case Device::null:
		rdev_major_ = 1, rdev_minor_ = 3;
		break;
	case Device::zero:
		rdev_major_ = 1, rdev_minor_ = 5;
		break;
	case Device::console:
		rdev_major_ = 5, rdev_minor_ = 1;
		break;
	}
}

DeviceInode *DeviceInode::create(Device device, uint32_t perm) { return make<DeviceInode>(device, perm); }

} // namespace kernel
