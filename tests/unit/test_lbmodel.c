/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/lbmodel: validation messages, ids, pools, files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lbmodel.h"
#include "lbmodel_int.h"
#include "t.h"

/* A small valid body; the tables below change one thing each. */
#define LB_HEAD	"{\"loadbalancer\": {\"id\": \"lb1\", \"vip_address\": " \
	"\"198.18.0.1\", \"listeners\": ["
#define LIS(extra) "{\"id\": \"l1\", \"protocol\": \"HTTP\", " \
	"\"protocol_port\": 80, " extra "}"
#define POOL(extra) "{\"id\": \"p1\", \"protocol\": \"HTTP\", " \
	"\"lb_algorithm\": \"ROUND_ROBIN\", \"members\": [{\"address\": " \
	"\"198.18.1.1\", \"protocol_port\": 80}] " extra "}"
#define LB_TAIL	"]}}"
#define SIMPLE(lextra)	LB_HEAD LIS("\"default_pool\": " POOL("") lextra) \
	LB_TAIL

static struct lb *
parse_opts(const char *s, const struct lb_opts *o, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*doc;
	struct lb	*lb;

	if ((doc = json_loads(s, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "test JSON: %s", jerr.text);
		return NULL;
	}
	lb = lb_parse_opts(doc, o, err, errlen);
	json_decref(doc);
	return lb;
}

static struct lb *
parse(const char *s, char *err, size_t errlen)
{
	return parse_opts(s, NULL, err, errlen);
}

/* lb_opts with the given certificate directories */
#define DIRS(...)	(&(struct lb_opts){ .tls_dirs = (const char *[]){ \
	__VA_ARGS__ }, .ntls_dirs = sizeof((const char *[]){ __VA_ARGS__ }) / \
	sizeof(const char *) })

