/* ui/draw.c: drawing helpers: UTF-8 text clipped to a width, wrapping,
 * times and amounts as the screens show them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/money.h"
#include "ui/ui_int.h"

/* Decode one UTF-8 character at s (n bytes left): its length (an invalid
 * byte counts as one character of width 1) and its display width. */
static size_t next_char(const char *s, size_t n, int *width)
{
	mbstate_t ps;
	memset(&ps, 0, sizeof ps);
	wchar_t wc;
	size_t len = mbrtowc(&wc, s, n, &ps);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		*width = 1;
		return 1;
	}
	int w = wcwidth(wc);
	*width = w < 0 ? 1 : w;
	return len;
}

int ui_text_width(const char *s)
{
	int total = 0;
	size_t n = strlen(s);
	while (n) {
		int w;
		size_t len = next_char(s, n, &w);
		total += w;
		s += len;
		n -= len;
	}
	return total;
}

int ui_put(int y, int x, int w, attr_t a, const char *s)
{
	if (w <= 0 || y < 0 || x < 0)
		return 0;
	/* Cut s at w columns, on a character boundary. */
	size_t n = strlen(s), bytes = 0;
	int cols = 0;
	while (bytes < n) {
		int cw;
		size_t len = next_char(s + bytes, n - bytes, &cw);
		if (cols + cw > w)
			break;
		/* Control characters never reach the terminal. */
		if ((unsigned char)s[bytes] < 0x20 || s[bytes] == 0x7f)
			break;
		cols += cw;
		bytes += len;
	}
	if (!bytes)
		return 0;
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(a);
	mvaddnstr(y, x, s, (int)bytes);
	attr_set(old, pair, NULL);
	return cols;
}

int ui_putf(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	return ui_put(y, x, w, a, line);
}

int ui_wrap(int y, int x, int w, int max_lines, attr_t a, const char *s)
{
	int lines = 0;
	char line[512];
	while (*s && lines < max_lines) {
		while (*s == ' ')
			s++;
		/* Take words while they fit. */
		size_t take = 0, last_space = 0, n = strlen(s);
		int cols = 0;
		while (take < n && s[take] != '\n') {
			int cw;
			size_t len = next_char(s + take, n - take, &cw);
			if (cols + cw > w)
				break;
			if (s[take] == ' ')
				last_space = take;
			cols += cw;
			take += len;
		}
		if (take < n && s[take] != '\n' && s[take] != ' ' && last_space > 0)
			take = last_space;
		if (take == 0 && n > 0 && s[0] != '\n')
			take = 1; /* a character wider than the line */
		str_copyn(line, sizeof line, s, take);
		ui_put(y + lines, x, w, a, line);
		lines++;
		s += take;
		if (*s == '\n')
			s++;
	}
	return lines;
}

void ui_hline(const struct ui *ui, int y, int x, int w, attr_t a)
{
	const char *g = ui_glyphs(ui)->hline;
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(a);
	for (int i = 0; i < w; i++)
		mvaddstr(y, x + i, g);
	attr_set(old, pair, NULL);
}

const char *ui_time_hms(int64_t ms, char *out, size_t outsz)
{
	struct tm tm;
	clock_eat_tm((time_t)(ms / 1000), &tm);
	snprintf(out, outsz, "%02d:%02d:%02d", tm.tm_hour % 100, tm.tm_min % 100,
	         tm.tm_sec % 100);
	return out;
}

const char *ui_time_short(int64_t ms, char *out, size_t outsz)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
	                                     "May", "Jun", "Jul", "Aug",
	                                     "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	clock_eat_tm((time_t)(ms / 1000), &tm);
	int mon = tm.tm_mon >= 0 && tm.tm_mon < 12 ? tm.tm_mon : 0;
	snprintf(out, outsz, "%02d %s %02d:%02d", tm.tm_mday % 100, months[mon],
	         tm.tm_hour % 100, tm.tm_min % 100);
	return out;
}

const char *ui_ago(int64_t then_ms, int64_t now_ms, char *out, size_t outsz)
{
	int64_t s = (now_ms - then_ms) / 1000;
	if (s < 5)
		str_copy(out, outsz, "just now");
	else if (s < 60)
		snprintf(out, outsz, "%lld s ago", (long long)s);
	else if (s < 3600)
		snprintf(out, outsz, "%lld min ago", (long long)(s / 60));
	else
		snprintf(out, outsz, "%lld h ago", (long long)(s / 3600));
	return out;
}

const char *ui_amount(const struct store_txn *t, char *out, size_t outsz)
{
	enum currency cur = CURRENCY_KES;
	if (t->currency[0])
		currency_parse(t->currency, &cur);
	return money_format(t->amount_minor, cur, out, outsz);
}

const char *ui_kind_short(enum txn_kind k)
{
	static const char *const names[TXN_KIND_COUNT] = {
		[TXN_KIND_STK] = "Charge",     [TXN_KIND_B2C] = "Payout",
		[TXN_KIND_C2B] = "Paybill",    [TXN_KIND_REVERSAL] = "Reversal",
		[TXN_KIND_CASH] = "Cash",      [TXN_KIND_STATUS] = "Status",
		[TXN_KIND_BALANCE] = "Balance",
	};
	return k < TXN_KIND_COUNT && names[k] ? names[k] : "?";
}

const char *ui_state_short(const struct store_txn *t)
{
	switch (t->state) {
	case TXN_CREATED: return "NOT SENT";
	case TXN_SENT: return "SENDING";
	case TXN_AWAITING: return "WAITING";
	case TXN_COMPLETED:
		if (t->kind == TXN_KIND_B2C)
			return "PAID OUT";
		if (t->kind == TXN_KIND_REVERSAL)
			return "REVERSED";
		if (t->kind == TXN_KIND_STATUS || t->kind == TXN_KIND_BALANCE)
			return "ANSWERED";
		return "PAID";
	case TXN_FAILED: return "FAILED";
	case TXN_CANCELLED: return "CANCELLED";
	case TXN_TIMED_OUT: return "NO ANSWER";
	case TXN_UNKNOWN: return "CHECKING";
	case TXN_UNRESOLVED: return "UNRESOLVED";
	case TXN_REVIEW: return "HELD";
	default: return "?";
	}
}

/* Copy s into out at `at`, upper-casing its first letter and ending it with
 * a full stop. Returns the new end. */
static size_t sentence(char *out, size_t outsz, size_t at, const char *s)
{
	while (*s == ' ')
		s++;
	if (!*s || at + 1 >= outsz)
		return at;
	int n = snprintf(out + at, outsz - at, "%s%s", at ? " " : "", s);
	if (n < 0)
		return at;
	size_t first = at + (at ? 1 : 0);
	at = at + (size_t)n < outsz ? at + (size_t)n : outsz - 1;
	if (first < at && out[first] >= 'a' && out[first] <= 'z')
		out[first] = (char)(out[first] - 'a' + 'A');
	if (at > 0 && out[at - 1] != '.' && out[at - 1] != '?' && out[at - 1] != '!' &&
	    at + 1 < outsz) {
		out[at++] = '.';
		out[at] = '\0';
	}
	return at;
}

const char *ui_sentence(char *out, size_t outsz, const struct pos_err *err)
{
	if (!outsz)
		return out;
	out[0] = '\0';
	size_t at = sentence(out, outsz, 0,
	                     err->msg[0] ? err->msg : pos_status_sentence(err->code));
	sentence(out, outsz, at, err->hint);
	return out;
}
