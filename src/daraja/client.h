/*
 * daraja/client.h: the Daraja HTTP client (libcurl multi), usable from an
 * event loop and, through thin blocking wrappers, from the command line.
 *
 * What it does for every API call:
 *   1. validates the typed request with core/'s rules BEFORE anything is sent
 *      (an invalid request returns an error at once; its callback never runs);
 *   2. gets an OAuth token (cached; one refresh at a time, however many
 *      requests wait for it);
 *   3. asks the circuit breaker and the caller's before_send hook (the shared
 *      rate-limit bucket) whether it may send;
 *   4. sends, and classifies the answer by what is known: Daraja's error code
 *      first, then the HTTP status, then the transport error;
 *   5. resends only what provably was not acted on (connection refused, DNS,
 *      TLS handshake, throttling, an invalid token), with exponential backoff
 *      and full jitter; a money-moving request (STK push, B2C, reversal, C2B
 *      simulate) whose fate is not known is NEVER resent: its outcome is
 *      DARAJA_UNKNOWN and the caller resolves it by query;
 *   6. completes with a struct daraja_result (class, Daraja's code, a
 *      sentence a cashier can read, the typed answer) passed to the callback.
 *
 * Event loop use (one thread owns a struct daraja and every call on it):
 *     int t = daraja_timeout_ms(d);             // or your own nearest timer
 *     daraja_poll(d, fds, nfds, t_or_yours);    // waits on curl + your fds
 *     daraja_perform(d);                        // drives transfers, calls back
 * Callbacks run only from inside daraja_perform() (or a blocking wrapper),
 * never from inside the function that started the request. A callback may
 * start new requests; it must not call daraja_free().
 * daraja_wakeup() is the only function another thread may call.
 *
 * Ownership: daraja_new() copies every string of the options. The result
 * passed to a callback is borrowed for the duration of the call; keep it with
 * daraja_result_move(). Results filled by blocking wrappers belong to the
 * caller: release them with daraja_result_release().
 *
 * Secrets (consumer secret, passkey, initiator password, the Basic header,
 * every access token, the SecurityCredential) are registered with
 * log_secret_add() as soon as they are known; request bodies are logged only
 * at debug level (and then masked).
 */
#ifndef POS_DARAJA_CLIENT_H
#define POS_DARAJA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/status.h"
#include "core/fields.h"
#include "daraja/response.h"

struct daraja;

/* ---- the APIs ------------------------------------------------------------ */

/* X(enum, name, cashier label, HTTP path, moves money?). The C2B paths carry
 * the configured version (v1 or v2) in place of %s. */
#define DARAJA_APIS(X)                                                         \
	X(DARAJA_API_OAUTH, "oauth", "Daraja sign-in",                             \
	  "/oauth/v1/generate?grant_type=client_credentials", false)               \
	X(DARAJA_API_STK_PUSH, "stk_push", "M-Pesa prompt",                        \
	  "/mpesa/stkpush/v1/processrequest", true)                                \
	X(DARAJA_API_STK_QUERY, "stk_query", "M-Pesa prompt check",                \
	  "/mpesa/stkpushquery/v1/query", false)                                   \
	X(DARAJA_API_B2C, "b2c", "Payout", "/mpesa/b2c/v3/paymentrequest", true)   \
	X(DARAJA_API_TXN_STATUS, "txn_status", "Transaction status",               \
	  "/mpesa/transactionstatus/v1/query", false)                              \
	X(DARAJA_API_BALANCE, "balance", "Account balance",                        \
	  "/mpesa/accountbalance/v1/query", false)                                 \
	X(DARAJA_API_REVERSAL, "reversal", "Reversal",                             \
	  "/mpesa/reversal/v1/request", true)                                      \
	X(DARAJA_API_C2B_REGISTER, "c2b_register", "C2B URL registration",         \
	  "/mpesa/c2b/%s/registerurl", false)                                      \
	X(DARAJA_API_C2B_SIMULATE, "c2b_simulate", "C2B test payment",             \
	  "/mpesa/c2b/%s/simulate", true)                                          \
	X(DARAJA_API_PULL_REGISTER, "pull_register", "Pull registration",          \
	  "/pulltransactions/v1/register", false)                                  \
	X(DARAJA_API_PULL_QUERY, "pull_query", "Pull transactions",                \
	  "/pulltransactions/v1/query", false)                                     \
	X(DARAJA_API_QR, "qr", "QR code", "/mpesa/qrcode/v1/generate", false)

