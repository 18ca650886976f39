/*
 * sim/map.h: a string-keyed hash map (separate chaining, FNV-1a).
 *
 * The map copies keys; values are borrowed pointers the caller owns.
 * Lookups, inserts and removals are O(1) on average; the table doubles when
 * it is three-quarters full.
 *
 * Ownership: struct sim_map is caller-owned (sim_map_init / sim_map_release).
 * Thread-safety: none; the module that owns a map guards it with its lock.
 */
#ifndef SIM_MAP_H
#define SIM_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct sim_map_entry;

struct sim_map {
	struct sim_map_entry **slots;
	size_t nslots; /* a power of two */
	size_t count;
};

void sim_map_init(struct sim_map *m);
/* Frees the map's own memory; free_value (may be NULL) is called on each value. */
void sim_map_release(struct sim_map *m, void (*free_value)(void *));
/* Remove everything (as release, then init). */
void sim_map_clear(struct sim_map *m, void (*free_value)(void *));

void *sim_map_get(const struct sim_map *m, const char *key);
/* Insert key -> value. False when the key is present (nothing changes) or
 * memory ran out. */
bool sim_map_put(struct sim_map *m, const char *key, void *value);
/* Remove key; returns its value or NULL. */
void *sim_map_remove(struct sim_map *m, const char *key);
size_t sim_map_count(const struct sim_map *m);

#endif
