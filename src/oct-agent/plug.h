/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plug: VIP and network plumbing inside the appliance, for
 * POST /1.0/plug/vip/<ip> and POST /1.0/plug/network (amphora-api.md (b)
 * rows 4 and 5).  The HTTP layer parses the body and writes the reply;
 * these functions do the work and fill in the reply.
 */
#ifndef OCT_AGENT_PLUG_H
#define OCT_AGENT_PLUG_H

#include <jansson.h>

struct plug_reply {
	int	 status;		/* HTTP status: 202, 400, 404, 409, 500 */
	char	 message[256];		/* JSON "message" */
	char	 details[1024];		/* JSON "details", "" for none */
};

/*
 * Plug vip (the path parameter, not yet validated) as the body (a JSON
 * object, borrowed) describes.  Fills in *r; returns 0 when r->status is a
 * success, -1 otherwise.
 */
int	 plug_vip(const char *vip, const json_t *body, struct plug_reply *r);

/* Plug a member network as body describes.  As plug_vip. */
int	 plug_network(const json_t *body, struct plug_reply *r);

#endif
