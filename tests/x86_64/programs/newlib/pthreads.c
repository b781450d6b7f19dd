/*
 * The newlib pthread layer under the reference kernel (tests/x86_64/run-pthread-smoke.sh builds it against
 * the reference sysroot): threads with join results and per-thread errno, a mutex-protected counter, a
 * condition-variable queue, barriers (one serial thread per round), a semaphore ping-pong, a detached thread,
 * malloc from many threads at once (newlib's locks), a stack size attribute, a timed wait that times out, and a
 * process-shared barrier across fork in MAP_SHARED memory. Exits 0 when every check passed.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                                                           \
	do {                                                                                                   \
		if (!(c)) {                                                                                        \
			printf("FAIL: %s (line %d)\n", #c, __LINE__);                                                 \
			failures++;                                                                                    \
		}                                                                                                  \
	} while (0)

#define THREADS 4

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg)
{
	long id = (long)arg;
	errno = (int)(100 + id);
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
		if (i % 5000 == 0)
			sched_yield();
	}
	/* errno is per thread (each has its own struct _reent) */
	return (void *)(long)(errno == 100 + id ? id * 10 : -1);
}

/* A bounded queue with two condition variables. */
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int queue[8], queue_head, queue_count;
#define ITEMS 2000

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&queue_lock);
		while (queue_count == 8)
			pthread_cond_wait(&not_full, &queue_lock);
		queue[(queue_head + queue_count++) % 8] = i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&queue_lock);
	}
	return 0;
}

static pthread_barrier_t barrier;
static volatile int serial_count[3];
static volatile int round_arrivals[3];

static void *barrier_worker(void *arg)
{
	(void)arg;
	for (int round = 0; round < 3; round++) {
		__atomic_fetch_add(&round_arrivals[round], 1, __ATOMIC_RELAXED);
		int r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial_count[round], 1, __ATOMIC_RELAXED);
		else if (r != 0)
			return (void *)1;
		/* after the barrier every thread of this round has arrived */
		if (round_arrivals[round] != THREADS)
			return (void *)2;
	}
	return 0;
}

static sem_t ping, pong;
static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	return 0;
}

static sem_t detached_done;
static void *detached_main(void *arg)
{
	(void)arg;
	sem_post(&detached_done);
	return 0;
}

static void *allocator(void *arg)
{
	unsigned seed = (unsigned)(long)arg;
	void *blocks[32] = {0};
	for (int i = 0; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		int slot = (int)(seed >> 16) % 32;
		free(blocks[slot]);
		blocks[slot] = malloc(16 + (seed >> 8) % 2000);
		if (!blocks[slot])
			return (void *)1;
		memset(blocks[slot], (int)slot, 16);
	}
	for (int i = 0; i < 32; i++)
		free(blocks[i]);
	return 0;
}

static void *big_stack(void *arg)
{
	(void)arg;
	volatile char buffer[512 * 1024]; /* needs more than a small default would give */
	buffer[0] = 1;
	buffer[sizeof buffer - 1] = 2;
	return (void *)(long)(buffer[0] + buffer[sizeof buffer - 1]);
}

int main(void)
{
	setvbuf(stdout, 0, _IONBF, 0);
	pthread_t threads[THREADS];

	/* Threads, a mutex, join results, per-thread errno, distinct pthread_t. */
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&threads[i], 0, count_up, (void *)i) == 0);
	for (long i = 0; i < THREADS; i++) {
		void *result = 0;
		CHECK(pthread_join(threads[i], &result) == 0);
		CHECK((long)result == i * 10);
		CHECK(!pthread_equal(threads[i], pthread_self()));
	}
	CHECK(counter == THREADS * 20000L);
	CHECK(pthread_join(threads[0], 0) == ESRCH); /* already joined */

	/* Condition variables: every item arrives once, in order. */
	pthread_t prod;
	CHECK(pthread_create(&prod, 0, producer, 0) == 0);
	int expected = 1, in_order = 1;
	for (int n = 0; n < ITEMS; n++) {
		pthread_mutex_lock(&queue_lock);
		while (queue_count == 0)
			pthread_cond_wait(&not_empty, &queue_lock);
		int item = queue[queue_head];
		queue_head = (queue_head + 1) % 8;
		queue_count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&queue_lock);
		if (item != expected++)
			in_order = 0;
	}
	CHECK(in_order);
	CHECK(pthread_join(prod, 0) == 0);

	/* Barriers. */
	CHECK(pthread_barrier_init(&barrier, 0, THREADS) == 0);
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&threads[i], 0, barrier_worker, 0) == 0);
	for (long i = 0; i < THREADS; i++) {
		void *result = (void *)9;
		CHECK(pthread_join(threads[i], &result) == 0 && result == 0);
	}
	for (int round = 0; round < 3; round++)
		CHECK(serial_count[round] == 1);
	CHECK(pthread_barrier_destroy(&barrier) == 0);

	/* Semaphores. */
	CHECK(sem_init(&ping, 0, 0) == 0 && sem_init(&pong, 0, 0) == 0);
	pthread_t pong_thread;
	CHECK(pthread_create(&pong_thread, 0, ponger, 0) == 0);
	for (int i = 0; i < 500; i++) {
		sem_post(&ping);
		sem_wait(&pong);
	}
	CHECK(pthread_join(pong_thread, 0) == 0);
	int value = -1;
	CHECK(sem_getvalue(&ping, &value) == 0 && value == 0);
	CHECK(sem_trywait(&ping) == -1 && errno == EAGAIN);

	/* A detached thread (its resources go back at the next pthread_create). */
	CHECK(sem_init(&detached_done, 0, 0) == 0);
	pthread_attr_t attr;
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0);
	pthread_t detached;
	CHECK(pthread_create(&detached, &attr, detached_main, 0) == 0);
	CHECK(sem_wait(&detached_done) == 0);
	CHECK(pthread_join(detached, 0) == EINVAL);

	/* malloc/free from several threads at once. */
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&threads[i], 0, allocator, (void *)(i + 1)) == 0);
	for (long i = 0; i < THREADS; i++) {
		void *result = (void *)9;
		CHECK(pthread_join(threads[i], &result) == 0 && result == 0);
	}

	/* A stack size attribute. */
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setstacksize(&attr, 1u << 20) == 0);
	pthread_t big;
	CHECK(pthread_create(&big, &attr, big_stack, 0) == 0);
	void *sum = 0;
	CHECK(pthread_join(big, &sum) == 0 && (long)sum == 3);
	CHECK(pthread_attr_destroy(&attr) == 0);

	/* A timed wait that times out (futex(2) with an absolute CLOCK_REALTIME time). */
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += 50 * 1000 * 1000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	CHECK(pthread_cond_timedwait(&c, &m, &deadline) == ETIMEDOUT);
	pthread_mutex_unlock(&m);

	/* A process-shared barrier across fork, in MAP_SHARED|MAP_ANONYMOUS memory. */
	pthread_barrier_t *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	pthread_barrierattr_t battr;
	CHECK(pthread_barrierattr_init(&battr) == 0);
	CHECK(pthread_barrierattr_setpshared(&battr, 1) == 0);
	CHECK(pthread_barrier_init(shared, &battr, 2) == 0);
	pid_t child = fork();
	if (child == 0) {
		for (int i = 0; i < 5; i++)
			pthread_barrier_wait(shared);
		_exit(0);
	}
	CHECK(child > 0);
	for (int i = 0; i < 5; i++)
		pthread_barrier_wait(shared);
	int status = -1;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	printf("pthreads: %s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
