/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for lib/hacfg: golden configs for representative models
 * (checked by hand against amphora-api.md (h) and haproxy -c), options,
 * determinism, and the rules the goldens do not show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hacfg.h"
#include "lbmodel.h"
#include "t.h"

/*
 * The models: tests/lb/http.json and tests/lb/l7.json as they stood when
 * the goldens were made, a TERMINATED_HTTPS listener using every TLS option
 * with a TLS PROXYV2 pool, and a mix of monitors, persistence and disabled
 * objects.
 */
static const char http_json[] =
	    "{\"loadbalancer\": {\"name\": \"web\", \"description\": \"An "
	    "HTTP load balancer: round robin over three members, HTTP "
	    "health monitor\", \"vip_subnet_id\": "
	    "\"d4e1b7c2-0000-4000-8000-000000000001\", \"vip_address\": "
	    "\"198.18.0.10\", \"admin_state_up\": true, \"listeners\": "
	    "[{\"name\": \"http-80\", \"protocol\": \"HTTP\", "
	    "\"protocol_port\": 80, \"connection_limit\": 4000, "
	    "\"insert_headers\": {\"X-Forwarded-For\": \"true\", "
	    "\"X-Forwarded-Port\": \"true\"}, \"default_pool\": {\"name\": "
	    "\"web-pool\", \"protocol\": \"HTTP\", \"lb_algorithm\": "
	    "\"ROUND_ROBIN\", \"healthmonitor\": {\"type\": \"HTTP\", "
	    "\"delay\": 2, \"timeout\": 1, \"max_retries\": 2, "
	    "\"max_retries_down\": 2, \"http_method\": \"GET\", "
	    "\"url_path\": \"/healthz\", \"expected_codes\": \"200-204\"}, "
	    "\"members\": [{\"name\": \"web-1\", \"address\": "
	    "\"198.18.1.11\", \"protocol_port\": 8080}, {\"name\": "
	    "\"web-2\", \"address\": \"198.18.1.12\", \"protocol_port\": "
	    "8080}, {\"name\": \"web-3\", \"address\": \"198.18.1.13\", "
	    "\"protocol_port\": 8080, \"weight\": 2}]}}]}}";

static const char http_cfg[] =
	    "# Configuration for loadbalancer web\n"
	    "global\n"
	    "    stats socket /var/lib/octavia/web.sock mode 0600 level "
	    "admin\n"
	    "    server-state-file /var/lib/octavia/web/servers-state\n"
	    "    maxconn 4000\n"
	    "\n"
	    "defaults\n"
	    "    no log\n"
	    "    retries 3\n"
	    "    option redispatch\n"
	    "    option splice-request\n"
	    "    option splice-response\n"
	    "    option http-keep-alive\n"
	    "\n"
	    "frontend http-80\n"
	    "    maxconn 4000\n"
	    "    bind 198.18.0.10:80\n"
	    "    mode http\n"
	    "    option idle-close-on-response\n"
	    "    default_backend web-pool:http-80\n"
	    "    timeout client 50000\n"
	    "\n"
	    "backend web-pool:http-80\n"
	    "    mode http\n"
	    "    http-reuse safe\n"
	    "    balance roundrobin\n"
	    "    load-server-state-from-file global\n"
	    "    timeout check 1s\n"
	    "    option httpchk\n"
	    "    http-check send meth GET uri /healthz\n"
	    "    http-check expect rstatus '^(200|201|202|203|204)$'\n"
	    "    option forwardfor\n"
	    "    http-request set-header X-Forwarded-Port %[dst_port]\n"
	    "    fullconn 4000\n"
	    "    option allbackups\n"
	    "    timeout connect 5000\n"
	    "    timeout server 50000\n"
	    "    server web-1 198.18.1.11:8080 weight 1 check inter 2s "
	    "fall 2 rise 2\n"
	    "    server web-2 198.18.1.12:8080 weight 1 check inter 2s "
	    "fall 2 rise 2\n"
	    "    server web-3 198.18.1.13:8080 weight 2 check inter 2s "
	    "fall 2 rise 2\n";

