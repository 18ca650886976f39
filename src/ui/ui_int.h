/*
 * ui/ui_int.h: what the console's files share (private to ui/).
 *
 * The console is a stack of screens over one frame (header, status line,
 * title, message line, function-key bar). Each screen is a small module
 * with the same operations (struct screen_ops): a key handler changes the
 * screen's state and returns UI_* flags, never calling curses; draw paints
 * the body from that state; notify hears which transactions changed; tick
 * runs timers. The loop (console.c) owns the terminal: it waits once on the
 * keyboard, the wake-up queue and the network, dispatches, and calls
 * doupdate() once per turn.
 *
 * Thread-safety: everything here runs on the thread that owns the terminal.
 */
#ifndef POS_UI_UI_INT_H
#define POS_UI_UI_INT_H

#include <ncurses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/flow.h"
#include "app/loop.h"
#include "base/status.h"
#include "core/role.h"
#include "store/store.h"
#include "ui/ui.h"

enum { UI_MIN_COLS = 80, UI_MIN_ROWS = 24 };

/* What a handler asks of the loop. */
enum {
	UI_UNHANDLED = 0,
	UI_HANDLED = 1u << 0, /* the key was used */
	UI_REDRAW = 1u << 1,  /* paint again */
	UI_LEAVE = 1u << 2,   /* close this screen */
};

/* Key contexts: where a row of keys.def applies. A screen says which one it
 * is in now (a form, a confirmation, a prompt in flight...). */
enum {
	UI_CX_SIGNIN = 1u << 0,
	UI_CX_FORM = 1u << 1,
	UI_CX_CONFIRM = 1u << 2,
	UI_CX_CASH = 1u << 3,
	UI_CX_LIVE = 1u << 4,
	UI_CX_DONE = 1u << 5,
	UI_CX_HISTORY = 1u << 6,
	UI_CX_HFORM = 1u << 7,
	UI_CX_DETAIL = 1u << 8,
	UI_CX_RAW = 1u << 9,
	UI_CX_RESOLVE = 1u << 10,
	UI_CX_HELP = 1u << 11,
	UI_CX_ASK = 1u << 12,
	UI_CX_MENU = 1u << 13,        /* the menu of every screen (F8) */
	/* Payout (B2C): the form, the last look with PIN re-entry and the
	 * approver's sign-in, the outcome; bulk payout: preview, run. */
	UI_CX_PAYOUT = 1u << 14,
	UI_CX_PAYOUT_CONFIRM = 1u << 15,
	UI_CX_PAYOUT_DONE = 1u << 16,
	UI_CX_BULK = 1u << 17,
	UI_CX_BULK_RUN = 1u << 18,
	UI_CX_BALANCE = 1u << 19,
	UI_CX_REPORT = 1u << 20,
	UI_CX_C2B = 1u << 21,         /* the live feed of paybill/till payments */
	UI_CX_QR = 1u << 22,
	UI_CX_REVERSE = 1u << 23,     /* reversal dialog over the detail view */
	UI_CX_CLAIM = 1u << 24,       /* claiming a paybill payment for a sale */
	UI_CX_SURE = 1u << 25,        /* yes or no before a C2B registration or
	                               * a reversal */
	UI_CX_REVERSIBLE = 1u << 26,  /* added to UI_CX_DETAIL when the payment
	                               * shown can be reversed (STK or C2B) */
	UI_CX_RETRYABLE = 1u << 27,   /* added to UI_CX_DONE when the charge
	                               * ended unpaid and can be sent again */
	/* Bits 28-30 are free: a screen that needs another context takes the
	 * next one and moves UI_CX_ALL. */
};
#define UI_CX_ALL ((1u << 28) - 1u)
#define UI_CX_IN (UI_CX_ALL & ~UI_CX_SIGNIN)
#define UI_CX_CHARGE_ANY \
	(UI_CX_FORM | UI_CX_CONFIRM | UI_CX_CASH | UI_CX_LIVE | UI_CX_DONE)
/* Where the navigation keys (F2, F3, F9) work: not inside a dialog. */
#define UI_CX_NAV                                                              \
	(UI_CX_FORM | UI_CX_LIVE | UI_CX_DONE | UI_CX_HISTORY | UI_CX_DETAIL |     \
	 UI_CX_RAW | UI_CX_HELP | UI_CX_MENU | UI_CX_PAYOUT | UI_CX_PAYOUT_DONE |  \
	 UI_CX_BULK | UI_CX_BALANCE | UI_CX_REPORT | UI_CX_C2B | UI_CX_QR)

