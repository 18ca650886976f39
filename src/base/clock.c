/* base/clock.c: clocks and Nairobi time, independent of the machine's TZ. */
#include "base/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

static _Atomic long long fixed_time = -1;

void clock_set_fixed(time_t t)
{
	atomic_store(&fixed_time, (long long)t);
}

bool clock_init_from_env(void)
{
	const char *testing = getenv("MPESA_POS_TESTING");
	const char *v = getenv("MPESA_POS_TEST_CLOCK");
	uint64_t t;
	if (!testing || strcmp(testing, "1") != 0 || !v)
		return false;
	if (parse_u64_str(v, 4102444800u, &t) != POS_OK) /* before 2100 */
		return false;
	clock_set_fixed((time_t)t);
	return true;
}

int64_t clock_now_ms(void)
{
	long long f = atomic_load(&fixed_time);
	if (f >= 0)
		return (int64_t)f * 1000;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t clock_now(void)
{
	return (time_t)(clock_now_ms() / 1000);
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_eat_tm(time_t t, struct tm *out)
{
	time_t local = t + CLOCK_EAT_OFFSET_S;
	gmtime_r(&local, out);
}

/* Fields of a broken-down time reduced to their printed widths, so the
 * compiler can see every snprintf below fits. */
struct fields {
	unsigned y, mo, d, h, mi, s;
};

static struct fields fields_of(const struct tm *tm)
{
	return (struct fields){(unsigned)(tm->tm_year + 1900) % 10000u,
	                       (unsigned)(tm->tm_mon + 1) % 100u,
	                       (unsigned)tm->tm_mday % 100u, (unsigned)tm->tm_hour % 100u,
	                       (unsigned)tm->tm_min % 100u, (unsigned)tm->tm_sec % 100u};
}

void clock_daraja_timestamp(time_t t, char out[15])
{
	struct tm tm;
	clock_eat_tm(t, &tm);
	struct fields f = fields_of(&tm);
	snprintf(out, 15, "%04u%02u%02u%02u%02u%02u", f.y, f.mo, f.d, f.h, f.mi, f.s);
}

void clock_iso8601_eat(time_t t, char out[26])
{
	struct tm tm;
	clock_eat_tm(t, &tm);
	struct fields f = fields_of(&tm);
	snprintf(out, 26, "%04u-%02u-%02uT%02u:%02u:%02u+03:00", f.y, f.mo, f.d, f.h,
	         f.mi, f.s);
}

void clock_iso8601_utc_ms(int64_t ms, char out[25])
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	struct fields f = fields_of(&tm);
	snprintf(out, 25, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", f.y, f.mo, f.d, f.h,
	         f.mi, f.s, (unsigned)(ms % 1000) % 1000u);
}

int64_t clock_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

static bool digits_at(const char *s, size_t off, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = off; i < off + n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool civil_to_eat_time(unsigned y, unsigned mo, unsigned d, unsigned h,
                              unsigned mi, unsigned se, time_t *out)
{
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return false;
	int64_t days = clock_days_from_civil(y, mo, d);
	*out = (time_t)(days * 86400 + h * 3600 + mi * 60 + se - CLOCK_EAT_OFFSET_S);
	return true;
}

bool clock_parse_daraja_timestamp(const char *s, time_t *out)
{
	unsigned y, mo, d, h, mi, se;
	if (!s || strlen(s) != 14)
		return false;
	if (!digits_at(s, 0, 4, &y) || !digits_at(s, 4, 2, &mo) ||
	    !digits_at(s, 6, 2, &d) || !digits_at(s, 8, 2, &h) ||
	    !digits_at(s, 10, 2, &mi) || !digits_at(s, 12, 2, &se))
		return false;
	return civil_to_eat_time(y, mo, d, h, mi, se, out);
}

bool clock_parse_date_eat(const char *s, time_t *out)
{
	unsigned y, mo, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!digits_at(s, 0, 4, &y) || !digits_at(s, 5, 2, &mo) ||
	    !digits_at(s, 8, 2, &d))
		return false;
	return civil_to_eat_time(y, mo, d, 0, 0, 0, out);
}
