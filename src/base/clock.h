/* The monotonic clock every stage measures time with: budgets and
 * deadlines in the rule engine, the stage timings of a session, the CLI's
 * `--timings`. */
#ifndef TM_BASE_CLOCK_H
#define TM_BASE_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds; async-signal-safe. */
uint64_t tm_clock_ns(void);
/* The same in seconds. */
double tm_clock_seconds(void);

#endif
