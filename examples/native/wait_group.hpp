// A fan-in for the examples: the coroutine that awaits a WaitGroup resumes when done() has been called n times.
// Everything runs on the executor's one thread, so a plain counter is enough.
#pragma once

#include <coroutine>

namespace ringport_examples {

class WaitGroup {
public:
	explicit WaitGroup(int n) : left_(n) {}
	void done()
	{
		if (--left_ == 0 && waiter_)
			waiter_.resume(); // the waiter runs until its next co_await, then control comes back here
	}
	bool await_ready() const noexcept { return left_ == 0; }
	void await_suspend(std::coroutine_handle<> h) noexcept { waiter_ = h; }
	void await_resume() const noexcept {}

private:
	int left_;
	std::coroutine_handle<> waiter_;
};

} // namespace ringport_examples
