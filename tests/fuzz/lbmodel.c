/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel: libFuzzer target for the load balancer model (lib/lbmodel*.c)
 * and the haproxy renderer (lib/hacfg.c).  The bytes are read as
 * hacfg-render and oct-config read a model (jrec_parse, then lb_parse).
 * A refused model must say why on one line.  An accepted one must name
 * only files the agent takes, render, render the same bytes twice and
 * whatever its key order, and give a config haproxy reads as we meant it:
 * each line one directive we write, with user text that neither ends the
 * line, nor starts a comment, nor leaves a quote open (Octavia's templates
 * had such config injections), and acl, server and section names unique
 * where haproxy would merge or refuse them.  A broken rule aborts, which
 * libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "hacfg.h"
#include "ident.h"
#include "jrec.h"
#include "lbmodel.h"

#define NAMES_MAX	4096

/* As oct-config --tls-dir /a: refs beneath /a, or relative. */
static const char *const dirs[] = { "/a" };
static const struct lb_opts lbopts = { dirs, 1, NULL };

struct names {
	char	*v[NAMES_MAX];
	size_t	 n;
};

/* No byte of s (len bytes) is a control character: one line of text. */
static int
one_line(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Remember name in ns; 0 when it was there already. */
static int
unique(struct names *ns, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < ns->n; i++)
		if (strlen(ns->v[i]) == len && memcmp(ns->v[i], name, len) == 0)
			return 0;
	if (ns->n == NAMES_MAX)
		return 1;	/* too many to tell; not a fault */
	if ((ns->v[ns->n] = strndup(name, len)) == NULL)
		fail("strndup", NULL);
	ns->n++;
	return 1;
}

static void
names_clear(struct names *ns)
{
	size_t	 i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	ns->n = 0;
}

/* The directives hacfg writes, each indented four spaces. */
static int
keyword_ok(const char *w, size_t len)
{
	static const char *const kw[] = {
		"stats", "server-state-file", "maxconn", "crt-base",
		"external-check", "insecure-fork-wanted", "no", "retries",
		"option", "bind", "mode", "acl", "http-request", "use_backend",
		"default_backend", "timeout", "tcp-request", "http-reuse",
		"balance", "stick-table", "stick", "cookie",
		"load-server-state-from-file", "http-check", "fullconn",
		"server", NULL
	};
	size_t	 i;

	for (i = 0; kw[i] != NULL; i++)
		if (strlen(kw[i]) == len && memcmp(kw[i], w, len) == 0)
			return 1;
	return 0;
}

/*
 * Read line (len bytes, no newline) as haproxy's parser does: outside
 * quotes a backslash escapes and '#' starts a comment; in single quotes
 * nothing is special but the closing quote; in double quotes a backslash
 * escapes and '$' expands.  hacfg never means any of those but quotes.
 */
static void
line_check(const char *line, size_t len)
{
	size_t	 i;
	int	 sq = 0, dq = 0;

	for (i = 0; i < len; i++) {
		if (sq) {
			if (line[i] == '\'')
				sq = 0;
		} else if (dq) {
			if (line[i] == '"')
				dq = 0;
			else if (line[i] == '\\' || line[i] == '$')
				fail("escape or variable in double quotes",
				    line);
		} else if (line[i] == '\'')
			sq = 1;
		else if (line[i] == '"')
			dq = 1;
		else if (line[i] == '\\')
			fail("backslash outside quotes", line);
		else if (line[i] == '#')
			fail("comment inside a directive", line);
	}
	if (sq || dq)
		fail("quote left open", line);
}

/* The length of the word at line[at], up to a space or the line's end. */
static size_t
word(const char *line, size_t len, size_t at)
{
	size_t	 n;

	for (n = 0; at + n < len && line[at + n] != ' '; n++)
		;
	return n;
}