enum daraja_api {
#define DARAJA_API_ENUM(e, name, label, path, money) e,
	DARAJA_APIS(DARAJA_API_ENUM)
#undef DARAJA_API_ENUM
	DARAJA_API_COUNT
};

const char *daraja_api_name(enum daraja_api api);   /* "stk_push" */
const char *daraja_api_label(enum daraja_api api);  /* "M-Pesa prompt" */
/* True for the requests that must never be resent blindly. */
bool daraja_api_moves_money(enum daraja_api api);

/* ---- outcome classes -------------------------------------------------------------- */

/*
 * X(enum, name). What a caller may conclude:
 *   OK              Daraja accepted (or answered) the request.
 *   REFUSED         Daraja definitely did not act on it (validation, lock,
 *                   wrong credentials, throttling after every retry...).
 *   RETRYABLE       internal: refused before processing, being resent. Never
 *                   delivered to a callback.
 *   UNKNOWN         the request may have been acted on (timeout, reset, 5xx,
 *                   an unreadable answer after the body went out). For money:
 *                   mark the transaction unknown and resolve it by query.
 *   UNREACHABLE     Daraja could not be reached: nothing was sent.
 *   BREAKER_OPEN    not sent: the circuit breaker is open after repeated
 *                   failures.
 *   PENDING         STK query: the customer has not finished yet.
 *   THROTTLED_LOCAL not sent: our own rate limit (before_send) said wait.
 */
#define DARAJA_CLASSES(X)                                                     \
	X(DARAJA_OK, "ok")                                                         \
	X(DARAJA_REFUSED, "refused")                                               \
	X(DARAJA_RETRYABLE, "retryable")                                           \
	X(DARAJA_UNKNOWN, "unknown")                                               \
	X(DARAJA_UNREACHABLE, "unreachable")                                       \
	X(DARAJA_BREAKER_OPEN, "breaker_open")                                     \
	X(DARAJA_PENDING, "pending")                                               \
	X(DARAJA_THROTTLED_LOCAL, "throttled_local")

enum daraja_class {
#define DARAJA_CLASS_ENUM(e, name) e,
	DARAJA_CLASSES(DARAJA_CLASS_ENUM)
#undef DARAJA_CLASS_ENUM
	DARAJA_CLASS_COUNT
};

const char *daraja_class_name(enum daraja_class o); /* "unknown" */

/* ---- circuit breaker --------------------------------------------------------- */

enum daraja_breaker_state {
	DARAJA_CIRCUIT_CLOSED,    /* requests flow */
	DARAJA_CIRCUIT_OPEN,      /* requests refused at once until the pause ends */
	DARAJA_CIRCUIT_HALF_OPEN, /* the pause ended: one probe may go through */
};

const char *daraja_breaker_state_name(enum daraja_breaker_state s); /* "open" */

/* ---- options ----------------------------------------------------------------- */

struct daraja_result; /* below */

/* A file descriptor of the caller's (terminal, wake pipe) for daraja_poll().
 * events/revents use poll(2)'s POLLIN/POLLPRI/POLLOUT bits. */
struct daraja_extra_fd {
	int fd;
	short events;
	short revents;
};

/*
 * Every field may be left zero/NULL for its default (max_retries excepted:
 * 0 means none), except base_url and the OAuth pair. Strings are copied.
 * Fields an API needs are checked when that API is called (a B2C without
 * cert_path fails naming "[daraja] cert_path").
 */
