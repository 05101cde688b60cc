/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plug: a placeholder until the netns plumbing lands: every call answers
 * the reference's "No suitable network interface found" 404.
 */
#include <stdio.h>

#include <jansson.h>

#include "plug.h"

static int
not_yet(struct plug_reply *r)
{
	r->status = 404;
	snprintf(r->message, sizeof(r->message), "Network interface not found");
	snprintf(r->details, sizeof(r->details),
	    "No suitable network interface found");
	return -1;
}

int
plug_vip(const char *vip, const json_t *body, struct plug_reply *r)
{
	(void)vip;
	(void)body;
	return not_yet(r);
}

int
plug_network(const json_t *body, struct plug_reply *r)
{
	(void)body;
	return not_yet(r);
}
