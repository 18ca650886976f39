/* tests/unit/test_ui.c: the console's pure parts: the key table and its
 * bar, large type, the text field, outside text made safe, sentences. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ui/ui_int.h"

/* Every context a screen can be in. */
static const unsigned contexts[] = {
	UI_CX_SIGNIN, UI_CX_FORM, UI_CX_CONFIRM, UI_CX_CASH, UI_CX_LIVE,
	UI_CX_DONE,   UI_CX_HISTORY, UI_CX_HFORM, UI_CX_DETAIL, UI_CX_RAW,
	UI_CX_RESOLVE, UI_CX_HELP, UI_CX_ASK, UI_CX_MENU, UI_CX_PAYOUT,
	UI_CX_PAYOUT_CONFIRM, UI_CX_PAYOUT_DONE, UI_CX_BULK, UI_CX_BULK_RUN,
	UI_CX_BALANCE, UI_CX_REPORT, UI_CX_C2B, UI_CX_QR, UI_CX_REVERSE,
	UI_CX_CLAIM, UI_CX_SURE, UI_CX_REVERSIBLE, UI_CX_DETAIL | UI_CX_REVERSIBLE,
	UI_CX_DONE | UI_CX_RETRYABLE,
};
#define N_CX (sizeof contexts / sizeof contexts[0])

/* Every menu row fits 80 columns: "> 1  label(16) what(54)". */
static void test_menu_rows_fit(void **state)
{
	(void)state;
#define UI_MENU(ops, role_action, label, what)                                 \
	assert_in_range(strlen(label), 1, 16);                                  \
	assert_in_range(strlen(what), 1, 54);
#include "ui/menu.def"
}

static void test_bar_fits_and_keeps_help_and_quit(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CX; i++)
		for (int r = 0; r < ROLE_COUNT; r++) {
			bool in = contexts[i] != UI_CX_SIGNIN;
			char bar[512];
			ui_keys_bar(contexts[i], in, (enum role)r, 80, bar, sizeof bar);
			assert_true(strlen(bar) <= 80); /* ASCII labels: bytes = columns */
			if (contexts[i] != UI_CX_HELP && contexts[i] != UI_CX_ASK)
				assert_non_null(strstr(bar, "F1 Help"));
			if (contexts[i] != UI_CX_ASK)
				assert_non_null(strstr(bar, "F10 Quit"));
		}
}

/* A row only a supervisor may use never shows in a cashier's bar, and is
 * not allowed to a cashier. */
static void test_roles(void **state)
{
	(void)state;
	size_t n;
	const struct ui_keyrow *rows = ui_keys_table(&n);
	int supervisor_rows = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ui_keyrow *r = &rows[i];
		if (r->role_action == UI_ANYONE) {
			/* ...except the menu and signing out, for someone signed in */
			bool signed_in_only = r->action == UI_ACT_MENU || r->action == UI_ACT_SIGN_OUT;
			assert_int_equal(ui_keys_allowed(r, false, ROLE_CASHIER), !signed_in_only);
			assert_true(ui_keys_allowed(r, true, ROLE_CASHIER));
			continue;
		}
		assert_false(ui_keys_allowed(r, false, ROLE_ADMIN)); /* signed out */
		bool cashier = role_allows(ROLE_CASHIER, r->role_action);
		assert_int_equal(ui_keys_allowed(r, true, ROLE_CASHIER), cashier);
		assert_true(ui_keys_allowed(r, true, ROLE_ADMIN));
		if (cashier || !r->label[0])
			continue;
		supervisor_rows++;
		for (size_t c = 0; c < N_CX; c++) {
			if (!(r->contexts & contexts[c]))
				continue;
			char bar[512], want[64], name[16];
			ui_keys_bar(contexts[c], true, ROLE_CASHIER, 200, bar, sizeof bar);
			snprintf(want, sizeof want, "%s %s", ui_keys_name(r->key, name, sizeof name),
			         r->label);
			assert_null(strstr(bar, want));
			ui_keys_bar(contexts[c], true, ROLE_SUPERVISOR, 200, bar, sizeof bar);
			assert_non_null(strstr(bar, want));
		}
	}
	assert_true(supervisor_rows > 0); /* the test above tested something */
}

/* Within one context no key means two things to the same operator: the
 * first row would silently shadow the second. */
static void test_no_shadowed_keys(void **state)
{
	(void)state;
	size_t n;
	const struct ui_keyrow *rows = ui_keys_table(&n);
	for (size_t c = 0; c < N_CX; c++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				const struct ui_keyrow *a = &rows[i], *b = &rows[j];
				if (!(a->contexts & b->contexts & contexts[c]) || a->action == b->action)
					continue;
				int ka[2] = {a->key, a->alt}, kb[2] = {b->key, b->alt};
				for (int x = 0; x < 2; x++)
					for (int y = 0; y < 2; y++)
						if (ka[x] && ka[x] == kb[y] &&
						    /* Esc: the screen's own row comes first on purpose */
						    ka[x] != 27)
							fail_msg("context %#x: key %d is both row %zu and row %zu",
							         contexts[c], ka[x], i, j);
			}
}

