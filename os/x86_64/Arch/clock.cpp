// PIT, TSC and RTC (clock.hpp), and Platform's now_ns (wait_for_event is the scheduler's: Tasks/).
#include "Arch/clock.hpp"
#include "Arch/cpu.hpp"
#include "Library/print.hpp"
#include "Platform/platform.hpp"
#include "Syscalls/hooks.hpp"

namespace kernel {

void timer_interrupt(bool from_user); // Tasks/: per-tick work (CPU-time samples, the running test's timeout)

namespace clock {
namespace {

constexpr uint32_t pit_hz = 1193182;
constexpr uint16_t pit_divisor = 1193; // 1000.15 Hz

uint64_t boot_tsc;
uint64_t tsc_frequency;
uint64_t ns_per_tsc_32; // ns per TSC tick, as a 32.32 fixed-point number
uint64_t realtime_at_boot_ns;
volatile uint64_t ticks;

uint8_t cmos(uint8_t reg)
{
	cpu::outb(0x70, reg);
	return cpu::inb(0x71);
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the usual era arithmetic).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = static_cast<unsigned>(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

uint64_t read_rtc_epoch_seconds()
{
	// Read twice until two reads agree, outside an update (status A bit 7), so no field rolls over mid-read.
	uint8_t a[7], b[7];
	auto read_all = [](uint8_t *v) {
		while (cmos(0x0A) & 0x80)
			;
		v[0] = cmos(0x00);
		v[1] = cmos(0x02);
		v[2] = cmos(0x04);
		v[3] = cmos(0x07);
		v[4] = cmos(0x08);
		v[5] = cmos(0x09);
		v[6] = cmos(0x32);
	};
	read_all(a);
	for (;;) {
		read_all(b);
		bool same = true;
		for (int i = 0; i < 7; i++)
			same = same && a[i] == b[i];
		if (same)
			break;
		for (int i = 0; i < 7; i++)
			a[i] = b[i];
	}
	uint8_t status_b = cmos(0x0B);
	bool bcd = !(status_b & 0x04);
	bool pm = !(status_b & 0x02) && (a[2] & 0x80);
	a[2] &= 0x7F;
	auto bin = [bcd](uint8_t v) -> unsigned { return bcd ? (v & 0x0F) + (v >> 4) * 10 : v; };
	unsigned second = bin(a[0]), minute = bin(a[1]), hour = bin(a[2]), day = bin(a[3]), month = bin(a[4]);
	unsigned year = bin(a[5]);
	unsigned century = bin(a[6]);
	if (!(status_b & 0x02)) { // 12-hour clock
		hour %= 12;
		if (pm)
			hour += 12;
	}
	year += (century >= 19 && century <= 30) ? century * 100 : 2000;
	int64_t days = days_from_civil(year, month, day);
	return static_cast<uint64_t>(days * 86400 + hour * 3600 + minute * 60 + second);
}

// TSC ticks during 50 ms of PIT channel 2 counting down once (mode 0, gate on, speaker off).
uint64_t measure_tsc_hz()
{
	constexpr uint16_t count = 59659; // 50 ms at 1193182 Hz
	uint8_t port61 = cpu::inb(0x61);
	cpu::outb(0x61, static_cast<uint8_t>((port61 & ~0x02) | 0x01)); // gate 2 on, speaker data off
	cpu::outb(0x43, 0xB0);                                          // channel 2, lobyte/hibyte, mode 0
	cpu::outb(0x42, count & 0xFF);
	cpu::outb(0x42, count >> 8);
	uint64_t start = cpu::rdtsc();
	while (!(cpu::inb(0x61) & 0x20)) // OUT2 goes high at terminal count
		;
	uint64_t end = cpu::rdtsc();
	cpu::outb(0x61, port61);
	return (end - start) * pit_hz / count;
}

} // namespace

void init()
{
	tsc_frequency = measure_tsc_hz();
	if (tsc_frequency < 1000000)
		panic("TSC calibration failed (%lu Hz)", tsc_frequency);
	ns_per_tsc_32 = static_cast<uint64_t>((static_cast<unsigned __int128>(1000000000ull) << 32) / tsc_frequency);
	boot_tsc = cpu::rdtsc();
	realtime_at_boot_ns = read_rtc_epoch_seconds() * 1000000000ull;

	cpu::outb(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2 (rate generator)
	cpu::outb(0x40, pit_divisor & 0xFF);
	cpu::outb(0x40, pit_divisor >> 8);
	print("clock: TSC %lu.%03lu MHz, realtime %lu s\n", tsc_frequency / 1000000, tsc_frequency / 1000 % 1000,
	      static_cast<uint64_t>(realtime_at_boot_ns / 1000000000u));
}

void tick(bool from_user)
{
	ticks = ticks + 1;
	timer_interrupt(from_user);
}

uint64_t monotonic_ms() { return now_ns(1) / 1000000; }
uint64_t tsc_hz() { return tsc_frequency; }

} // namespace clock

uint64_t now_ns(uint32_t clock_id)
{
	if (!valid_clock(clock_id))
		return UINT64_MAX;
	uint64_t delta = cpu::rdtsc() - clock::boot_tsc;
	uint64_t monotonic = static_cast<uint64_t>((static_cast<unsigned __int128>(delta) * clock::ns_per_tsc_32) >> 32);
	return clock_id == 0 ? clock::realtime_at_boot_ns + monotonic : monotonic;
}

} // namespace kernel
