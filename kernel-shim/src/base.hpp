// Freestanding building blocks of the shim: a Result type, a futex-backed mutex, intrusive lists, user copies.
#pragma once

#include <ringport/linux/errno.hpp>
#include <ringport/linux/io_uring.hpp>
#include <ringport/shim/host.h>
#include <stddef.h>
#include <stdint.h>

namespace ringport::shim {

namespace lx = ringport::lx;

// A value or a negative errno. The shim returns these internally and flattens them to -errno only at the
// system-call boundary (shim.hpp).
template <class T>
class [[nodiscard]] Result {
public:
	constexpr Result(T value) : value_(value), err_(0) {}
	static constexpr Result error(int err) { return Result(err, 0); }
	constexpr bool ok() const { return err_ == 0; }
	constexpr int err() const { return err_; } // negative errno
	constexpr const T& value() const { return value_; }
	// The boundary: -errno or the value.
	constexpr int64_t flatten() const { return ok() ? int64_t(value_) : int64_t(err_); }

private:
	constexpr Result(int err, int) : value_(), err_(err) {}
	T value_;
	int err_;
};

// A Result with no value: 0 or -errno.
struct [[nodiscard]] Status {
	int err = 0;
	constexpr bool ok() const { return err == 0; }
	static constexpr Status fail(int e) { return Status{e}; }
};
inline constexpr Status kOk{};
#define RP_TRY(expr)                                                                                           \
	do {                                                                                                         \
		::ringport::shim::Status rp_try_status_ = (expr);                                                        \
		if (!rp_try_status_.ok())                                                                                \
			return ::ringport::shim::Status::fail(rp_try_status_.err);                                           \
	} while (0)

// Sleeping lock on a 32-bit word over the host's wait/wake: 0 free, 1 held, 2 held with sleepers. A word in
// memory other processes map (shared) uses the host's cross-process wait/wake.
inline bool word_try_lock(uint32_t* w)
{
	uint32_t c = 0;
	return __atomic_compare_exchange_n(w, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
inline void word_lock(uint32_t* w, bool shared)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(w, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	for (int spin = 0; spin < 100; ++spin) {
		__builtin_ia32_pause();
		c = 0;
		if (__atomic_compare_exchange_n(w, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
	}
	if (c != 2)
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		if (shared)
			(void)rp_host_wait_shared(w, 2, UINT64_MAX, nullptr, 0);
		else
			(void)rp_host_wait(w, 2, UINT64_MAX, nullptr, 0);
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	}
}
inline void word_unlock(uint32_t* w, bool shared)
{
	if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) == 2) {
		if (shared)
			rp_host_wake_shared(w, 1);
		else
			rp_host_wake(w, 1);
	}
}

// The process-private lock.
class Mutex {
public:
	void lock() { word_lock(&word_, false); }
	bool try_lock() { return word_try_lock(&word_); }
	void unlock() { word_unlock(&word_, false); }
	// A forked child: the copy may show the lock held by a thread that does not exist there.
	void reset() { __atomic_store_n(&word_, 0, __ATOMIC_RELAXED); }
	// Gives up at the CLOCK_MONOTONIC deadline (exit and exec may run in a signal handler that interrupted
	// the holder).
	bool lock_until(uint64_t deadline)
	{
		if (try_lock())
			return true;
		for (;;) {
			if (__atomic_exchange_n(&word_, 2, __ATOMIC_ACQUIRE) == 0)
				return true;
			if (rp_host_now_ns(1 /* CLOCK_MONOTONIC */) >= deadline)
				return false;
			(void)rp_host_wait(&word_, 2, deadline, nullptr, 0);
		}
	}

private:
	uint32_t word_ = 0;
};

// Doubly linked intrusive list of T with members `T* next; T* prev;` under the given member names.
template <class T, T* T::*Next, T* T::*Prev>
struct List {
	T* head = nullptr;
	T* tail = nullptr;
	bool empty() const { return head == nullptr; }
	void push_back(T* x)
	{
		x->*Next = nullptr;
		x->*Prev = tail;
		if (tail)
			tail->*Next = x;
		else
			head = x;
		tail = x;
	}
	void insert_after(T* pos, T* x) // pos == nullptr: at the front
	{
		T* after = pos ? pos->*Next : head;
		x->*Prev = pos;
		x->*Next = after;
		if (pos)
			pos->*Next = x;
		else
			head = x;
		if (after)
			after->*Prev = x;
		else
			tail = x;
	}
	void remove(T* x)
	{
		if (x->*Prev)
			(x->*Prev)->*Next = x->*Next;
		else
			head = x->*Next;
		if (x->*Next)
			(x->*Next)->*Prev = x->*Prev;
		else
			tail = x->*Prev;
		x->*Next = x->*Prev = nullptr;
	}
	T* pop_front()
	{
		T* x = head;
		if (x)
			remove(x);
		return x;
	}
};

template <class T>
inline Status copy_in(T* dst, uint64_t user)
{
	int r = rp_host_copy_from_user(dst, user, sizeof(T));
	return r ? Status::fail(r) : kOk;
}
template <class T>
inline Status copy_out(uint64_t user, const T& src)
{
	int r = rp_host_copy_to_user(user, &src, sizeof(T));
	return r ? Status::fail(r) : kOk;
}

template <class T>
inline T* alloc_zeroed(size_t n = 1)
{
	return static_cast<T*>(rp_host_alloc(sizeof(T) * n));
}

inline bool all_zero(const void* p, size_t n)
{
	auto* b = static_cast<const uint8_t*>(p);
	for (size_t i = 0; i < n; ++i)
		if (b[i])
			return false;
	return true;
}

constexpr uint32_t round_up_pow2(uint32_t v) { return v <= 1 ? 1 : 1u << (32 - __builtin_clz(v - 1)); }
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

inline uint32_t load_acquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void store_release(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

} // namespace ringport::shim
