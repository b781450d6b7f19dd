// Header-only C++ producer and consumer for the native ring (see native_ring.h and docs/native-abi.md).
//
// Freestanding: no exceptions, no RTTI, no library runtime; atomics are compiler builtins so the same code
// runs in the hosted OS, the kernel shim and the reference kernel. One producer and one consumer per ring;
// several threads producing into one ring must serialise among themselves (the CQ has one logical producer).
#pragma once

#include <ringport/native_ring.h>

namespace ringport::native {

// Result of a ring operation: a value, or an rp_ring_error. Deliberately tiny (no std::expected in freestanding).
template <class T>
class [[nodiscard]] RingResult {
public:
	constexpr RingResult(T value) : value_(value), error_(RP_RING_OK) {}
	constexpr RingResult(rp_ring_error error) : value_(), error_(error) {}
	constexpr bool ok() const { return error_ == RP_RING_OK; }
	constexpr rp_ring_error error() const { return error_; }
	constexpr const T& value() const { return value_; }

private:
	T value_;
	rp_ring_error error_;
};

namespace detail {
inline uint64_t load_acquire(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline uint64_t load_relaxed(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
inline void store_release(uint64_t* p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
inline uint32_t load_acquire32(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
// Orders a published index before the read of the other side's waiter count (and vice versa): without it a
// producer could miss a consumer that is about to sleep.
inline void full_fence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
} // namespace detail

constexpr bool is_power_of_two(uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Bytes of the entry array for a ring of `entries` slots of `entry_size` bytes.
constexpr uint64_t entry_array_bytes(uint32_t entries, uint32_t entry_size) { return uint64_t(entries) * entry_size; }

// Writes a fresh header into memory owned by the ring's creator. Returns RP_RING_CORRUPT for a count that is
// not a power of two.
inline rp_ring_error init_header(rp_ring_header* h, uint32_t entries, uint32_t entry_size, uint32_t flags)
{
	if (!is_power_of_two(entries))
		return RP_RING_CORRUPT;
	*h = rp_ring_header{};
	h->version = RP_RING_ABI_VERSION;
	h->entry_count = entries;
	h->mask = entries - 1;
	h->flags = flags;
	h->entry_size = entry_size;
	return RP_RING_OK;
}

// Checks the fixed fields of a header the other side may have scribbled on.
inline rp_ring_error check_header(const rp_ring_header* h, uint32_t entry_size)
{
	if (h->version != RP_RING_ABI_VERSION || h->entry_size != entry_size || !is_power_of_two(h->entry_count) ||
	    h->mask != h->entry_count - 1)
		return RP_RING_CORRUPT;
	return RP_RING_OK;
}

inline bool is_dropped(const rp_ring_header* h) { return (__atomic_load_n(&h->status, __ATOMIC_ACQUIRE) & RP_RING_DROP) != 0; }
inline void mark_dropped(rp_ring_header* h) { __atomic_fetch_or(&h->status, uint32_t(RP_RING_DROP), __ATOMIC_RELEASE); }

// Producer side of a ring of Entry. Entries are staged with push() and become visible at publish().
// entry_count and mask are captured at attach time, so a later scribble on the header cannot make the
// producer write outside its array.
template <class Entry>
class Producer {
public:
	Producer() = default;
	Producer(rp_ring_header* header, Entry* entries, uint32_t* indirect = nullptr)
	    : header_(header), entries_(entries), indirect_(indirect), mask_(header->mask), count_(header->entry_count),
	      tail_(detail::load_relaxed(&header->tail)), head_(detail::load_acquire(&header->head))
	{
	}

	// Free slots, re-reading the consumer's head. Negative-looking distances mean a corrupted head.
	RingResult<uint32_t> space()
	{
		head_ = detail::load_acquire(&header_->head);
		uint64_t used = tail_ - head_;
		if (used > count_)
			return RP_RING_CORRUPT;
		return uint32_t(count_ - used);
	}

	// Stages one entry. Fails with RP_RING_FULL without side effects when there is no room.
	rp_ring_error push(const Entry& e)
	{
		if (rp_ring_error err = reserve(1); err != RP_RING_OK)
			return err;
		put(tail_++, e);
		return RP_RING_OK;
	}

	// Stages two slots that must be consumed together (an extended completion). Both or neither.
	template <class Second>
	rp_ring_error push_pair(const Entry& first, const Second& second)
	{
		static_assert(sizeof(Second) == sizeof(Entry), "a pair fills two slots");
		if (rp_ring_error err = reserve(2); err != RP_RING_OK)
			return err;
		put(tail_++, first);
		__builtin_memcpy(&entries_[slot(tail_++)], &second, sizeof(Entry));
		return RP_RING_OK;
	}

	// Makes staged entries visible. Returns true when a consumer sleeps and must be woken.
	bool publish()
	{
		detail::store_release(&header_->tail, tail_);
		detail::full_fence();
		return detail::load_acquire32(&header_->tail_waiters) != 0;
	}

	uint64_t staged_tail() const { return tail_; }
	// The consumer's head as last read: wait on this value after RP_RING_FULL (never re-read it for the wait,
	// or a release between the two reads is missed).
	uint64_t seen_head() const { return head_; }
	rp_ring_header* header() const { return header_; }

private:
	rp_ring_error reserve(uint32_t n)
	{
		if (is_dropped(header_))
			return RP_RING_DROPPED;
		if (tail_ - head_ + n > count_) {
			auto free = space();
			if (!free.ok())
				return free.error();
			if (free.value() < n)
				return RP_RING_FULL;
		}
		return RP_RING_OK;
	}
	uint32_t slot(uint64_t index) const { return uint32_t(index) & mask_; }
	void put(uint64_t index, const Entry& e)
	{
		if (indirect_) {
			// Identity mapping by default; a producer that wants another order writes indirect_ itself.
			uint32_t s = slot(index);
			entries_[s] = e;
			indirect_[s] = s;
		} else {
			entries_[slot(index)] = e;
		}
	}

	rp_ring_header* header_ = nullptr;
	Entry* entries_ = nullptr;
	uint32_t* indirect_ = nullptr;
	uint32_t mask_ = 0;
	uint32_t count_ = 0;
	uint64_t tail_ = 0;
	uint64_t head_ = 0;
};

// Consumer side. Every entry is copied out exactly once before use; indices are bounds-checked.
template <class Entry>
class Consumer {
public:
	Consumer() = default;
	Consumer(rp_ring_header* header, Entry* entries, const uint32_t* indirect = nullptr)
	    : header_(header), entries_(entries), indirect_(indirect), mask_(header->mask), count_(header->entry_count),
	      head_(detail::load_relaxed(&header->head)), tail_(detail::load_acquire(&header->tail))
	{
	}

	// Entries ready to consume, re-reading the producer's tail.
	RingResult<uint32_t> ready()
	{
		if (is_dropped(header_))
			return RP_RING_DROPPED;
		tail_ = detail::load_acquire(&header_->tail);
		uint64_t avail = tail_ - head_;
		if (avail > count_)
			return RP_RING_CORRUPT;
		return uint32_t(avail);
	}

	// Copies the next entry into *out. RP_RING_BAD_INDEX consumes the bad slot (counted in header.dropped) so
	// the caller can carry on with the next one.
	rp_ring_error pop(Entry* out)
	{
		if (rp_ring_error err = want(1); err != RP_RING_OK)
			return err;
		return take(out);
	}

	// Copies the next entry into *out without consuming it (RP_RING_EMPTY when there is none). An indirect
	// index out of range gives RP_RING_BAD_INDEX and leaves the slot for pop() to count and skip.
	rp_ring_error peek(Entry* out)
	{
		if (rp_ring_error err = want(1); err != RP_RING_OK)
			return err;
		uint32_t s = slot(head_);
		if (indirect_) {
			uint32_t named = __atomic_load_n(&indirect_[s], __ATOMIC_RELAXED);
			if (named > mask_)
				return RP_RING_BAD_INDEX;
			s = named;
		}
		__builtin_memcpy(out, &entries_[s], sizeof(Entry));
		return RP_RING_OK;
	}

	// Pops a completion that may be extended: *wide receives the full 64-bit result either way.
	template <class Ext>
	rp_ring_error pop_wide(Entry* out, int64_t* wide)
	{
		if (rp_ring_error err = want(1); err != RP_RING_OK)
			return err;
		Entry first;
		__builtin_memcpy(&first, &entries_[slot(head_)], sizeof(Entry));
		if (!(first.flags & RP_CQE_EXTENDED)) {
			*out = first;
			*wide = first.status;
			++head_;
			return RP_RING_OK;
		}
		// The pair was published by one tail update: seeing only half of it means the producer is broken.
		if (tail_ - head_ < 2) {
			auto r = ready();
			if (!r.ok())
				return r.error();
			if (r.value() < 2)
				return RP_RING_CORRUPT;
		}
		Ext ext;
		__builtin_memcpy(&ext, &entries_[slot(head_ + 1)], sizeof(Ext));
		*out = first;
		*wide = ext.result;
		head_ += 2;
		return RP_RING_OK;
	}

	// Hands consumed slots back to the producer. Returns true when a producer sleeps and must be woken.
	bool release()
	{
		detail::store_release(&header_->head, head_);
		detail::full_fence();
		return detail::load_acquire32(&header_->head_waiters) != 0;
	}

	uint64_t consumed_head() const { return head_; }
	// The producer's tail as last read: wait on this value after RP_RING_EMPTY.
	uint64_t seen_tail() const { return tail_; }
	rp_ring_header* header() const { return header_; }

private:
	rp_ring_error want(uint32_t n)
	{
		if (is_dropped(header_))
			return RP_RING_DROPPED;
		if (tail_ - head_ < n || tail_ - head_ > count_) {
			auto r = ready();
			if (!r.ok())
				return r.error();
			if (r.value() < n)
				return RP_RING_EMPTY;
		}
		return RP_RING_OK;
	}
	uint32_t slot(uint64_t index) const { return uint32_t(index) & mask_; }
	rp_ring_error take(Entry* out)
	{
		uint32_t s = slot(head_);
		if (indirect_) {
			uint32_t named = __atomic_load_n(&indirect_[s], __ATOMIC_RELAXED);
			if (named > mask_) {
				++head_;
				__atomic_fetch_add(&header_->dropped, 1, __ATOMIC_RELAXED);
				return RP_RING_BAD_INDEX;
			}
			s = named;
		}
		__builtin_memcpy(out, &entries_[s], sizeof(Entry));
		++head_;
		return RP_RING_OK;
	}

	rp_ring_header* header_ = nullptr;
	Entry* entries_ = nullptr;
	const uint32_t* indirect_ = nullptr;
	uint32_t mask_ = 0;
	uint32_t count_ = 0;
	uint64_t head_ = 0;
	uint64_t tail_ = 0;
};

using SqProducer = Producer<rp_sqe>;
using SqConsumer = Consumer<rp_sqe>;
using CqProducer = Producer<rp_cqe>;
using CqConsumer = Consumer<rp_cqe>;

// Posts a completion, as an extended pair when the result does not fit the 32-bit status.
inline rp_ring_error post_completion(CqProducer& cq, uint64_t user_data, int64_t result, uint32_t flags)
{
	if (result >= INT32_MIN && result <= INT32_MAX)
		return cq.push(rp_cqe{user_data, int32_t(result), flags & ~uint32_t(RP_CQE_EXTENDED)});
	// The short status still says success or failure at a glance.
	rp_cqe first{user_data, result < 0 ? INT32_MIN : INT32_MAX, flags | RP_CQE_EXTENDED};
	return cq.push_pair(first, rp_cqe_ext{result, 0});
}

// Pops one completion with its full result.
inline rp_ring_error pop_completion(CqConsumer& cq, rp_cqe* cqe, int64_t* result)
{
	return cq.pop_wide<rp_cqe_ext>(cqe, result);
}

} // namespace ringport::native
