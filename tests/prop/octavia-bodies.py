#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""octavia-bodies.py: fully populated load balancer bodies drawn from
Octavia's own validation rules, for the renderer's property (prop-check.sh):
every body Octavia's API accepts is accepted by oct-config, and its config
passes haproxy -c.

	octavia-bodies.py [-n count] [-s seed] dir

Writes dir/<seed>.json for count seeds from seed on and prints one line a
body: "<file> accept", or "<file> refuse <path>" for a body in which one
value is of the few that oct refuses by design (oct-config(1),
"Octavia's bodies"): oct-config must then exit 65 naming <path>.

Each body is random in every field Octavia's API knows, and checked as the
API checks it: Octavia's wsme types (Debian's python3-octavia, release 11)
parse it (types, enums, ranges, patterns, URLs), then the checks its
controllers make, by Octavia's own functions where they are pure
(octavia.common.validate) and by their rules where they need a database.
A body Octavia refuses is not written (the count is printed on stderr).
Half of the bodies are then given in the form of Octavia's answers (ids,
statuses, the fields of the current release, pools at the top).  The TLS
files are server.pem (certificate and key), ca.pem and crl.pem beside them.
"""

import copy
import getopt
import json
import os
import random
import sys

from octavia.api.v2.types import l7rule as l7rule_types
from octavia.api.v2.types import load_balancer as lb_types
from octavia.common import constants
from octavia.common import utils as common_utils
from octavia.common import validate
from wsme.rest import json as wsme_json

MAX_TIMEOUT = constants.MAX_TIMEOUT
HM_MAX = 24 * 24 * 60 * 60          # oct's (and haproxy's) timer limit, s
HTTP_HEADERS = list(constants.SUPPORTED_HTTP_HEADERS)
SSL_HEADERS = list(constants.SUPPORTED_SSL_HEADERS)
TLS_VERSIONS = list(constants.TLS_ALL_VERSIONS)
ALPN = list(constants.SUPPORTED_ALPN_PROTOCOLS)
POOL_PROTOS = constants.VALID_LISTENER_POOL_PROTOCOL_MAP
CIPHERS = ["ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
           "HIGH:!aNULL:!MD5", "DEFAULT", "AES256-SHA:NOPE+X",
           constants.CIPHERS_OWASP_SUITE_B]
TEXTS = ["web", "api", "listener-0", "pool-1", "member-2", "Café",
         "☕ coffee", "负载均衡", "パン", "🚀🚀", "a b", "tab\there",
         "line\nbreak", "\u001b[31mred", "", "x" * 255, "é" * 255,
         "Ünïcödé", "web_1", "-dash", ".dot"]
URLS = ["http://example.com/", "https://example.com/a/b?c=d#e",
        "http://198.18.0.1:8080/x", "https://[2001:db8::1]/",
        "http://example.com/é<>{}|^`", "https://user:pw@example.com/",
        "http://example.com/a?b=[1]"]
URL_PATHS = ["/", "/healthz", "/a/b?c=d", "/é", "/a<b>{c}|d^e`f",
             "/x?y=[1]#z", "/%zz", "/a'b\"c\\d", "/" + "p" * 2000]
CODES = ["200", "200,202", "200-204", "200, 202 ,204", "200,\t202",
         "000", "999", "100-599", "204\n", "301,302,303"]
DOMAINS = ["example.com", "a.example.com.", "_status.example.com",
           "x" * 63 + ".example"]
HEADER_NAMES = ["X-Token", "Host", "X-A'B", "X-A,B", "x_y.z~|`^#$%&*+!"]
HEADER_VALUES = ["abc", "a/b:c;d", '"quoted value"', '"tab\tinside"',
                 "\"\"", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~\\"]
COOKIE_VALUES = ["abc", "a=b", "!#$%&'()*+-./:<=>?@[]^_`{|}~"]
REGEXES = ["^/api", "(?i)^www\\.", "\\.(jpg|png)$", "^/café", "a|b",
           "[0-9]+"]
COOKIE_NAMES = ["SESSION", "sess'id", "café", "a!#$%&'*+-.^_`|~z",
                "x" * 255]


class Refused(Exception):
    """What Octavia's API would answer 400 to."""


