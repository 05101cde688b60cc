/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status: what each load balancer runs.  Its listeners (haproxy frontends)
 * and their types come from its haproxy.cfg, as Octavia's agent does; the
 * live state (frontend OPEN/FULL/STOP, backend and server UP/DOWN/MAINT/
 * DRAIN, counters) comes from "show stat" on its stats socket.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "afile.h"
#include "log.h"
#include "utf8.h"
#include "extern.h"

#define CFG_MAX		(64 * 1024 * 1024)
#define STAT_COLS	64

static const char *const sections[] = { "global", "defaults", "frontend",
    "backend", "listen", "peers", "resolvers", "userlist", "program",
    "cache", "ring", "http-errors", "mailers" };

/* Split line into at most max blank-separated words (in place). */
static size_t
words(char *line, char **w, size_t max)
{
	size_t	 n = 0;

	while (n < max) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			break;
		w[n++] = line;
		while (*line != '\0' && *line != ' ' && *line != '\t')
			line++;
		if (*line != '\0')
			*line++ = '\0';
	}
	return n;
}

static void
upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = toupper((unsigned char)*s);
}

/*
 * Add cfg's frontends (and listen sections) to the array out as
 * {"uuid", "type", "default_backend"} and put the first "stats socket"
 * path of its global section in sock ("" when none).  Returns 0.
 */
int
status_parse_config(const char *cfg, json_t *out, char *sock, size_t socksz)
{
	char		 line[4096], *w[8], defmode[16] = "TCP";
	const char	*p, *eol;
	json_t		*cur = NULL;
	size_t		 n, i;
	int		 sec = -1;	/* index in sections[] */

	sock[0] = '\0';
	for (p = cfg; *p != '\0'; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if ((size_t)(eol - p) >= sizeof(line))
			continue;
		memcpy(line, p, eol - p);
		line[eol - p] = '\0';
		if (strstr(line, " ssl ") != NULL && strstr(line, " crt") !=
		    NULL && cur != NULL && strncmp(line + strspn(line, " \t"),
		    "bind", 4) == 0)
			(void)json_object_set_new(cur, "type",
			    json_string("TERMINATED_HTTPS"));
		if ((n = words(line, w, 8)) == 0)
			continue;
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (strcmp(w[0], sections[i]) == 0)
				break;
		if (i < sizeof(sections) / sizeof(sections[0])) {
			sec = i;
			cur = NULL;
			if ((sec == 2 || sec == 4) && n >= 2) {
				cur = json_pack("{s:s,s:s}", "uuid", w[1],
				    "type", defmode);
				(void)json_array_append_new(out, cur);
			}
			continue;
		}
		if (sec == 0 && n >= 3 && strcmp(w[0], "stats") == 0 &&
		    strcmp(w[1], "socket") == 0 && sock[0] == '\0')
			(void)strlcpy(sock, w[2], socksz);
		if (strcmp(w[0], "mode") == 0 && n >= 2 &&
		    strlen(w[1]) < sizeof(defmode)) {
			upper(w[1]);
			if (sec == 1)
				(void)strlcpy(defmode, w[1], sizeof(defmode));
			else if (cur != NULL && strcmp(json_string_value(
			    json_object_get(cur, "type")),
			    "TERMINATED_HTTPS") != 0)
				(void)json_object_set_new(cur, "type",
				    json_string(w[1]));
		}
		if (strcmp(w[0], "default_backend") == 0 && n >= 2 &&
		    cur != NULL)
			(void)json_object_set_new(cur, "default_backend",
			    json_string(w[1]));
	}
	return 0;
}

static json_t *
num_or_null(const char *s)
{
	const char	*errstr;
	long long	 v;

	v = strtonum(s, 0, LLONG_MAX, &errstr);
	return errstr == NULL ? json_integer(v) : json_null();
}

/*
 * Parse the CSV of "show stat" into {"frontends": {name: {"status", ...}},
 * "backends": {name: {"status", "members": {server: status}}}}, server
 * states as in Octavia's heartbeat (UP with weight 0 is DRAIN).  Returns a
 * new object, or NULL when csv is not "show stat" output.
 */