static const char tls_json[] =
	    "{\"loadbalancer\": {\"id\": \"lb-tls\", \"vip_address\": "
	    "\"198.18.0.1\", \"additional_vips\": [{\"subnet_id\": \"s\", "
	    "\"ip_address\": \"2001:db8::10\"}], \"listeners\": [{\"id\": "
	    "\"l443\", \"protocol\": \"TERMINATED_HTTPS\", "
	    "\"protocol_port\": 443, \"connection_limit\": 100, "
	    "\"timeout_client_data\": 1000, \"timeout_member_connect\": "
	    "2000, \"timeout_member_data\": 3000, \"timeout_tcp_inspect\": "
	    "400, \"default_tls_container_ref\": \"/k/a.pem\", "
	    "\"sni_container_refs\": [\"/k/b.pem\"], "
	    "\"client_ca_tls_container_ref\": \"/k/ca.pem\", "
	    "\"client_authentication\": \"OPTIONAL\", "
	    "\"client_crl_container_ref\": \"/k/crl.pem\", "
	    "\"tls_ciphers\": \"ECDHE-ECDSA-AES128-GCM-SHA256\", "
	    "\"tls_versions\": [\"TLSv1.3\"], \"alpn_protocols\": [\"h2\", "
	    "\"http/1.1\"], \"insert_headers\": {\"X-Forwarded-Proto\": "
	    "\"true\", \"X-SSL-Client-CN\": \"true\", "
	    "\"X-SSL-Client-Verify\": \"True\", \"X-Forwarded-Port\": "
	    "\"false\"}, \"default_pool\": {\"id\": \"p\", \"protocol\": "
	    "\"PROXYV2\", \"lb_algorithm\": \"LEAST_CONNECTIONS\", "
	    "\"tls_enabled\": true, \"tls_container_ref\": "
	    "\"/k/client.pem\", \"ca_tls_container_ref\": \"/k/pca.pem\", "
	    "\"crl_container_ref\": \"/k/pcrl.pem\", \"tls_versions\": "
	    "[\"TLSv1.2\"], \"alpn_protocols\": [\"http/1.1\"], "
	    "\"session_persistence\": {\"type\": \"APP_COOKIE\", "
	    "\"cookie_name\": \"SID\", \"persistence_timeout\": 60}, "
	    "\"healthmonitor\": {\"type\": \"HTTPS\", \"delay\": 10, "
	    "\"timeout\": 4, \"max_retries\": 5, \"max_retries_down\": 6, "
	    "\"http_method\": \"HEAD\", \"url_path\": \"/st\", "
	    "\"expected_codes\": \"202,200\", \"http_version\": 1.1, "
	    "\"domain_name\": \"h.example\"}, \"members\": [{\"id\": "
	    "\"m1\", \"address\": \"2001:db8::5\", \"protocol_port\": "
	    "8443, \"monitor_address\": \"2001:db8::6\", \"monitor_port\": "
	    "9443, \"weight\": 0}, {\"id\": \"m2\", \"address\": "
	    "\"198.18.1.2\", \"protocol_port\": 8443, \"backup\": true, "
	    "\"admin_state_up\": false}]}}]}}";

static const char tls_cfg[] =
	    "# Configuration for loadbalancer lb-tls\n"
	    "global\n"
	    "    stats socket /srv/oct/lb-tls.sock mode 0600 level admin\n"
	    "    server-state-file /srv/oct/lb-tls/servers-state\n"
	    "    maxconn 100\n"
	    "    crt-base /srv/certs/lb-tls\n"
	    "\n"
	    "defaults\n"
	    "    no log\n"
	    "    retries 3\n"
	    "    option redispatch\n"
	    "    option splice-request\n"
	    "    option splice-response\n"
	    "    option http-keep-alive\n"
	    "\n"
	    "frontend l443\n"
	    "    maxconn 100\n"
	    "    bind 198.18.9.9:443 ssl crt-list "
	    "/srv/certs/lb-tls/l443.pem ca-file "
	    "/srv/certs/lb-tls/l443-ca.pem verify optional crl-file "
	    "/srv/certs/lb-tls/l443-crl.pem ciphers "
	    "ECDHE-ECDSA-AES128-GCM-SHA256 ssl-min-ver TLSv1.3 ssl-max-ver "
	    "TLSv1.3 alpn h2,http/1.1\n"
	    "    bind [2001:db8::10]:443 ssl crt-list "
	    "/srv/certs/lb-tls/l443.pem ca-file "
	    "/srv/certs/lb-tls/l443-ca.pem verify optional crl-file "
	    "/srv/certs/lb-tls/l443-crl.pem ciphers "
	    "ECDHE-ECDSA-AES128-GCM-SHA256 ssl-min-ver TLSv1.3 ssl-max-ver "
	    "TLSv1.3 alpn h2,http/1.1\n"
	    "    mode http\n"
	    "    option idle-close-on-response\n"
	    "    default_backend p:l443\n"
	    "    timeout client 1000\n"
	    "    tcp-request inspect-delay 400\n"
	    "\n"
	    "backend p:l443\n"
	    "    mode http\n"
	    "    http-reuse safe\n"
	    "    balance leastconn\n"
	    "    stick-table type string len 64 size 10k expire 60s\n"
	    "    stick store-response 'res.cook(SID)'\n"
	    "    stick match 'req.cook(SID)'\n"
	    "    load-server-state-from-file global\n"
	    "    timeout check 4s\n"
	    "    option httpchk\n"
	    "    http-check send meth HEAD uri /st ver HTTP/1.1 hdr Host "
	    "h.example\n"
	    "    http-check expect rstatus '^(200|202)$'\n"
	    "    http-request set-header X-Forwarded-Proto https\n"
	    "    http-request set-header X-SSL-Client-Verify "
	    "%[ssl_c_verify]\n"
	    "    http-request set-header X-SSL-Client-CN "
	    "%{+Q}[ssl_c_s_dn(cn)]\n"
	    "    fullconn 100\n"
	    "    option allbackups\n"
	    "    timeout connect 2000\n"
	    "    timeout server 3000\n"
	    "    server m1 [2001:db8::5]:8443 weight 0 check check-ssl "
	    "inter 10s fall 6 rise 5 addr [2001:db8::6] port 9443 "
	    "send-proxy-v2-ssl-cn ssl crt /srv/certs/lb-tls/p-crt.pem "
	    "ca-file /srv/certs/lb-tls/p-ca.pem verify required crl-file "
	    "/srv/certs/lb-tls/p-crl.pem sni ssl_fc_sni ssl-min-ver "
	    "TLSv1.2 ssl-max-ver TLSv1.2 alpn http/1.1\n"
	    "    server m2 198.18.1.2:8443 weight 1 check check-ssl inter "
	    "10s fall 6 rise 5 send-proxy-v2-ssl-cn backup disabled ssl "
	    "crt /srv/certs/lb-tls/p-crt.pem ca-file "
	    "/srv/certs/lb-tls/p-ca.pem verify required crl-file "
	    "/srv/certs/lb-tls/p-crl.pem sni ssl_fc_sni ssl-min-ver "
	    "TLSv1.2 ssl-max-ver TLSv1.2 alpn http/1.1\n";