struct daraja_opts {
	const char *base_url;           /* "https://sandbox.safaricom.co.ke" */
	const char *environment;        /* "sandbox" (default) or "production" */
	const char *consumer_key;
	const char *consumer_secret;    /* secret */
	const char *business_shortcode; /* STK BusinessShortCode (paybill/store) */
	const char *passkey;            /* secret: STK passkey */
	const char *transaction_type;   /* CustomerPayBillOnline (default) or
	                                   CustomerBuyGoodsOnline; the aliases
	                                   "paybill" and "till" work too */
	const char *till_number;        /* STK PartyB for buy goods */
	const char *b2c_shortcode;      /* B2C PartyA; default business_shortcode */
	const char *initiator_name;
	const char *initiator_password; /* secret */
	const char *cert_path;          /* Safaricom's certificate, PEM or DER */
	const char *ca_bundle;          /* CA file for TLS; NULL: system default */
	const char *c2b_version;        /* "v1" (default) or "v2" */
	const char *user_agent;         /* default "mpesa-pos/<version>" */
	unsigned timeout_s;             /* whole request; default 30 */
	unsigned connect_timeout_s;     /* default 10 */
	int max_retries;                /* resends of a request refused before
	                                   processing, as [daraja] max_retries:
	                                   0 = never resend; negative = the
	                                   default (3) */
	unsigned backoff_base_ms;       /* default 500 */
	unsigned backoff_cap_ms;        /* default 8000 */
	unsigned breaker_failures;      /* consecutive failures to open; default 5 */
	unsigned breaker_open_s;        /* pause before the probe; default 60 */
	size_t max_response_bytes;      /* ceiling on one answer; default and
	                                   most DARAJA_RESPONSE_MAX (1 MiB) */
	unsigned pull_max_pages;        /* Pull query walk cap; default 100 */

	/* Called before every send (each attempt, OAuth included). Return POS_OK
	 * to send; anything else refuses: the request completes with
	 * DARAJA_THROTTLED_LOCAL and err's sentence (which should say how long to
	 * wait). Wired by app/ to the shared token bucket in the database. */
	enum pos_status (*before_send)(void *user, enum daraja_api api,
	                               struct pos_err *err);
	/* Called on every breaker state change (for the status bar, events). */
	void (*on_breaker)(void *user, enum daraja_breaker_state from,
	                   enum daraja_breaker_state to);
	/* Called once per finished request, OAuth included, just before its
	 * callback (for measurements: latency, outcome by API). Read-only. */
	void (*on_result)(void *user, const struct daraja_result *res);
	void *hook_user;

	/* Test seams. now_ms: a monotonic clock in milliseconds (default
	 * clock_mono_ms) for the token cache, the breaker and backoff timers.
	 * rng: 64 random bits for backoff jitter (default crypto_random). */
	int64_t (*now_ms)(void *user);
	uint64_t (*rng)(void *user);
	void *seam_user;
};

/* ---- typed requests ---------------------------------------------------------- */
/* Every string is borrowed for the duration of the start call. Amounts are
 * whole shillings. Phone numbers are given as the cashier typed them
 * (07XX..., +2547..., 2547...) and normalised to 2547XXXXXXXX. Remarks left
 * NULL get a default ("Status query", "Balance query", "Reversal"). Callback
 * URLs follow core/fields.h (https, or http to a loopback host). */

struct daraja_stk_push_req {
	const char *phone;        /* pays and receives the prompt */
	int64_t amount;           /* KES, >= 1 */
	const char *account_ref;  /* AccountReference: core/fields.h, 1..12
	                             characters, shown on the prompt */
	const char *description;  /* TransactionDesc: 1..13 characters */
	const char *callback_url;
};

struct daraja_stk_query_req {
	const char *checkout_request_id; /* "ws_CO_..." */
};

struct daraja_b2c_req {
	const char *originator_conversation_id; /* ours, unique per payout */
	enum fields_b2c_command command; /* default BusinessPayment */
	const char *phone;
	int64_t amount;
	const char *remarks;      /* 1..100 characters; default "Payout" */
	const char *occasion;     /* optional, <= 100 characters */
	const char *result_url;
	const char *timeout_url;  /* QueueTimeOutURL */
};