/* A key row needs no role. */
#define UI_ANYONE ROLE_ACTION_COUNT

enum ui_action {
#define UI_ACTION(e) e,
#include "ui/keys.def"
	UI_ACT_COUNT
};

/* One key press: a character (code < KEY_MIN, fn false) or an ncurses
 * KEY_* code (fn true). Enter is '\n', Esc 27, Backspace KEY_BACKSPACE. */
struct ui_key {
	int code;
	bool fn;
	enum ui_action act; /* from keys.def for the current context, or NONE */
};

/* ---- keys.c: the table --------------------------------------------------- */
struct ui_keyrow {
	unsigned contexts;
	int key, alt;
	enum ui_action action;
	enum role_action role_action; /* UI_ANYONE: no role needed */
	const char *label;
	const char *help;
};
const struct ui_keyrow *ui_keys_table(size_t *n);
/* The row that key k means in context cx, or NULL. Printable characters
 * match only when typing is false. */
const struct ui_keyrow *ui_keys_match(unsigned cx, const struct ui_key *k,
                                      bool typing);
/* True when an operator of role r may use the row; signed out, only rows
 * that need no role, and not the menu or signing out. */
bool ui_keys_allowed(const struct ui_keyrow *row, bool signed_in, enum role r);
/* "F1", "Esc", "Enter", "Tab", "PgUp", "?" into out. */
const char *ui_keys_name(int key, char *out, size_t outsz);
/* The function-key bar for cx and the role, at most width columns:
 * "F1 Help  Enter Review ...". Entries that do not fit are left out (they
 * stay on the help screen); F1 Help is always first and Quit last. */
void ui_keys_bar(unsigned cx, bool signed_in, enum role r, size_t width,
                 char *out, size_t outsz);

/* ---- the console --------------------------------------------------------- */
struct ui;

struct ui_rect {
	int y, x, h, w;
};

struct screen_ops {
	const char *name;   /* "charge" (logs, tests) */
	const char *title;  /* "Charge" (title line) */
	/* Allocate the screen's state into *self. arg is the screen's own
	 * argument (e.g. a transaction id), may be NULL. */
	enum pos_status (*enter)(struct ui *ui, void **self, const void *arg,
	                         struct pos_err *err);
	void (*leave)(struct ui *ui, void *self);
	unsigned (*context)(const void *self);     /* UI_CX_* now */
	bool (*typing)(const void *self);          /* a text field has focus */
	unsigned (*key)(struct ui *ui, void *self, const struct ui_key *k);
	void (*draw)(struct ui *ui, void *self, const struct ui_rect *body);
	/* Transactions changed (ids; all = too many to list: refresh). May be
	 * NULL. Called for every screen on the stack, not only the top. */
	unsigned (*notify)(struct ui *ui, void *self, const int64_t *ids, size_t n,
	                   bool all);
	/* Timers: called every turn with the monotonic time; returns flags and
	 * lowers *next_ms to when it wants the next call. May be NULL. */
	unsigned (*tick)(struct ui *ui, void *self, int64_t now_mono,
	                 int64_t *next_ms);
};

extern const struct screen_ops ui_screen_signin;
extern const struct screen_ops ui_screen_charge;
extern const struct screen_ops ui_screen_history;
extern const struct screen_ops ui_screen_detail;
extern const struct screen_ops ui_screen_help;
extern const struct screen_ops ui_screen_menu;
/* Pushed, not in the menu: claiming a C2B payment for the sale at hand
 * (arg: the amount typed, const char *, may be NULL) and reversing a
 * payment from its detail (arg: const int64_t *, the transaction id). */
extern const struct screen_ops ui_screen_claim;
extern const struct screen_ops ui_screen_reverse;
/* Every screen the menu offers (ui/menu.def) is declared here. */
#define UI_MENU(ops, role_action, label, what) extern const struct screen_ops ops;
#include "ui/menu.def"

/* The operator signed in. */
struct ui_operator {
	bool in;
	int64_t id;
	char name[STORE_NAME_MAX];
	enum role role;
};

/* The status line, refreshed once a second. */
struct ui_status {
	bool daraja_known;       /* false until the first answer or failure */
	bool daraja_ok;          /* reachable */
	char breaker[16];        /* "closed", "open", "half-open" */
	bool listening;
	char listener[64];       /* "127.0.0.1:8090" or "poll mode" */
	bool outbox_known;
	int64_t outbox_lag;      /* events not yet delivered */
	int64_t last_callback_ms; /* wall clock; 0 = none this session */
	char notice[48];         /* the initiator password's expiry; "" = none */
	bool notice_alarm;       /* expired, not only near */
};