class Gen:
    """One body, drawn from seed."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.pool_names = set()
        self.pools = []             # LB-level pool specs
        self.v6 = self.r.random() < 0.3
        self.nhost = 0

    def chance(self, p):
        return self.r.random() < p

    def one(self, seq):
        return self.r.choice(seq)

    def maybe(self, value, p=0.5):
        return value if self.chance(p) else None

    def text(self):
        return self.one(TEXTS)

    def addr(self):
        self.nhost += 1
        n = self.nhost
        if self.v6 and self.chance(0.7):
            return "2001:db8:%x::%x" % (self.r.randrange(1, 0xffff), n)
        return "198.18.%d.%d" % (self.r.randrange(1, 255), n % 250 + 1)

    def uuid(self):
        return "%08x-%04x-4%03x-8%03x-%012x" % (
            self.r.getrandbits(32), self.r.getrandbits(16),
            self.r.getrandbits(12), self.r.getrandbits(12),
            self.r.getrandbits(48))

    def common(self, o, desc=True):
        """name, description, tags, admin_state_up: as Octavia takes."""
        if self.chance(0.7):
            o["name"] = self.text()
        if desc and self.chance(0.5):
            o["description"] = self.text()
        if self.chance(0.3):
            o["tags"] = [self.text() for _ in range(self.r.randrange(3))]
        if self.chance(0.3):
            o["admin_state_up"] = self.chance(0.8)
        return o

    def unique_name(self):
        while True:
            n = self.text() + ("" if self.chance(0.5) else
                               str(self.r.randrange(1000)))
            # the fully populated create refers to pools by name
            if n and n[:255] not in self.pool_names:
                self.pool_names.add(n[:255])
                return n[:255]

    def tls_versions(self):
        # a range: oct renders ssl-min-ver..ssl-max-ver (gaps: violations)
        lo = self.r.randrange(len(TLS_VERSIONS))
        hi = self.r.randrange(lo, len(TLS_VERSIONS))
        v = TLS_VERSIONS[lo:hi + 1]
        if v == ["SSLv3"]:          # alone: a violation (OpenSSL has none)
            v.append("TLSv1")
        self.r.shuffle(v)
        return v

    def monitor(self, pool_proto):
        t = self.one(["HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO"])
        hm = {"type": t, "delay": self.r.randrange(1, HM_MAX + 1),
              "timeout": self.r.randrange(0, HM_MAX + 1),
              "max_retries": self.r.randrange(1, 11)}
        if self.chance(0.5):
            hm["delay"] = self.r.randrange(1, 30)
            hm["timeout"] = self.r.randrange(0, 30)
        if self.chance(0.5):
            hm["max_retries_down"] = self.r.randrange(1, 11)
        if self.chance(0.5):
            hm["name"] = self.text()
        if self.chance(0.2):
            hm["admin_state_up"] = self.chance(0.8)
        if t in ("HTTP", "HTTPS"):
            if self.chance(0.6):
                hm["http_method"] = self.one(
                    list(constants.SUPPORTED_HEALTH_MONITOR_HTTP_METHODS))
            if self.chance(0.6):
                hm["url_path"] = self.one(URL_PATHS)
            if self.chance(0.6):
                hm["expected_codes"] = self.one(CODES)
        # Octavia checks these on every type (and renders them on HTTP)
        if self.chance(0.3):
            hm["http_version"] = self.one([1.0, 1.1])
            if hm["http_version"] == 1.1 and self.chance(0.6):
                hm["domain_name"] = self.one(DOMAINS)
        return hm

    def members(self):
        ms, seen = [], set()
        for _ in range(self.r.randrange(4)):
            m = {"address": self.addr(),
                 "protocol_port": self.r.randrange(1, 65536)}
            if (m["address"], m["protocol_port"]) in seen:
                continue
            seen.add((m["address"], m["protocol_port"]))
            if self.chance(0.6):
                m["name"] = self.text()
            if self.chance(0.5):
                m["weight"] = self.r.randrange(0, 257)
            if self.chance(0.2):
                m["backup"] = self.chance(0.5)
            if self.chance(0.2):
                m["admin_state_up"] = self.chance(0.8)
            if self.chance(0.2):
                m["monitor_port"] = self.r.randrange(1, 65536)
            if self.chance(0.2):
                m["monitor_address"] = self.addr()
            if self.chance(0.3):
                m["subnet_id"] = self.uuid()
            if self.chance(0.2):
                m["tags"] = [self.text()]
            ms.append(m)
        return ms

    def pool(self, listener_proto):
        """A full pool spec a listener of listener_proto can use."""
        proto = self.one(POOL_PROTOS[listener_proto] if listener_proto
                         else ["HTTP", "HTTPS", "TCP", "PROXY", "PROXYV2"])
        p = {"name": self.unique_name(), "protocol": proto,
             "lb_algorithm": self.one(["ROUND_ROBIN", "LEAST_CONNECTIONS",
                                       "SOURCE_IP"])}
        if self.chance(0.3):
            p["description"] = self.text()
        if self.chance(0.2):
            p["admin_state_up"] = self.chance(0.8)
        # a pool at the top may go to any listener: pool_use picks
        http = listener_proto in (None, "HTTP", "TERMINATED_HTTPS")
        if self.chance(0.4):
            sp = self.one(["SOURCE_IP", "HTTP_COOKIE", "APP_COOKIE"]
                          if http else ["SOURCE_IP"])
            p["session_persistence"] = {"type": sp}
            if sp == "APP_COOKIE":
                p["session_persistence"]["cookie_name"] = \
                    self.one(COOKIE_NAMES)
        if self.chance(0.5):
            p["healthmonitor"] = self.monitor(proto)
        if self.chance(0.8):
            p["members"] = self.members()
        if self.chance(0.3):
            p["tls_enabled"] = True
            if self.chance(0.4):
                p["tls_container_ref"] = "server.pem"
            if self.chance(0.4):
                p["ca_tls_container_ref"] = "ca.pem"
                if self.chance(0.4):
                    p["crl_container_ref"] = "crl.pem"
            if self.chance(0.3):
                p["tls_versions"] = self.tls_versions()
            if self.chance(0.3):
                p["tls_ciphers"] = self.one(CIPHERS)
            if self.chance(0.3):
                p["alpn_protocols"] = [self.one(ALPN) for _ in
                                       range(self.r.randrange(1, 4))]
        elif self.chance(0.1):
            # stored by Octavia, rendered by no one
            p["tls_versions"] = [self.one(TLS_VERSIONS)]
            p["tls_container_ref"] = "never-read.pem"
        if self.chance(0.2):
            p["tags"] = [self.text()]
        return p

    def pool_use(self, listener_proto):
        """A default or redirect pool: inline, by name, or a new one."""
        ok = [p for p in self.pools
              if p["protocol"] in POOL_PROTOS[listener_proto] and
              (listener_proto in ("HTTP", "TERMINATED_HTTPS") or
               p.get("session_persistence", {}).get("type") not in
               ("HTTP_COOKIE", "APP_COOKIE"))]
        if ok and self.chance(0.5):
            p = self.one(ok)
            ref = {"name": p["name"]}
            if self.chance(0.2):
                ref["admin_state_up"] = True
            return ref
        return self.pool(listener_proto)

    def rule(self):
        t = self.one(list(constants.SUPPORTED_L7RULE_TYPES))
        r = {"type": t}
        if t in ("HOST_NAME", "PATH"):
            r["compare_type"] = self.one(
                list(constants.SUPPORTED_L7RULE_COMPARE_TYPES))
            r["value"] = (self.one(REGEXES) if r["compare_type"] == "REGEX"
                          else self.one(HEADER_VALUES))
            if self.chance(0.1):
                r["key"] = self.text().replace("\n", "")
        elif t == "FILE_TYPE":
            r["compare_type"] = self.one(["REGEX", "EQUAL_TO"])
            r["value"] = (self.one(REGEXES) if r["compare_type"] == "REGEX"
                          else self.one(["jpg", ".png", "tar.gz"]))
        elif t in ("HEADER", "COOKIE"):
            r["compare_type"] = self.one(
                list(constants.SUPPORTED_L7RULE_COMPARE_TYPES))
            r["key"] = self.one(HEADER_NAMES)
            if r["compare_type"] == "REGEX":
                r["value"] = self.one(REGEXES)
            else:
                r["value"] = self.one(HEADER_VALUES if t == "HEADER"
                                      else COOKIE_VALUES)
        elif t == "SSL_CONN_HAS_CERT":
            r["compare_type"] = "EQUAL_TO"
            r["value"] = self.one(["true", "True", "TRUE"])
        elif t == "SSL_VERIFY_RESULT":
            r["compare_type"] = "EQUAL_TO"
            r["value"] = self.one(["0", "1", "20", "0009223372036854775807"])
        else:
            r["compare_type"] = self.one(
                list(constants.SUPPORTED_L7RULE_COMPARE_TYPES))
            r["key"] = self.one(["CN", "O", "OU", "emailAddress", "L-x"])
            r["value"] = (self.one(REGEXES) if r["compare_type"] == "REGEX"
                          else self.one(["web", "Société Générale", "a b",
                                         '"quoted"']))
        if self.chance(0.2):
            r["invert"] = self.chance(0.5)
        if self.chance(0.1):
            r["admin_state_up"] = self.chance(0.7)
        return r

    def policy(self, listener_proto):
        a = self.one(list(constants.SUPPORTED_L7POLICY_ACTIONS))
        po = self.common({"action": a})
        if a == "REDIRECT_TO_URL":
            po["redirect_url"] = self.one(URLS)
        elif a == "REDIRECT_PREFIX":
            po["redirect_prefix"] = self.one(URLS)
        elif a == "REDIRECT_TO_POOL":
            po["redirect_pool"] = self.pool_use(listener_proto)
        if a in ("REDIRECT_TO_URL", "REDIRECT_PREFIX") and self.chance(0.5):
            po["redirect_http_code"] = self.one(
                constants.SUPPORTED_L7POLICY_REDIRECT_HTTP_CODES)
        if self.chance(0.15):
            # fields sanitize_l7policy_api_args drops, or that decide the
            # action in its place
            k = self.one(["redirect_url", "redirect_prefix",
                          "redirect_http_code", "redirect_pool"])
            po[k] = (self.one(URLS) if k in ("redirect_url",
                                             "redirect_prefix") else
                     self.one([301, 308]) if k == "redirect_http_code" else
                     self.pool_use(listener_proto))
        if self.chance(0.5):
            po["position"] = self.one([1, 2, 3, 2147483647])
        if self.chance(0.9):
            po["rules"] = [self.rule() for _ in
                           range(self.r.randrange(1, 4))]
        return po

    def listener(self, port):
        proto = self.one(["HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS"])
        li = self.common({"protocol": proto, "protocol_port": port})
        if self.chance(0.5):
            li["connection_limit"] = self.one(
                [-1, 0, 1, 1000, 50000, 1000000, 2147483647])
        for k in ("timeout_client_data", "timeout_member_connect",
                  "timeout_member_data", "timeout_tcp_inspect"):
            if self.chance(0.3):
                li[k] = self.one([0, 1, 5000, 50000, MAX_TIMEOUT])
        http = proto in ("HTTP", "TERMINATED_HTTPS")
        if http and self.chance(0.5):
            names = HTTP_HEADERS + (SSL_HEADERS if proto ==
                                    "TERMINATED_HTTPS" else [])
            li["insert_headers"] = {
                h: self.one(["true", "True", "TRUE", "false", "False",
                             "yes", "", "1"])
                for h in self.r.sample(names,
                                       self.r.randrange(1, len(names) + 1))}
        if proto == "TERMINATED_HTTPS":
            if self.chance(0.8):
                li["default_tls_container_ref"] = "server.pem"
            if "default_tls_container_ref" not in li or self.chance(0.3):
                li["sni_container_refs"] = ["server.pem"] * \
                    self.r.randrange(1, 3)
            if self.chance(0.3):
                li["client_ca_tls_container_ref"] = "ca.pem"
                li["client_authentication"] = self.one(
                    ["NONE", "OPTIONAL", "MANDATORY"])
                if self.chance(0.4):
                    li["client_crl_container_ref"] = "crl.pem"
            if self.chance(0.3):
                li["tls_versions"] = self.tls_versions()
            if self.chance(0.3):
                li["tls_ciphers"] = self.one(CIPHERS)
            if self.chance(0.3):
                li["alpn_protocols"] = [self.one(ALPN) for _ in
                                        range(self.r.randrange(1, 4))]
        elif self.chance(0.1):
            # stored by Octavia on any listener, rendered by no one
            li["tls_versions"] = [self.one(TLS_VERSIONS)]
            li["alpn_protocols"] = [self.one(ALPN)]
            li["client_authentication"] = "NONE"
        if self.chance(0.2):
            fam = "2001:db8::/32" if self.v6 else "198.18.0.0/15"
            li["allowed_cidrs"] = [fam]
        if self.chance(0.8):
            li["default_pool"] = self.pool_use(proto)
        if http and self.chance(0.5):
            li["l7policies"] = [self.policy(proto) for _ in
                                range(self.r.randrange(1, 4))]
        return li

    def body(self):
        lb = self.common({"vip_subnet_id": self.uuid(),
                          "vip_address": self.addr()})
        if self.chance(0.2):
            lb["additional_vips"] = [{"subnet_id": self.uuid(),
                                      "ip_address": self.addr()}]
        for k in ("project_id", "provider", "flavor_id",
                  "availability_zone", "vip_network_id", "vip_port_id"):
            if self.chance(0.2):
                lb[k] = {"project_id": "e3cd678b11784734bc366148aa37580e",
                         "provider": "amphora",
                         "availability_zone": self.text()}.get(
                             k, self.uuid())
        for _ in range(self.r.randrange(3)):
            self.pools.append(self.pool(None))
        ports = self.r.sample(range(1, 65536), self.r.randrange(5))
        lb["listeners"] = [self.listener(p) for p in ports]
        lb["pools"] = self.pools
        return {"loadbalancer": lb}


def octavia_check(body):
    """Raise Refused unless Octavia's API takes body (a POST of a fully
    populated load balancer): its types, then its controllers' checks."""
    try:
        wsme_json.fromjson(lb_types.LoadBalancerRootPOST, body)
    except Exception as e:
        raise Refused("types: %s" % e) from e
    lb = body["loadbalancer"]
    # the graph create: every pool named, names unique, references found
    pools = list(lb.get("pools", []))
    refs = []
    for li in lb.get("listeners", []):
        for p in [li.get("default_pool")] + [
                po.get("redirect_pool") for po in li.get("l7policies", [])]:
            if not p:
                continue
            if not p.get("name"):
                raise Refused("a pool without a name")
            (refs if len(set(p) - {"name", "admin_state_up",
                                    "tls_enabled"}) == 0 else
             pools).append(p)
    names = [p.get("name") for p in pools]
    if len(set(names)) != len(names):
        raise Refused("pool names repeat")
    if any(r["name"] not in names for r in refs):
        raise Refused("a reference to no pool")
    byname = {p["name"]: p for p in pools}
    for p in pools:
        check_pool(p)
    ports = [li["protocol_port"] for li in lb.get("listeners", [])]
    if len(set(ports)) != len(ports):
        raise Refused("a port twice")
    for li in lb.get("listeners", []):
        check_listener(li, byname)
        # listener.py _validate_cidr_compatible_with_vip
        for cidr in li.get("allowed_cidrs") or []:
            if common_utils.is_cidr_ipv6(cidr) != \
                    common_utils.is_ipv6(lb["vip_address"]):
                raise Refused("CIDR %s of another IP version than the VIP"
                              % cidr)