/* Look up by receipt (transaction_id) or, when no receipt is known, by the
 * OriginatorConversationID we gave (sent as both OriginalConversationID and
 * Daraja's documented typo OriginalConcersationID). */
struct daraja_status_req {
	const char *transaction_id;
	const char *original_conversation_id;
	const char *party_a;         /* default: b2c_shortcode */
	unsigned identifier_type;    /* 1 MSISDN, 2 till, 4 shortcode (default) */
	const char *remarks;
	const char *occasion;        /* optional */
	const char *result_url;
	const char *timeout_url;
};

struct daraja_balance_req {
	const char *party_a;         /* default: b2c_shortcode */
	unsigned identifier_type;    /* default 4 */
	const char *remarks;
	const char *result_url;
	const char *timeout_url;
};

struct daraja_reversal_req {
	const char *transaction_id;  /* the receipt to reverse */
	int64_t amount;
	const char *receiver_party;  /* default: business_shortcode */
	const char *remarks;
	const char *occasion;        /* optional */
	const char *result_url;
	const char *timeout_url;
};

struct daraja_c2b_register_req {
	const char *shortcode;        /* default: business_shortcode */
	const char *response_type;    /* "Completed" (default) or "Cancelled" */
	const char *confirmation_url;
	const char *validation_url;   /* default: confirmation_url */
};

struct daraja_c2b_simulate_req {
	const char *shortcode;        /* default: business_shortcode */
	bool buy_goods;               /* CustomerBuyGoodsOnline, else PayBill */
	int64_t amount;
	const char *phone;
	const char *bill_ref;         /* account; empty for buy goods */
};

struct daraja_pull_register_req {
	const char *shortcode;        /* default: business_shortcode */
	const char *nominated_number; /* phone that receives Safaricom's notice */
	const char *callback_url;
};

/* The walk asks page after page until a page comes back empty or as 1001,
 * or pull_max_pages is reached (truncated). Whether OffSetValue counts pages
 * or rows is found out on the way (docs/daraja-client.md). */
struct daraja_pull_query_req {
	const char *shortcode;        /* default: business_shortcode */
	time_t start;                 /* sent as EAT "YYYY-MM-DD HH:mm:ss" */
	time_t end;
};

struct daraja_qr_req {
	const char *merchant_name;
	const char *ref_no;
	int64_t amount;
	const char *trx_code;         /* BG, WA, PB, SM, SB */
	const char *cpi;              /* till/paybill/agent/MSISDN per trx_code */
	unsigned size_px;             /* default 300 */
};

/* ---- typed answers ------------------------------------------------------------ */
/* The answers are response.h's parsed forms (strict parsers, fixed-size
 * fields). A Pull query walk gathers every page's records in one array. */

enum { DARAJA_CODE_MAX = 40, DARAJA_TEXT_MAX = 256 };

struct daraja_pull {
	struct daraja_pull_record *records; /* heap; released with the result */
	size_t n_records;
	unsigned pages;                      /* pages asked */
	char response_code[DARAJA_CODE_MAX]; /* of the last page: "1000"/"1001" */
	bool none;                           /* Daraja said 1001 on the first page:
	                                        an empty window, or the shortcode is
	                                        not provisioned for Pull; never
	                                        report it as "0 imported" */
	bool truncated;                      /* stopped at pull_max_pages */
};

struct daraja_result {
	uint64_t id;                   /* as returned by the start call */
	enum daraja_api api;
	enum daraja_class cls;         /* what the caller may conclude */
	long http_status;              /* of the last attempt; 0 if none */
	/* Daraja's code as text: an errorCode ("400.002.02") or a ResponseCode
	 * ("0"); "http:503" for a status without a Daraja code; "curl:7" for a
	 * transport error; "" when nothing was sent. */
	char code[DARAJA_CODE_MAX];
	char daraja_message[DARAJA_TEXT_MAX]; /* Daraja's own words, if any */
	struct pos_err err;            /* POS_OK when cls is DARAJA_OK; else the
	                                  cashier's sentence and what to do */
	unsigned attempts;             /* how many times it was sent */
	int64_t elapsed_ms;
	/* The answer, valid when cls is DARAJA_OK (stk_query also when PENDING);
	 * which member follows api. */
	union {
		struct daraja_stk_push_answer stk_push;
		struct daraja_stk_query_answer stk_query;
		struct daraja_async_answer ack;          /* b2c, txn_status,
		                                            balance, reversal */
		struct daraja_c2b_register_answer c2b;   /* c2b_register,
		                                            c2b_simulate,
		                                            pull_register */
		struct daraja_qr_answer qr;
		struct daraja_pull pull;
	} as;
};

