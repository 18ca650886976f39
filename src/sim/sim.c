/* sim/sim.c: building, starting, stopping and resetting the simulator. */
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "sim/c2b.h"
#include "sim/initiator.h"
#include "sim/oauth.h"
#include "sim/server.h"
#include "sim/stk.h"

enum {
	TOKENS_MAX = 200000,
	SCHED_MAX = 1000000,
	SHORTCODES_MAX = 1024,
	V3_IDS_MAX = 200000,
	QUEUE_MAX = 200000
};

/* A path as given, or else next to the executable (../assets/x). */
static void locate(char *path, size_t n)
{
	char exe[SIM_CONFIG_PATH_MAX], alt[SIM_CONFIG_PATH_MAX * 2];
	if (access(path, R_OK) == 0 || path[0] == '/')
		return;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (str_fmt(alt, sizeof alt, "%s/../%s", exe, path) && access(alt, R_OK) == 0)
		str_copy(path, n, alt);
}

enum pos_status sim_open(const struct sim_config *cfg, struct sim **out,
                         struct pos_err *err)
{
	enum pos_status st;
	struct sim *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return pos_err_set(err, POS_E_NOMEM, "sim", NULL);
	s->cfg = *cfg;
	uint64_t seed = cfg->seed;
	if (!cfg->has_seed)
		crypto_random(&seed, sizeof seed);
	sim_rng_init(&s->rng, seed);
	sim_ids_init(&s->ids, &s->rng);
	sim_faults_init(&s->faults);
	pthread_mutex_init(&s->stop_mu, NULL);
	pthread_cond_init(&s->stop_cv, NULL);

	for (unsigned i = 0; i < cfg->nfaults; i++) {
		st = sim_faults_apply_spec(&s->faults, cfg->faults[i], err);
		if (st != POS_OK)
			goto fail;
	}
	locate(s->cfg.private_key, sizeof s->cfg.private_key);
	locate(s->cfg.cert, sizeof s->cfg.cert);
	st = sim_key_load(s->cfg.private_key, &s->key, err);
	if (st != POS_OK) {
		pos_err_hint(err, "pass --private-key FILE; scripts/gen-sim-cert.sh makes a key pair");
		goto fail;
	}

	struct sim_ledger_opts lo = {cfg->working_balance, cfg->utility_balance,
	                             (size_t)cfg->max_transactions, SHORTCODES_MAX};
	struct sim_deliver_opts dopt = {(unsigned)cfg->delivery_threads,
	                                (int)cfg->callback_timeout_ms,
	                                (unsigned)cfg->callback_retries, QUEUE_MAX};
	s->tokens = sim_tokens_new(TOKENS_MAX);
	s->ledger = sim_ledger_new(&lo);
	s->requests = sim_journal_new((size_t)cfg->max_requests);
	s->callbacks = sim_journal_new((size_t)cfg->max_callbacks);
	s->sched = sim_sched_new(SCHED_MAX);
	s->stk = sim_stk_new(s, (size_t)cfg->max_sessions);
	s->b2c = sim_b2c_new(V3_IDS_MAX);
	s->c2b = sim_c2b_new(SHORTCODES_MAX);
	if (s->sched && s->callbacks)
		s->deliver = sim_deliver_new(&dopt, s->sched, s->callbacks, &s->faults, &s->rng);
	if (!s->tokens || !s->ledger || !s->requests || !s->callbacks || !s->sched ||
	    !s->stk || !s->b2c || !s->c2b || !s->deliver) {
		st = pos_err_set(err, POS_E_NOMEM, "sim", "out of memory while starting");
		goto fail;
	}
	*out = s;
	return POS_OK;
fail:
	sim_close(s);
	return st;
}

enum pos_status sim_start(struct sim *s, struct pos_err *err)
{
	unsigned port = 0;
	char host[128];
	s->started_ms = clock_mono_ms();
	if (!sim_sched_start(s->sched) || !sim_deliver_start(s->deliver))
		return pos_err_set(err, POS_E_INTERNAL, "sim", "cannot start threads");
	enum pos_status st = sim_server_start(s, &s->server, &port, err);
	if (st != POS_OK)
		return st;
	unsigned configured;
	if (!sim_config_split_listen(s->cfg.listen, host, sizeof host, &configured))
		str_copy(host, sizeof host, "127.0.0.1");
	str_fmt(s->url, sizeof s->url, "http://%s:%u", host, port);
	return POS_OK;
}

void sim_stop(struct sim *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->stop_mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->stop_cv);
	pthread_mutex_unlock(&s->stop_mu);
	sim_server_stop(s->server); /* joins the HTTP workers */
	s->server = NULL;
	if (s->sched)
		sim_sched_stop(s->sched);
	if (s->deliver)
		sim_deliver_stop(s->deliver);
}

void sim_close(struct sim *s)
{
	if (!s)
		return;
	sim_stop(s);
	sim_deliver_free(s->deliver);
	sim_sched_free(s->sched);
	sim_stk_free(s->stk);
	sim_b2c_free(s->b2c);
	sim_c2b_free(s->c2b);
	sim_journal_free(s->requests);
	sim_journal_free(s->callbacks);
	sim_ledger_free(s->ledger);
	sim_tokens_free(s->tokens);
	sim_key_free(s->key);
	sim_faults_release(&s->faults);
	sim_rng_release(&s->rng);
	pthread_cond_destroy(&s->stop_cv);
	pthread_mutex_destroy(&s->stop_mu);
	crypto_wipe(&s->cfg, sizeof s->cfg);
	free(s);
}

void sim_reset(struct sim *s)
{
	sim_deliver_reset(s->deliver);
	sim_stk_reset(s->stk);
	sim_b2c_reset(s->b2c);
	sim_c2b_reset(s->c2b);
	sim_ledger_reset(s->ledger);
	sim_journal_reset(s->requests);
	sim_journal_reset(s->callbacks);
	sim_faults_reset(&s->faults);
	log_info("sim", "reset: sessions, ledger, registrations, logs and faults cleared");
}

bool sim_sleep(struct sim *s, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->stop_mu);
	while (!s->stopping) {
		if (pthread_cond_timedwait(&s->stop_cv, &s->stop_mu, &ts) != 0)
			break;
	}
	bool running = !s->stopping;
	pthread_mutex_unlock(&s->stop_mu);
	return running;
}

bool sim_known_org(struct sim *s, const char *shortcode)
{
	uint64_t v;
	if (strcmp(shortcode, s->cfg.shortcode) == 0 ||
	    strcmp(shortcode, s->cfg.b2c_shortcode) == 0)
		return true;
	if (parse_u64_str(shortcode, 9999999, &v) == POS_OK && v >= 600000 && v <= 601999)
		return true;
	return sim_c2b_registered(s->c2b, shortcode);
}

void sim_callback(struct sim *s, enum sim_api api, const char *kind,
                  const char *ref, const char *url, cJSON *body, int64_t delay_ms)
{
	struct sim_callback cb;
	memset(&cb, 0, sizeof cb);
	cb.api = api;
	cb.kind = kind;
	str_copy(cb.ref, sizeof cb.ref, ref);
	cb.url = url ? strdup(url) : NULL;
	cb.body = body ? cJSON_PrintUnformatted(body) : NULL;
	cb.delay_ms = delay_ms;
	cb.faults = true;
	cJSON_Delete(body);
	sim_deliver_send(s->deliver, &cb);
}
