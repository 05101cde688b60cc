/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel_keys: every key Octavia's API v2 gives each object of a load
 * balancer, from Octavia 11 to the current release (the POST, PUT and GET
 * types of octavia/api/v2/types), in one table per object, with what oct
 * does with it.  A key in no table is refused: a field of a release yet to
 * come may change what the load balancer does, and silence would lie.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lbmodel.h"
#include "lbmodel_int.h"

/*
 * READ: the parser reads and checks it.  TEXT: free text (any Unicode),
 * checked here, never rendered.  PASS: Octavia's bookkeeping or the
 * cloud's, with no effect here.  OFF: a feature oct lacks, refused unless
 * null, false, [] or "normal".
 */
enum use {
	READ,
	TEXT,
	PASS,
	OFF
};

struct key {
	const char	*name;
	enum use	 use;
	const char	*why;	/* OFF: what is not supported */
};

/* Each table is sorted by name (bsearch; the unit test checks it). */
static const struct key lb_keys[] = {
	{ "additional_vips", READ, NULL },
	{ "admin_state_up", READ, NULL },
	{ "availability_zone", PASS, NULL },
	{ "created_at", PASS, NULL },
	{ "description", TEXT, NULL },
	{ "flavor_id", PASS, NULL },
	{ "id", READ, NULL },
	{ "listeners", READ, NULL },
	{ "name", TEXT, NULL },
	{ "operating_status", PASS, NULL },
	{ "pools", READ, NULL },
	{ "project_id", PASS, NULL },
	{ "provider", PASS, NULL },
	{ "provisioning_status", READ, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "updated_at", PASS, NULL },
	{ "vip_address", READ, NULL },
	{ "vip_network_id", PASS, NULL },
	{ "vip_port_id", PASS, NULL },
	{ "vip_qos_policy_id", PASS, NULL },
	{ "vip_sg_ids", OFF, "security groups on the VIP port are not "
	    "applied by oct (its appliances filter nothing by them)" },
	{ "vip_subnet_id", PASS, NULL },
	{ "vip_vnic_type", OFF, "oct's appliances have no SR-IOV VIP port "
	    "(only \"normal\")" },
};

static const struct key vip_keys[] = {
	{ "ip_address", READ, NULL },
	{ "port_id", PASS, NULL },
	{ "subnet_id", PASS, NULL },
};

static const struct key listener_keys[] = {
	{ "admin_state_up", READ, NULL },
	{ "allowed_cidrs", READ, NULL },
	{ "alpn_protocols", READ, NULL },
	{ "client_authentication", READ, NULL },
	{ "client_ca_tls_container_ref", READ, NULL },
	{ "client_crl_container_ref", READ, NULL },
	{ "connection_limit", READ, NULL },
	{ "created_at", PASS, NULL },
	{ "default_pool", READ, NULL },
	{ "default_pool_id", READ, NULL },
	{ "default_tls_container_ref", READ, NULL },
	{ "description", TEXT, NULL },
	{ "hsts_include_subdomains", READ, NULL },
	{ "hsts_max_age", READ, NULL },
	{ "hsts_preload", READ, NULL },
	{ "id", READ, NULL },
	{ "insert_headers", READ, NULL },
	{ "l7policies", READ, NULL },
	{ "loadbalancer_id", PASS, NULL },
	{ "loadbalancers", PASS, NULL },
	{ "name", TEXT, NULL },
	{ "operating_status", PASS, NULL },
	{ "project_id", PASS, NULL },
	{ "protocol", READ, NULL },
	{ "protocol_port", READ, NULL },
	{ "provisioning_status", READ, NULL },
	{ "sni_container_refs", READ, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "timeout_client_data", READ, NULL },
	{ "timeout_member_connect", READ, NULL },
	{ "timeout_member_data", READ, NULL },
	{ "timeout_tcp_inspect", READ, NULL },
	{ "tls_ciphers", READ, NULL },
	{ "tls_versions", READ, NULL },
	{ "updated_at", PASS, NULL },
};

static const struct key pool_keys[] = {
	{ "admin_state_up", READ, NULL },
	{ "alpn_protocols", READ, NULL },
	{ "ca_tls_container_ref", READ, NULL },
	{ "created_at", PASS, NULL },
	{ "crl_container_ref", READ, NULL },
	{ "description", TEXT, NULL },
	{ "healthmonitor", READ, NULL },
	{ "healthmonitor_id", PASS, NULL },
	{ "id", READ, NULL },
	{ "lb_algorithm", READ, NULL },
	{ "listener_id", PASS, NULL },
	{ "listeners", PASS, NULL },
	{ "loadbalancer_id", PASS, NULL },
	{ "loadbalancers", PASS, NULL },
	{ "members", READ, NULL },
	{ "name", TEXT, NULL },
	{ "operating_status", PASS, NULL },
	{ "project_id", PASS, NULL },
	{ "protocol", READ, NULL },
	{ "provisioning_status", READ, NULL },
	{ "session_persistence", READ, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "tls_ciphers", READ, NULL },
	{ "tls_container_ref", READ, NULL },
	{ "tls_enabled", READ, NULL },
	{ "tls_versions", READ, NULL },
	{ "updated_at", PASS, NULL },
};

static const struct key sp_keys[] = {
	{ "cookie_name", READ, NULL },
	{ "persistence_granularity", READ, NULL },
	{ "persistence_timeout", READ, NULL },
	{ "type", READ, NULL },
};

