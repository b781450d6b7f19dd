// The rules of ring registers (RP_SQE_REGISTERS, native_ring.h; docs/native-abi.md "Chains and registers"), in
// one place for every OS that runs them: which specifiers are valid, and loading and storing registers in an
// SQ header. Freestanding and header-only, like native_ops.hpp, whose argument table decides what may be loaded.
#pragma once

#include <ringport/native_ops.hpp>
#include <ringport/native_ring.h>

namespace ringport::native {

namespace registers_detail {
constexpr uint32_t first_field(uint32_t spec) { return spec & 7; }
constexpr uint32_t first_register(uint32_t spec) { return (spec >> 3) & 3; }
constexpr uint32_t second_field(uint32_t spec) { return (spec >> 5) & 7; }
constexpr uint32_t second_register(uint32_t spec) { return (spec >> 8) & 3; }
constexpr bool stores(uint32_t spec) { return (spec >> 10) & 1; }
constexpr uint32_t store_target(uint32_t spec) { return (spec >> 11) & 3; }
static_assert(first_field(RP_REG_LOAD(RP_REG_FIELD_A2, 3)) == RP_REG_FIELD_A2 && first_register(RP_REG_LOAD(1, 3)) == 3);
static_assert(second_field(RP_REG_LOAD2(RP_REG_FIELD_A1, 2)) == RP_REG_FIELD_A1 && second_register(RP_REG_LOAD2(1, 2)) == 2);
static_assert(stores(RP_REG_STORE(1)) && store_target(RP_REG_STORE(3)) == 3);

inline uint64_t* field(rp_sqe& s, uint32_t which)
{
	switch (which) {
	case RP_REG_FIELD_FD: return &s.fd;
	case RP_REG_FIELD_ADDR: return &s.addr;
	case RP_REG_FIELD_LEN: return &s.len;
	case RP_REG_FIELD_OFFSET: return &s.offset;
	case RP_REG_FIELD_A1: return &s.additional1;
	case RP_REG_FIELD_A2: return &s.additional2;
	default: return nullptr;
	}
}

constexpr Arg field_kind(const OpArgs& a, uint32_t which)
{
	switch (which) {
	case RP_REG_FIELD_FD: return a.fd;
	case RP_REG_FIELD_ADDR: return a.addr;
	case RP_REG_FIELD_LEN: return a.len;
	case RP_REG_FIELD_OFFSET: return a.offset;
	case RP_REG_FIELD_A1: return a.a1;
	case RP_REG_FIELD_A2: return a.a2;
	default: return Arg::unused;
	}
}
} // namespace registers_detail

// A register may feed a field the op reads as a number, an fd or caller memory; never a path or string (an OS
// copies those when it consumes the entry, so a later value could not reach the op) nor a field the op does not
// use. Scheme-private opcodes (no table entry): any field.
constexpr bool register_loadable(uint8_t opcode, uint32_t which)
{
	if (which < RP_REG_FIELD_FD || which > RP_REG_FIELD_A2)
		return false;
	if (opcode >= RP_OP_STANDARD_COUNT)
		return true;
	Arg k = registers_detail::field_kind(kOpArgs[opcode], which);
	return k != Arg::unused && k != Arg::path && k != Arg::string;
}

// Whether an RP_SQE_REGISTERS entry's specifier is acceptable (else the entry completes -EINVAL).
constexpr bool register_spec_valid(const rp_sqe& s)
{
	using namespace registers_detail;
	uint32_t spec = s.priority;
	if (spec & ~uint32_t(RP_REG_SPEC_VALID_BITS))
		return false;
	uint32_t f1 = first_field(spec), f2 = second_field(spec);
	if (f1 && f1 == f2)
		return false;
	return (!f1 || register_loadable(s.opcode, f1)) && (!f2 || register_loadable(s.opcode, f2));
}

// Loads the entry's registers into its fields, just before it starts. 0, or -EINVAL when a register it reads
// holds no value (its bit in registers_set is clear). The header is program-writable memory: read once each.
inline int64_t load_registers(const rp_ring_header* sq, rp_sqe& s)
{
	using namespace registers_detail;
	if (!(s.flags & RP_SQE_REGISTERS))
		return 0;
	uint32_t spec = s.priority;
	uint32_t set = __atomic_load_n(&sq->registers_set, __ATOMIC_ACQUIRE);
	struct {
		uint32_t field, reg;
	} loads[] = {{first_field(spec), first_register(spec)}, {second_field(spec), second_register(spec)}};
	for (auto& l : loads) {
		if (!l.field)
			continue;
		if (!(set & (1u << l.reg)))
			return -22; // EINVAL: read before anything was written to it
		*field(s, l.field) = uint64_t(__atomic_load_n(&sq->registers[l.reg], __ATOMIC_RELAXED));
	}
	return 0;
}

// Stores a successful result where the entry (as submitted) asks; a failure stores nothing.
inline void store_register(rp_ring_header* sq, const rp_sqe& submitted, int64_t result)
{
	using namespace registers_detail;
	if (result < 0 || !(submitted.flags & RP_SQE_REGISTERS) || !stores(submitted.priority))
		return;
	uint32_t reg = store_target(submitted.priority);
	__atomic_store_n(&sq->registers[reg], result, __ATOMIC_RELAXED);
	__atomic_fetch_or(&sq->registers_set, 1u << reg, __ATOMIC_RELEASE);
}

// The entry as the op's handler sees it: a plain entry, as if submitted alone.
inline void strip_chain_flags(rp_sqe& s)
{
	s.flags &= uint8_t(~(RP_SQE_CHAIN | RP_SQE_REGISTERS | RP_SQE_ASYNC)); // a step runs as a step: no placement of its own
	s.priority = 0;
}

} // namespace ringport::native