static void
test_errors(void)
{
	static const struct {
		const char	*json;
		const char	*err;	/* NULL: valid */
	} t[] = {
		{ SIMPLE(""), NULL },
		{ "[]", "not a JSON object" },
		{ "{}", "loadbalancer: missing" },
		{ "{\"lb\": {}}", "lb: unknown field (expected "
		    "{\"loadbalancer\": {...}})" },
		{ "{\"loadbalancer\": []}",
		    "loadbalancer: must be an object, not an array" },
		{ "{\"loadbalancer\": {}}", "loadbalancer: needs an \"id\", "
		    "or a \"name\" usable as one (1..100 characters from "
		    "A-Z a-z 0-9 . _ -)" },
		{ "{\"loadbalancer\": {\"name\": \"my lb\"}}",
		    "loadbalancer: needs an \"id\", or a \"name\" usable as "
		    "one (1..100 characters from A-Z a-z 0-9 . _ -)" },
		{ "{\"loadbalancer\": {\"name\": \"lb-ok\"}}", NULL },
		{ "{\"loadbalancer\": {\"id\": \"x\", \"vip_address\": "
		    "\"1.2.3\"}}", "loadbalancer.vip_address: \"1.2.3\" is "
		    "not an IPv4 or IPv6 address" },
		{ "{\"loadbalancer\": {\"id\": \"x\", \"bogus\": 1}}",
		    "loadbalancer.bogus: unknown field (not an Octavia API v2 "
		    "field of this object)" },
		/* a message is one line, whatever the key holds */
		{ "{\"loadbalancer\": {\"id\": \"x\", \"a\\nb\\u007f\": 1}}",
		    "loadbalancer.a\\nb\\177: unknown field (not an Octavia "
		    "API v2 field of this object)" },
		{ "{\"loadbalancer\": {\"id\": \"x\", \"admin_state_up\": "
		    "\"yes\"}}", "loadbalancer.admin_state_up: must be true "
		    "or false, not a string" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"SCTP\", "
		    "\"protocol_port\": 80}" LB_TAIL,
		    "loadbalancer.listeners[0].protocol: \"SCTP\" is not "
		    "supported by oct's haproxy driver (use one of TCP, HTTP, "
		    "HTTPS, TERMINATED_HTTPS)" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"PROMETHEUS\", "
		    "\"protocol_port\": 80}" LB_TAIL,
		    "loadbalancer.listeners[0].protocol: \"PROMETHEUS\" is "
		    "not supported by oct's haproxy driver (use one of TCP, "
		    "HTTP, HTTPS, TERMINATED_HTTPS)" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"HTTP\"}" LB_TAIL,
		    "loadbalancer.listeners[0].protocol_port: missing" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"HTTP\", "
		    "\"protocol_port\": 8.5}" LB_TAIL,
		    "loadbalancer.listeners[0].protocol_port: must be an "
		    "integer, not a number" },
		{ SIMPLE(", \"connection_limit\": -2"),
		    "loadbalancer.listeners[0].connection_limit: -2 is out of "
		    "range -1..1000000" },
		{ SIMPLE(", \"timeout_client_data\": -1"),
		    "loadbalancer.listeners[0].timeout_client_data: -1 is out "
		    "of range 0..2073600000" },
		{ SIMPLE(", \"insert_headers\": {\"X-Forwarded-For\": true}"),
		    "loadbalancer.listeners[0].insert_headers.X-Forwarded-For: "
		    "must be \"true\" or \"false\"" },
		{ SIMPLE(", \"insert_headers\": {\"X-Foo\": \"true\"}"),
		    "loadbalancer.listeners[0].insert_headers.X-Foo: not a "
		    "header Octavia inserts" },
		{ SIMPLE(", \"tls_versions\": [\"TLSv1.2\"]"),
		    "loadbalancer.listeners[0].tls_versions: only for "
		    "TERMINATED_HTTPS listeners" },
		{ SIMPLE(", \"sni_container_refs\": []"), NULL },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", "
		    "\"session_persistence"
		    "\": {\"type\": \"APP_COOKIE\"}")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.session_persistence"
		    ".cookie_name: missing (APP_COOKIE needs it)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", "
		    "\"session_persistence"
		    "\": {\"type\": \"SOURCE_IP\", \"cookie_name\": \"a\"}"))
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "session_persistence.cookie_name: only for APP_COOKIE "
		    "persistence" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", "
		    "\"session_persistence"
		    "\": {\"type\": \"APP_COOKIE\", \"cookie_name\": \"a b\"}"))
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "session_persistence.cookie_name: \"a b\" is not a cookie "
		    "name (HTTP token characters only)" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"TCP\", "
		    "\"protocol_port\": 80, \"default_pool\": " POOL(", "
		    "\"session_persistence\": {\"type\": \"HTTP_COOKIE\"}") "}"
		    LB_TAIL, "loadbalancer.listeners[0].default_pool: pool "
		    "\"p1\" has HTTP_COOKIE persistence, which needs an HTTP "
		    "or TERMINATED_HTTPS listener" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"HTTPS\", "
		    "\"protocol_port\": 443, \"default_pool\": " POOL("") "}"
		    LB_TAIL, "loadbalancer.listeners[0].default_pool: a HTTP "
		    "pool (\"p1\") cannot serve a HTTPS listener" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"healthmonitor\": "
		    "{\"type\": \"UDP-CONNECT\", \"delay\": 1, \"timeout\": 1, "
		    "\"max_retries\": 1}")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.healthmonitor."
		    "type: \"UDP-CONNECT\" is not supported by oct's haproxy "
		    "driver (use one of HTTP, HTTPS, PING, TCP, TLS-HELLO)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"healthmonitor\": "
		    "{\"type\": \"TCP\", \"delay\": 1, \"timeout\": 1, "
		    "\"max_retries\": 1, \"url_path\": \"/\"}")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.healthmonitor."
		    "url_path: only for HTTP and HTTPS monitors, not TCP" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"healthmonitor\": "
		    "{\"type\": \"HTTP\", \"delay\": 1, \"timeout\": 1, "
		    "\"max_retries\": 1, \"domain_name\": \"a.example\"}"))
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "healthmonitor.domain_name: needs \"http_version\": 1.1" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"healthmonitor\": "
		    "{\"type\": \"HTTP\", \"delay\": 1, \"timeout\": 1, "
		    "\"max_retries\": 1, \"http_version\": 2}")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.healthmonitor."
		    "http_version: 2 is not one of 1.0, 1.1" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"healthmonitor\": "
		    "{\"type\": \"HTTP\", \"delay\": 1, \"timeout\": 1, "
		    "\"max_retries\": 1, \"url_path\": \"x\"}")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.healthmonitor."
		    "url_path: \"x\" is not a URL path (starts with '/', URL "
		    "characters only)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"healthmonitor\": "
		    "{\"type\": \"HTTP\", \"delay\": 1, \"timeout\": 1, "
		    "\"max_retries\": 1, \"expected_codes\": \"204-200\"}"))
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "healthmonitor.expected_codes: \"204-200\" is not a status "
		    "code (100..599), a list \"200,202\" or a range "
		    "\"200-204\"" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_container_ref"
		    "\": \"c.pem\"")) LB_TAIL, "loadbalancer.listeners[0]."
		    "default_pool.tls_container_ref: needs \"tls_enabled\": "
		    "true" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_enabled\": "
		    "true, \"tls_versions\": [\"TLSv1\", "
		    "\"TLSv1.2\"]")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.tls_versions: must "
		    "be a range without gaps (haproxy cannot leave out "
		    "TLSv1.1)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_enabled\": "
		    "true, \"alpn_protocols\": [\"h3\"]")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.alpn_protocols[0]: "
		    "must be one of h2, http/1.1, http/1.0" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_enabled\": "
		    "true, \"tls_ciphers\": \"A B\"")) LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.tls_ciphers: not "
		    "an OpenSSL cipher list (letters, digits and : _ + ! @ = . "
		    "- only)" },
		/* rule ids name acls: two policies must not share one */
		{ LB_HEAD LIS("\"default_pool\": " POOL("") ", \"l7policies\": "
		    "[{\"id\": \"a\", \"action\": \"REJECT\", \"rules\": "
		    "[{\"id\": \"r\", \"type\": \"PATH\", \"compare_type\": "
		    "\"STARTS_WITH\", \"value\": \"/x\"}]}, {\"id\": \"b\", "
		    "\"action\": \"REJECT\", \"rules\": [{\"id\": \"r\", "
		    "\"type\": \"PATH\", \"compare_type\": \"STARTS_WITH\", "
		    "\"value\": \"/y\"}]}]") LB_TAIL,
		    "loadbalancer.listeners[0].l7policies[1].rules[0]: "
		    "duplicate rule id \"r\" (also in policy \"a\" of this "
		    "listener)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL("") ", \"l7policies\": "
		    "[{\"id\": \"a\", \"action\": \"REJECT\", \"rules\": "
		    "[{\"type\": \"PATH\", \"compare_type\": \"STARTS_WITH\", "
		    "\"value\": \"/x\"}]}, {\"id\": \"b\", \"action\": "
		    "\"REJECT\", \"rules\": [{\"id\": \"a-rule-0\", "
		    "\"type\": \"PATH\", \"compare_type\": \"STARTS_WITH\", "
		    "\"value\": \"/y\"}]}]") LB_TAIL,
		    "loadbalancer.listeners[0].l7policies[1].rules[0]: "
		    "duplicate rule id \"a-rule-0\" (also in policy \"a\" of "
		    "this listener)" },
		/* haproxy -c refused these (found by fuzz/render-check.sh) */
		{ LB_HEAD LIS("\"default_pool\": " POOL("") ", \"l7policies\": "
		    "[{\"action\": \"REJECT\", \"rules\": [{\"type\": "
		    "\"PATH\", \"compare_type\": \"REGEX\", \"value\": "
		    "\"((\"}]}]") LB_TAIL,
		    "loadbalancer.listeners[0].l7policies[0].rules[0].value: "
		    "\"((\" is not a regular expression haproxy takes (missing "
		    "closing parenthesis at offset 2)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL("") ", \"l7policies\": "
		    "[{\"action\": \"REJECT\", \"rules\": [{\"type\": "
		    "\"PATH\", \"compare_type\": \"REGEX\", \"value\": "
		    "\"(a)\\\\1\"}]}]") LB_TAIL,
		    "loadbalancer.listeners[0].l7policies[0].rules[0].value: "
		    "\"(a)\\1\" is not a regular expression haproxy takes "
		    "(reference to non-existent subpattern at offset 4)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL("") ", \"l7policies\": "
		    "[{\"action\": \"REJECT\", \"rules\": [{\"type\": "
		    "\"PATH\", \"compare_type\": \"REGEX\", \"value\": "
		    "\"(?i)^/API\\\\d+(?=x)\"}]}]") LB_TAIL, NULL },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_enabled\": "
		    "true, \"tls_ciphers\": \"ECDHE-ECDSA-AES128-GCM-84\""))
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "tls_ciphers: \"ECDHE-ECDSA-AES128-GCM-84\" selects no "
		    "cipher OpenSSL knows (TLS 1.3 suites cannot be chosen "
		    "here)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_enabled\": "
		    "true, \"tls_ciphers\": \"NOPE:ECDHE-RSA-AES128-GCM-"
		    "SHA256\"")) LB_TAIL, NULL },
		{ LB_HEAD LIS("\"default_pool\": " POOL(", \"tls_enabled\": "
		    "true, \"ca_tls_container_ref\": \"https://barbican/x\""))
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "ca_tls_container_ref: \"https://barbican/x\" is not a "
		    "local file path (oct reads PEM files, not Barbican "
		    "refs)" },
		{ LB_HEAD LIS("\"default_pool\": {\"name\": \"p\", "
		    "\"protocol\": "
		    "\"HTTP\", \"lb_algorithm\": \"ROUND_ROBIN\", \"members\": "
		    "[{\"address\": \"198.18.1.1\", \"protocol_port\": 80}, "
		    "{\"address\": \"198.18.1.1\", \"protocol_port\": 80}]}")
		    LB_TAIL, "loadbalancer.listeners[0].default_pool."
		    "members[1]: duplicate member 198.18.1.1 port 80" },
		{ LB_HEAD LIS("\"default_pool\": {\"name\": \"p\", "
		    "\"protocol\": "
		    "\"HTTP\", \"lb_algorithm\": \"ROUND_ROBIN\", \"members\": "
		    "[{\"address\": \"198.18.1.1\", \"protocol_port\": 80, "
		    "\"monitor_port\": 0}]}") LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.members[0]."
		    "monitor_port: 0 is out of range 1..65535" },
		{ LB_HEAD LIS("\"default_pool\": {\"name\": \"p\", "
		    "\"protocol\": "
		    "\"HTTP\", \"lb_algorithm\": \"ROUND_ROBIN\", \"members\": "
		    "[{\"address\": \"198.18.1.1\", \"protocol_port\": 80, "
		    "\"weight\": 257}]}") LB_TAIL,
		    "loadbalancer.listeners[0].default_pool.members[0].weight: "
		    "257 is out of range 0..256" },
		{ LB_HEAD LIS("\"default_pool\": {\"name\": \"p\"}") LB_TAIL,
		    "loadbalancer.listeners[0].default_pool: pool \"p\" is not "
		    "defined (no pool has that id or name)" },
		{ LB_HEAD LIS("\"default_pool\": " POOL("") ", "
		    "\"default_pool_id\": \"p1\"") LB_TAIL,
		    "loadbalancer.listeners[0].default_pool: give default_pool "
		    "or default_pool_id, not both" },
		{ LB_HEAD LIS("\"default_pool_id\": \"p1\"") "], \"pools\": ["
		    POOL("") "," POOL("") "]}}", "loadbalancer.pools[1]: "
		    "duplicate pool id \"p1\" (also loadbalancer.pools[0])" },
		{ "{\"loadbalancer\": {\"id\": \"lb\", \"listeners\": ["
		    "{\"protocol\": \"TCP\", \"protocol_port\": 1}, "
		    "{\"protocol\": \"TCP\", \"protocol_port\": 2, \"name\": "
		    "\"listener-0\"}]}}", "loadbalancer.listeners[1]: "
		    "duplicate listener id \"listener-0\"" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"position\": 0}]"), "loadbalancer.listeners[0]."
		    "l7policies[0].position: 0 is out of range 1..2147483647" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"redirect_http_code\": 301}]"),
		    "loadbalancer.listeners[0]."
		    "l7policies[0].redirect_http_code: only for "
		    "REDIRECT_TO_URL and REDIRECT_PREFIX policies" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REDIRECT_TO_URL\", "
		    "\"redirect_url\": \"http://x/\", \"redirect_http_code\": "
		    "304}]"), "loadbalancer.listeners[0].l7policies[0]."
		    "redirect_http_code: 304 is not one of 301, 302, 303, 307, "
		    "308" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REDIRECT_TO_URL\", "
		    "\"redirect_url\": \"ftp://x/\"}]"),
		    "loadbalancer.listeners[0].l7policies[0].redirect_url: "
		    "\"ftp://x/\" is not an http or https URL" },
		{ SIMPLE(", \"l7policies\": [{\"action\": "
		    "\"REDIRECT_TO_POOL\"}]"),
		    "loadbalancer.listeners[0].l7policies[0].redirect_pool_id: "
		    "missing (REDIRECT_TO_POOL needs redirect_pool_id or "
		    "redirect_pool)" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"DROP\"}]"),
		    "loadbalancer.listeners[0].l7policies[0].action: \"DROP\" "
		    "is not one of REJECT, REDIRECT_TO_URL, REDIRECT_TO_POOL, "
		    "REDIRECT_PREFIX" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"PATH\", \"compare_type\": \"LIKE\", "
		    "\"value\": \"/\"}]}]"), "loadbalancer.listeners[0]."
		    "l7policies[0].rules[0].compare_type: \"LIKE\" is not one "
		    "of REGEX, STARTS_WITH, ENDS_WITH, CONTAINS, EQUAL_TO" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"PATH\", \"compare_type\": \"EQUAL_TO\", "
		    "\"value\": \"a b\"}]}]"), "loadbalancer.listeners[0]."
		    "l7policies[0].rules[0].value: \"a b\" is not a valid "
		    "comparison value (quote it to use spaces)" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"PATH\", \"compare_type\": \"EQUAL_TO\", "
		    "\"value\": \"a\\nb\"}]}]"), "loadbalancer.listeners[0]."
		    "l7policies[0].rules[0].value: must be printable ASCII (no "
		    "control characters)" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"SSL_CONN_HAS_CERT\", \"compare_type\": "
		    "\"EQUAL_TO\", \"value\": \"yes\"}]}]"),
		    "loadbalancer.listeners[0].l7policies[0].rules[0].value: "
		    "\"yes\" must be \"true\"" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"SSL_VERIFY_RESULT\", \"compare_type\": "
		    "\"EQUAL_TO\", \"value\": \"-1\"}]}]"),
		    "loadbalancer.listeners[0].l7policies[0].rules[0].value: "
		    "\"-1\" must be an integer >= 0" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"SSL_DN_FIELD\", \"compare_type\": "
		    "\"EQUAL_TO\", \"key\": \"1CN\", \"value\": \"x\"}]}]"),
		    "loadbalancer.listeners[0].l7policies[0].rules[0].key: "
		    "\"1CN\" is not a distinguished name field" },
		{ SIMPLE(", \"l7policies\": [{\"action\": \"REJECT\", "
		    "\"rules\": "
		    "[{\"type\": \"COOKIE\", \"compare_type\": \"EQUAL_TO\", "
		    "\"key\": \"c\", \"value\": \"a b\"}]}]"),
		    "loadbalancer.listeners[0].l7policies[0].rules[0].value: "
		    "\"a b\" is not a cookie value" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": \"TCP\", "
		    "\"protocol_port\": 80, \"l7policies\": [{\"action\": "
		    "\"REJECT\"}]}" LB_TAIL, "loadbalancer.listeners[0]."
		    "l7policies: L7 policies need an HTTP or TERMINATED_HTTPS "
		    "listener, not TCP" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": "
		    "\"TERMINATED_HTTPS\", "
		    "\"protocol_port\": 443, \"default_tls_container_ref\": "
		    "\"a.pem\", \"client_authentication\": \"MANDATORY\"}"
		    LB_TAIL, "loadbalancer.listeners[0].client_authentication: "
		    "MANDATORY needs client_ca_tls_container_ref" },
		{ LB_HEAD "{\"id\": \"l1\", \"protocol\": "
		    "\"TERMINATED_HTTPS\", "
		    "\"protocol_port\": 443, \"default_tls_container_ref\": "
		    "\"a.pem\", \"client_crl_container_ref\": \"c.pem\"}"
		    LB_TAIL, "loadbalancer.listeners[0].client_crl_container_"
		    "ref: needs client_ca_tls_container_ref" },
		/* Objects being deleted are left out, unchecked. */
		{ SIMPLE(", \"l7policies\": [{\"action\": \"DROP\", "
		    "\"provisioning_status\": \"PENDING_DELETE\"}]"), NULL },
	};
	char	 err[512], what[64];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lb	*lb;

		err[0] = '\0';
		lb = parse(t[i].json, err, sizeof(err));
		snprintf(what, sizeof(what), "errors[%zu]", i);
		if (t[i].err == NULL) {
			T_STREQ(lb != NULL ? NULL : err, NULL, what);
		} else
			T_STREQ(lb == NULL ? err : "(valid)", t[i].err, what);
		lb_free(lb);
	}
}