def check_pool(p):
    """pool.py _validate_create_pool, the POST rules of persistence, the
    monitor's and members' checks."""
    tls = p.get("tls_enabled", False)
    if p.get("crl_container_ref") and not p.get("ca_tls_container_ref"):
        raise Refused("a CRL without a CA")
    try:
        if p.get("tls_ciphers"):
            validate.check_cipher_string(p["tls_ciphers"])
        if tls:
            validate.check_tls_version_list(p.get("tls_versions"))
            validate.check_alpn_protocols(p.get("alpn_protocols"))
        sp = p.get("session_persistence")
        if sp:
            if sp.get("persistence_timeout") or \
                    sp.get("persistence_granularity"):
                raise Refused("persistence_timeout on a pool not UDP")
            validate.check_session_persistence(
                {"type": sp["type"], "cookie_name": sp.get("cookie_name")})
    except Refused:
        raise
    except Exception as e:
        raise Refused("pool: %s" % e) from e
    hm = p.get("healthmonitor")
    if hm:
        if hm["type"] not in ("HTTP", "HTTPS"):
            for k in ("http_method", "url_path", "expected_codes"):
                if hm.get(k):
                    raise Refused("%s on a %s monitor" % (k, hm["type"]))
        if hm.get("domain_name") and not hm.get("http_version"):
            raise Refused("domain_name without http_version")
        if hm.get("domain_name") and hm["http_version"] < 1.1:
            raise Refused("domain_name with HTTP/1.0")
    seen = set()
    for m in p.get("members", []) or []:
        k = (m["address"], m["protocol_port"])
        if k in seen:
            raise Refused("a member twice")
        seen.add(k)