/* Free heap members and zero *r. NULL-safe. */
void daraja_result_release(struct daraja_result *r);
/* Move src into dst (dst must not hold heap members); src is zeroed. */
void daraja_result_move(struct daraja_result *dst, struct daraja_result *src);

/* Called once per started request from daraja_perform(). */
typedef void (*daraja_done_fn)(void *user, struct daraja_result *res);

/* ---- lifecycle and the loop -------------------------------------------------- */

/* NULL on error (err says which option is wrong: "[daraja] base_url"...). */
struct daraja *daraja_new(const struct daraja_opts *opts, struct pos_err *err);
/* Abort every transfer; pending callbacks are NOT called. NULL-safe. */
void daraja_free(struct daraja *d);

/* Milliseconds until daraja_perform() has work to do (curl's own timers,
 * backoff, the breaker's pause); -1 when idle. */
int daraja_timeout_ms(struct daraja *d);
/* Wait up to timeout_ms (negative: no limit of the caller's; shortened to
 * daraja_timeout_ms when sooner) for curl's sockets or any extra fd (at most
 * 16). Fills extra[i].revents. Returns the number of extra fds with events,
 * or -1 on error. */
int daraja_poll(struct daraja *d, struct daraja_extra_fd *extra, unsigned n,
                int timeout_ms);
/* Drive transfers, fire due timers, call completion callbacks. Returns the
 * number of requests still outstanding. */
unsigned daraja_perform(struct daraja *d);
/* Interrupt a daraja_poll() from another thread. */
void daraja_wakeup(struct daraja *d);
/* Requests started and not yet completed. */
unsigned daraja_outstanding(const struct daraja *d);

enum daraja_breaker_state daraja_breaker_state(struct daraja *d);

/* ---- starting requests (asynchronous) ------------------------------------------ */
/*
 * Each validates the request and returns POS_OK with *id (may be NULL) set,
 * the callback to follow from daraja_perform(); or an error (err filled,
 * naming the field and quoting the value) when nothing was started.
 */
enum pos_status daraja_stk_push(struct daraja *d, const struct daraja_stk_push_req *req,
                                daraja_done_fn cb, void *user, uint64_t *id,
                                struct pos_err *err);
enum pos_status daraja_stk_query(struct daraja *d, const struct daraja_stk_query_req *req,
                                 daraja_done_fn cb, void *user, uint64_t *id,
                                 struct pos_err *err);
enum pos_status daraja_b2c(struct daraja *d, const struct daraja_b2c_req *req,
                           daraja_done_fn cb, void *user, uint64_t *id,
                           struct pos_err *err);
enum pos_status daraja_txn_status(struct daraja *d, const struct daraja_status_req *req,
                                  daraja_done_fn cb, void *user, uint64_t *id,
                                  struct pos_err *err);
enum pos_status daraja_balance(struct daraja *d, const struct daraja_balance_req *req,
                               daraja_done_fn cb, void *user, uint64_t *id,
                               struct pos_err *err);
enum pos_status daraja_reversal(struct daraja *d, const struct daraja_reversal_req *req,
                                daraja_done_fn cb, void *user, uint64_t *id,
                                struct pos_err *err);
enum pos_status daraja_c2b_register(struct daraja *d, const struct daraja_c2b_register_req *req,
                                    daraja_done_fn cb, void *user, uint64_t *id,
                                    struct pos_err *err);
enum pos_status daraja_c2b_simulate(struct daraja *d, const struct daraja_c2b_simulate_req *req,
                                    daraja_done_fn cb, void *user, uint64_t *id,
                                    struct pos_err *err);
