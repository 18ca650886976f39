/* sim/journal.c: bounded ring of JSON entries. */
#include "sim/journal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t seq;
	char *key;
	char *json;
};

struct sim_journal {
	pthread_mutex_t mu;
	struct entry *ring;
	size_t cap, head, count;
	uint64_t seq;
};

struct sim_journal *sim_journal_new(size_t cap)
{
	struct sim_journal *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->cap = cap ? cap : 1;
	j->ring = calloc(j->cap, sizeof *j->ring);
	if (!j->ring) {
		free(j);
		return NULL;
	}
	pthread_mutex_init(&j->mu, NULL);
	return j;
}

static void clear_locked(struct sim_journal *j)
{
	for (size_t i = 0; i < j->count; i++) {
		struct entry *e = &j->ring[(j->head + i) % j->cap];
		free(e->key);
		free(e->json);
	}
	j->head = j->count = 0;
}

void sim_journal_free(struct sim_journal *j)
{
	if (!j)
		return;
	clear_locked(j);
	pthread_mutex_destroy(&j->mu);
	free(j->ring);
	free(j);
}

void sim_journal_reset(struct sim_journal *j)
{
	pthread_mutex_lock(&j->mu);
	clear_locked(j);
	pthread_mutex_unlock(&j->mu);
}

uint64_t sim_journal_add(struct sim_journal *j, const char *key, char *json)
{
	char *k = key ? strdup(key) : NULL;
	if (!json || json[0] != '{' || (key && !k)) {
		free(json);
		free(k);
		return 0;
	}
	pthread_mutex_lock(&j->mu);
	if (j->count == j->cap) {
		struct entry *old = &j->ring[j->head];
		free(old->key);
		free(old->json);
		j->head = (j->head + 1) % j->cap;
		j->count--;
	}
	struct entry *e = &j->ring[(j->head + j->count) % j->cap];
	e->seq = ++j->seq;
	e->key = k;
	e->json = json;
	j->count++;
	uint64_t seq = e->seq;
	pthread_mutex_unlock(&j->mu);
	return seq;
}

static bool matches(const struct entry *e, const struct sim_journal_filter *f)
{
	if (e->seq <= f->since)
		return false;
	if (f->key && (!e->key || strcmp(e->key, f->key) != 0))
		return false;
	if (f->contains && !strstr(e->json, f->contains))
		return false;
	return true;
}

size_t sim_journal_count(struct sim_journal *j, const struct sim_journal_filter *f)
{
	size_t n = 0;
	pthread_mutex_lock(&j->mu);
	for (size_t i = 0; i < j->count; i++)
		if (matches(&j->ring[(j->head + i) % j->cap], f))
			n++;
	pthread_mutex_unlock(&j->mu);
	return n;
}

enum pos_status sim_journal_list(struct sim_journal *j,
                                 const struct sim_journal_filter *f,
                                 struct buf *out)
{
	enum pos_status st = buf_puts(out, "[");
	size_t skip = 0;
	pthread_mutex_lock(&j->mu);
	if (f->limit) {
		size_t n = 0;
		for (size_t i = 0; i < j->count; i++)
			if (matches(&j->ring[(j->head + i) % j->cap], f))
				n++;
		skip = n > f->limit ? n - f->limit : 0;
	}
	bool first = true;
	for (size_t i = 0; i < j->count && st == POS_OK; i++) {
		const struct entry *e = &j->ring[(j->head + i) % j->cap];
		if (!matches(e, f))
			continue;
		if (skip) {
			skip--;
			continue;
		}
		st = buf_printf(out, "%s{\"seq\":%" PRIu64 "%s%s", first ? "" : ",",
		                e->seq, e->json[1] == '}' ? "" : ",", e->json + 1);
		first = false;
	}
	pthread_mutex_unlock(&j->mu);
	if (st == POS_OK)
		st = buf_puts(out, "]");
	return st;
}
