// Program memory the shim keeps using after the system call that handed it over: the rings and SQE array of an
// IORING_SETUP_NO_MMAP ring (io_uring_setup) and a provided-buffer ring the program allocated
// (REGISTER_PBUF_RING). Linux pins such memory for the ring's life: every page must be present and writable at
// set-up (-EFAULT otherwise, wherever the bad page is), and the kernel keeps working on the pages after the
// program unmaps them. The host pins (host.h rp_host_pin_user) and gives the shim a view that stays valid; the
// shim only ever touches that view, never the program's addresses.
#include "optable.hpp"

namespace ringport::shim {

int pin_ring_memory(Ring& r, uint64_t rings_user, uint64_t sqes_user, uint64_t sqes_bytes)
{
	void* rings = nullptr;
	void* sqes = nullptr;
	if (int e = rp_host_pin_user(rings_user, r.rings_size, &r.rings_pin, &rings); e)
		return e;
	if (int e = rp_host_pin_user(sqes_user, sqes_bytes, &r.sqes_pin, &sqes); e) {
		unpin_ring_memory(r);
		return e;
	}
	r.rings = static_cast<uint8_t*>(rings);
	r.sqes = static_cast<uint8_t*>(sqes);
	return 0;
}

void unpin_ring_memory(Ring& r)
{
	if (r.sqes_pin)
		rp_host_unpin_user(r.sqes_pin);
	if (r.rings_pin)
		rp_host_unpin_user(r.rings_pin);
	r.sqes_pin = r.rings_pin = nullptr;
}

int pin_buffer_ring(BufGroup& g, uint64_t addr, uint64_t bytes)
{
	void* view = nullptr;
	if (int e = rp_host_pin_user(addr, bytes, &g.ring_pin, &view); e) {
		g.ring_pin = nullptr;
		return e;
	}
	g.ring_view = static_cast<uint8_t*>(view);
	return 0;
}

void unpin_buffer_ring(BufGroup& g)
{
	if (g.ring_pin)
		rp_host_unpin_user(g.ring_pin);
	g.ring_pin = nullptr;
	g.ring_view = nullptr;
}

} // namespace ringport::shim
