/* <semaphore.h> for newlib on the reference kernel. Declarations only: the implementation comes with threads
   (part 2); a program that calls these does not link yet. */
#ifndef RP_COMPAT_SEMAPHORE_H
#define RP_COMPAT_SEMAPHORE_H
#include <time.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct {
	volatile unsigned int value;
	int pshared;
	long reserved[2];
} sem_t;
#define SEM_FAILED ((sem_t *)0)
int sem_init(sem_t *sem, int pshared, unsigned int value);
int sem_destroy(sem_t *sem);
int sem_wait(sem_t *sem);
int sem_trywait(sem_t *sem);
int sem_timedwait(sem_t *__restrict sem, const struct timespec *__restrict abstime);
int sem_post(sem_t *sem);
int sem_getvalue(sem_t *__restrict sem, int *__restrict value);
#ifdef __cplusplus
}
#endif
#endif