static void
test_ids_and_pools(void)
{
	/* "_oct_dir" is passed over: the operator names the directories */
	const char	*s = "{\"_oct_dir\": \"/ignored\", \"loadbalancer\": "
	    "{\"name\": \"web\", \"vip_address\": \"2001:db8::1\", "
	    "\"listeners\": ["
	    "{\"protocol\": \"TCP\", \"protocol_port\": 1, "
	    "\"default_pool_id\": \"named\"},"
	    "{\"name\": \"has space\", \"protocol\": \"TERMINATED_HTTPS\", "
	    "\"protocol_port\": 2, \"default_tls_container_ref\": \"a.pem\", "
	    "\"sni_container_refs\": [\"/abs/b.pem\"], "
	    "\"client_ca_tls_container_ref\": \"ca.pem\", "
	    "\"default_pool\": {\"protocol\": \"HTTP\", \"lb_algorithm\": "
	    "\"SOURCE_IP\", \"members\": [{\"address\": \"198.18.1.1\", "
	    "\"protocol_port\": 1, \"name\": \"m one\"}, {\"id\": \"m2\", "
	    "\"address\": \"198.18.1.2\", \"protocol_port\": 1}]}, "
	    "\"l7policies\": ["
	    "{\"name\": \"a\", \"action\": \"REJECT\"}, "
	    "{\"name\": \"b\", \"action\": \"REJECT\", \"position\": 1}, "
	    "{\"name\": \"c\", \"action\": \"REDIRECT_TO_POOL\", "
	    "\"position\": 2, \"redirect_pool_id\": \"pid\"}, "
	    "{\"name\": \"d\", \"action\": \"REJECT\", \"position\": 99, "
	    "\"rules\": [{\"type\": \"PATH\", \"compare_type\": \"EQUAL_TO\", "
	    "\"value\": \"\\\"/a b\\\"\", \"admin_state_up\": false}, "
	    "{\"type\": \"PATH\", \"compare_type\": \"EQUAL_TO\", "
	    "\"value\": \"\\\"/c d\\\"\"}]}]}], "
	    "\"pools\": [{\"name\": \"named\", \"protocol\": \"TCP\", "
	    "\"lb_algorithm\": \"ROUND_ROBIN\"}, {\"id\": \"pid\", \"name\": "
	    "\"x y\", \"protocol\": \"PROXY\", \"lb_algorithm\": "
	    "\"ROUND_ROBIN\"}]}}";
	struct lb	*lb;
	const struct lb_listener *li;
	char		 err[512];
	const char	*data;
	size_t		 len = 0;

	lb = parse_opts(s, DIRS("/etc/lb", "/abs"), err, sizeof(err));
	T_OK(lb != NULL, "ids model parses");
	if (lb == NULL) {
		printf("# %s\n", err);
		return;
	}
	T_STREQ(lb_id(lb), "web", "lb id from its name");
	T_STREQ(lb_vip(lb), "2001:db8::1", "lb_vip");
	T_INTEQ(lb->nlisteners, 2, "two listeners");
	T_STREQ(lb->listeners[0].id, "listener-0", "listener id by position");
	T_STREQ(lb->listeners[1].id, "listener-1",
	    "a name that is not an id is not used");
	T_INTEQ(lb->npools, 3, "LB pools and the inline one");
	T_STREQ(lb->pools[0]->id, "named", "pool id from name");
	T_STREQ(lb->pools[1]->id, "pid", "pool id");
	T_STREQ(lb->pools[2]->id, "pool-2", "inline pool id by position");
	T_OK(lb->listeners[0].default_pool == lb->pools[0],
	    "default_pool_id by name");
	T_STREQ(lb->pools[2]->members[0].id, "member-0", "member by position");
	T_STREQ(lb->pools[2]->members[1].id, "m2", "member id");
	li = &lb->listeners[1];
	T_INTEQ(li->npolicies, 4, "four policies");
	/* a; b at 1 -> b a; c at 2 -> b c a; d at 99 -> b c a d */
	T_STREQ(li->policies[0].id, "b", "position 1 first");
	T_STREQ(li->policies[1].id, "c", "position 2 second");
	T_STREQ(li->policies[2].id, "a", "then the one added first");
	T_STREQ(li->policies[3].id, "d", "a large position is last");
	T_OK(li->policies[1].pool == lb->pools[1], "redirect_pool_id by id");
	T_INTEQ(li->policies[3].nrules, 1, "disabled rule left out");
	T_STREQ(li->policies[3].rules[0].value, "/c d", "quoted form undone");
	T_STREQ(li->policies[3].rules[0].id, "d-rule-1", "rule id by position");

	T_INTEQ(lb_ncerts(lb), 4, "crt, sni, crt-list, ca");
	T_STREQ(lb_cert_name(lb, 0), "listener-1-crt-0.pem", "default cert");
	T_STREQ(lb_cert_path(lb, 0), "/etc/lb/a.pem", "relative to _oct_dir");
	T_STREQ(lb_cert_name(lb, 1), "listener-1-crt-1.pem", "sni cert");
	T_STREQ(lb_cert_path(lb, 1), "/abs/b.pem", "absolute path kept");
	T_STREQ(lb_cert_name(lb, 2), "listener-1.pem", "crt-list name");
	T_STREQ(lb_cert_path(lb, 2), NULL, "crt-list is generated");
	data = lb_cert_data(lb, 2, &len);
	T_STREQ(data, "listener-1-crt-0.pem\nlistener-1-crt-1.pem\n",
	    "crt-list: default first");
	T_INTEQ(len, 42, "crt-list length");
	T_STREQ(lb_cert_data(lb, 0, NULL), NULL, "no data for a file");
	T_STREQ(lb_cert_name(lb, 3), "listener-1-ca.pem", "client CA");
	T_STREQ(lb_cert_name(lb, 4), NULL, "out of range");
	lb_free(lb);
}

