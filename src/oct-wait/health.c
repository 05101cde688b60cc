/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent says about its listeners, pools and members.  The shapes
 * differ between Octavia's GET /1.0/listeners (an array of {"status",
 * "uuid", "type"}), its heartbeat ({"listeners": {id: {"status"}}, "pools":
 * {id: {"status", "members": {id: "UP"}}}}), oct-agent's listeners (the
 * reference's plus "frontend_status" and heartbeat-shaped "pools") and
 * whatever an agent adds to /1.0/details, so the walk goes by key names
 * ("listeners", "pools", "members") at any depth and takes every other key
 * as optional.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "extern.h"

enum kind { K_NONE, K_LISTENER, K_POOL, K_MEMBER };

static const char *const kind_name[] = { "", "listener", "pool", "member" };

static int	walk(const json_t *, enum kind, const char *, json_t *);

/* Whether status means "not serving" for an object of kind k. */
static int
is_down(enum kind k, const char *st)
{
	switch (k) {
	case K_LISTENER:
		return strcasecmp(st, "OPEN") != 0 &&
		    strcasecmp(st, "ACTIVE") != 0 &&
		    strcasecmp(st, "ONLINE") != 0;
	case K_POOL:
	case K_MEMBER:
		return strncasecmp(st, "DOWN", 4) == 0 ||
		    strcasecmp(st, "ERROR") == 0 ||
		    strcasecmp(st, "OFFLINE") == 0;
	default:
		return 0;
	}
}

static void
add_down(json_t *down, enum kind k, const char *name, const char *st)
{
	char	 buf[512];
	size_t	 i;

	(void)snprintf(buf, sizeof(buf), "%s %s %s", kind_name[k],
	    name != NULL ? name : "?", st);
	for (i = 0; i < json_array_size(down); i++)
		if (strcmp(json_string_value(json_array_get(down, i)),
		    buf) == 0)
			return;
	(void)json_array_append_new(down, json_string(buf));
}

/* The name of an object: its uuid, id or name, else the key it sits at. */
static const char *
obj_name(const json_t *o, const char *key)
{
	static const char *const names[] = { "uuid", "id", "name",
	    "address" };
	const json_t	*v;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_is_string(v = json_object_get(o, names[i])))
			return json_string_value(v);
	return key;
}

/* One element of a "listeners", "pools" or "members" collection. */
static int
element(const json_t *v, enum kind k, const char *key, int in_object,
    json_t *down)
{
	const json_t	*st;
	int		 n = k == K_LISTENER ? 1 : 0;

	if (json_is_string(v)) {
		/* {"id": "UP"} holds a status; ["id", ...] holds names. */
		if (in_object && is_down(k, json_string_value(v)))
			add_down(down, k, key, json_string_value(v));
		return n;
	}
	if (!json_is_object(v))
		return 0;
	if (!json_is_string(st = json_object_get(v, "status")))
		st = json_object_get(v, "operating_status");
	if (json_is_string(st) && is_down(k, json_string_value(st)))
		add_down(down, k, obj_name(v, key), json_string_value(st));
	/* oct-agent adds haproxy's own frontend state (OPEN, FULL, STOP). */
	st = json_object_get(v, "frontend_status");
	if (k == K_LISTENER && json_is_string(st) &&
	    is_down(k, json_string_value(st)))
		add_down(down, k, obj_name(v, key), json_string_value(st));
	return n + walk(v, K_NONE, key, down);
}

static int
collection(const json_t *v, enum kind k, json_t *down)
{
	const char	*key;
	const json_t	*e;
	size_t		 i;
	int		 n = 0;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			n += element(e, k, NULL, 0, down);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, key, e)
			n += element(e, k, key, 1, down);
	}
	return n;
}

static int
walk(const json_t *j, enum kind k, const char *key, json_t *down)
{
	const char	*kk;
	const json_t	*v;
	size_t		 i;
	int		 n = 0;

	(void)key;
	if (k != K_NONE)
		return collection(j, k, down);
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			n += walk(v, K_NONE, NULL, down);
		return n;
	}
	if (!json_is_object(j))
		return 0;
	json_object_foreach((json_t *)(uintptr_t)j, kk, v) {
		/* oct-agent's /details: haproxy's "frontends", "backends". */
		if (strcmp(kk, "listeners") == 0 ||
		    strcmp(kk, "frontends") == 0)
			n += collection(v, K_LISTENER, down);
		else if (strcmp(kk, "pools") == 0 ||
		    strcmp(kk, "backends") == 0)
			n += collection(v, K_POOL, down);
		else if (strcmp(kk, "members") == 0)
			n += collection(v, K_MEMBER, down);
		else if (json_is_object(v) || json_is_array(v))
			n += walk(v, K_NONE, kk, down);
	}
	return n;
}

int
health_walk(const json_t *j, json_t *down)
{
	/* GET /1.0/listeners answers a bare array of listeners. */
	if (json_is_array(j))
		return collection(j, K_LISTENER, down);
	return walk(j, K_NONE, NULL, down);
}

void
health_now(char *buf, size_t bufsz)
{
	struct tm	 tm;
	time_t		 t = time(NULL);

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, bufsz, "1970-01-01T00:00:00Z");
}