static void test_matching(void **state)
{
	(void)state;
	struct ui_key f1 = {.code = KEY_F(1), .fn = true};
	struct ui_key q = {.code = '?'};
	struct ui_key enter = {.code = '\n'};
	struct ui_key slash = {.code = '/'};
	assert_int_equal(ui_keys_match(UI_CX_FORM, &f1, true)->action, UI_ACT_HELP);
	/* While typing, ? and / are text, not keys. */
	assert_null(ui_keys_match(UI_CX_FORM, &q, true));
	assert_int_equal(ui_keys_match(UI_CX_HISTORY, &q, false)->action, UI_ACT_HELP);
	assert_int_equal(ui_keys_match(UI_CX_HISTORY, &slash, false)->action, UI_ACT_SEARCH);
	assert_null(ui_keys_match(UI_CX_HFORM, &slash, true));
	assert_int_equal(ui_keys_match(UI_CX_FORM, &enter, true)->action, UI_ACT_ENTER);
	assert_int_equal(ui_keys_match(UI_CX_CONFIRM, &enter, false)->action, UI_ACT_YES);
	/* A character code equal to a KEY_ code's low byte never matches it. */
	struct ui_key fake = {.code = KEY_F(1), .fn = false};
	assert_null(ui_keys_match(UI_CX_FORM, &fake, false));
}

static void test_key_names(void **state)
{
	(void)state;
	static const struct {
		int key;
		const char *name;
	} cases[] = {
		{KEY_F(1), "F1"}, {KEY_F(10), "F10"}, {27, "Esc"}, {'\n', "Enter"},
		{'?', "?"}, {' ', "Space"}, {KEY_NPAGE, "PgDn"}, {0x01, "?"},
		{KEY_BTAB, "Shift-Tab"},
	};
	char out[16];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(ui_keys_name(cases[i].key, out, sizeof out), cases[i].name);
	char tiny[3];
	assert_string_equal(ui_keys_name(27, tiny, sizeof tiny), "Es");
}

static void test_bigtext(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"0123456789", "KES 1,500", "0708 374 149", "PAID", "NO ANSWER",
		"CANCELLED", "UNRESOLVED", "CHECKING", "FAILED", "HELD", "CASH", "",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int w = ui_big_width(ok[i]);
		assert_true(w >= 0);
		char row[512];
		for (int r = 0; r < UI_BIG_ROWS; r++) {
			assert_true(ui_big_row(ok[i], r, row, sizeof row));
			assert_int_equal((int)strlen(row), w); /* every row as wide */
		}
	}
	/* The longest amount a charge may have fits 80 columns. */
	assert_true(ui_big_width("KES 250,000") <= 76);
	assert_true(ui_big_width("0712 345 678") <= 76);
	/* O and 0, S and 5 look different. */
	char o[32], z[32];
	ui_big_row("O", 2, o, sizeof o);
	ui_big_row("0", 2, z, sizeof z);
	assert_string_not_equal(o, z);
	ui_big_row("S", 0, o, sizeof o);
	ui_big_row("5", 0, z, sizeof z);
	assert_string_not_equal(o, z);
	/* Hostile: a character without a glyph, a row out of range, no room. */
	static const char *const bad[] = {"é", "\x01", "PAID!", "\x7f"};
	char row[16];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(ui_big_width(bad[i]), -1);
		assert_false(ui_big_row(bad[i], 0, row, sizeof row));
	}
	assert_false(ui_big_row("1", 5, row, sizeof row));
	assert_false(ui_big_row("1", -1, row, sizeof row));
	assert_false(ui_big_row("0123456789", 0, row, sizeof row));
}

static struct ui_key ch(int c)
{
	return (struct ui_key){.code = c};
}

