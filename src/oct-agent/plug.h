/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plug: VIP and network plumbing inside the appliance, for
 * POST /1.0/plug/vip/<ip> and POST /1.0/plug/network (amphora-api.md (b)
 * rows 4 and 5).  The HTTP layer parses the body and writes the reply;
 * netinfo.c checks the body whole before anything changes, plug.c does
 * the work; both fill in the reply.
 */
#ifndef OCT_AGENT_PLUG_H
#define OCT_AGENT_PLUG_H

#include <netinet/in.h>

#include <jansson.h>

#define PLUG_VIPS_MAX	8	/* the VIP and its additional_vips */

struct plug_reply {
	int	 status;		/* HTTP status: 202, 400, 404, 409, 500 */
	int	 werror;		/* answer werkzeug's shape, as Octavia's
					 * agent does for this refusal:
					 * {"error": "400 Bad Request: <message>",
					 * "http_code": 400, "details"} */
	char	 message[256];		/* JSON "message" */
	char	 details[1024];		/* JSON "details", "" for none */
};

/* An address of a body, parsed. */
struct plug_addr {
	int		 af;		/* AF_INET or AF_INET6 */
	unsigned char	 a[16];
	char		 text[INET6_ADDRSTRLEN];	/* canonical */
};

/* What a checked POST /1.0/plug/vip body asks for. */
struct plug_vips {
	struct plug_addr vip[PLUG_VIPS_MAX];	/* [0] the path's VIP */
	size_t		 n;
	unsigned char	 mac[6];
	int		 routed;		/* oct's "routed": true */
};

/*
 * Fill in *r; returns 0 when status is a success (2xx), -1 otherwise.
 * details, from fmt, may be NULL.
 */
int	 plug_set(struct plug_reply *r, int status, const char *message,
	    const char *fmt, ...)
	    __attribute__((__format__(printf, 4, 5)));

/* s made safe to echo: printable ASCII but '"' and '\\', 64 at most. */
void	 plug_echo(const char *s, char *buf, size_t bufsz);

/*
 * netinfo.c: check a plug body as Octavia's agent reads it, every key
 * whole (types, formats, address families), before anything is plugged.
 * Return 0 and fill in the parsed request, or -1 with a 400 in *r.  body
 * and vip are borrowed; vip is the path parameter, not yet validated.
 */
int	 netinfo_vip(const char *vip, const json_t *body, struct plug_vips *,
	    struct plug_reply *r);
int	 netinfo_network(const json_t *body, unsigned char mac[6],
	    struct plug_reply *r);

/*
 * plug.c: plug vip as body describes (both borrowed; body is any JSON
 * value, checked here).  Fills in *r; returns 0 when r->status is a
 * success, -1 otherwise.
 */
int	 plug_vip(const char *vip, const json_t *body, struct plug_reply *r);

/* Plug a member network as body describes.  As plug_vip. */
int	 plug_network(const json_t *body, struct plug_reply *r);

#endif
