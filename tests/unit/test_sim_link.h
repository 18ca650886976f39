/*
 * tests/unit/test_sim_link.h: shared by the simulator's unit tests.
 *
 * The Makefile links unit tests as "test.o ... libbase.a libsim.a", and a
 * static link resolves left to right: base objects that only libsim.a needs
 * would be missing. Each test_sim_*.c calls sim_test_link_base() once from
 * main(); it references one function of every base object the simulator
 * uses, so the linker keeps them. (Linking libsim.a before the layers in the
 * Makefile would make this unnecessary.)
 */
#ifndef TEST_SIM_LINK_H
#define TEST_SIM_LINK_H

#include <stdint.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/status.h"
#include "base/str.h"

static inline int sim_test_link_base(void)
{
	char b[2];
	uint8_t h[CRYPTO_SHA256_LEN];
	int n = 0;
	n += str_copy(b, sizeof b, "x");
	n += clock_now() > 0;
	crypto_sha256("", 0, h);
	n += h[0] == 0xe3; /* SHA-256("") starts e3 b0 */
	n += !log_level_enabled(LOG_OFF);
	n += pos_status_name(POS_OK)[0] == 'P';
	return n;
}

#endif
