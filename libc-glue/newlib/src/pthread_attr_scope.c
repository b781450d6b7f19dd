/*
 * Contention scope: every thread is a kernel thread (clone), so PTHREAD_SCOPE_SYSTEM is the only scope, as
 * on Linux, where asking for PTHREAD_SCOPE_PROCESS fails with ENOTSUP.
 */
#include "pthread_internal.h"

#include <errno.h>

int pthread_attr_setscope(pthread_attr_t *attr, int scope)
{
	if (!attr->is_initialized)
		return EINVAL;
	if (scope == PTHREAD_SCOPE_PROCESS)
		return ENOTSUP;
	if (scope != PTHREAD_SCOPE_SYSTEM)
		return EINVAL;
	attr->contentionscope = scope;
	return 0;
}

int pthread_attr_getscope(const pthread_attr_t *__restrict attr, int *__restrict scope)
{
	if (!attr->is_initialized)
		return EINVAL;
	*scope = PTHREAD_SCOPE_SYSTEM;
	return 0;
}