def check_listener(li, byname):
    """listener.py _validate_create_listener and _validate_pool, and what
    db_prepare checks of policies and rules."""
    proto = li["protocol"]
    tls = proto == "TERMINATED_HTTPS"
    h = li.get("insert_headers")
    if h:
        if proto not in constants.LISTENER_PROTOCOLS_SUPPORTING_HEADER_INSERTION:
            raise Refused("headers on a %s listener" % proto)
        if not tls and set(h) & set(SSL_HEADERS):
            raise Refused("SSL headers on %s" % proto)
    certs = li.get("default_tls_container_ref") or \
        li.get("sni_container_refs")
    if not tls and certs:
        raise Refused("certificates on %s" % proto)
    if li.get("client_ca_tls_container_ref") and not certs:
        raise Refused("a client CA without a certificate")
    if tls and not certs:
        raise Refused("TERMINATED_HTTPS without a certificate")
    if li.get("client_authentication", "NONE") != "NONE" and \
            not li.get("client_ca_tls_container_ref"):
        raise Refused("client authentication without a CA")
    if li.get("client_crl_container_ref") and \
            not li.get("client_ca_tls_container_ref"):
        raise Refused("a CRL without a CA")
    try:
        if li.get("tls_ciphers"):
            validate.check_cipher_string(li["tls_ciphers"])
        if tls:
            validate.check_tls_version_list(li.get("tls_versions"))
            validate.check_alpn_protocols(li.get("alpn_protocols"))
    except Exception as e:
        raise Refused("listener: %s" % e) from e
    dp = li.get("default_pool")
    if dp and byname[dp["name"]]["protocol"] not in POOL_PROTOS[proto]:
        raise Refused("a %s pool on a %s listener" % (
            byname[dp["name"]]["protocol"], proto))
    for po in li.get("l7policies", []):
        pd = {k: v for k, v in po.items() if k != "rules"}
        try:
            validate.sanitize_l7policy_api_args(copy.deepcopy(pd),
                                                create=True)
        except Exception as e:
            raise Refused("policy: %s" % e) from e
        if len(po.get("rules", [])) > constants.MAX_L7RULES_PER_L7POLICY:
            raise Refused("too many rules")
        for r in po.get("rules", []):
            try:
                validate.l7rule_data(l7rule_types.L7RulePOST(**r))
            except Exception as e:
                raise Refused("rule %r: %s" % (r, e)) from e