/* Glyphs, UTF-8 or ASCII. */
struct ui_glyphs {
	const char *hline;   /* "─" / "-" */
	const char *dot;     /* "·" / "-" */
	const char *ok;      /* "✓" / "+" */
	const char *bad;     /* "✗" / "x" */
	const char *wait;    /* "…" / "..." */
	const char *arrow;   /* "→" / "->" */
	const char *block;   /* "█" / "#" */
	const char *pin;     /* "•" / "*" */
	const char *sel;     /* "▶" / ">" */
};

/* Attributes by meaning (colour when allowed, else mono). */
enum ui_attr {
	UI_A_NORMAL,
	UI_A_HEADER,
	UI_A_MARKER,     /* the SIMULATOR / SANDBOX / PRODUCTION flag */
	UI_A_TITLE,
	UI_A_BAR,
	UI_A_BAR_KEY,
	UI_A_FIELD,
	UI_A_FOCUS,
	UI_A_ERROR,
	UI_A_WARN,
	UI_A_GOOD,
	UI_A_DIM,
	UI_A_SELECTED,
	UI_A_BIG,
	UI_A_COUNT
};

enum ui_msg_kind { UI_MSG_INFO, UI_MSG_GOOD, UI_MSG_WARN, UI_MSG_ERROR };

/* The console's objects, for screens. */
struct app *ui_app(struct ui *ui);
struct app_loop *ui_loop(struct ui *ui);
struct store *ui_store(struct ui *ui);
const struct config *ui_config(const struct ui *ui);
const struct ui_opts *ui_opts_of(const struct ui *ui);
const struct ui_glyphs *ui_glyphs(const struct ui *ui);
const struct ui_operator *ui_operator(const struct ui *ui);
const struct ui_status *ui_status_of(const struct ui *ui);
struct ui_status *ui_status_mut(struct ui *ui);
bool ui_ascii(const struct ui *ui);
attr_t ui_attr(const struct ui *ui, enum ui_attr a);

