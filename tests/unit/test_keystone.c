/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_keystone: the pure parts of lib/keystone, lib/nova and lib/oshttp:
 * catalog lookup, token expiry, microversions, management addresses,
 * Retry-After, error messages and the cloud-config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "keystone.h"
#include "ampfiles.h"
#include "nova.h"
#include "oshttp.h"
#include "t.h"

static const char catalog_json[] =
    "[{\"type\":\"identity\",\"endpoints\":[{\"interface\":\"public\","
    "\"region_id\":\"RegionOne\",\"url\":\"http://k/v3\"}]},"
    "{\"type\":\"compute\",\"endpoints\":["
    "{\"interface\":\"admin\",\"region_id\":\"RegionOne\","
    "\"url\":\"http://admin:8774/v2.1\"},"
    "{\"interface\":\"public\",\"region_id\":\"RegionTwo\","
    "\"url\":\"http://two:8774/v2.1/\"},"
    "{\"interface\":\"public\",\"region\":\"RegionOne\","
    "\"url\":\"http://one:8774/v2.1\"},"
    "{\"interface\":\"internal\",\"region_id\":\"RegionOne\"}]}]";

static void
test_catalog(void)
{
	static const struct {
		const char	*type, *region, *iface, *want;
		int		 err;
	} t[] = {
		{ "compute", "RegionOne", "public", "http://one:8774/v2.1", 0 },
		{ "compute", "RegionTwo", "public", "http://two:8774/v2.1", 0 },
		{ "compute", NULL, "public", "http://two:8774/v2.1", 0 },
		{ "compute", NULL, "admin", "http://admin:8774/v2.1", 0 },
		{ "compute", "RegionOne", "internal", NULL, ENOENT },
		{ "compute", "RegionThree", "public", NULL, ENOENT },
		{ "network", NULL, "public", NULL, ENOENT },
		{ "identity", "RegionOne", "public", "http://k/v3", 0 },
	};
	json_t	*cat;
	char	 buf[128], what[160];
	size_t	 i;
	int	 rc;

	cat = json_loads(catalog_json, 0, NULL);
	T_OK(cat != NULL, "catalog parses");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(what, sizeof(what), "catalog %s %s %s",
		    t[i].type, t[i].region ? t[i].region : "any", t[i].iface);
		errno = 0;
		rc = keystone_catalog_url(cat, t[i].type, t[i].region,
		    t[i].iface, buf, sizeof(buf));
		if (t[i].want != NULL)
			T_STREQ(rc == 0 ? buf : NULL, t[i].want, what);
		else
			T_OK(rc == -1 && errno == t[i].err, what);
	}
	T_OK(keystone_catalog_url(cat, "compute", "RegionOne", "public", buf,
	    8) == -1 && errno == ENAMETOOLONG, "catalog: short buffer");
	T_OK(keystone_catalog_url(json_object_get(cat, "x"), "compute", NULL,
	    "public", buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "catalog: not an array");
	json_decref(cat);
}

static void
test_time(void)
{
	static const struct {
		const char	*s;
		long long	 want;	/* -1: rejected */
	} t[] = {
		{ "2026-11-25T13:30:55.000000Z", 1795613455 },
		{ "2026-11-25T13:30:55Z", 1795613455 },
		{ "2026-11-25T13:30:55", 1795613455 },
		{ "2026-11-25T13:30:55.123+00:00", 1795613455 },
		{ "2026-11-25 13:30:55", -1 },
		{ "2026-11-25T13:30:55Zjunk", -1 },
		{ "", -1 },
	};
	time_t	 tt;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = keystone_time_parse(t[i].s, &tt);
		if (t[i].want == -1)
			T_OK(rc == -1, t[i].s);
		else
			T_INTEQ(rc == 0 ? (long long)tt : -1, t[i].want,
			    t[i].s);
	}
	T_OK(keystone_time_parse(NULL, &tt) == -1, "time: NULL");
	T_OK(keystone_stale(1000, 1000), "stale: expires now");
	T_OK(keystone_stale(500, 1000), "stale: expired");
	T_OK(keystone_stale(1000 + KEYSTONE_MARGIN_S - 1, 1000),
	    "stale: inside the margin");
	T_OK(!keystone_stale(1000 + KEYSTONE_MARGIN_S, 1000),
	    "fresh: at the margin");
	T_OK(!keystone_stale(1000 + 3600, 1000), "fresh: an hour left");
}