static const struct key member_keys[] = {
	{ "address", READ, NULL },
	{ "admin_state_up", READ, NULL },
	{ "backup", READ, NULL },
	{ "created_at", PASS, NULL },
	{ "id", READ, NULL },
	{ "monitor_address", READ, NULL },
	{ "monitor_port", READ, NULL },
	{ "name", TEXT, NULL },
	{ "operating_status", PASS, NULL },
	{ "project_id", PASS, NULL },
	{ "protocol_port", READ, NULL },
	{ "provisioning_status", READ, NULL },
	{ "request_sriov", OFF, "oct's appliances have no SR-IOV member "
	    "ports" },
	{ "subnet_id", PASS, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "updated_at", PASS, NULL },
	{ "vnic_type", OFF, "oct's appliances have no SR-IOV member ports "
	    "(only \"normal\")" },
	{ "weight", READ, NULL },
};

static const struct key hm_keys[] = {
	{ "admin_state_up", READ, NULL },
	{ "created_at", PASS, NULL },
	{ "delay", READ, NULL },
	{ "domain_name", READ, NULL },
	{ "expected_codes", READ, NULL },
	{ "http_method", READ, NULL },
	{ "http_version", READ, NULL },
	{ "id", PASS, NULL },
	{ "max_retries", READ, NULL },
	{ "max_retries_down", READ, NULL },
	{ "name", TEXT, NULL },
	{ "operating_status", PASS, NULL },
	{ "pool_id", PASS, NULL },
	{ "pools", PASS, NULL },
	{ "project_id", PASS, NULL },
	{ "provisioning_status", READ, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "timeout", READ, NULL },
	{ "type", READ, NULL },
	{ "updated_at", PASS, NULL },
	{ "url_path", READ, NULL },
};

static const struct key policy_keys[] = {
	{ "action", READ, NULL },
	{ "admin_state_up", READ, NULL },
	{ "created_at", PASS, NULL },
	{ "description", TEXT, NULL },
	{ "id", READ, NULL },
	{ "listener_id", PASS, NULL },
	{ "name", TEXT, NULL },
	{ "operating_status", PASS, NULL },
	{ "position", READ, NULL },
	{ "project_id", PASS, NULL },
	{ "provisioning_status", READ, NULL },
	{ "redirect_http_code", READ, NULL },
	{ "redirect_pool", READ, NULL },
	{ "redirect_pool_id", READ, NULL },
	{ "redirect_prefix", READ, NULL },
	{ "redirect_url", READ, NULL },
	{ "rules", READ, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "updated_at", PASS, NULL },
};

static const struct key rule_keys[] = {
	{ "admin_state_up", READ, NULL },
	{ "compare_type", READ, NULL },
	{ "created_at", PASS, NULL },
	{ "id", READ, NULL },
	{ "invert", READ, NULL },
	{ "key", READ, NULL },
	{ "operating_status", PASS, NULL },
	{ "project_id", PASS, NULL },
	{ "provisioning_status", READ, NULL },
	{ "tags", PASS, NULL },
	{ "tenant_id", PASS, NULL },
	{ "type", READ, NULL },
	{ "updated_at", PASS, NULL },
	{ "value", READ, NULL },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const struct key	*keys;
	size_t			 n;
} tables[LBM_O_N] = {
	[LBM_O_LB] = { lb_keys, NITEMS(lb_keys) },
	[LBM_O_VIP] = { vip_keys, NITEMS(vip_keys) },
	[LBM_O_LISTENER] = { listener_keys, NITEMS(listener_keys) },
	[LBM_O_POOL] = { pool_keys, NITEMS(pool_keys) },
	[LBM_O_SP] = { sp_keys, NITEMS(sp_keys) },
	[LBM_O_MEMBER] = { member_keys, NITEMS(member_keys) },
	[LBM_O_HM] = { hm_keys, NITEMS(hm_keys) },
	[LBM_O_POLICY] = { policy_keys, NITEMS(policy_keys) },
	[LBM_O_RULE] = { rule_keys, NITEMS(rule_keys) },
};

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(a, ((const struct key *)b)->name);
}

/* An OFF key's value that asks for nothing. */
static int
inert(const json_t *v)
{
	return json_is_null(v) || json_is_false(v) ||
	    (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_string(v) && strcmp(json_string_value(v), "normal") == 0);
}

/*
 * Check the keys of obj, an object of kind: each must be in its table; free
 * text must be text; a feature oct lacks must not be asked for.  Returns 0,
 * or -1 with the first fault in c->err.
 */
int
lbm_keys_check(struct pctx *c, const json_t *obj, const char *path,
    enum lbm_kind kind)
{
	const struct key	*k;
	const char		*name, *s;
	json_t			*v;
	char			 p[LBM_PATH_LEN];

	json_object_foreach(lbm_unconst(obj), name, v) {
		k = bsearch(name, tables[kind].keys, tables[kind].n,
		    sizeof(*k), key_cmp);
		lbm_subpath(p, path, name);
		if (k == NULL)
			return lbm_fail(c, p, "unknown field (not an Octavia "
			    "API v2 field of this object)");
		if (k->use == TEXT && lbm_get_text(c, obj, name, path,
		    LBM_TEXT_MAX, 0, &s) == -1)
			return -1;
		if (k->use == OFF && !inert(v))
			return lbm_fail(c, p, "not supported: %s", k->why);
	}
	return 0;
}

/* 1 when every table is sorted, for bsearch (a unit test asks). */
int
lbm_keys_sorted(void)
{
	size_t	 t, i;

	for (t = 0; t < LBM_O_N; t++)
		for (i = 1; i < tables[t].n; i++)
			if (strcmp(tables[t].keys[i - 1].name,
			    tables[t].keys[i].name) >= 0)
				return 0;
	return 1;
}