/* The message line (one sentence; replaces the last). */
void ui_message(struct ui *ui, enum ui_msg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_message_err(struct ui *ui, const struct pos_err *err);
void ui_message_clear(struct ui *ui);
void ui_bell(struct ui *ui);
/* Paint again at the end of this turn. */
void ui_dirty(struct ui *ui);

/* Screens: push one over the current (Enter on a row opens the detail),
 * or go to a top-level one (F2, F3). Errors go to the message line. */
bool ui_push(struct ui *ui, const struct screen_ops *ops, const void *arg);
void ui_goto(struct ui *ui, const struct screen_ops *ops);
/* Signed in: the stack becomes Charge; signed out: Sign-in. */
void ui_signed_in(struct ui *ui, const struct ui_operator *op);
void ui_sign_out(struct ui *ui);
/* A charge of this console is in flight (asked before quitting). */
void ui_set_busy(struct ui *ui, int64_t txn_id, bool busy);

/* The help screen's argument: the context and title of the screen below. */
struct ui_help_arg {
	unsigned cx;
	const char *title;
};

/* ---- flows.c: the flows this console started ----------------------------- */
/*
 * The console owns every flow (app/flow.h) it starts, so that a charge goes
 * on when its screen is left: the screen lets go (ui_flow_detach) and the
 * console frees the flow once it is done. While attached, the screen's fn
 * hears every change of its flow.
 */
enum { UI_FLOWS_MAX = 16 };
struct ui_flow;
typedef void (*ui_flow_fn)(struct ui *ui, void *owner, struct ui_flow *fl);
struct ui_flow {
	struct ui *ui;
	struct app_flow *flow;   /* NULL: free slot */
	ui_flow_fn fn;
	void *owner;             /* NULL once detached */
};
struct ui_flows {
	struct ui_flow slot[UI_FLOWS_MAX];
};
void ui_flows_init(struct ui_flows *fl, struct ui *ui);
/* Free every flow (the transactions go on in the ledger). */
void ui_flows_release(struct ui_flows *fl);
/* Free detached flows that are done. Call outside flow callbacks. */
void ui_flows_reap(struct ui_flows *fl);
/* True while a charge of this console is not done. */
bool ui_flows_busy(const struct ui_flows *fl);
struct ui_flows *ui_flows_of(struct ui *ui);
/* The signed-in operator, as the flows want it. */
void ui_app_operator(const struct ui *ui, struct app_operator *out);

struct ui_flow *ui_flow_charge(struct ui *ui, const struct app_charge_req *rq,
                               ui_flow_fn fn, void *owner, struct pos_err *err);
/* Check one of our transactions with Daraja now (public id). */
struct ui_flow *ui_flow_status(struct ui *ui, const char *public_id,
                               ui_flow_fn fn, void *owner, struct pos_err *err);
struct ui_flow *ui_flow_resolve(struct ui *ui, const struct app_resolve_req *rq,
                                ui_flow_fn fn, void *owner, struct pos_err *err);
/* Follow an open transaction to its end. */
struct ui_flow *ui_flow_track(struct ui *ui, int64_t txn_id, ui_flow_fn fn,
                              void *owner, struct pos_err *err);
/* The owner goes away; the flow finishes in the background. NULL is fine. */
void ui_flow_detach(struct ui_flow *fl);

/* ---- frame.c ------------------------------------------------------------- */
void ui_frame_draw(struct ui *ui, const char *title, unsigned cx,
                   const char *msg, enum ui_msg_kind msg_kind,
                   struct ui_rect *body);
void ui_frame_too_small(struct ui *ui, int rows, int cols);
/* ---- status.c ------------------------------------------------------------ */
/* Refresh the status line's facts (once a second). */
void ui_status_refresh(struct ui *ui, struct ui_status *s);
/*
 * ADAPTER until app/ can say whether Daraja is reachable (wanted:
 * `bool app_daraja_reachable(struct app *a, bool *known)`): learn it from
 * what happened to a transaction this console follows.
 */
void ui_status_daraja_seen(struct ui *ui, const struct store_txn *t);

/* ---- draw.c: drawing helpers --------------------------------------------- */
/* Display width of UTF-8 text (wide characters count 2; invalid bytes 1). */
int ui_text_width(const char *s);
/* Put s at (y, x), at most w columns, with attribute a. Returns the columns
 * used. */
int ui_put(int y, int x, int w, attr_t a, const char *s);
int ui_putf(int y, int x, int w, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Word-wrap s into the rectangle from line y; returns lines used. */
int ui_wrap(int y, int x, int w, int max_lines, attr_t a, const char *s);
void ui_hline(const struct ui *ui, int y, int x, int w, attr_t a);
/* "10:15:02" / "14 Mar 10:15" (Nairobi) of a wall-clock time in ms. */
const char *ui_time_hms(int64_t ms, char *out, size_t outsz);
const char *ui_time_short(int64_t ms, char *out, size_t outsz);
/* "just now", "12 s ago", "5 min ago", "3 h ago". */
const char *ui_ago(int64_t then_ms, int64_t now_ms, char *out, size_t outsz);
/* "KES 1,500" for a transaction. */
const char *ui_amount(const struct store_txn *t, char *out, size_t outsz);
/* err as the screens say it: "The message. The hint." (first letters
 * upper-cased, full stops added). Returns out. */
const char *ui_sentence(char *out, size_t outsz, const struct pos_err *err);
/* Short words for lists: "Charge", "Cash"; "PAID", "NO ANSWER", "WAITING". */
const char *ui_kind_short(enum txn_kind k);
const char *ui_state_short(const struct store_txn *t);

/* ---- bigtext.c: large type ---------------------------------------------- */
enum { UI_BIG_ROWS = 5 };
/* Columns the text needs in large type; -1 if a character has no glyph. */
int ui_big_width(const char *text);
/* Paint text in large type at (y, x) if it fits in w columns; otherwise
 * paint it once in bold on the middle row. Returns rows used. */
int ui_big_draw(const struct ui *ui, int y, int x, int w, attr_t a,
                const char *text);
/* For tests: one row of the large text into out (ASCII '#'). */
bool ui_big_row(const char *text, int row, char *out, size_t outsz);

/* ---- field.c: a one-line text field ------------------------------------- */
enum { UI_FIELD_MAX = 64 };

struct ui_field {
	const char *label;
	char text[UI_FIELD_MAX + 1];
	size_t max_chars;      /* characters the field holds */
	bool secret;           /* show • for each character */
	bool digits;           /* only 0-9 can be typed */
	char err[POS_ERR_MSG_MAX]; /* under the field; "" = fine */
	bool warning;          /* err is a warning: shown, but not wrong */
	char note[96];         /* right of the field (the phone as Kenyans
	                        * write it, the network); "" = none */
};
/* Edit with one key: a printable ASCII character is appended, Backspace
 * removes the last, Ctrl-U clears, Ctrl-W removes the last word. Returns
 * true when the text changed. A character the field refuses sets err. */
bool ui_field_key(struct ui_field *f, const struct ui_key *k);
void ui_field_clear(struct ui_field *f);
void ui_field_set(struct ui_field *f, const char *text);
/* Label at x, value at x + label_w, err wrapped on the next two rows.
 * With focus, the terminal cursor is left at the end of the text. */
void ui_field_draw(const struct ui *ui, const struct ui_field *f, int y, int x,
                   int label_w, int value_w, bool focus);

/* ---- screen_payout.c: signing a payout (also the bulk screen's approval) --- */
/* The confirmation's fields: the signed-in operator's PIN again, then (above
 * [limits] approval_above) a second supervisor's id and PIN. */
enum { UI_SIGN_FIELDS = 3 };
void ui_payout_sign_reset(struct ui_field c[UI_SIGN_FIELDS]);
/* Enter on field *focus: move on (false), or on the last field true. */
bool ui_payout_sign_enter(struct ui_field c[UI_SIGN_FIELDS], bool need_approver, int *focus);
/* Check the PINs with app_signin(): true with op (and approver) filled;
 * else the error is under the field and *focus on it. */
bool ui_payout_sign(struct ui *ui, struct ui_field c[UI_SIGN_FIELDS], bool need_approver,
                    int *focus, struct app_operator *op, struct app_operator *approver);
void ui_payout_sign_draw(struct ui *ui, const struct ui_field c[UI_SIGN_FIELDS],
                         bool need_approver, int focus, int y, int x, int w);

/* ---- lines.c: outside text made safe to show ------------------------------- */
enum { UI_LINES_MAX = 5000, UI_LINES_BYTES_MAX = 256 * 1024 };
struct ui_lines {
	char **line;      /* malloc'd, UTF-8, no control characters */
	size_t n, cap;
	bool truncated;   /* longer than the ceilings: the rest is not shown */
};
/* A JSON body (or any text) laid out one member per line. Release with
 * ui_lines_release(). */
enum pos_status ui_lines_json(const char *body, size_t len, struct ui_lines *out);
void ui_lines_release(struct ui_lines *l);

/* ---- export.c: History to CSV -------------------------------------------- */
enum { UI_PATH_MAX = 1024 };
/* Where receipts and exports go: [ui] receipt_dir, else the database's
 * folder; made if missing. */
enum pos_status ui_output_dir(struct ui *ui, char *out, size_t outsz,
                              struct pos_err *err);
struct ui_export;
/* Create history-YYYYMMDD-HHMMSS.csv with the header line; f is copied. */
enum pos_status ui_export_open(struct ui *ui, const struct store_filter *f,
                               struct ui_export **out, struct pos_err *err);
/* Write up to n more rows; *done once every row of the filter is written. */
enum pos_status ui_export_step(struct ui *ui, struct ui_export *x, size_t n,
                               bool *done, struct pos_err *err);
const char *ui_export_path(const struct ui_export *x);
int64_t ui_export_rows(const struct ui_export *x);
/* Close; an unfinished file is removed. NULL is fine. */
void ui_export_close(struct ui_export *x);

/* ---- screen_c2b.c: C2B rows, shared with the claim screen ---------------- */
/* The phone as Daraja gave it: a full number written the Kenyan way, a
 * masked one as is, a SHA-256 hash shortened ("#a1b2c3d4e5.."), "-". */
void ui_c2b_phone(const char *msisdn, char *out, size_t outsz);
/* "1,500" (a column headed KES). */
void ui_c2b_shillings(int64_t minor, char *out, size_t outsz);

/* ---- receipt.c ------------------------------------------------------------- */
/* Write the receipt of a paid sale to receipt-<id>.txt in ui_output_dir()
 * (the path into saved, may be NULL), and start [ui] printer_command with
 * it on standard input when one is set. */
enum pos_status ui_receipt_print(struct ui *ui, const struct store_txn *t,
                                 char *saved, size_t savedsz,
                                 struct pos_err *err);
/* The receipt's text (for the file and the printer). */
enum pos_status ui_receipt_text(struct ui *ui, const struct store_txn *t,
                                char *out, size_t outsz);

#endif
