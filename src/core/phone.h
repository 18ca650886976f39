/*
 * core/phone.h: M-Pesa phone numbers (MSISDNs) for Kenya, Tanzania, Uganda.
 *
 * phone_normalize() takes what a cashier types (0712345678, 712345678,
 * +254 712 345 678, 254-712-345678, (0712) 345678, 00254712345678) and gives
 * the 12-digit international form Daraja wants ("254712345678") and a pretty
 * form for screens ("0712 345 678"). It hard-rejects only what cannot be a
 * mobile number of the country, with a sentence naming the field "phone" and
 * quoting the value (too short, too long, not a mobile prefix, another
 * country, letters or other characters).
 *
 * Kenya: a number on a Safaricom prefix (daraja-api.md section 18) is plain
 * OK. A number on another Kenyan mobile prefix (Airtel 073x/0750-0756/078x/
 * 010x, Telkom 077x, Equitel 0763-0766, or an unassigned 07xx/010x/011x) is
 * still accepted, because numbers are ported, but sets other_network so the
 * screen can warn (phone_warning()). Tanzania and Uganda carry no network
 * hint: every mobile prefix (TZ 06x/07x, UG 07x) is accepted without warning.
 *
 * phone_matches_shown() compares a number we know with what Daraja shows in
 * a callback: a full number, a masked one ("2547 ***** 126", "254712***678")
 * or the hex SHA-256 of "2547XXXXXXXX".
 *
 * Ownership: struct phone is caller-owned; network names are static strings.
 * Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_PHONE_H
#define POS_CORE_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

/* X(enum, ISO code, dialling code, country name, adjective) */
#define PHONE_COUNTRIES(X)                                                     \
	X(PHONE_KE, "KE", "254", "Kenya", "Kenyan")                                \
	X(PHONE_TZ, "TZ", "255", "Tanzania", "Tanzanian")                          \
	X(PHONE_UG, "UG", "256", "Uganda", "Ugandan")

enum phone_country {
#define PHONE_COUNTRY_ENUM(e, iso, cc, name, adj) e,
	PHONE_COUNTRIES(PHONE_COUNTRY_ENUM)
#undef PHONE_COUNTRY_ENUM
	PHONE_COUNTRY_COUNT
};

/* The default country of the till. */
#define PHONE_DEFAULT_COUNTRY PHONE_KE

enum {
	PHONE_MSISDN_MAX = 16, /* "254712345678" + NUL, with room */
	PHONE_PRETTY_MAX = 16, /* "0712 345 678" + NUL */
	PHONE_TYPED_MAX = 64,  /* longer input is refused as too long */
	PHONE_WARNING_MAX = 160,
};

struct phone {
	char msisdn[PHONE_MSISDN_MAX]; /* "254712345678" */
	char pretty[PHONE_PRETTY_MAX]; /* "0712 345 678" */
	enum phone_country country;
	/* Kenya only: a valid mobile number that is not on a Safaricom prefix.
	 * A warning, never an error: the number may have been ported. */
	bool other_network;
	/* "Safaricom", "Airtel", "Telkom", "Equitel", "another network", or ""
	 * when not known (Tanzania, Uganda). Static storage. */
	const char *network;
};

const char *phone_country_iso(enum phone_country c);    /* "KE" */
const char *phone_country_prefix(enum phone_country c); /* "254" */
const char *phone_country_name(enum phone_country c);   /* "Kenya" */
/* Accepts "KE", "254", "+254", "Kenya" (any case). */
bool phone_country_parse(const char *s, enum phone_country *out);

/*
 * Normalize what was typed for country c. On POS_OK fills *out. Otherwise
 * returns POS_E_EMPTY (nothing typed) or POS_E_PHONE, fills err (field
 * "phone") and leaves *out untouched. typed may be NULL (empty).
 */
enum pos_status phone_normalize(const char *typed, enum phone_country c,
                                struct phone *out, struct pos_err *err);
/* The same for a counted value (a CSV field); an embedded NUL is refused. */
enum pos_status phone_normalize_n(const char *typed, size_t n,
                                  enum phone_country c, struct phone *out,
                                  struct pos_err *err);

/* A sentence for the screen when p->other_network is set ("0733 123 456 is
 * an Airtel number: ..."), or "" when there is nothing to warn. Returns out. */
const char *phone_warning(const struct phone *p, char *out, size_t outsz);

/* "0712 345 678" from a 12-digit MSISDN of a known country; anything else
 * (a masked or hashed number) is copied as it is (truncated). Returns out. */
const char *phone_pretty(const char *msisdn, char *out, size_t outsz);

enum phone_shown {
	PHONE_SHOWN_NONE,     /* nothing comparable shown (empty, a name, "***") */
	PHONE_SHOWN_MATCH,    /* the shown number agrees with ours */
	PHONE_SHOWN_MISMATCH, /* the shown number is some other number */
};

/*
 * Compare a normalized MSISDN ("254712345678") with what a callback shows:
 *  - a full number in any form phone_normalize() accepts, optionally
 *    followed by " - Name" (ReceiverPartyPublicName style);
 *  - a masked number whose visible digits must agree: "2547 ***** 126",
 *    "254712***678", "0712***678" (aligned digit by digit when it has 12 or
 *    10 places, otherwise by its leading and trailing digits); at least three
 *    digits beyond the country code must be visible, or it is NONE;
 *  - 64 hex digits: the SHA-256 of the 12-character MSISDN, any case.
 * NONE also when msisdn itself is not a 12-digit MSISDN.
 */
enum phone_shown phone_matches_shown(const char *msisdn, const char *shown);

#endif
