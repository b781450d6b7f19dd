// Starting the hosted OS's own threads without letting an exception out. std::thread's constructor throws
// std::system_error when the host cannot give a thread (RLIMIT_AS too low for its stack, RLIMIT_NPROC, the
// kernel's thread limit) and std::bad_alloc when its state cannot be allocated; any of these escaping an OS path
// would abort the program, where Linux answers the request with an error (io-wq: -EAGAIN, -ENOMEM). Every
// thread the OS starts goes through start_thread, and its caller turns the -errno into a completion.
#pragma once

#include "creds.hpp"

#include <ringport/fork_gate.hpp>

#include <cerrno>
#include <functional>
#include <type_traits>
#include <new>
#include <system_error>
#include <thread>
#include <utility>

namespace ringport::hosted {

// 0 with `out` running fn, or -EAGAIN / -ENOMEM (the two errnos Linux's io-wq reports for a worker it cannot
// create) with `out` untouched.
template <class Fn, class... Args> int start_thread(std::thread& out, Fn&& fn, Args&&... args) noexcept
{
	try {
		CredsPause own; // a thread started inside an op run with borrowed credentials gets the process's
		fork_gate::StartSignal signal; // returns once the thread runs code of ours (fork_gate.hpp)
		out = std::thread(
		    [&signal](std::decay_t<Fn> f, std::decay_t<Args>... a) {
			    signal.started();
			    std::invoke(std::move(f), std::move(a)...);
		    },
		    std::forward<Fn>(fn), std::forward<Args>(args)...);
		signal.await();
		return 0;
	} catch (const std::system_error& e) {
		return e.code().value() == ENOMEM ? -ENOMEM : -EAGAIN;
	} catch (const std::bad_alloc&) {
		return -ENOMEM;
	} catch (...) {
		return -EAGAIN;
	}
}

} // namespace ringport::hosted
