// 8259 PIC setup (pic.hpp).
#include "Arch/pic.hpp"
#include "Arch/cpu.hpp"

namespace kernel::pic {

void init()
{
	cpu::outb(0x20, 0x11); // ICW1: initialise, ICW4 follows
	cpu::outb(0xA0, 0x11);
	cpu::outb(0x21, vector_base);     // ICW2: master at 0x20
	cpu::outb(0xA1, vector_base + 8); // slave at 0x28
	cpu::outb(0x21, 0x04);            // ICW3: slave on IRQ 2
	cpu::outb(0xA1, 0x02);
	cpu::outb(0x21, 0x01); // ICW4: 8086 mode
	cpu::outb(0xA1, 0x01);
	cpu::outb(0x21, 0xFE); // mask everything but IRQ 0
	cpu::outb(0xA1, 0xFF);
}

void end_of_interrupt(unsigned irq)
{
	if (irq >= 8)
		cpu::outb(0xA0, 0x20);
	cpu::outb(0x20, 0x20);
}

bool spurious(unsigned irq)
{
	if (irq != 7 && irq != 15)
		return false;
	uint16_t port = irq == 7 ? 0x20 : 0xA0;
	cpu::outb(port, 0x0B); // read the in-service register
	bool real = cpu::inb(port) & 0x80;
	if (!real && irq == 15)
		cpu::outb(0x20, 0x20); // the master did see the cascade
	return !real;
}

} // namespace kernel::pic