static void
test_check_files(void)
{
	char		 dir[] = "/tmp/test_lbmodel.XXXXXX", path[128];
	char		 json[512], err[512];
	struct lb	*lb;
	FILE		*fp;

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(json, sizeof(json), "{\"loadbalancer\": "
	    "{\"id\": \"lb\", \"listeners\": [{\"id\": \"l\", \"protocol\": "
	    "\"TERMINATED_HTTPS\", \"protocol_port\": 443, "
	    "\"default_tls_container_ref\": \"s.pem\"}]}}");
	lb = parse_opts(json, DIRS(dir), err, sizeof(err));
	T_OK(lb != NULL, "TLS model parses");
	if (lb == NULL)
		return;
	snprintf(path, sizeof(path), "%s/s.pem", dir);
	T_INTEQ(lb_check_files(lb, err, sizeof(err)), -1, "missing file");
	T_OK(strstr(err, "loadbalancer.listeners[0].default_tls_container_ref"
	    ": ") == err && strstr(err, "No such file") != NULL,
	    "names the field and the cause");
	fp = fopen(path, "w");
	fputs("hello\n", fp);
	fclose(fp);
	T_INTEQ(lb_check_files(lb, err, sizeof(err)), -1, "not PEM");
	T_OK(strstr(err, "not a PEM file") != NULL, "says not PEM");
	fp = fopen(path, "w");
	fputs("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
	    fp);
	fclose(fp);
	T_INTEQ(lb_check_files(lb, err, sizeof(err)), -1, "no key");
	T_OK(strstr(err, "holds no private key") != NULL, "says no key");
	fp = fopen(path, "a");
	fputs("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n",
	    fp);
	fclose(fp);
	T_INTEQ(lb_check_files(lb, err, sizeof(err)), 0, "cert and key");
	unlink(path);
	rmdir(dir);
	lb_free(lb);
}

