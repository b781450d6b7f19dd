// Kernel-to-userspace attachment: how the hosted OS and a scheme server talk.
//
// A server registers scheme NAME by listening on the abstract unix socket "ringport-scheme:NAME"
// (SOCK_SEQPACKET). The OS of a client process connects on its first open of "NAME:..." and sends two memfds
// with SCM_RIGHTS: a shared ring (requests in the SQ, replies in the CQ) and a data area of slots. Requests are
// native SQEs: fd = the server's handle, addr = slot index, user_data = the OS's tag; replies are CQEs with the
// tag. Open's path, Write's bytes and Read's result travel through the request's slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>

namespace ringport::hosted::scheme {

constexpr uint32_t slot_size = 64 * 1024;
constexpr uint32_t slot_count = 64;
constexpr uint32_t ring_entries = 64; // SQ; the CQ has twice as many
constexpr size_t data_bytes = size_t(slot_size) * slot_count;
constexpr size_t max_name = 64;

// A scheme name: letters, digits, '_', '-', '.'.
inline bool valid_name(const char* s, size_t n)
{
	if (n == 0 || n > max_name)
		return false;
	for (size_t i = 0; i < n; ++i) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

// The rendezvous address of a scheme; returns the address length.
inline socklen_t address(const std::string& name, sockaddr_un* a)
{
	std::memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	std::string path = "ringport-scheme:" + name;
	std::memcpy(a->sun_path + 1, path.data(), path.size()); // sun_path[0] = 0: the abstract namespace
	return socklen_t(offsetof(sockaddr_un, sun_path) + 1 + path.size());
}

} // namespace ringport::hosted::scheme