static void
test_microversions(void)
{
	static const struct {
		const char	*min, *max, *want;
	} t[] = {
		{ "2.1", "2.93", "2.93" },
		{ "2.1", "2.95", "2.93" },
		{ "2.1", "2.60", "2.60" },
		{ "2.1", "2.37", "2.37" },
		{ "2.1", "2.36", NULL },
		{ "2.94", "2.99", NULL },
		{ NULL, "2.90", "2.90" },
		{ "", "", NULL },
		{ "2.1", "x.y", NULL },
	};
	char	 buf[16], what[64];
	size_t	 i;
	int	 rc;

	T_INTEQ(nova_mv_parse("2.93"), 2093, "mv parse 2.93");
	T_INTEQ(nova_mv_parse("2.1"), 2001, "mv parse 2.1");
	T_INTEQ(nova_mv_parse("2."), -1, "mv parse 2.");
	T_INTEQ(nova_mv_parse(".3"), -1, "mv parse .3");
	T_INTEQ(nova_mv_parse("2.3x"), -1, "mv parse 2.3x");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		(void)snprintf(what, sizeof(what), "mv pick %s..%s",
		    t[i].min ? t[i].min : "-", t[i].max);
		rc = nova_mv_pick(t[i].min, t[i].max, buf, sizeof(buf));
		T_STREQ(rc == 0 ? buf : NULL, t[i].want, what);
	}
}

static void
test_addresses(void)
{
	json_t	*a;
	char	 buf[64];

	a = json_loads("{\"mgmt\":[{\"addr\":\"fd00::5\",\"version\":6,"
	    "\"OS-EXT-IPS:type\":\"fixed\"},{\"addr\":\"203.0.113.9\","
	    "\"version\":4,\"OS-EXT-IPS:type\":\"floating\"},{\"addr\":"
	    "\"192.0.2.7\",\"version\":4,\"OS-EXT-IPS:type\":\"fixed\"}]}",
	    0, NULL);
	T_OK(nova_address(a, NULL, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "192.0.2.7") == 0, "address: fixed IPv4 first");
	T_OK(nova_address(a, "mgmt", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "192.0.2.7") == 0, "address: by network name");
	T_OK(nova_address(a, "other", buf, sizeof(buf)) == -1 &&
	    errno == ENOENT, "address: other network");
	json_decref(a);
	a = json_loads("{\"m\":[{\"addr\":\"fd00::5\",\"version\":6}],"
	    "\"n\":[]}", 0, NULL);
	T_OK(nova_address(a, NULL, buf, sizeof(buf)) == -1 &&
	    errno == EINVAL, "address: several networks need a name");
	T_OK(nova_address(a, "m", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "fd00::5") == 0, "address: IPv6 when no IPv4");
	json_decref(a);
	a = json_object();
	T_OK(nova_address(a, NULL, buf, sizeof(buf)) == -1 &&
	    errno == ENOENT, "address: none yet");
	json_decref(a);
	a = json_loads("[{\"net_id\":\"n1\",\"fixed_ips\":[{\"ip_address\":"
	    "\"10.0.0.4\"}]},{\"net_id\":\"n2\",\"fixed_ips\":[{"
	    "\"ip_address\":\"192.0.2.8\"}]}]", 0, NULL);
	T_OK(nova_iface_address(a, "n2", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "192.0.2.8") == 0, "os-interface: by net_id");
	T_OK(nova_iface_address(a, "n3", buf, sizeof(buf)) == -1,
	    "os-interface: no such net");
	json_decref(a);
}