static int
starts(const char *line, size_t len, const char *prefix)
{
	size_t	 n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

static void
config_check(const char *cfg, size_t len)
{
	struct names	 sections, acls, servers;
	const char	*line, *nl;
	size_t		 ll, n;
	int		 first = 1;

	memset(&sections, 0, sizeof(sections));
	memset(&acls, 0, sizeof(acls));
	memset(&servers, 0, sizeof(servers));
	if (len == 0 || cfg[len - 1] != '\n' || strlen(cfg) != len)
		fail("config is not newline-terminated text", cfg);
	for (line = cfg; line < cfg + len; line = nl + 1) {
		nl = memchr(line, '\n', cfg + len - line);
		ll = nl - line;
		if (!one_line(line, ll))
			fail("control character in a config line", line);
		if (first) {
			first = 0;
			if (!starts(line, ll, "# Configuration for "
			    "loadbalancer "))
				fail("first line", line);
			continue;
		}
		if (ll == 0)
			continue;
		line_check(line, ll);
		if (starts(line, ll, "    ")) {
			n = word(line, ll, 4);
			if (!keyword_ok(line + 4, n))
				fail("unknown directive", line);
			if (starts(line, ll, "    acl ") &&
			    !unique(&acls, line + 8, word(line, ll, 8)))
				fail("acl defined twice in a frontend", line);
			if (starts(line, ll, "    server ") &&
			    !unique(&servers, line + 11, word(line, ll, 11)))
				fail("server defined twice in a backend", line);
			continue;
		}
		names_clear(&acls);
		names_clear(&servers);
		if ((ll == 6 && starts(line, ll, "global")) ||
		    (ll == 8 && starts(line, ll, "defaults")))
			continue;
		if (starts(line, ll, "frontend "))
			n = 9;
		else if (starts(line, ll, "backend "))
			n = 8;
		else
			fail("not a section or a directive", line);
		if (word(line, ll, n) != ll - n)
			fail("section name is not one word", line);
		if (!unique(&sections, line + n, ll - n))
			fail("proxy name used twice", line);
	}
	names_clear(&sections);
	names_clear(&acls);
	names_clear(&servers);
}

/* The files the model pushes: names the agent accepts, each once. */
static void
files_check(const struct lb *lb)
{
	struct names	 ns;
	const char	*name, *data, *path;
	size_t		 i, n, dlen;

	memset(&ns, 0, sizeof(ns));
	if (!ident_ok(lb_id(lb)) || strlen(lb_id(lb)) > LB_ID_MAX)
		fail("lb_id is not a safe id", lb_id(lb));
	for (i = 0; i < lb_ncerts(lb); i++) {
		name = lb_cert_name(lb, i);
		n = strlen(name);
		if (!ident_ok(name) || n <= 4 || strcmp(name + n - 4,
		    ".pem") != 0)
			fail("certificate file name the agent refuses", name);
		if (!unique(&ns, name, n))
			fail("two files with one name", name);
		data = lb_cert_data(lb, i, &dlen);
		path = lb_cert_path(lb, i);
		if ((data == NULL) == (path == NULL))
			fail("a file is neither local nor generated", name);
		/* a local path lands in messages */
		if (path != NULL && !one_line(path, strlen(path)))
			fail("control character in a file path", name);
		/* and stays beneath the directories it may use */
		if (path != NULL && (strncmp(path, "/a/", 3) != 0 ||
		    strstr(path, "/../") != NULL || (n = strlen(path)) < 4 ||
		    strcmp(path + n - 3, "/..") == 0))
			fail("a file outside its directory", path);
	}
	names_clear(&ns);
}

static char *
render(const struct lb *lb, size_t *lenp)
{
	struct hacfg_opts	 opts;
	char			 err[1024], *cfg;

	memset(&opts, 0, sizeof(opts));
	opts.base_path = "/var/lib/octavia";
	/* The record's VIP, as oct-config gives it, when the model has none. */
	if (lb_vip(lb) == NULL)
		opts.vip = "203.0.113.7";
	if ((cfg = hacfg_render(lb, &opts, lenp, err, sizeof(err))) == NULL)
		fail("an accepted model does not render", err);
	return cfg;
}

/* The same model with its keys sorted renders the same bytes. */
static void
order_check(const json_t *doc, const char *cfg, size_t len)
{
	struct lb	*lb;
	json_t		*sorted;
	char		*s, err[1024], *cfg2;
	size_t		 len2;

	if ((s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fail("json_dumps", NULL);
	if ((sorted = jrec_parse(s, strlen(s), err, sizeof(err))) == NULL)
		fail("sorted model does not parse", err);
	if ((lb = lb_parse_opts(sorted, &lbopts, err, sizeof(err))) == NULL)
		fail("sorted model is refused", err);
	cfg2 = render(lb, &len2);
	if (len2 != len || memcmp(cfg, cfg2, len) != 0)
		fail("key order changes the config", s);
	free(cfg2);
	lb_free(lb);
	json_decref(sorted);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb	*lb;
	json_t		*doc;
	char		 err[1024], *cfg, *cfg2;
	size_t		 len, len2;

	if ((doc = jrec_parse((const char *)data, size, err,
	    sizeof(err))) == NULL)
		return 0;
	if ((lb = lb_parse_opts(doc, &lbopts, err, sizeof(err))) == NULL) {
		if (err[0] == '\0' || !one_line(err, strlen(err)))
			fail("refusal is not one line of text", err);
		json_decref(doc);
		return 0;
	}
	files_check(lb);
	cfg = render(lb, &len);
	cfg2 = render(lb, &len2);
	if (len != len2 || memcmp(cfg, cfg2, len) != 0)
		fail("two renders differ", NULL);
	free(cfg2);
	config_check(cfg, len);
	order_check(doc, cfg, len);
	free(cfg);
	lb_free(lb);
	json_decref(doc);
	return 0;
}