enum pos_status daraja_pull_register(struct daraja *d, const struct daraja_pull_register_req *req,
                                     daraja_done_fn cb, void *user, uint64_t *id,
                                     struct pos_err *err);
enum pos_status daraja_pull_query(struct daraja *d, const struct daraja_pull_query_req *req,
                                  daraja_done_fn cb, void *user, uint64_t *id,
                                  struct pos_err *err);
enum pos_status daraja_qr(struct daraja *d, const struct daraja_qr_req *req,
                          daraja_done_fn cb, void *user, uint64_t *id,
                          struct pos_err *err);
/* Fetch a token now (normally done on demand); completes as DARAJA_API_OAUTH. */
enum pos_status daraja_oauth(struct daraja *d, daraja_done_fn cb, void *user,
                             uint64_t *id, struct pos_err *err);

/* ---- blocking wrappers (CLI only: never on the thread that owns a screen) ---- */
/*
 * Start the request and run the loop until it completes; *out receives the
 * result (release it with daraja_result_release). When validation fails,
 * out->cls is DARAJA_REFUSED with out->attempts == 0 and out->err set.
 * Returns out->cls.
 */
enum daraja_class daraja_stk_push_wait(struct daraja *d, const struct daraja_stk_push_req *req, struct daraja_result *out);
enum daraja_class daraja_stk_query_wait(struct daraja *d, const struct daraja_stk_query_req *req, struct daraja_result *out);
enum daraja_class daraja_b2c_wait(struct daraja *d, const struct daraja_b2c_req *req, struct daraja_result *out);
enum daraja_class daraja_txn_status_wait(struct daraja *d, const struct daraja_status_req *req, struct daraja_result *out);
enum daraja_class daraja_balance_wait(struct daraja *d, const struct daraja_balance_req *req, struct daraja_result *out);
enum daraja_class daraja_reversal_wait(struct daraja *d, const struct daraja_reversal_req *req, struct daraja_result *out);
enum daraja_class daraja_c2b_register_wait(struct daraja *d, const struct daraja_c2b_register_req *req, struct daraja_result *out);
enum daraja_class daraja_c2b_simulate_wait(struct daraja *d, const struct daraja_c2b_simulate_req *req, struct daraja_result *out);
enum daraja_class daraja_pull_register_wait(struct daraja *d, const struct daraja_pull_register_req *req, struct daraja_result *out);
enum daraja_class daraja_pull_query_wait(struct daraja *d, const struct daraja_pull_query_req *req, struct daraja_result *out);
enum daraja_class daraja_qr_wait(struct daraja *d, const struct daraja_qr_req *req, struct daraja_result *out);
enum daraja_class daraja_oauth_wait(struct daraja *d, struct daraja_result *out);

/* ---- helpers also used by config check and tests ------------------------------- */

/* Refuse a base_url that is not http(s)://host[:port], and plain http in
 * production unless the host is loopback (127.0.0.0/8, localhost, ::1).
 * environment NULL means sandbox. Error field "[daraja] base_url". */
enum pos_status daraja_check_base_url(const char *url, const char *environment,
                                      struct pos_err *err);

/* STK Password: base64(shortcode + passkey + timestamp). out >= 256 bytes
 * suffices for any valid input. */
enum pos_status daraja_stk_password(const char *shortcode, const char *passkey,
                                    const char *timestamp, char *out,
                                    size_t outsz, struct pos_err *err);

/* SecurityCredential: the password encrypted with RSA PKCS#1 v1.5 under the
 * public key of the certificate at cert_path (PEM or DER, detected; validity
 * dates deliberately not checked), base64. 344 characters for RSA-2048;
 * DARAJA_CREDENTIAL_MAX suffices up to RSA-8192. Errors name "[daraja] cert". */
enum { DARAJA_CREDENTIAL_MAX = 1400 };
enum pos_status daraja_security_credential(const char *cert_path,
                                           const char *password, char *out,
                                           size_t outsz, struct pos_err *err);

#endif
