/*
 * hop-floor: what one bounce of pipe-pingpong costs on this machine at the least, with no io_uring at all, for
 * the two ways a waiting thread can learn that its pipe became readable:
 *
 *   1 hop:  the waiting thread sleeps in read(2) itself; the peer's write(2) wakes it (what Linux's io_uring
 *           gets: the write wakes the task sleeping in io_uring_enter).
 *   2 hops: a separate epoll thread sleeps in epoll_wait; the write wakes it and it wakes the waiting thread
 *           through a futex (what the hosted OS's reactor and the shim's enter do).
 *
 *   hop-floor [ROUND_TRIPS]     prints p50 and p99 round trips for both.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct side {
	int in, out, epfd;
	uint32_t word; /* bumped by the epoll thread when `in` became readable */
	int hops;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

static void *epoll_thread(void *arg)
{
	struct side *s = arg;
	struct epoll_event ev;
	for (;;) {
		if (epoll_wait(s->epfd, &ev, 1, -1) != 1)
			continue;
		__atomic_fetch_add(&s->word, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &s->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static void receive(struct side *s)
{
	char c;
	if (s->hops == 2) {
		uint32_t seen = __atomic_load_n(&s->word, __ATOMIC_ACQUIRE);
		/* Re-arm (one-shot): readiness that is already there is reported at once. */
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET | EPOLLONESHOT};
		if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->in, &ev) != 0)
			fail("epoll_ctl");
		while (__atomic_load_n(&s->word, __ATOMIC_ACQUIRE) == seen)
			syscall(SYS_futex, &s->word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
	}
	if (read(s->in, &c, 1) != 1)
		fail("read");
}

static void send_byte(struct side *s)
{
	if (write(s->out, "x", 1) != 1)
		fail("write");
}

static unsigned long round_trips = 20000;
static struct side ping, pong;

static void *ponger(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < round_trips; i++) {
		receive(&pong);
		send_byte(&pong);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void run(int hops)
{
	int ab[2], ba[2];
	if (pipe(ab) || pipe(ba))
		fail("pipe");
	ping = (struct side){.in = ba[0], .out = ab[1], .hops = hops};
	pong = (struct side){.in = ab[0], .out = ba[1], .hops = hops};
	pthread_t reactors[2];
	struct side *sides[2] = {&ping, &pong};
	for (int i = 0; i < 2 && hops == 2; i++) {
		struct side *s = sides[i];
		s->epfd = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = 0}; /* armed by the first receive */
		if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->in, &ev) != 0)
			fail("epoll");
		pthread_create(&reactors[i], NULL, epoll_thread, s);
		pthread_detach(reactors[i]);
	}
	uint64_t *lat = malloc(round_trips * sizeof(*lat));
	pthread_t t;
	pthread_create(&t, NULL, ponger, NULL);
	for (unsigned long i = 0; i < round_trips; i++) {
		uint64_t t0 = now_ns();
		send_byte(&ping);
		receive(&ping);
		lat[i] = now_ns() - t0;
	}
	pthread_join(t, NULL);
	qsort(lat, round_trips, sizeof(*lat), cmp_u64);
	printf("%d hop%s  p50 %8llu ns  p99 %8llu ns\n", hops, hops == 1 ? " " : "s",
	       (unsigned long long)lat[round_trips / 2], (unsigned long long)lat[round_trips * 99 / 100]);
	free(lat);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		round_trips = strtoul(argv[1], NULL, 10);
	if (round_trips < 100)
		round_trips = 100;
	run(1);
	run(2);
	return 0;
}