/* A listener and its pool both "web", each with a CA (found by fuzzing). */
static void
test_cert_names(void)
{
	struct lb	*lb;
	char		 err[512];
	size_t		 i, j;

	lb = parse_opts(LB_HEAD "{\"id\": \"web\", \"protocol\": "
	    "\"TERMINATED_HTTPS\", \"protocol_port\": 443, "
	    "\"default_tls_container_ref\": \"/a/server.pem\", "
	    "\"client_ca_tls_container_ref\": \"/a/client-ca.pem\", "
	    "\"client_authentication\": \"MANDATORY\", \"default_pool\": "
	    "{\"id\": \"web\", \"protocol\": \"HTTP\", \"lb_algorithm\": "
	    "\"ROUND_ROBIN\", \"tls_enabled\": true, "
	    "\"ca_tls_container_ref\": \"/a/backend-ca.pem\", \"members\": "
	    "[{\"address\": \"198.18.1.1\", \"protocol_port\": 443}]}}"
	    LB_TAIL, DIRS("/a"), err, sizeof(err));
	if (!T_OK(lb != NULL, "listener and pool of one id, each with a CA")) {
		printf("#   %s\n", err);
		return;
	}
	T_INTEQ(lb_ncerts(lb), 4, "pool CA, crt, crt-list, listener CA");
	for (i = 0; i < lb_ncerts(lb); i++)
		for (j = 0; j < i; j++)
			T_OK(strcmp(lb_cert_name(lb, i), lb_cert_name(lb, j)) != 0,
			    "each file has its own name");
	T_STREQ(lb_cert_name(lb, 0), "web-ca.pem", "the pool's CA comes first");
	T_STREQ(lb_cert_path(lb, 0), "/a/backend-ca.pem", "pool CA path");
	T_STREQ(lb_cert_name(lb, 3), "web-ca-2.pem", "the listener's is renamed");
	T_STREQ(lb_cert_path(lb, 3), "/a/client-ca.pem", "listener CA path");
	T_STREQ(lb->listeners[0].ca_cert, "web-ca-2.pem",
	    "the listener renders the name it got");
	T_STREQ(lb->pools[0]->ca_cert, "web-ca.pem", "and so does the pool");
	lb_free(lb);
}