static void test_field(void **state)
{
	(void)state;
	struct ui_field f = {.label = "PIN", .max_chars = 4, .digits = true};
	struct ui_key k;
	assert_true(ui_field_key(&f, (k = ch('1'), &k)));
	assert_false(ui_field_key(&f, (k = ch('a'), &k)));
	assert_non_null(strstr(f.err, "digits only"));
	f.err[0] = '\0';
	for (int c = '2'; c <= '4'; c++)
		assert_true(ui_field_key(&f, (k = ch(c), &k)));
	assert_false(ui_field_key(&f, (k = ch('5'), &k))); /* full */
	assert_non_null(strstr(f.err, "at most 4"));
	assert_string_equal(f.text, "1234");
	k = (struct ui_key){.code = KEY_BACKSPACE, .fn = true};
	assert_true(ui_field_key(&f, &k));
	assert_string_equal(f.text, "123");
	assert_true(ui_field_key(&f, (k = ch(0x15), &k))); /* Ctrl-U */
	assert_string_equal(f.text, "");
	k = (struct ui_key){.code = KEY_BACKSPACE, .fn = true};
	assert_false(ui_field_key(&f, &k)); /* nothing to remove */

	struct ui_field t = {.label = "Reference", .max_chars = 12};
	assert_false(ui_field_key(&t, (k = ch(0xe9), &k))); /* é */
	assert_non_null(strstr(t.err, "plain letters"));
	assert_false(ui_field_key(&t, (k = ch(0x07), &k))); /* a control character */
	assert_false(ui_field_key(&t, (k = ch(0), &k)));    /* NUL */
	const char *word = "INV 20 41";
	for (const char *p = word; *p; p++)
		assert_true(ui_field_key(&t, (k = ch(*p), &k)));
	assert_true(ui_field_key(&t, (k = ch(0x17), &k))); /* Ctrl-W */
	assert_string_equal(t.text, "INV 20 ");
	/* A field never holds more than UI_FIELD_MAX, whatever max_chars says. */
	struct ui_field big = {.label = "Big", .max_chars = 10000};
	for (int i = 0; i < UI_FIELD_MAX + 10; i++)
		ui_field_key(&big, (k = ch('x'), &k));
	assert_int_equal(strlen(big.text), UI_FIELD_MAX);
}

static void test_lines_json(void **state)
{
	(void)state;
	struct ui_lines l;
	const char *body = "{\"Body\":{\"stkCallback\":{\"ResultCode\":0,\"Items\":[1,2]}}}";
	assert_int_equal(ui_lines_json(body, strlen(body), &l), POS_OK);
	assert_true(l.n >= 6);
	assert_string_equal(l.line[0], "{");
	assert_string_equal(l.line[1], "  \"Body\": {");
	assert_string_equal(l.line[l.n - 1], "}");
	ui_lines_release(&l);

	/* Hostile: control characters, bytes that are not UTF-8, an embedded
	 * NUL, unbalanced brackets: all shown as '?' or kept, never raw. */
	static const char hostile[] = "{\"a\":\"x\x1b[2J\x07y\",\"b\":\"\xff\xfe\",\"c\":\"z\0w\"]]]}}";
	assert_int_equal(ui_lines_json(hostile, sizeof hostile - 1, &l), POS_OK);
	for (size_t i = 0; i < l.n; i++)
		for (const char *p = l.line[i]; *p; p++) {
			assert_true((unsigned char)*p >= 0x20);
			assert_true((unsigned char)*p != 0xff && (unsigned char)*p != 0xfe);
		}
	ui_lines_release(&l);

	/* Huge: capped, flagged, every line bounded. */
	size_t n = 2u * UI_LINES_BYTES_MAX;
	char *huge = malloc(n);
	assert_non_null(huge);
	for (size_t i = 0; i < n; i++)
		huge[i] = i % 2 ? ',' : '1';
	assert_int_equal(ui_lines_json(huge, n, &l), POS_OK);
	assert_true(l.truncated);
	assert_true(l.n <= UI_LINES_MAX);
	ui_lines_release(&l);
	memset(huge, 'a', n);
	assert_int_equal(ui_lines_json(huge, n, &l), POS_OK);
	for (size_t i = 0; i < l.n; i++)
		assert_true(strlen(l.line[i]) <= 400);
	ui_lines_release(&l);
	free(huge);

	assert_int_equal(ui_lines_json("", 0, &l), POS_OK);
	assert_int_equal(l.n, 0);
	ui_lines_release(&l);
}

static void test_sentence(void **state)
{
	(void)state;
	struct pos_err e;
	char out[128];
	pos_err_set(&e, POS_E_AUTH, "pin", "the operator id or the PIN is wrong");
	pos_err_hint(&e, "after 5 wrong PINs the operator is locked");
	assert_string_equal(ui_sentence(out, sizeof out, &e),
	                    "The operator id or the PIN is wrong. After 5 wrong PINs the "
	                    "operator is locked.");
	pos_err_clear(&e);
	e.code = POS_E_NET;
	assert_string_equal(ui_sentence(out, sizeof out, &e), "Daraja could not be reached.");
	pos_err_set(&e, POS_E_AMOUNT, "amount", "Done already!");
	assert_string_equal(ui_sentence(out, sizeof out, &e), "Done already!");
	char tiny[8];
	pos_err_set(&e, POS_E_AMOUNT, "amount", "a very long sentence");
	ui_sentence(tiny, sizeof tiny, &e);
	assert_true(strlen(tiny) < sizeof tiny);
}

static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(ui_text_width(""), 0);
	assert_int_equal(ui_text_width("abc"), 3);
	assert_int_equal(ui_text_width("·✓█"), 3);
	assert_int_equal(ui_text_width("\xff\xfe"), 2); /* invalid bytes count one each */
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bar_fits_and_keeps_help_and_quit),
		cmocka_unit_test(test_menu_rows_fit),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_no_shadowed_keys),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_bigtext),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_lines_json),
		cmocka_unit_test(test_sentence),
		cmocka_unit_test(test_text_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