json_t *
status_parse_stat(const char *csv)
{
	char		 line[8192], *f[STAT_COLS], *p;
	const char	*s, *eol, *errstr;
	json_t		*out, *fes, *bes, *be, *o;
	int		 col[9], ncol = 0;
	size_t		 n, i, j;
	static const char *const want[] = { "pxname", "svname", "status",
	    "weight", "scur", "stot", "bin", "bout", "ereq" };

	if (strncmp(csv, "# ", 2) != 0)
		return NULL;
	for (i = 0; i < 9; i++)
		col[i] = -1;
	out = json_pack("{s:{},s:{}}", "frontends", "backends");
	fes = json_object_get(out, "frontends");
	bes = json_object_get(out, "backends");
	for (s = csv; *s != '\0'; s = *eol ? eol + 1 : eol) {
		eol = s + strcspn(s, "\n");
		if ((size_t)(eol - s) >= sizeof(line) || eol == s)
			continue;
		memcpy(line, s, eol - s);
		line[eol - s] = '\0';
		p = line;
		if (s == csv)
			p += 2;
		for (n = 0; n < STAT_COLS && p != NULL; n++)
			f[n] = strsep(&p, ",");
		if (s == csv) {
			for (i = 0; i < 9; i++)
				for (j = 0; j < n; j++)
					if (strcmp(f[j], want[i]) == 0)
						col[i] = j;
			for (i = 0; i < 9; i++)
				if (col[i] == -1 || col[i] >= STAT_COLS) {
					json_decref(out);
					return NULL;
				}
			ncol = n;
			continue;
		}
		if ((int)n < ncol)
			continue;
		if (strcmp(f[col[1]], "FRONTEND") == 0) {
			o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}",
			    "status", f[col[2]],
			    "conns", num_or_null(f[col[4]]),
			    "totconns", num_or_null(f[col[5]]),
			    "rx", num_or_null(f[col[6]]),
			    "tx", num_or_null(f[col[7]]),
			    "ereq", num_or_null(f[col[8]]));
			(void)json_object_set_new(fes, f[col[0]], o);
			continue;
		}
		if ((be = json_object_get(bes, f[col[0]])) == NULL) {
			be = json_pack("{s:s,s:{}}", "status", "UNKNOWN",
			    "members");
			(void)json_object_set_new(bes, f[col[0]], be);
		}
		if (strcmp(f[col[1]], "BACKEND") == 0) {
			(void)json_object_set_new(be, "status",
			    json_string(f[col[2]]));
			continue;
		}
		if (strncmp(f[col[2]], "UP", 2) == 0 &&
		    strtonum(f[col[3]], 0, INT_MAX, &errstr) == 0 &&
		    errstr == NULL)
			o = json_string("DRAIN");
		else
			o = json_string(f[col[2]]);
		(void)json_object_set_new(json_object_get(be, "members"),
		    f[col[1]], o);
	}
	return out;
}

struct collect {
	json_t		*lbs;
	int		 pending;
	status_fn	 fn;
	void		*arg;
};

struct one {
	struct collect	*co;
	json_t		*lb;	/* borrowed from co->lbs */
};

static void
collect_done(struct collect *co)
{
	co->fn(co->lbs, co->arg);
	json_decref(co->lbs);
	free(co);
}

static void
on_stat(int ok, const char *out, size_t len, void *arg)
{
	struct one	*one = arg;
	struct collect	*co = one->co;
	json_t		*st;
	char		*csv = NULL;

	/* Names in it come from an uploaded config: any bytes. */
	if (ok && (csv = utf8_scrub(out, len)) != NULL &&
	    (st = status_parse_stat(csv)) != NULL)
		(void)json_object_set_new(one->lb, "stats", st);
	else
		(void)json_object_set_new(one->lb, "stats", json_null());
	free(csv);
	free(one);
	if (--co->pending == 0)
		collect_done(co);
}

/*
 * Gather every load balancer's state into {"<lb_id>": {"running": bool,
 * "listeners": [...], "stats": {...} or null}} and call fn with it
 * (borrowed for the call), now or later from the event loop.
 */
