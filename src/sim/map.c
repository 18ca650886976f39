/* sim/map.c: string-keyed hash map with chaining. */
#include "sim/map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct sim_map_entry {
	struct sim_map_entry *next;
	uint64_t hash;
	void *value;
	char key[]; /* NUL-terminated copy */
};

enum { MAP_INITIAL_SLOTS = 64 };

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

void sim_map_init(struct sim_map *m)
{
	m->slots = NULL;
	m->nslots = 0;
	m->count = 0;
}

void sim_map_release(struct sim_map *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->nslots; i++) {
		struct sim_map_entry *e = m->slots[i];
		while (e) {
			struct sim_map_entry *next = e->next;
			if (free_value)
				free_value(e->value);
			free(e);
			e = next;
		}
	}
	free(m->slots);
	sim_map_init(m);
}

void sim_map_clear(struct sim_map *m, void (*free_value)(void *))
{
	sim_map_release(m, free_value);
}

static struct sim_map_entry *find(const struct sim_map *m, const char *key,
                                  uint64_t h)
{
	if (m->nslots == 0)
		return NULL;
	for (struct sim_map_entry *e = m->slots[h & (m->nslots - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

void *sim_map_get(const struct sim_map *m, const char *key)
{
	struct sim_map_entry *e = find(m, key, fnv1a(key));
	return e ? e->value : NULL;
}

static bool grow(struct sim_map *m)
{
	size_t n = m->nslots ? m->nslots * 2 : MAP_INITIAL_SLOTS;
	struct sim_map_entry **slots = calloc(n, sizeof *slots);
	if (!slots)
		return false;
	for (size_t i = 0; i < m->nslots; i++) {
		struct sim_map_entry *e = m->slots[i];
		while (e) {
			struct sim_map_entry *next = e->next;
			size_t j = e->hash & (n - 1);
			e->next = slots[j];
			slots[j] = e;
			e = next;
		}
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = n;
	return true;
}

bool sim_map_put(struct sim_map *m, const char *key, void *value)
{
	uint64_t h = fnv1a(key);
	if (find(m, key, h))
		return false;
	if ((m->count + 1) * 4 > m->nslots * 3 && !grow(m))
		return false;
	size_t klen = strlen(key);
	struct sim_map_entry *e = malloc(sizeof *e + klen + 1);
	if (!e)
		return false;
	memcpy(e->key, key, klen + 1);
	e->hash = h;
	e->value = value;
	size_t j = h & (m->nslots - 1);
	e->next = m->slots[j];
	m->slots[j] = e;
	m->count++;
	return true;
}

void *sim_map_remove(struct sim_map *m, const char *key)
{
	if (m->nslots == 0)
		return NULL;
	uint64_t h = fnv1a(key);
	struct sim_map_entry **pp = &m->slots[h & (m->nslots - 1)];
	for (; *pp; pp = &(*pp)->next) {
		struct sim_map_entry *e = *pp;
		if (e->hash == h && strcmp(e->key, key) == 0) {
			void *v = e->value;
			*pp = e->next;
			free(e);
			m->count--;
			return v;
		}
	}
	return NULL;
}

size_t sim_map_count(const struct sim_map *m)
{
	return m->count;
}