static const char misc_json[] =
	    "{\"loadbalancer\": {\"id\": \"lb-m\", \"vip_address\": "
	    "\"198.18.0.2\", \"listeners\": [{\"id\": \"t1\", "
	    "\"protocol\": \"TCP\", \"protocol_port\": 1, "
	    "\"default_pool\": {\"id\": \"ping\", \"protocol\": \"TCP\", "
	    "\"lb_algorithm\": \"SOURCE_IP\", \"session_persistence\": "
	    "{\"type\": \"SOURCE_IP\"}, \"healthmonitor\": {\"type\": "
	    "\"PING\", \"delay\": 3, \"timeout\": 2, \"max_retries\": 1}, "
	    "\"members\": [{\"id\": \"a\", \"address\": \"198.18.1.1\", "
	    "\"protocol_port\": 1}]}}, {\"id\": \"t2\", \"protocol\": "
	    "\"HTTP\", \"protocol_port\": 2, \"default_pool\": {\"id\": "
	    "\"ck\", \"protocol\": \"HTTP\", \"lb_algorithm\": "
	    "\"ROUND_ROBIN\", \"session_persistence\": {\"type\": "
	    "\"HTTP_COOKIE\", \"persistence_timeout\": 300}, "
	    "\"healthmonitor\": {\"type\": \"HTTP\", \"delay\": 3, "
	    "\"timeout\": 2, \"max_retries\": 1, \"admin_state_up\": "
	    "false}, \"members\": [{\"id\": \"b\", \"address\": "
	    "\"198.18.1.2\", \"protocol_port\": 2}]}}, {\"id\": \"t3\", "
	    "\"protocol\": \"HTTP\", \"protocol_port\": 3, "
	    "\"admin_state_up\": false, \"default_pool\": {\"id\": "
	    "\"off\", \"protocol\": \"HTTP\", \"lb_algorithm\": "
	    "\"ROUND_ROBIN\"}}, {\"id\": \"t4\", \"protocol\": \"HTTP\", "
	    "\"protocol_port\": 4, \"default_pool\": {\"id\": \"poff\", "
	    "\"protocol\": \"HTTP\", \"lb_algorithm\": \"ROUND_ROBIN\", "
	    "\"admin_state_up\": false}, \"l7policies\": [{\"id\": \"x1\", "
	    "\"action\": \"REDIRECT_TO_POOL\", \"redirect_pool_id\": "
	    "\"poff\", \"rules\": [{\"id\": \"r1\", \"type\": \"PATH\", "
	    "\"compare_type\": \"REGEX\", \"value\": \"^/x'y\"}]}, "
	    "{\"id\": \"x2\", \"action\": \"REDIRECT_TO_URL\", "
	    "\"redirect_url\": \"https://e.example/%41\", \"rules\": "
	    "[{\"id\": \"r2\", \"type\": \"FILE_TYPE\", \"compare_type\": "
	    "\"REGEX\", \"value\": \"\\\\.(gif|png)$\"}, {\"id\": \"r3\", "
	    "\"type\": \"SSL_DN_FIELD\", \"compare_type\": "
	    "\"STARTS_WITH\", \"key\": \"CN\", \"value\": \"-x\"}]}, "
	    "{\"id\": \"x3\", \"action\": \"REJECT\", \"admin_state_up\": "
	    "false, \"rules\": [{\"id\": \"r4\", \"type\": \"PATH\", "
	    "\"compare_type\": \"CONTAINS\", \"value\": \"z\"}]}, {\"id\": "
	    "\"x4\", \"action\": \"REJECT\"}]}]}}";

