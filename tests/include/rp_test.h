/* Common includes for CMocka tests (CMocka needs these before its own header). */
#ifndef RP_TEST_H
#define RP_TEST_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
/* CMocka defines a fail() macro that breaks libstdc++ headers included after it: include them first. */
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
extern "C" {
#endif
#include <cmocka.h>
#ifdef __cplusplus
}
#endif
#endif