def hsts(g, body):
    """The current release's HSTS fields, as its checks take them."""
    for li in body["loadbalancer"]["listeners"]:
        if li["protocol"] == "TERMINATED_HTTPS" and g.chance(0.5):
            li["hsts_max_age"] = g.one([0, 1, 31536000, 2147483647])
            li["hsts_include_subdomains"] = g.chance(0.5)
            li["hsts_preload"] = g.chance(0.5)
        elif g.chance(0.2):
            li["hsts_include_subdomains"] = False
            li["hsts_preload"] = False


def answer_form(g, body):
    """The body as Octavia answers it: ids, statuses, the pools at the top,
    references by id, each policy as sanitize_l7policy_api_args left it,
    and the fields of the current release."""
    lb = body["loadbalancer"]
    stamps = {"provisioning_status": "ACTIVE", "operating_status": "ONLINE",
              "created_at": "2026-11-25T12:00:00", "updated_at": None,
              "project_id": "e3cd678b11784734bc366148aa37580e"}
    pools = {}
    for p in lb.get("pools", []):
        pools[p["name"]] = p
    for li in lb["listeners"]:
        for p in [li.get("default_pool")] + [
                po.get("redirect_pool") for po in li.get("l7policies", [])]:
            if p and len(set(p) - {"name", "admin_state_up",
                                   "tls_enabled"}) > 0:
                pools[p["name"]] = p
    for p in pools.values():
        p.update(stamps, id=g.uuid(), listeners=[])
        hm = p.get("healthmonitor")
        if hm:
            hm.update(stamps, id=g.uuid())
            p["healthmonitor_id"] = hm["id"]
        for m in p.get("members", []) or []:
            m.update(stamps, id=g.uuid(), vnic_type="normal")
    for li in lb["listeners"]:
        li.update(stamps, id=g.uuid(), sni_container_refs=li.get(
            "sni_container_refs", []), client_authentication=li.get(
                "client_authentication", "NONE"))
        dp = li.pop("default_pool", None)
        li["default_pool_id"] = pools[dp["name"]]["id"] if dp else None
        for po in li.get("l7policies", []):
            rules = po.pop("rules", [])
            rp = po.pop("redirect_pool", None)
            if rp:
                po["redirect_pool_id"] = pools[rp["name"]]["id"]
            validate.sanitize_l7policy_api_args(po, create=True)
            po.pop("redirect_pool", None)
            po.update(stamps, id=g.uuid(), listener_id=li["id"],
                      rules=rules)
            for r in rules:
                r.update(stamps, id=g.uuid())
    lb["pools"] = list(pools.values())
    lb.update(stamps, vip_sg_ids=g.one([[], None]), vip_vnic_type="normal",
              provider=lb.get("provider", "amphora"))