static const char misc_cfg[] =
	    "# Configuration for loadbalancer lb-m\n"
	    "global\n"
	    "    stats socket /var/lib/octavia/lb-m.sock mode 0600 level "
	    "admin\n"
	    "    server-state-file /var/lib/octavia/lb-m/servers-state\n"
	    "    maxconn 200000\n"
	    "    external-check\n"
	    "    insecure-fork-wanted\n"
	    "\n"
	    "defaults\n"
	    "    no log\n"
	    "    retries 3\n"
	    "    option redispatch\n"
	    "    option splice-request\n"
	    "    option splice-response\n"
	    "    option http-keep-alive\n"
	    "\n"
	    "frontend t1\n"
	    "    maxconn 50000\n"
	    "    bind 198.18.0.2:1\n"
	    "    mode tcp\n"
	    "    default_backend ping:t1\n"
	    "    timeout client 50000\n"
	    "\n"
	    "frontend t2\n"
	    "    maxconn 50000\n"
	    "    bind 198.18.0.2:2\n"
	    "    mode http\n"
	    "    option idle-close-on-response\n"
	    "    default_backend ck:t2\n"
	    "    timeout client 50000\n"
	    "\n"
	    "frontend t4\n"
	    "    maxconn 50000\n"
	    "    bind 198.18.0.2:4\n"
	    "    mode http\n"
	    "    option idle-close-on-response\n"
	    "    acl r1 path -m reg -- '^/x'\"'\"'y'\n"
	    "    acl r2 path -m reg -- '\\.(gif|png)$'\n"
	    "    acl r3 ssl_c_s_dn(CN) -m beg -- -x\n"
	    "    http-request redirect location 'https://e.example/%%41' "
	    "code 302 if r2 r3\n"
	    "    timeout client 50000\n"
	    "\n"
	    "backend ping:t1\n"
	    "    mode tcp\n"
	    "    balance source\n"
	    "    stick-table type ipv6 size 10k\n"
	    "    stick on src\n"
	    "    load-server-state-from-file global\n"
	    "    timeout check 2s\n"
	    "    option external-check\n"
	    "    external-check command /var/lib/octavia/ping-wrapper.sh\n"
	    "    fullconn 50000\n"
	    "    option allbackups\n"
	    "    timeout connect 5000\n"
	    "    timeout server 50000\n"
	    "    server a 198.18.1.1:1 weight 1 check inter 3s fall 3 rise "
	    "1\n"
	    "\n"
	    "backend ck:t2\n"
	    "    mode http\n"
	    "    http-reuse safe\n"
	    "    balance roundrobin\n"
	    "    cookie SRV insert indirect nocache maxidle 300s\n"
	    "    fullconn 50000\n"
	    "    option allbackups\n"
	    "    timeout connect 5000\n"
	    "    timeout server 50000\n"
	    "    server b 198.18.1.2:2 weight 1 cookie b\n";

static const char l7_json[] =
	    "{\"loadbalancer\": {\"name\": \"l7\", \"description\": \"L7 "
	    "policies, honoured in position order\", \"vip_subnet_id\": "
	    "\"d4e1b7c2-0000-4000-8000-000000000004\", \"vip_address\": "
	    "\"198.18.0.40\", \"listeners\": [{\"name\": \"http-80\", "
	    "\"protocol\": \"HTTP\", \"protocol_port\": 80, "
	    "\"connection_limit\": 4000, \"default_pool\": {\"name\": "
	    "\"www\"}, \"l7policies\": [{\"name\": \"api-to-api-pool\", "
	    "\"action\": \"REDIRECT_TO_POOL\", \"position\": 1, "
	    "\"redirect_pool\": {\"name\": \"api\"}, \"rules\": "
	    "[{\"type\": \"PATH\", \"compare_type\": \"STARTS_WITH\", "
	    "\"value\": \"/api/\"}]}, {\"name\": \"reject-bad-clients\", "
	    "\"action\": \"REJECT\", \"position\": 2, \"rules\": "
	    "[{\"type\": \"HEADER\", \"compare_type\": \"EQUAL_TO\", "
	    "\"key\": \"X-Bad\", \"value\": \"yes\"}]}, {\"name\": "
	    "\"images-to-cdn\", \"action\": \"REDIRECT_PREFIX\", "
	    "\"redirect_prefix\": \"https://cdn.example.com\", "
	    "\"redirect_http_code\": 301, \"rules\": [{\"type\": "
	    "\"FILE_TYPE\", \"compare_type\": \"EQUAL_TO\", \"value\": "
	    "\"jpg\"}, {\"type\": \"HOST_NAME\", \"compare_type\": "
	    "\"ENDS_WITH\", \"value\": \".example.com\"}]}, {\"name\": "
	    "\"old-to-new\", \"action\": \"REDIRECT_TO_URL\", "
	    "\"redirect_url\": \"https://www.example.com/new\", \"rules\": "
	    "[{\"type\": \"COOKIE\", \"compare_type\": \"CONTAINS\", "
	    "\"key\": \"beta\", \"value\": \"1\", \"invert\": true}, "
	    "{\"type\": \"PATH\", \"compare_type\": \"EQUAL_TO\", "
	    "\"value\": \"/old\"}]}]}], \"pools\": [{\"name\": \"www\", "
	    "\"protocol\": \"HTTP\", \"lb_algorithm\": \"ROUND_ROBIN\", "
	    "\"members\": [{\"name\": \"www-1\", \"address\": "
	    "\"198.18.4.11\", \"protocol_port\": 80}, {\"name\": "
	    "\"www-2\", \"address\": \"198.18.4.12\", \"protocol_port\": "
	    "80}]}, {\"name\": \"api\", \"protocol\": \"HTTP\", "
	    "\"lb_algorithm\": \"LEAST_CONNECTIONS\", "
	    "\"session_persistence\": {\"type\": \"APP_COOKIE\", "
	    "\"cookie_name\": \"SESSIONID\"}, \"members\": [{\"name\": "
	    "\"api-1\", \"address\": \"198.18.4.21\", \"protocol_port\": "
	    "8000}]}]}}";

