/*
 * The one pthread function newlib itself calls: its stdio locking macros disable cancellation around each
 * locked section (_POSIX_THREADS is on, sys/features.h). Threads, and so cancellation, come in part 2; until
 * then the state is only remembered.
 */
#include <errno.h>
#include <pthread.h>

static int rp_cancel_state = PTHREAD_CANCEL_ENABLE;

int pthread_setcancelstate(int state, int *old)
{
	if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE)
		return EINVAL;
	if (old)
		*old = rp_cancel_state;
	rp_cancel_state = state;
	return 0;
}
