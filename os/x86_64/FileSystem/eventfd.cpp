#include "FileSystem/eventfd.hpp"

#include "Platform/platform.hpp"

namespace kernel {

namespace {

constexpr uint64_t counter_max = 0xfffffffffffffffeull;

class EventFd final : public File {
public:
	EventFd(uint64_t initial, uint32_t flags)
	    : File(FileKind::eventfd, O_RDWR_ | (flags & O_NONBLOCK_)), counter_(initial), semaphore_(flags & EFD_SEMAPHORE_)
	{
	}

	void add(uint64_t n)
	{
		counter_ = n > counter_max - counter_ ? counter_max : counter_ + n;
		if (n)
			notify_readiness();
	}

protected:
	bool seekable() const override { return false; }

	Result<size_t> do_read(const IoBuffer &buf, bool nowait) override
	{
		if (buf.length() < 8)
			return Error(EINVAL);
		while (counter_ == 0) {
			if (nowait)
				return Error(EAGAIN);
			if (stop_requested())
				return Error(EINTR);
			wait_for_event(no_deadline);
		}
		uint64_t value = semaphore_ ? 1 : counter_;
		if (buf.copy_in(0, &value, 8) < 0)
			return Error(EFAULT);
		counter_ -= value;
		notify_readiness(); // writers blocked at the maximum may proceed; readers see POLLIN drop
		return size_t(8);
	}

	Result<size_t> do_write(const IoBuffer &buf, bool nowait) override
	{
		if (buf.length() < 8)
			return Error(EINVAL);
		uint64_t value;
		if (buf.copy_out(0, &value, 8) < 0)
			return Error(EFAULT);
		if (value == ~uint64_t(0))
			return Error(EINVAL);
		while (value > counter_max - counter_) {
			if (nowait)
				return Error(EAGAIN);
			if (stop_requested())
				return Error(EINTR);
			wait_for_event(no_deadline);
		}
		counter_ += value;
		if (value)
			notify_readiness();
		return size_t(8);
	}

	uint32_t do_poll() override
	{
		uint32_t events = 0;
		if (counter_ > 0)
			events |= POLLIN_ | POLLRDNORM_;
		if (counter_ < counter_max)
			events |= POLLOUT_ | POLLWRNORM_;
		return events;
	}

private:
	uint64_t counter_;
	bool semaphore_;
};

} // namespace

Result<File *> eventfd_create(uint32_t initial, uint32_t flags)
{
	if (flags & ~(EFD_SEMAPHORE_ | EFD_NONBLOCK_ | EFD_CLOEXEC_))
		return Error(EINVAL);
	EventFd *f = create<EventFd>(uint64_t(initial), flags);
	if (!f)
		return Error(ENOMEM);
	return static_cast<File *>(f);
}

Result<void> eventfd_signal(File *file, uint64_t n)
{
	if (file->kind() != FileKind::eventfd)
		return Error(EINVAL);
	static_cast<EventFd *>(file)->add(n);
	return {};
}

} // namespace kernel
