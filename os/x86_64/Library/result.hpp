// Result<T>: a value or a positive errno, the kernel's one error type inside; it becomes -errno only once, at
// the system-call or SQE boundary (to_return()). No exceptions in the kernel, so errors travel as values.
//
//   Result<File *> open(...);            return Error(ENOENT);   or   return file;
//   File *f = TRY(open(...));            // returns the error to the caller unchanged
//   long ret = open(...).to_return();    // value or -errno (integral and pointer-free T only)
#pragma once

#include "Library/errno.hpp"
#include "Library/placement.hpp"

namespace kernel {

// A failure: a positive Linux errno.
struct Error {
	int code;
	constexpr explicit Error(int errno_value) : code(errno_value) {}
};

template <typename T>
class [[nodiscard]] Result {
public:
	Result(const T &value) : has_value_(true) { new (&storage_) T(value); }
	Result(T &&value) : has_value_(true) { new (&storage_) T(static_cast<T &&>(value)); }
	Result(Error error) : has_value_(false), error_(error.code) {}
	Result(const Result &other) : has_value_(other.has_value_), error_(other.error_)
	{
		if (has_value_)
			new (&storage_) T(other.value());
	}
	Result(Result &&other) : has_value_(other.has_value_), error_(other.error_)
	{
		if (has_value_)
			new (&storage_) T(static_cast<T &&>(other.value()));
	}
	Result &operator=(const Result &) = delete;
	~Result()
	{
		if (has_value_)
			value().~T();
	}

	bool ok() const { return has_value_; }
	// The positive errno; 0 when ok().
	int error() const { return has_value_ ? 0 : error_; }
	T &value() { return *reinterpret_cast<T *>(&storage_); }
	const T &value() const { return *reinterpret_cast<const T *>(&storage_); }
	T release_value() { return static_cast<T &&>(value()); }
	T value_or(T fallback) const { return has_value_ ? value() : fallback; }

	// The system-call return convention: the value, or -errno.
	long to_return() const
	{
		if (!has_value_)
			return -static_cast<long>(error_);
		return static_cast<long>(value());
	}

private:
	bool has_value_;
	int error_ = 0;
	alignas(T) unsigned char storage_[sizeof(T)];
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() : error_(0) {}
	Result(Error error) : error_(error.code) {}
	bool ok() const { return error_ == 0; }
	int error() const { return error_; }
	void release_value() {}
	long to_return() const { return -static_cast<long>(error_); }

private:
	int error_;
};

// Turns a C-style "0 or -errno" (or ">= 0 or -errno") into a Result.
inline Result<void> check(long ret)
{
	if (ret < 0)
		return Error(static_cast<int>(-ret));
	return {};
}

} // namespace kernel

// Evaluates a Result; on failure returns its error from the enclosing function, else yields the value.
// (A statement expression: clang and gcc both have them.)
#define TRY(expression)                                              \
	({                                                               \
		auto _try_result = (expression);                             \
		if (!_try_result.ok())                                       \
			return ::kernel::Error(_try_result.error());             \
		_try_result.release_value();                                 \
	})