def hms(lb):
    """(monitor, its path) of every pool definition, as oct names them."""
    for i, p in enumerate(lb.get("pools", [])):
        yield p, "loadbalancer.pools[%d]" % i
    for i, li in enumerate(lb["listeners"]):
        dp = li.get("default_pool")
        lp = "loadbalancer.listeners[%d]" % i
        if isinstance(dp, dict) and "protocol" in dp:
            yield dp, lp + ".default_pool"
        for j, po in enumerate(li.get("l7policies", [])):
            rp = po.get("redirect_pool")
            if isinstance(rp, dict) and "protocol" in rp:
                yield rp, lp + ".l7policies[%d].redirect_pool" % j


def violate(g, body):
    """Give body one value Octavia takes and oct refuses by design
    (oct-config(1)); the JSON path oct must name, or None."""
    lb = body["loadbalancer"]
    cands = []
    for p, path in hms(lb):
        if p.get("healthmonitor"):
            cands.append(("delay0", p["healthmonitor"],
                          path + ".healthmonitor.delay"))
            cands.append(("delaybig", p["healthmonitor"],
                          path + ".healthmonitor.delay"))
            if p["healthmonitor"]["type"] in ("HTTP", "HTTPS"):
                cands.append(("codes", p["healthmonitor"],
                              path + ".healthmonitor.expected_codes"))
    for i, li in enumerate(lb["listeners"]):
        lp = "loadbalancer.listeners[%d]" % i
        if li["protocol"] == "TERMINATED_HTTPS":
            cands.append(("gap", li, lp + ".tls_versions"))
            cands.append(("sslv3", li, lp + ".tls_versions"))
            cands.append(("cipher", li, lp + ".tls_ciphers"))
        if li["protocol"] in ("TCP", "HTTPS"):
            cands.append(("l7tcp", li, lp + ".l7policies"))
    cands.append(("noid", lb, "loadbalancer"))
    what, o, path = g.one(cands)
    if what == "delay0":
        o["delay"] = 0
    elif what == "delaybig":
        o["delay"] = HM_MAX + 1
    elif what == "codes":
        o["expected_codes"] = "204-200"
    elif what == "gap":
        o["tls_versions"] = ["TLSv1", "TLSv1.2"]
    elif what == "sslv3":
        o["tls_versions"] = ["SSLv3"]
    elif what == "cipher":
        o["tls_ciphers"] = "NOSUCHCIPHER"
    elif what == "l7tcp":
        o["l7policies"] = [{"action": "REJECT", "rules": [
            {"type": "PATH", "compare_type": "STARTS_WITH", "value": "/x"}]}]
    else:
        del o["id"]
        o["name"] = "Café"
    return path


def main():
    count, seed = 100, 1
    opts, args = getopt.getopt(sys.argv[1:], "n:s:")
    for o, a in opts:
        if o == "-n":
            count = int(a)
        else:
            seed = int(a)
    if len(args) != 1:
        sys.stderr.write("usage: octavia-bodies.py [-n count] [-s seed] "
                         "dir\n")
        return 64
    refused = 0
    for s in range(seed, seed + count):
        g = Gen(s)
        body = g.body()
        try:
            octavia_check(copy.deepcopy(body))
        except Refused:
            refused += 1
            continue
        hsts(g, body)
        body["loadbalancer"]["id"] = "lb-%d" % s
        if g.chance(0.5):
            answer_form(g, body)
            body["loadbalancer"]["id"] = g.uuid()
        path = violate(g, body) if g.chance(0.15) else None
        name = "%d.json" % s
        with open(os.path.join(args[0], name), "w",
                  encoding="utf-8") as f:
            json.dump(body, f, ensure_ascii=g.chance(0.5), indent=1)
        print(name, "accept" if path is None else "refuse " + path)
    sys.stderr.write("octavia-bodies.py: %d of %d bodies Octavia refuses, "
                     "left out\n" % (refused, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