static void
test_http(void)
{
	struct oshttp_resp	 r;
	char			 buf[128];

	T_INTEQ(oshttp_retry_after("30", 0), 30, "Retry-After 30");
	T_INTEQ(oshttp_retry_after("30s", 0), -1, "Retry-After 30s");
	T_INTEQ(oshttp_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111767), 10, "Retry-After date");
	T_INTEQ(oshttp_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111787), 0, "Retry-After date passed");
	T_INTEQ(oshttp_retry_after("tomorrow", 0), -1, "Retry-After junk");
	memset(&r, 0, sizeof(r));
	r.status = 403;
	r.body = (char *)(uintptr_t)"{\"forbidden\":{\"code\":403,\"message\":"
	    "\"Quota exceeded for instances: Requested 1, but already used "
	    "10 of 10 instances\"}}";
	r.len = strlen(r.body);
	T_STREQ(oshttp_errmsg(&r, buf, sizeof(buf)), "Quota exceeded for "
	    "instances: Requested 1, but already used 10 of 10 instances",
	    "errmsg: nova fault body");
	r.body = (char *)(uintptr_t)"{\"error\":{\"code\":401,\"message\":"
	    "\"The request you have made requires authentication.\\n\"}}";
	r.len = strlen(r.body);
	T_STREQ(oshttp_errmsg(&r, buf, sizeof(buf)), "The request you have "
	    "made requires authentication. ", "errmsg: keystone, no newline");
	r.body = (char *)(uintptr_t)"<html>";
	r.len = strlen(r.body);
	r.status = 502;
	T_STREQ(oshttp_errmsg(&r, buf, sizeof(buf)), "HTTP 502",
	    "errmsg: not JSON");
}

static void
test_cloud_config(void)
{
	struct amp_files fs;
	char		*cc;

	T_INTEQ(amp_files_make(&fs, "amp-1", "CERT\n", 5, "KEY\n", 4, "CA\n",
	    3, "::", 0), 0, "the appliance's files");
	T_OK(strstr(fs.f[2].data, "amphora_id = amp-1\n") != NULL &&
	    strstr(fs.f[2].data, "[amphora_agent]\n") != NULL &&
	    strstr(fs.f[2].data, "bind_host = ::\n") != NULL &&
	    strstr(fs.f[2].data, "bind_port = 9443\n") != NULL, "agent ini");
	cc = nova_cloud_config("amp-1", &fs, "ssh-ed25519 AAAA x");
	T_OK(cc != NULL && strncmp(cc, "#cloud-config\n", 14) == 0,
	    "cloud-config header");
	/* base64("CERT\nKEY\n") */
	T_OK(cc != NULL && strstr(cc, "content: Q0VSVApLRVkK\n") != NULL,
	    "server.pem is cert then key");
	T_OK(cc != NULL && strstr(cc, "    permissions: '0600'\n"
	    "    encoding: b64\n    content: Q0VSVApLRVkK\n") != NULL,
	    "server.pem is 0600");
	T_OK(cc != NULL && strstr(cc, "ssh_authorized_keys:\n  - "
	    "'ssh-ed25519 AAAA x'\n") != NULL, "ssh key");
	free(cc);
	T_OK(nova_cloud_config("a", &fs, "x'y") == NULL,
	    "ssh key with a quote refused");
	amp_files_free(&fs);
	T_INTEQ(amp_files_make(&fs, "amp-1", "CERT", 4, "KEY", 3, "CA", 2,
	    "::", 9000), 0, "files again");
	cc = nova_cloud_config("amp-1", &fs, NULL);
	/* base64("CERT\nKEY"): a newline is put between */
	T_OK(cc != NULL && strstr(cc, "content: Q0VSVApLRVk=\n") != NULL,
	    "cert without newline");
	T_OK(strstr(fs.f[2].data, "bind_port = 9000\n") != NULL, "port");
	free(cc);
	amp_files_free(&fs);
}

int
main(void)
{
	test_catalog();
	test_time();
	test_microversions();
	test_addresses();
	test_http();
	test_cloud_config();
	return t_done();
}