static const char l7_cfg[] =
	    "# Configuration for loadbalancer l7\n"
	    "global\n"
	    "    stats socket /var/lib/octavia/l7.sock mode 0600 level "
	    "admin\n"
	    "    server-state-file /var/lib/octavia/l7/servers-state\n"
	    "    maxconn 4000\n"
	    "\n"
	    "defaults\n"
	    "    no log\n"
	    "    retries 3\n"
	    "    option redispatch\n"
	    "    option splice-request\n"
	    "    option splice-response\n"
	    "    option http-keep-alive\n"
	    "\n"
	    "frontend http-80\n"
	    "    maxconn 4000\n"
	    "    bind 198.18.0.40:80\n"
	    "    mode http\n"
	    "    option idle-close-on-response\n"
	    "    acl api-to-api-pool-rule-0 path -m beg -- /api/\n"
	    "    acl reject-bad-clients-rule-0 'req.hdr(X-Bad)' -m str -- "
	    "yes\n"
	    "    acl images-to-cdn-rule-0 path_end -- .jpg\n"
	    "    acl images-to-cdn-rule-1 req.hdr(host) -i -m end -- "
	    ".example.com\n"
	    "    acl old-to-new-rule-0 'req.cook(beta)' -m sub -- 1\n"
	    "    acl old-to-new-rule-1 path -m str -- /old\n"
	    "    http-request set-var(txn.oct_backend) str(api:http-80) if "
	    "api-to-api-pool-rule-0\n"
	    "    http-request deny if !{ var(txn.oct_backend) -m found } "
	    "reject-bad-clients-rule-0\n"
	    "    http-request redirect prefix https://cdn.example.com code "
	    "301 if !{ var(txn.oct_backend) -m found } "
	    "images-to-cdn-rule-0 images-to-cdn-rule-1\n"
	    "    http-request redirect location "
	    "https://www.example.com/new code 302 if !{ "
	    "var(txn.oct_backend) -m found } !old-to-new-rule-0 "
	    "old-to-new-rule-1\n"
	    "    use_backend %[var(txn.oct_backend)] if { "
	    "var(txn.oct_backend) -m found }\n"
	    "    default_backend www:http-80\n"
	    "    timeout client 50000\n"
	    "\n"
	    "backend www:http-80\n"
	    "    mode http\n"
	    "    http-reuse safe\n"
	    "    balance roundrobin\n"
	    "    fullconn 4000\n"
	    "    option allbackups\n"
	    "    timeout connect 5000\n"
	    "    timeout server 50000\n"
	    "    server www-1 198.18.4.11:80 weight 1\n"
	    "    server www-2 198.18.4.12:80 weight 1\n"
	    "\n"
	    "backend api:http-80\n"
	    "    mode http\n"
	    "    http-reuse safe\n"
	    "    balance leastconn\n"
	    "    stick-table type string len 64 size 10k\n"
	    "    stick store-response 'res.cook(SESSIONID)'\n"
	    "    stick match 'req.cook(SESSIONID)'\n"
	    "    fullconn 4000\n"
	    "    option allbackups\n"
	    "    timeout connect 5000\n"
	    "    timeout server 50000\n"
	    "    server api-1 198.18.4.21:8000 weight 1\n";

/* The goldens' certificate refs are in /k. */
static const char *const k_dir[] = { "/k" };
static const struct lb_opts certs_in_k = { k_dir, 1, NULL };

