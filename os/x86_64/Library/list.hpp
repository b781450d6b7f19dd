// An intrusive doubly linked list: the element embeds a ListNode, so linking never allocates (safe in
// interrupt handlers and on paths that must not fail). List<T, &T::node> holds elements of type T.
//
//   struct Waiter { ListNode node; ... };
//   List<Waiter, &Waiter::node> waiters;     // constexpr-constructible: an empty list, no global constructor
//   waiters.push_back(&w);  for (Waiter *w : waiters) ...;  waiters.remove(&w);
//
// Removing the current element inside a range-for loop is safe (the iterator has read its successor).
#pragma once

#include <stddef.h>

namespace kernel {

struct ListNode {
	ListNode *prev = nullptr;
	ListNode *next = nullptr;
	void *item = nullptr; // the element that embeds this node, while linked (no offsetof tricks needed)
	bool linked() const { return item != nullptr; }
};

template <typename T, ListNode T::*Member>
class List {
public:
	constexpr List() = default;
	List(const List &) = delete;
	List &operator=(const List &) = delete;

	bool empty() const { return head_ == nullptr; }
	size_t size() const { return size_; }
	T *front() const { return head_ ? static_cast<T *>(head_->item) : nullptr; }
	T *back() const { return tail_ ? static_cast<T *>(tail_->item) : nullptr; }

	void push_back(T *item)
	{
		ListNode *n = &(item->*Member);
		n->item = item;
		n->prev = tail_;
		n->next = nullptr;
		if (tail_)
			tail_->next = n;
		else
			head_ = n;
		tail_ = n;
		size_++;
	}

	void push_front(T *item)
	{
		ListNode *n = &(item->*Member);
		n->item = item;
		n->prev = nullptr;
		n->next = head_;
		if (head_)
			head_->prev = n;
		else
			tail_ = n;
		head_ = n;
		size_++;
	}

	// Unlinks item, which must be on this list.
	void remove(T *item)
	{
		ListNode *n = &(item->*Member);
		if (n->prev)
			n->prev->next = n->next;
		else
			head_ = n->next;
		if (n->next)
			n->next->prev = n->prev;
		else
			tail_ = n->prev;
		n->prev = n->next = nullptr;
		n->item = nullptr;
		size_--;
	}

	T *pop_front()
	{
		T *item = front();
		if (item)
			remove(item);
		return item;
	}

	// Links item just before position (which must be on this list); nullptr position: at the back.
	void insert_before(T *position, T *item)
	{
		if (!position) {
			push_back(item);
			return;
		}
		ListNode *p = &(position->*Member);
		ListNode *n = &(item->*Member);
		n->item = item;
		n->next = p;
		n->prev = p->prev;
		if (p->prev)
			p->prev->next = n;
		else
			head_ = n;
		p->prev = n;
		size_++;
	}

	// The element after item, or nullptr.
	static T *next(T *item)
	{
		ListNode *n = (item->*Member).next;
		return n ? static_cast<T *>(n->item) : nullptr;
	}
	// The element before item, or nullptr.
	static T *previous(T *item)
	{
		ListNode *n = (item->*Member).prev;
		return n ? static_cast<T *>(n->item) : nullptr;
	}

	class Iterator {
	public:
		explicit Iterator(T *item) : item_(item), next_(item ? List::next(item) : nullptr) {}
		T *operator*() const { return item_; }
		Iterator &operator++()
		{
			item_ = next_;
			next_ = item_ ? List::next(item_) : nullptr;
			return *this;
		}
		bool operator!=(const Iterator &other) const { return item_ != other.item_; }

	private:
		T *item_;
		T *next_;
	};
	Iterator begin() const { return Iterator(front()); }
	Iterator end() const { return Iterator(nullptr); }

private:
	ListNode *head_ = nullptr;
	ListNode *tail_ = nullptr;
	size_t size_ = 0;
};

} // namespace kernel