/*
 * allowed_cidrs as Octavia's CidrType reads them (Python's ip_network,
 * strict=False): each entry's network, or the error naming it.
 */
static void
test_cidrs(void)
{
	static const struct {
		const char	*in;	/* an allowed_cidrs item, JSON */
		const char	*want;	/* its network, or error */
	} t[] = {
		{ "\"198.18.0.5/15\"", "198.18.0.0/15" },
		{ "\"198.18.0.5\"", "198.18.0.5/32" },
		{ "\"10.1.2.3/255.0.0.0\"", "10.0.0.0/8" },
		{ "\"10.1.2.3/0.255.255.255\"", "10.0.0.0/8" },
		{ "\"10.1.2.3/0.0.0.0\"", "0.0.0.0/0" },
		{ "\"10.1.2.3/255.255.255.255\"", "10.1.2.3/32" },
		{ "\"10.1.2.3/08\"", "10.0.0.0/8" },
		{ "\"10.1.2.3/0\"", "0.0.0.0/0" },
		{ "\"10.1.2.255/31\"", "10.1.2.254/31" },
		{ "\"::/0\"", "::/0" },
		{ "\"2001:DB8::1/32\"", "2001:db8::/32" },
		{ "\"2001:db8::1\"", "2001:db8::1/128" },
		{ "\"2001:db8:0:0:1:2:3:4/67\"", "2001:db8::/67" },
		{ "\"2001:db8::ffff/125\"", "2001:db8::fff8/125" },
		{ "\"::ffff:198.18.0.1/120\"", "::ffff:198.18.0.0/120" },
		{ "\"2001:db8::/032\"", "2001:db8::/32" },
		{ "\"10.0.0.0/33\"", "\"10.0.0.0/33\" is not an IPv4 or IPv6 "
		    "CIDR (address[/prefix length])" },
		{ "\"2001:db8::/129\"", "\"2001:db8::/129\" is not" },
		{ "\"010.0.0.0/8\"", "\"010.0.0.0/8\" is not" },
		{ "\" 10.0.0.0/8\"", "\" 10.0.0.0/8\" is not" },
		{ "\"10.0.0.0/8 \"", "\"10.0.0.0/8 \" is not" },
		{ "\"10.0.0.0/+8\"", "\"10.0.0.0/+8\" is not" },
		{ "\"10.0.0.0/-1\"", "\"10.0.0.0/-1\" is not" },
		{ "\"10.0.0.0/\"", "\"10.0.0.0/\" is not" },
		{ "\"/8\"", "\"/8\" is not" },
		{ "\"10.0.0.0//8\"", "\"10.0.0.0//8\" is not" },
		{ "\"10.0.0/8\"", "\"10.0.0/8\" is not" },
		{ "\"10.0.0.0/255.0.255.0\"", "\"10.0.0.0/255.0.255.0\" is "
		    "not" },
		{ "\"2001:db8::/255.255.0.0\"", "\"2001:db8::/255.255.0.0\" is "
		    "not" },
		{ "\"2001:db8::/0x20\"", "\"2001:db8::/0x20\" is not" },
		{ "\"fe80::1%eth0/64\"", "\"fe80::1%eth0/64\" is not" },
		{ "\"example.com/8\"", "\"example.com/8\" is not" },
		{ "\"\"", "\"\" is not" },
		{ "\"10.0.0.0/99999999999999999999\"", "\"10.0.0.0/"
		    "99999999999999999999\" is not" },
		{ "8", "must be a string, not an integer" },
		{ "null", "must be a string, not null" },
	};
	char		 json[1024], err[512], what[96], txt[LB_CIDR_TEXT];
	const char	*got;
	const char	*at = "loadbalancer.listeners[0].allowed_cidrs[0]: ";
	struct lb	*lb;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* the VIP of the item's IP version: this is not about that */
		snprintf(json, sizeof(json), "{\"loadbalancer\": {\"id\": "
		    "\"lb\", \"vip_address\": \"198.18.0.1\", "
		    "\"additional_vips\": [{\"ip_address\": \"2001:db8::1\"}], "
		    "\"listeners\": [{\"id\": \"l\", \"protocol\": \"TCP\", "
		    "\"protocol_port\": 80, \"allowed_cidrs\": [%s]}]}}",
		    t[i].in);
		lb = parse(json, err, sizeof(err));
		snprintf(what, sizeof(what), "cidrs[%zu] %s", i, t[i].in);
		if (lb != NULL && lb->listeners[0].ncidrs == 1 &&
		    lbm_cidr_text(&lb->listeners[0].cidrs[0], txt,
		    sizeof(txt)) == 0)
			got = txt;
		else if (lb == NULL && strncmp(err, at, strlen(at)) == 0 &&
		    strncmp(err + strlen(at), t[i].want,
		    strlen(t[i].want)) == 0)
			got = t[i].want;
		else
			got = lb == NULL ? err : "(valid, not one network)";
		T_STREQ(got, t[i].want, what);
		lb_free(lb);
	}

	/* null and [] serve everyone; not an array is an error */
	lb = parse(SIMPLE(", \"allowed_cidrs\": null"), err, sizeof(err));
	T_OK(lb != NULL && lb->listeners[0].ncidrs == 0, "null: no CIDRs");
	lb_free(lb);
	lb = parse(SIMPLE(", \"allowed_cidrs\": []"), err, sizeof(err));
	T_OK(lb != NULL && lb->listeners[0].ncidrs == 0, "[]: no CIDRs");
	lb_free(lb);
	lb = parse(SIMPLE(", \"allowed_cidrs\": \"10.0.0.0/8\""), err,
	    sizeof(err));
	T_STREQ(lb == NULL ? err : "(valid)", "loadbalancer.listeners[0]."
	    "allowed_cidrs: must be an array, not a string", "not an array");
	lb_free(lb);

	/* duplicates once (as Octavia's set), IPv4 first, sorted */
	lb = parse(LB_HEAD "{\"id\": \"l\", \"protocol\": \"TCP\", "
	    "\"protocol_port\": 80}, {\"id\": \"l2\", \"protocol\": \"TCP\", "
	    "\"protocol_port\": 81, \"allowed_cidrs\": [\"198.18.0.0/16\", "
	    "\"10.0.0.0/8\", \"198.18.7.7/16\", \"10.0.0.0/8\", "
	    "\"10.0.0.0/9\"]}" LB_TAIL, err, sizeof(err));
	if (T_OK(lb != NULL, "duplicates parse") &&
	    T_OK(lb->listeners[1].ncidrs == 3, "three networks")) {
		lbm_cidr_text(&lb->listeners[1].cidrs[0], txt, sizeof(txt));
		T_STREQ(txt, "10.0.0.0/8", "sorted: first");
		T_INTEQ(lb->listeners[1].cidrs[0].index, 1, "first given kept");
		lbm_cidr_text(&lb->listeners[1].cidrs[1], txt, sizeof(txt));
		T_STREQ(txt, "10.0.0.0/9", "sorted: second");
		lbm_cidr_text(&lb->listeners[1].cidrs[2], txt, sizeof(txt));
		T_STREQ(txt, "198.18.0.0/16", "sorted: third");
		T_INTEQ(lb->listeners[1].cidrs[2].index, 0,
		    "index of the first");
		T_INTEQ(lb->listeners[1].index, 1, "listener index");
	}
	lb_free(lb);

	/* each CIDR has the IP version of a VIP (Octavia's controller) */
	lb = parse(SIMPLE(", \"allowed_cidrs\": [\"10.0.0.0/8\", "
	    "\"2001:db8::/32\", \"::/0\"]"), err, sizeof(err));
	T_STREQ(lb == NULL ? err : "(valid)", "loadbalancer.listeners[0]."
	    "allowed_cidrs[1]: 2001:db8::/32 is an IPv6 CIDR and no VIP of "
	    "the load balancer is IPv6 (vip_address 198.18.0.1): it would "
	    "match no client", "IPv6 CIDR, IPv4 VIP");
	lb_free(lb);
	lb = parse("{\"loadbalancer\": {\"id\": \"lb\", \"vip_address\": "
	    "\"2001:db8::1\", \"listeners\": [{\"id\": \"l\", \"protocol\": "
	    "\"TCP\", \"protocol_port\": 80, \"allowed_cidrs\": "
	    "[\"0.0.0.0/0\"]}]}}", err, sizeof(err));
	T_STREQ(lb == NULL ? err : "(valid)", "loadbalancer.listeners[0]."
	    "allowed_cidrs[0]: 0.0.0.0/0 is an IPv4 CIDR and no VIP of the "
	    "load balancer is IPv4 (vip_address 2001:db8::1): it would match "
	    "no client", "IPv4 CIDR, IPv6 VIP");
	lb_free(lb);
	/* an additional VIP of the other version will do */
	lb = parse("{\"loadbalancer\": {\"id\": \"lb\", \"vip_address\": "
	    "\"2001:db8::1\", \"additional_vips\": [{\"ip_address\": "
	    "\"198.18.0.1\"}], \"listeners\": [{\"id\": \"l\", \"protocol\": "
	    "\"TCP\", \"protocol_port\": 80, \"allowed_cidrs\": "
	    "[\"0.0.0.0/0\"]}]}}", err, sizeof(err));
	T_OK(lb != NULL, "IPv4 CIDR, IPv4 additional VIP");
	lb_free(lb);
	/* no vip_address: the caller's VIP is checked by lb_vip_check */
	lb = parse("{\"loadbalancer\": {\"id\": \"lb\", \"listeners\": "
	    "[{\"id\": \"l\", \"protocol\": \"TCP\", \"protocol_port\": 80}, "
	    "{\"id\": \"l2\", \"protocol\": \"TCP\", \"protocol_port\": 81, "
	    "\"allowed_cidrs\": [\"10.0.0.0/8\", \"2001:db8::/32\"]}]}}", err,
	    sizeof(err));
	if (T_OK(lb != NULL, "no VIP: parses")) {
		T_INTEQ(lb_vip_check(lb, NULL, err, sizeof(err)), 0,
		    "no VIP at all: nothing to check");
		T_INTEQ(lb_vip_check(lb, "198.18.0.1", err, sizeof(err)), -1,
		    "an IPv4 VIP for an IPv6 CIDR");
		T_STREQ(err, "loadbalancer.listeners[1].allowed_cidrs[1]: "
		    "2001:db8::/32 is an IPv6 CIDR and no VIP of the load "
		    "balancer is IPv6 (vip_address 198.18.0.1): it would match "
		    "no client", "names the CIDR");
		T_INTEQ(lb_vip_check(lb, "2001:db8::7", err, sizeof(err)), -1,
		    "an IPv6 VIP for an IPv4 CIDR");
	}
	lb_free(lb);
	lb = parse(SIMPLE(", \"allowed_cidrs\": [\"10.0.0.0/8\"]"), err,
	    sizeof(err));
	if (T_OK(lb != NULL, "IPv4 CIDR, IPv4 VIP")) {
		T_INTEQ(lb_vip_check(lb, NULL, err, sizeof(err)), 0,
		    "its own VIP");
		T_INTEQ(lb_vip_check(lb, "2001:db8::7", err, sizeof(err)), -1,
		    "the caller's VIP of the other version");
	}
	lb_free(lb);
}

int
main(void)
{
	test_errors();
	test_ids_and_pools();
	test_cert_names();
	test_check_files();
	test_cidrs();
	return t_done();
}
