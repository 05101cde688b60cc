/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-config's internal API: the settings of one run, the load balancer
 * model with its rendered configuration, and the agent calls.
 */
#ifndef OCT_CONFIG_EXTERN_H
#define OCT_CONFIG_EXTERN_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "agentc.h"
#include "hacfg.h"
#include "lbmodel.h"

#define MD5_HEX		(16 * 2 + 1)
#define TLS_DIRS_MAX	16		/* --tls-dir given */
#define SHA256_HEX	(32 * 2 + 1)

/* A TLS file the configuration refers to, read once for every record. */
struct pem {
	const char	*name;		/* file name on the agent (borrowed) */
	const char	*path;		/* local file (borrowed) */
	char		*buf;		/* contents: holds a key, freezero */
	size_t		 len;
	char		 md5[MD5_HEX];
};

/* The rendered configuration for one VIP (the last one asked for). */
struct rendered {
	char		*vip;		/* NULL: the model's own */
	char		*text;
	size_t		 len;
	char		 md5[MD5_HEX];
	char		 sha256[SHA256_HEX];
};

/* The settings of one run. */
struct conf {
	const char		*lb_file;	/* --lb */
	const char		*lb_id;		/* --lb-id, else the model's */
	const char		*haproxy_cmd;	/* --haproxy-cmd */
	int			 haproxy_cmd_given;
	int			 port;		/* --port, 0 when not given */
	int			 print;		/* show --print */
	double			 timeout_s;	/* --timeout */
	char			*tls_dirs[TLS_DIRS_MAX]; /* --tls-dir, real */
	size_t			 ntls_dirs;
	const char		*reserved_ips;	/* --reserved-ips, else env */
	const char		*vip;		/* --vip, or NULL */
	struct agentc_opts	 aopts;
	struct hacfg_opts	 hopts;
	struct lb		*lb;		/* NULL without --lb */
	struct pem		*pems;
	size_t			 npems;
	struct rendered		 cache;
};

/* model.c */
int		 model_opts(struct conf *, char *const *tls_dirs, size_t n);
int		 model_load(struct conf *);
void		 model_free(struct conf *);
const struct rendered *model_render(struct conf *, const char *vip,
		    char *err, size_t errlen);
int		 digest_hex(const char *alg, const void *buf, size_t len,
		    char *hex, size_t hexsz);
void		 now_rfc3339(char *buf, size_t bufsz);

/* agent.c */
struct call {
	struct agentc		*ac;
	struct timespec		 deadline;
	const char		*amp_id;
	char			 method[8];
	char			 path[512];
	struct agentc_resp	 resp;
	int			 rc;		/* of the last agentc_call */
};
int		 call_open(struct call *, const struct conf *, json_t *rec);
void		 call_close(struct call *);
int		 call_do(struct call *, const char *method, const void *body,
		    size_t len, const char *fmt, ...)
		    __attribute__((__format__(printf, 5, 6)));
int		 call_fail(struct call *, json_t *rec, const char *what);
const char	*call_lb_id(const struct conf *, const json_t *rec);

/* check.c */
int		 check_local(struct conf *);
void		 haproxy_alerts(const char *, const char *, char *, size_t);

/* push.c */
int		 push_record(json_t *rec, void *arg);
int		 push_dry_run(struct conf *);

/* show.c */
int		 show_record(json_t *rec, void *arg);
int		 delete_record(json_t *rec, void *arg);

/* plug.c */
int		 plug_record(json_t *rec, void *arg);

#endif
