/*
 * base/clock.h: wall clock, monotonic clock, and Nairobi time.
 *
 * Daraja's timestamps are East Africa Time (UTC+3, no daylight saving) with
 * no zone marker. We compute them from UTC with gmtime_r plus three hours,
 * so the machine's TZ never matters.
 *
 * Tests may pin the wall clock: clock_set_fixed() (from test code) or the
 * environment variable MPESA_POS_TEST_CLOCK=<unix seconds>, which is honoured
 * only when MPESA_POS_TESTING=1 is also set (the test harness sets both; a
 * till never does). The monotonic clock is never pinned.
 *
 * Thread-safety: all functions may be called from any thread.
 */
#ifndef POS_BASE_CLOCK_H
#define POS_BASE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum { CLOCK_EAT_OFFSET_S = 3 * 3600 };

/* Unix time in milliseconds (pinned in tests). */
int64_t clock_now_ms(void);
/* Unix time in seconds (pinned in tests). */
time_t clock_now(void);
/* Monotonic milliseconds, for timeouts and latency. */
int64_t clock_mono_ms(void);

/* Pin the wall clock to t (seconds); t < 0 unpins. For tests. */
void clock_set_fixed(time_t t);
/* Read MPESA_POS_TEST_CLOCK when MPESA_POS_TESTING=1. Returns true if pinned. */
bool clock_init_from_env(void);

/* Broken-down Nairobi (EAT) time of t. */
void clock_eat_tm(time_t t, struct tm *out);
/* "YYYYMMDDHHmmss" in EAT (Daraja's Timestamp); out must hold 15 bytes. */
void clock_daraja_timestamp(time_t t, char out[15]);
/* "2025-03-14T10:15:02+03:00"; out must hold 26 bytes. */
void clock_iso8601_eat(time_t t, char out[26]);
/* "2025-03-14T07:15:02.123Z" (logs); out must hold 25 bytes. */
void clock_iso8601_utc_ms(int64_t ms, char out[25]);

/* Parse Daraja's "YYYYMMDDHHmmss" (EAT) into Unix seconds. False if malformed
 * (wrong length, non-digits, impossible month/day/hour/minute/second). */
bool clock_parse_daraja_timestamp(const char *s, time_t *out);
/* Parse "YYYY-MM-DD" as the start of that day in EAT. */
bool clock_parse_date_eat(const char *s, time_t *out);

/* Days from 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t clock_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
