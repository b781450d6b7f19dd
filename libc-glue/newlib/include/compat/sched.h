/* <sched.h> for newlib on the reference kernel: newlib's plus glibc's cpu_set_t and the affinity calls
   (Linux system calls 203/204). */
#ifndef RP_COMPAT_SCHED_H
#define RP_COMPAT_SCHED_H
#include_next <sched.h>
#include <stddef.h>
#include <sys/types.h>
#ifdef __cplusplus
extern "C" {
#endif
#define CPU_SETSIZE 1024
typedef struct {
	unsigned long __bits[CPU_SETSIZE / (8 * sizeof(unsigned long))];
} cpu_set_t;
#define __RP_CPU_WORD(cpu) ((cpu) / (8 * sizeof(unsigned long)))
#define __RP_CPU_BIT(cpu) (1UL << ((cpu) % (8 * sizeof(unsigned long))))
#define CPU_ZERO_S(size, set) __builtin_memset((set), 0, (size))
#define CPU_SET_S(cpu, size, set) \
	((size_t)(cpu) / 8 < (size) ? ((set)->__bits[__RP_CPU_WORD(cpu)] |= __RP_CPU_BIT(cpu)) : 0)
#define CPU_CLR_S(cpu, size, set) \
	((size_t)(cpu) / 8 < (size) ? ((set)->__bits[__RP_CPU_WORD(cpu)] &= ~__RP_CPU_BIT(cpu)) : 0)
#define CPU_ISSET_S(cpu, size, set) \
	((size_t)(cpu) / 8 < (size) ? (((set)->__bits[__RP_CPU_WORD(cpu)] & __RP_CPU_BIT(cpu)) != 0) : 0)
#define CPU_COUNT_S(size, set) __rp_cpu_count((size), (set))
#define CPU_ZERO(set) CPU_ZERO_S(sizeof(cpu_set_t), set)
#define CPU_SET(cpu, set) CPU_SET_S(cpu, sizeof(cpu_set_t), set)
#define CPU_CLR(cpu, set) CPU_CLR_S(cpu, sizeof(cpu_set_t), set)
#define CPU_ISSET(cpu, set) CPU_ISSET_S(cpu, sizeof(cpu_set_t), set)
#define CPU_COUNT(set) CPU_COUNT_S(sizeof(cpu_set_t), set)
static inline int __rp_cpu_count(size_t size, const cpu_set_t *set)
{
	int n = 0;
	for (size_t i = 0; i < size / sizeof(unsigned long); ++i)
		n += __builtin_popcountl(set->__bits[i]);
	return n;
}
int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set);
int sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set);
int sched_getcpu(void);
#ifdef __cplusplus
}
#endif
#endif