void
status_collect(status_fn fn, void *arg)
{
	struct collect	*co;
	struct one	*one;
	json_t		*ids, *lb, *ls;
	char		 path[PATH_MAX], sock[PATH_MAX], *raw, *cfg;
	const char	*id;
	size_t		 i, len;
	int		 running;

	if ((co = calloc(1, sizeof(*co))) == NULL ||
	    (co->lbs = json_object()) == NULL)
		fatal("status_collect");
	co->fn = fn;
	co->arg = arg;
	co->pending = 1;
	ids = lb_list();
	json_array_foreach(ids, i, lb) {
		id = json_string_value(lb);
		running = lb_master_pid(id) != 0;
		ls = json_array();
		sock[0] = '\0';
		/* An uploaded config: any bytes haproxy -c took. */
		if (lb_path(path, sizeof(path), id, "haproxy.cfg") == 0 &&
		    (raw = afile_read(path, CFG_MAX, &len)) != NULL) {
			if ((cfg = utf8_scrub(raw, len)) != NULL)
				(void)status_parse_config(cfg, ls, sock,
				    sizeof(sock));
			free(raw);
			free(cfg);
		}
		/* Only sockets of ours: never connect where a config says. */
		if (strncmp(sock, agent->conf.base_path,
		    strlen(agent->conf.base_path)) != 0 ||
		    sock[strlen(agent->conf.base_path)] != '/' ||
		    strstr(sock, "/../") != NULL)
			(void)snprintf(sock, sizeof(sock), "%s/%s.sock",
			    agent->conf.base_path, id);
		(void)json_object_set_new(co->lbs, id, json_pack("{s:b,s:o}",
		    "running", running, "listeners", ls));
		if (!running)
			continue;
		if ((one = calloc(1, sizeof(*one))) == NULL)
			fatal("calloc");
		one->co = co;
		one->lb = json_object_get(co->lbs, id);
		co->pending++;
		cli_query(sock, "show stat", 2000, on_stat, one);
	}
	json_decref(ids);
	if (--co->pending == 0)
		collect_done(co);
}

/*
 * GET /1.0/listeners: the reference's [{"status", "uuid", "type"}], plus
 * our keys "lb_id", "frontend_status" and "pools" (as in the heartbeat:
 * {"<backend>": {"status", "members": {...}}}).  Returns a new array.
 */
json_t *
status_listeners(json_t *lbs)
{
	const char	*id, *name, *uuid, *defb;
	json_t		*out, *lb, *l, *o, *stats, *fe, *pools, *be;
	size_t		 i, nlen, ulen;
	int		 running;

	if ((out = json_array()) == NULL)
		fatal("json_array");
	json_object_foreach(lbs, id, lb) {
		running = json_is_true(json_object_get(lb, "running"));
		stats = json_object_get(lb, "stats");
		json_array_foreach(json_object_get(lb, "listeners"), i, l) {
			uuid = json_string_value(json_object_get(l, "uuid"));
			defb = json_string_value(json_object_get(l,
			    "default_backend"));
			o = json_pack("{s:s,s:s,s:O,s:s}",
			    "status", running ? "ACTIVE" : "OFFLINE",
			    "uuid", uuid, "type", json_object_get(l, "type"),
			    "lb_id", id);
			fe = json_object_get(json_object_get(stats,
			    "frontends"), uuid);
			if (fe != NULL)
				(void)json_object_set(o, "frontend_status",
				    json_object_get(fe, "status"));
			pools = json_object();
			ulen = strlen(uuid);
			json_object_foreach(json_object_get(stats, "backends"),
			    name, be) {
				nlen = strlen(name);
				if ((defb != NULL && strcmp(name, defb) == 0) ||
				    (nlen > ulen && name[nlen - ulen - 1] ==
				    ':' && strcmp(name + nlen - ulen,
				    uuid) == 0))
					(void)json_object_set(pools, name, be);
			}
			(void)json_object_set_new(o, "pools", pools);
			(void)json_array_append_new(out, o);
		}
	}
	return out;
}