/* Render json with opts; returns owned text or NULL with err set. */
static char *
render(const char *json, const struct hacfg_opts *opts, char *err,
    size_t errlen)
{
	json_error_t	 jerr;
	json_t		*doc;
	struct lb	*lb;
	char		*cfg = NULL;

	if ((doc = json_loads(json, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "test JSON: %s", jerr.text);
		return NULL;
	}
	if ((lb = lb_parse_opts(doc, &certs_in_k, err, errlen)) != NULL)
		cfg = hacfg_render(lb, opts, NULL, err, errlen);
	lb_free(lb);
	json_decref(doc);
	return cfg;
}

/* Compare line by line so that a failure shows the first difference. */
static void
golden(const char *name, const char *json, const struct hacfg_opts *opts,
    const char *want)
{
	char		 err[512], what[128], *got;
	const char	*g, *w;
	size_t		 line = 1, gl, wl;

	got = render(json, opts, err, sizeof(err));
	snprintf(what, sizeof(what), "%s renders", name);
	if (!T_OK(got != NULL, what)) {
		printf("#   %s\n", err);
		return;
	}
	for (g = got, w = want; *g != '\0' || *w != '\0'; line++) {
		gl = strcspn(g, "\n");
		wl = strcspn(w, "\n");
		if (gl != wl || strncmp(g, w, gl) != 0)
			break;
		g += gl + (g[gl] == '\n');
		w += wl + (w[wl] == '\n');
	}
	snprintf(what, sizeof(what), "%s matches its golden config", name);
	if (!T_OK(*g == '\0' && *w == '\0', what))
		printf("#   line %zu: got \"%.*s\"\n#   want \"%.*s\"\n", line,
		    (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
	free(got);
}

static void
test_goldens(void)
{
	struct hacfg_opts tls_opts = {
		.base_path = "/srv/oct",
		.cert_dir = "/srv/certs",
		.vip = "198.18.9.9",
	};

	golden("http", http_json, NULL, http_cfg);
	golden("tls", tls_json, &tls_opts, tls_cfg);
	golden("misc", misc_json, NULL, misc_cfg);
	golden("l7", l7_json, NULL, l7_cfg);
}

/* A listener template with a %d port and a %s extra field list. */
static const char one_listener[] =
    "{\"loadbalancer\": {\"id\": \"lb\", \"vip_address\": \"198.18.0.1\" %s, "
    "\"listeners\": [{\"id\": \"l\", \"protocol\": \"HTTP\", "
    "\"protocol_port\": 80 %s, \"default_pool\": {\"id\": \"p\", "
    "\"protocol\": \"HTTP\", \"lb_algorithm\": \"ROUND_ROBIN\" %s, "
    "\"members\": [{\"id\": \"m\", \"address\": \"198.18.1.1\", "
    "\"protocol_port\": 80}]}}]}}";

static void
test_cases(void)
{
	static const struct {
		const char	*lb, *listener, *pool;
		const char	*want;		/* substring, or */
		const char	*absent;	/* a substring not there */
	} t[] = {
		{ "", "", "", "    bind 198.18.0.1:80\n", NULL },
		{ ", \"admin_state_up\": false", "", "", NULL, "frontend" },
		{ ", \"admin_state_up\": false", "", "", NULL, "backend" },
		{ ", \"admin_state_up\": false", "", "",
		    "    maxconn 50000\n", NULL },
		{ "", ", \"admin_state_up\": false", "", NULL, "frontend" },
		{ "", "", ", \"admin_state_up\": false", NULL,
		    "default_backend" },
		{ "", "", ", \"admin_state_up\": false", NULL, "backend p" },
		/* Octavia: a connection_limit of 0 is the default, 50000 */
		{ "", ", \"connection_limit\": 0", "",
		    "    maxconn 50000\n\ndefaults\n", NULL },
		{ "", ", \"connection_limit\": 0", "",
		    "    maxconn 50000\n    bind", NULL },
		{ "", ", \"connection_limit\": 0", "",
		    "    fullconn 50000\n", NULL },
		{ "", ", \"connection_limit\": 0", "", NULL, "maxconn 0\n" },
		{ "", ", \"connection_limit\": -1", "",
		    "    fullconn 50000\n", NULL },
		/* and a timeout of 0 is Octavia's default, not none */
		{ "", ", \"timeout_client_data\": 0", "",
		    "    timeout client 50000\n", NULL },
		{ "", ", \"timeout_member_connect\": 0", "",
		    "    timeout connect 5000\n", NULL },
		{ "", ", \"timeout_member_data\": 0", "",
		    "    timeout server 50000\n", NULL },
		{ "", ", \"timeout_member_data\": 1", "",
		    "    timeout server 1\n", NULL },
		{ "", "", ", \"healthmonitor\": {\"type\": \"TCP\", "
		    "\"delay\": 2, \"timeout\": 0, \"max_retries\": 1}",
		    "    timeout check 0s\n", NULL },
		{ "", ", \"connection_limit\": 7", "",
		    "    fullconn 7\n", NULL },
		{ "", ", \"timeout_tcp_inspect\": 0", "", NULL,
		    "inspect-delay" },
		{ "", ", \"insert_headers\": {\"X-Forwarded-Proto\": \"true\"}",
		    "", "set-header X-Forwarded-Proto http\n", NULL },
		{ "", ", \"insert_headers\": {\"X-Forwarded-For\": \"FALSE\"}",
		    "", NULL, "forwardfor" },
		{ "", "", ", \"session_persistence\": {\"type\": "
		    "\"SOURCE_IP\", "
		    "\"persistence_timeout\": 0}",
		    "    stick-table type ipv6 size 10k\n    stick on src\n",
		    NULL },
		/* '#' is an HTTP token character, and starts a comment */
		{ "", "", ", \"session_persistence\": {\"type\": "
		    "\"APP_COOKIE\", \"cookie_name\": \"a#b\"}",
		    "    stick store-response 'res.cook(a#b)'\n"
		    "    stick match 'req.cook(a#b)'\n", NULL },
		{ "", "", ", \"healthmonitor\": {\"type\": \"TLS-HELLO\", "
		    "\"delay\": 1, \"timeout\": 1, \"max_retries\": 1}",
		    "    option ssl-hello-chk\n", NULL },
		{ "", "", ", \"healthmonitor\": {\"type\": \"TCP\", "
		    "\"delay\": 1, \"timeout\": 1, \"max_retries\": 1}",
		    " weight 1 check inter 1s fall 3 rise 1\n", NULL },
		{ "", "", ", \"healthmonitor\": {\"type\": \"HTTPS\", "
		    "\"delay\": 1, \"timeout\": 1, \"max_retries\": 1, "
		    "\"http_version\": 1.0}",
		    "    http-check send meth GET uri / ver HTTP/1.0\n"
		    "    http-check expect rstatus '^(200)$'\n", NULL },
		{ "", "", ", \"healthmonitor\": {\"type\": \"HTTPS\", "
		    "\"delay\": 1, \"timeout\": 1, \"max_retries\": 1}",
		    " check check-ssl verify none inter 1s", NULL },
		{ "", "", ", \"healthmonitor\": {\"type\": \"PING\", "
		    "\"delay\": 1, \"timeout\": 1, \"max_retries\": 1, "
		    "\"provisioning_status\": \"PENDING_DELETE\"}", NULL,
		    "check" },
		{ "", "", ", \"tls_enabled\": true",
		    " ssl verify none sni ssl_fc_sni ssl-min-ver TLSv1.2 "
		    "ssl-max-ver TLSv1.3\n", NULL },
		{ "", "", ", \"protocol\": \"PROXY\"", " send-proxy\n", NULL },
		{ "", "", ", \"protocol\": \"PROXYV2\"", " send-proxy-v2\n",
		    NULL },
		/* allowed_cidrs: each matches its own IP version's binds */
		{ "", ", \"allowed_cidrs\": [\"198.18.7.9/24\"]", "",
		    "    bind 198.18.0.1:80 name ipv4\n    mode http\n"
		    "    option idle-close-on-response\n"
		    "    acl oct:cidrs4 src 198.18.7.0/24\n"
		    "    tcp-request connection reject unless { so_name ipv4 } "
		    "oct:cidrs4\n    default_backend", NULL },
		{ ", \"additional_vips\": [{\"ip_address\": \"2001:db8::1\"}]",
		    ", \"allowed_cidrs\": [\"::/0\", \"0.0.0.0/0\", "
		    "\"2001:db8::/32\"]", "",
		    "    bind 198.18.0.1:80 name ipv4\n"
		    "    bind [2001:db8::1]:80 name ipv6\n    mode http\n"
		    "    option idle-close-on-response\n"
		    "    acl oct:cidrs4 src 0.0.0.0/0\n"
		    "    acl oct:cidrs6 src ::/0 2001:db8::/32\n"
		    "    tcp-request connection reject unless { so_name ipv4 } "
		    "oct:cidrs4 || { so_name ipv6 } oct:cidrs6\n", NULL },
		{ ", \"additional_vips\": [{\"ip_address\": \"2001:db8::1\"}]",
		    ", \"allowed_cidrs\": [\"2001:db8::/32\"]", "",
		    "    tcp-request connection reject unless { so_name ipv6 } "
		    "oct:cidrs6\n", "oct:cidrs4" },
		{ "", ", \"allowed_cidrs\": []", "", NULL, "tcp-request" },
		{ "", ", \"allowed_cidrs\": null", "", NULL, " name " },
		{ ", \"additional_vips\": [{\"subnet_id\": \"s\"}, "
		    "{\"subnet_id\": \"s\", \"ip_address\": \"198.18.0.2\"}]",
		    "", "", "    bind 198.18.0.1:80\n    bind 198.18.0.2:80\n",
		    NULL },
	};
	char	 json[2048], err[512], what[96], *cfg;
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(json, sizeof(json), one_listener, t[i].lb,
		    t[i].listener, t[i].pool);
		/* the "protocol" of a pool case replaces the template's */
		if (strstr(t[i].pool, "\"protocol\"") != NULL) {
			char	*p = strstr(json, "\"protocol\": \"HTTP\", "
			    "\"lb_algorithm\"");

			memmove(p, p + 20, strlen(p + 20) + 1);
		}
		cfg = render(json, NULL, err, sizeof(err));
		snprintf(what, sizeof(what), "cases[%zu]", i);
		if (!T_OK(cfg != NULL, what)) {
			printf("#   %s\n", err);
			continue;
		}
		if (t[i].want != NULL && !T_OK(strstr(cfg, t[i].want) != NULL,
		    what))
			printf("#   no \"%s\" in:\n%s", t[i].want, cfg);
		if (t[i].absent != NULL && !T_OK(strstr(cfg, t[i].absent) ==
		    NULL, what))
			printf("#   \"%s\" in:\n%s", t[i].absent, cfg);
		free(cfg);
	}
}

static void
test_limits_and_errors(void)
{
	struct hacfg_opts opts = { 0 };
	char		 json[8192], err[512], *cfg;
	size_t		 n, i;

	/* 25 listeners of 50000: the global maxconn stops at 1,000,000 */
	n = snprintf(json, sizeof(json), "{\"loadbalancer\": {\"id\": \"lb\", "
	    "\"vip_address\": \"198.18.0.1\", \"listeners\": [");
	for (i = 0; i < 25; i++)
		n += snprintf(json + n, sizeof(json) - n, "%s{\"protocol\": "
		    "\"TCP\", \"protocol_port\": %zu}", i ? ", " : "", i + 1);
	snprintf(json + n, sizeof(json) - n, "]}}");
	cfg = render(json, NULL, err, sizeof(err));
	T_OK(cfg != NULL && strstr(cfg, "\n    maxconn 1000000\n") != NULL,
	    "global maxconn capped at 1000000");
	free(cfg);

	/* Octavia sums every listener, a disabled one too */
	cfg = render("{\"loadbalancer\": {\"id\": \"lb\", \"vip_address\": "
	    "\"198.18.0.1\", \"listeners\": [{\"protocol\": \"TCP\", "
	    "\"protocol_port\": 1, \"connection_limit\": 100}, "
	    "{\"protocol\": \"TCP\", \"protocol_port\": 2, "
	    "\"connection_limit\": 0, \"admin_state_up\": false}]}}", NULL,
	    err, sizeof(err));
	T_OK(cfg != NULL && strstr(cfg, "\n    maxconn 50100\n") != NULL,
	    "global maxconn: the sum over all listeners, 0 counting 50000");
	free(cfg);
	/* and with no listener its sum, 0, is the maximum */
	cfg = render("{\"loadbalancer\": {\"id\": \"lb\", \"vip_address\": "
	    "\"198.18.0.1\"}}", NULL, err, sizeof(err));
	T_OK(cfg != NULL && strstr(cfg, "\n    maxconn 1000000\n") != NULL,
	    "global maxconn without listeners");
	free(cfg);

	snprintf(json, sizeof(json), one_listener, "", "", "");
	/* same length: the VIP becomes a description */
	memcpy(strstr(json, "vip_address"), "description", 11);
	cfg = render(json, NULL, err, sizeof(err));
	T_OK(cfg == NULL, "no VIP: an error");
	T_STREQ(err, "loadbalancer.vip_address: missing (and no VIP given by "
	    "the caller)", "no VIP message");
	free(cfg);
	opts.vip = "198.18.7.7";
	cfg = render(json, &opts, err, sizeof(err));
	T_OK(cfg != NULL && strstr(cfg, "bind 198.18.7.7:80\n") != NULL,
	    "the caller's VIP");
	free(cfg);
	opts.vip = "198.18.7.7 ssl";
	cfg = render(json, &opts, err, sizeof(err));
	T_STREQ(cfg == NULL ? err : "(rendered)",
	    "VIP \"198.18.7.7 ssl\": not an address", "a VIP must be an IP");
	free(cfg);
	opts.vip = NULL;
	opts.base_path = "relative/dir";
	snprintf(json, sizeof(json), one_listener, "", "", "");
	cfg = render(json, &opts, err, sizeof(err));
	T_STREQ(cfg == NULL ? err : "(rendered)", "base path \"relative/dir\": "
	    "not an absolute path of plain characters", "base path checked");
	free(cfg);
	opts.base_path = "/b";
	opts.cert_dir = "/c d";
	cfg = render(json, &opts, err, sizeof(err));
	T_STREQ(cfg == NULL ? err : "(rendered)", "certificate directory "
	    "\"/c d\": not an absolute path of plain characters",
	    "cert dir checked");
	free(cfg);
	opts.cert_dir = NULL;
	cfg = render(json, &opts, err, sizeof(err));
	T_OK(cfg != NULL && strstr(cfg, "stats socket /b/lb.sock mode 0600 "
	    "level admin\n    server-state-file /b/lb/servers-state\n") !=
	    NULL, "socket and state file under the base path");
	free(cfg);
}

/* 70 CIDRs: acl lines of 32 at most, haproxy taking 64 words a line */
static void
test_many_cidrs(void)
{
	char	 json[8192], l[4096], err[512], *cfg, *p;
	size_t	 n = 0, i;

	for (i = 0; i < 70; i++)
		n += snprintf(l + n, sizeof(l) - n, "%s\"198.18.%zu.0/24\"",
		    i ? ", " : "", i);
	snprintf(json, sizeof(json), "{\"loadbalancer\": {\"id\": \"lb\", "
	    "\"vip_address\": \"198.18.0.1\", \"listeners\": [{\"id\": \"l\", "
	    "\"protocol\": \"TCP\", \"protocol_port\": 80, "
	    "\"allowed_cidrs\": [%s]}]}}", l);
	cfg = render(json, NULL, err, sizeof(err));
	if (!T_OK(cfg != NULL, "70 CIDRs render")) {
		printf("#   %s\n", err);
		return;
	}
	for (n = 0, p = cfg; (p = strstr(p, "    acl oct:cidrs4 src ")) != NULL;
	    p++, n++) {
		for (i = 0; p[i] != '\n'; i++)
			;
		T_OK(i < 23 + 32 * 17, "an acl line of 32 CIDRs at most");
	}
	T_INTEQ(n, 3, "three acl lines");
	T_OK(strstr(cfg, " 198.18.31.0/24\n    acl oct:cidrs4 src "
	    "198.18.32.0/24 ") != NULL, "the 33rd starts the second line");
	free(cfg);
}

static void
test_deterministic(void)
{
	char	 err[512], *a, *b;
	size_t	 alen = 0, blen = 0;
	json_t	*doc;
	struct lb *lb;

	doc = json_loads(tls_json, 0, NULL);
	lb = lb_parse_opts(doc, &certs_in_k, err, sizeof(err));
	a = hacfg_render(lb, NULL, &alen, err, sizeof(err));
	b = hacfg_render(lb, NULL, &blen, err, sizeof(err));
	T_OK(a != NULL && b != NULL && alen == blen && alen == strlen(a) &&
	    memcmp(a, b, alen) == 0, "same model, same bytes and length");
	free(a);
	free(b);
	lb_free(lb);
	json_decref(doc);
}

int
main(void)
{
	test_goldens();
	test_cases();
	test_limits_and_errors();
	test_many_cidrs();
	test_deterministic();
	return t_done();
}
