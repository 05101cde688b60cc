#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The haproxy renderer (lib/lbmodel + lib/hacfg) through the hacfg-render
# helper: every example and ~200 generated load balancers pass haproxy -c
# with no warning, rendering is deterministic, bad input gets a precise
# error, and the escaping and L7 order hold on real traffic (haproxy on
# 127.0.0.1 only).

load helpers

RENDER="$OCT_BENCH_DIR/hacfg-render"
LBGEN="$OCT_BENCH_DIR/lbgen"

setup() {
	T=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$T/key.pem" -out "$T/crt.pem" -days 2 \
	    -subj /CN=hacfg-test 2>/dev/null
	cat "$T/crt.pem" "$T/key.pem" >"$T/server.pem"
	: >"$T/index.txt"
	printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ndefault_md=sha256\ndefault_crl_days=2\n' \
	    "$T/index.txt" >"$T/ca.cnf"
	openssl ca -gencrl -keyfile "$T/key.pem" -cert "$T/crt.pem" \
	    -out "$T/crl.pem" -config "$T/ca.cnf" 2>/dev/null
	HAPID=
}

teardown() {
	if [ -n "$HAPID" ]; then
		kill "$HAPID" 2>/dev/null || true
		wait "$HAPID" 2>/dev/null || true
	fi
}

# hacheck CFG: haproxy -c passes with no warning but the missing state file.
hacheck() {
	local out rc
	out=$(haproxy -c -f "$1" 2>&1)
	rc=$?
	out=$(printf '%s\n' "$out" | grep -E 'WARNING|ALERT' |
	    grep -v "server state file") || true
	if [ "$rc" != 0 ] || [ -n "$out" ]; then
		printf '%s: rc %s\n%s\n' "$1" "$rc" "$out"
		return 1
	fi
}

@test "hacfg-render: -h prints usage, misuse exits 64" {
	run -0 "$RENDER" -h
	assert_output --partial "usage: hacfg-render"
	run -64 --separate-stderr "$RENDER"
	assert_output ""
}

@test "examples in tests/lb render and pass haproxy -c" {
	cp "$OCT_TOP"/tests/lb/*.json "$T/"
	for f in "$T"/*.json; do
		run -0 --separate-stderr "$RENDER" -C -b "$T/base" "$f"
		printf '%s\n' "$output" >"$f.cfg"
		hacheck "$f.cfg"
	done
	run -0 cat "$T/base/certs/secure/https-443.pem"
	assert_output "https-443-crt-0.pem"
	grep -q '^    bind 198.18.0.30:443 ssl crt-list /.*/base/certs/secure/https-443.pem ' \
	    "$T/terminated-https.json.cfg"
}

@test "200 generated load balancers all pass haproxy -c" {
	local s bad=0
	for s in $(seq 1 200); do
		"$LBGEN" -s "$s" -c "$T/server.pem" -r "$T/crl.pem" >"$T/g.json"
		if ! "$RENDER" -C -b "$T/b$s" "$T/g.json" >"$T/g.cfg"; then
			echo "seed $s: render failed"
			bad=$((bad + 1))
			continue
		fi
		if ! hacheck "$T/g.cfg"; then
			echo "seed $s: haproxy -c failed"
			bad=$((bad + 1))
		fi
		rm -rf "$T/b$s"
	done
	[ "$bad" = 0 ]
}

@test "the same model always renders the same bytes, whatever its key order" {
	local s a b c
	for s in $(seq 1 30); do
		"$LBGEN" -s "$s" -c "$T/server.pem" >"$T/g.json"
		jq -S . "$T/g.json" >"$T/sorted.json"
		a=$("$RENDER" "$T/g.json" | sha256sum)
		b=$("$RENDER" "$T/g.json" | sha256sum)
		c=$("$RENDER" "$T/sorted.json" | sha256sum)
		[ "$a" = "$b" ] && [ "$a" = "$c" ]
	done
	"$LBGEN" -s 5 >"$T/a.json"
	"$LBGEN" -s 5 >"$T/b.json"
	cmp "$T/a.json" "$T/b.json"
}

# bad JSON-FILTER MESSAGE: the http example changed by jq fails with MESSAGE.
bad() {
	jq "$1" "$OCT_TOP/tests/lb/http.json" >"$T/bad.json"
	run -65 --separate-stderr "$RENDER" "$T/bad.json"
	assert_output ""
	[ "$stderr" = "hacfg-render: $2" ] ||
	    fail "got: $stderr; want: hacfg-render: $2"
}

@test "bad input: a precise error naming the field, exit 65, no output" {
	local L=.loadbalancer.listeners[0] P=loadbalancer.listeners[0]
	bad "$L.default_pool.members[2].weight = 300" \
	    "$P.default_pool.members[2].weight: 300 is out of range 0..256"
	bad "$L.protocol = \"HTTP2\"" \
	    "$P.protocol: \"HTTP2\" is not one of TCP, HTTP, HTTPS, TERMINATED_HTTPS"
	bad "$L.protocol = \"UDP\"" \
	    "$P.protocol: \"UDP\" is not supported by oct's haproxy driver (use one of TCP, HTTP, HTTPS, TERMINATED_HTTPS)"
	bad "$L.protocol_port = 70000" \
	    "$P.protocol_port: 70000 is out of range 1..65535"
	bad "$L.protocol_port = \"80\"" \
	    "$P.protocol_port: must be an integer, not a string"
	bad '.loadbalancer.pools = [{"name": "p2", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}]' \
	    "loadbalancer.pools[0]: pool \"p2\" is not used by any listener or L7 policy"
	bad "$L.default_pool.members[1].name = \"web-1\"" \
	    "$P.default_pool.members[1]: duplicate member id \"web-1\""
	bad ".loadbalancer.listeners += [$L | .protocol_port = 81 | .default_pool.name = \"p\"]" \
	    "loadbalancer.listeners[1]: duplicate listener id \"http-80\""
	bad ".loadbalancer.listeners += [$L | .name = \"x\" | .default_pool.name = \"y\"]" \
	    "loadbalancer.listeners[1]: protocol_port 80 is already used by listener \"http-80\""
	bad "$L.default_pool.lb_algorithm = \"SOURCE_IP_PORT\"" \
	    "$P.default_pool.lb_algorithm: \"SOURCE_IP_PORT\" is not supported by oct's haproxy driver (use one of ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP)"
	bad "$L.default_pool.healthmonitor.max_retries = 11" \
	    "$P.default_pool.healthmonitor.max_retries: 11 is out of range 1..10"
	bad "$L.default_pool.healthmonitor.delay = 0" \
	    "$P.default_pool.healthmonitor.delay: 0 is out of range 1..2073600"
	bad "$L.default_pool.healthmonitor.expected_codes = \"2xx\"" \
	    "$P.default_pool.healthmonitor.expected_codes: \"2xx\" is not a status code (100..599), a list \"200,202\" or a range \"200-204\""
	bad "$L.colour = \"blue\"" \
	    "$P.colour: unknown field (not an Octavia API v2 field of this object)"
	bad "$L.protocol = \"TERMINATED_HTTPS\"" \
	    "$P.default_tls_container_ref: missing (a TERMINATED_HTTPS listener needs a certificate)"
	bad "$L.default_pool_id = \"nope\" | del($L.default_pool)" \
	    "$P.default_pool_id: pool \"nope\" is not defined (no pool has that id or name)"
	bad "$L.l7policies = [{\"action\": \"REJECT\", \"redirect_url\": \"http://x/\"}]" \
	    "$P.l7policies[0].redirect_url: only for REDIRECT_TO_URL policies, not REJECT"
	bad "$L.l7policies = [{\"action\": \"REDIRECT_TO_URL\"}]" \
	    "$P.l7policies[0].redirect_url: missing"
	bad "$L.l7policies = [{\"action\": \"REJECT\", \"rules\": [{\"type\": \"FILE_TYPE\", \"compare_type\": \"CONTAINS\", \"value\": \"jpg\"}]}]" \
	    "$P.l7policies[0].rules[0].compare_type: FILE_TYPE rules take REGEX or EQUAL_TO only"
	bad "$L.l7policies = [{\"action\": \"REJECT\", \"rules\": [{\"type\": \"HEADER\", \"compare_type\": \"EQUAL_TO\", \"value\": \"a b\"}]}]" \
	    "$P.l7policies[0].rules[0].key: missing (HEADER rules need it)"
	bad "$L.insert_headers = {\"X-SSL-Client-DN\": \"true\"}" \
	    "$P.insert_headers.X-SSL-Client-DN: needs a TERMINATED_HTTPS listener"
	bad '.loadbalancer.id = "a/b"' \
	    "loadbalancer.id: \"a/b\" is not a safe id (1..100 characters from A-Z a-z 0-9 . _ -, not starting with '.')"
	bad '.loadbalancer.listeners[0].default_pool.members[0].address = "10.0.0.300"' \
	    "$P.default_pool.members[0].address: \"10.0.0.300\" is not an IPv4 or IPv6 address"
	printf '{"loadbalancer": {' >"$T/bad.json"
	run -65 --separate-stderr "$RENDER" "$T/bad.json"
	assert_output ""
}

@test "Octavia-only fields are passed over" {
	jq '.loadbalancer += {"project_id": "p", "flavor_id": "f", "provider": "amphora",
	    "availability_zone": "az1", "tags": ["t"], "vip_port_id": "x",
	    "provisioning_status": "ACTIVE", "operating_status": "ONLINE"}
	    | .loadbalancer.listeners[0] += {"allowed_cidrs": null, "tags": []}
	    | .loadbalancer.listeners[0].default_pool.members[0].subnet_id = "s"' \
	    "$OCT_TOP/tests/lb/http.json" >"$T/cloud.json"
	run -0 --separate-stderr "$RENDER" "$T/cloud.json"
	a=$output
	run -0 --separate-stderr "$RENDER" "$OCT_TOP/tests/lb/http.json"
	[ "$a" = "$output" ]
}

@test "a certificate file that cannot be read is named by the file check" {
	mkdir "$T/d"
	cp "$OCT_TOP/tests/lb/terminated-https.json" "$T/d/"
	run -66 --separate-stderr "$RENDER" -C -b "$T/base" "$T/d/terminated-https.json"
	assert_output ""
	[[ $stderr == *"loadbalancer.listeners[0].default_tls_container_ref: $T/d/server.pem: No such file or directory" ]]
	cp "$T/crt.pem" "$T/d/server.pem"
	run -66 --separate-stderr "$RENDER" -C -b "$T/base" "$T/d/terminated-https.json"
	[[ $stderr == *"holds no private key"* ]]
}

@test "escaped rule values, FILE_TYPE and policy positions hold on real traffic" {
	local port u
	port=$(free_port)
	u="http://127.0.0.1:$port"
	# Nothing listens on the member: requests no policy takes get 503.
	# connection_limit: the default 50000 needs more file descriptors
	# than some sandboxes allow haproxy to open.
	cat >"$T/l7.json" <<-EOF
	{"loadbalancer": {"id": "lbt",
	 "listeners": [{"id": "l1", "protocol": "HTTP", "protocol_port": $port,
	  "connection_limit": 1000,
	  "default_pool": {"id": "p1", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
	    "members": [{"address": "127.0.0.1", "protocol_port": 9}]},
	  "l7policies": [
	   {"action": "REDIRECT_PREFIX", "position": 1, "redirect_prefix": "http://first.example",
	    "rules": [{"type": "PATH", "compare_type": "STARTS_WITH", "value": "/both"}]},
	   {"action": "REJECT", "position": 1,
	    "rules": [{"type": "HEADER", "compare_type": "EQUAL_TO", "key": "X-Sp", "value": "\"a b\\\\c'd \$HOME #x\""}]},
	   {"action": "REJECT",
	    "rules": [{"type": "PATH", "compare_type": "STARTS_WITH", "value": "/both"}]},
	   {"action": "REJECT",
	    "rules": [{"type": "HEADER", "compare_type": "EQUAL_TO", "key": "X-Dash", "value": "-v"}]},
	   {"action": "REJECT",
	    "rules": [{"type": "FILE_TYPE", "compare_type": "EQUAL_TO", "value": "jpg"}]},
	   {"action": "REDIRECT_TO_URL", "redirect_url": "http://to.example/100%25",
	    "redirect_http_code": 308,
	    "rules": [{"type": "COOKIE", "compare_type": "EQUAL_TO", "key": "c", "value": "a'b"},
	              {"type": "HOST_NAME", "compare_type": "EQUAL_TO", "value": "Example.COM", "invert": true}]}
	  ]}]}}
	EOF
	# the VIP as oct-config --vip gives it: a model's is never loopback
	run -0 --separate-stderr "$RENDER" -b "$T" -V 127.0.0.1 "$T/l7.json"
	printf '%s\n' "$output" >"$T/l7.cfg"
	hacheck "$T/l7.cfg"
	haproxy -f "$T/l7.cfg" -db >"$T/hap.log" 2>&1 &
	HAPID=$!
	for _ in $(seq 1 150); do
		curl -s -o /dev/null "$u/" && break
		sleep 0.1
	done
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	# The header value with space, backslash, quote, $ and # matches exactly.
	[ "$(code -H "X-Sp: a b\\c'd \$HOME #x" "$u/")" = 403 ]
	[ "$(code -H "X-Sp: a b\\c'd" "$u/")" = 503 ]
	# A value starting with '-' works (Octavia's config would not load).
	[ "$(code -H "X-Dash: -v" "$u/")" = 403 ]
	# FILE_TYPE EQUAL_TO jpg matches real paths ending in .jpg only.
	[ "$(code "$u/a/b.jpg")" = 403 ]
	[ "$(code "$u/a/bjpg")" = 503 ]
	# Position 1 (the redirect) wins over the REJECT after it.
	[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$u/both/x")" = \
	    "302 http://first.example/both/x" ]
	# Cookie with a quote, inverted host rule, '%' kept literally.
	[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
	    -b "c=a'b" -H 'Host: other' "$u/")" = "308 http://to.example/100%25" ]
	[ "$(code -b "c=a'b" -H 'Host: example.com' "$u/")" = 503 ]
}

<<<<<<< HEAD
# cpu_ms CMD...: run CMD (stdout to $T/out, stderr to $T/err), print its
# CPU time in ms, and exit as CMD does.
cpu_ms() {
	local TIMEFORMAT='%3U %3S' t rc=0
	t=$( { time "$@" >"$T/out" 2>"$T/err"; } 2>&1 ) || rc=$?
	awk '{ printf "%d\n", ($1 + $2) * 1000 }' <<<"$t"
	return "$rc"
}

@test "the renderer's cost is linear in the model: 20 times the pools, about 20 times the time" {
	local small big
	# one-rule policies, each to a pool of its own: every policy names
	# its pool by id, every pool id and rule id is checked for repeats
	"$LBGEN" -P -l 2 -L 500 -m 0 >"$T/small.json"
	"$LBGEN" -P -l 2 -L 9990 -m 0 >"$T/big.json"
	small=$(cpu_ms "$RENDER" -b "$T/base" "$T/small.json")
	big=$(cpu_ms "$RENDER" -b "$T/base" "$T/big.json")
	echo "# 1,000 pools: $small ms, 19,980 pools: $big ms of CPU" >&3
	[ "$(grep -c '^backend ' "$T/out")" = 19982 ]
	# linear: about 20 (less, start-up costs are fixed); quadratic: 80
	[ "$big" -le $((small * 40 + 400)) ] ||
	    fail "19,980 pools took $big ms, 1,000 took $small ms"
}

# bound LBGEN-ARGS MESSAGE: lbgen's model is refused, 65, with MESSAGE.
bound() {
	"$LBGEN" -P $1 >"$T/b.json"
	run --separate-stderr -65 "$RENDER" "$T/b.json"
	assert_output ""
	[ "$stderr" = "hacfg-render: $2" ] || fail "got: $stderr; want: $2"
}

@test "models beyond what haproxy loads in reasonable time are refused, naming the bound" {
	local L=loadbalancer.listeners[0]
	bound "-l 1 -m 5001" \
	    "$L.default_pool.members: 5001 members; haproxy takes at most 5000 in one pool"
	bound "-l 1 -L 10001 -m 0" \
	    "$L.l7policies: 10001 enabled L7 rules; haproxy takes at most 10000 in one listener"
	bound "-l 101 -m 1000" \
	    "loadbalancer: 101000 servers (members, once for each listener using their pool); haproxy takes at most 100000"
	bound "-l 3 -L 7000 -m 0" \
	    "loadbalancer: 21003 backends (pools, once for each listener using them); haproxy takes at most 20000"
	bound "-l 6 -L 10000 -p 10 -m 0" \
	    "loadbalancer: 60000 enabled L7 rules in all; haproxy takes at most 50000"
	bound "-l 10001 -m 0" \
	    "loadbalancer: 10001 listeners on 1 VIPs would be 10001 binds; haproxy takes at most 10000"
	# 60,000 one-rule policies took minutes: refused within seconds
	"$LBGEN" -P -l 1 -L 60000 -m 0 >"$T/b.json"
	run -65 cpu_ms "$RENDER" "$T/b.json"
	[ "$output" -lt 8000 ] || fail "$output ms of CPU"
	grep -q "60000 enabled L7 rules" "$T/err"
	# 1,001 certificate files
	jq --arg c "$T/server.pem" '.loadbalancer.listeners[0] += {
	    protocol: "TERMINATED_HTTPS", default_tls_container_ref: $c,
	    sni_container_refs: [range(1000) | $c]}' \
	    "$OCT_TOP/tests/lb/http.json" >"$T/b.json"
	run --separate-stderr -65 "$RENDER" "$T/b.json"
	[ "$stderr" = "hacfg-render: loadbalancer: 1001 certificate files; at most 1000" ] ||
	    fail "$stderr"
=======
# cidrs_serve PORT CIDRS: haproxy serving a listener on 127.0.0.1 and [::1]
# (additional VIP) at PORT whose allowed_cidrs is the JSON array CIDRS; its
# pool has no member, so a client let in gets a 503 from haproxy at once.
cidrs_serve() {
	if [ -n "$HAPID" ]; then
		kill "$HAPID"
		wait "$HAPID" 2>/dev/null || true
		HAPID=
	fi
	cat >"$T/cidrs.json" <<-EOF
	{"loadbalancer": {"id": "lbc", "vip_address": "127.0.0.1",
	 "additional_vips": [{"subnet_id": "s", "ip_address": "::1"}],
	 "listeners": [{"id": "l1", "protocol": "HTTP", "protocol_port": $1,
	  "connection_limit": 1000, "allowed_cidrs": $2,
	  "default_pool": {"id": "p1", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
	    "members": []}}]}}
	EOF
	run -0 --separate-stderr "$RENDER" -b "$T" "$T/cidrs.json"
	printf '%s\n' "$output" >"$T/cidrs.cfg"
	hacheck "$T/cidrs.cfg"
	haproxy -f "$T/cidrs.cfg" -db >"$T/hap.log" 2>&1 &
	HAPID=$!
	# up when it takes connections on both VIPs (and refuses or answers)
	for _ in $(seq 1 150); do
		if ss -Hltn "sport = :$1" | grep -q '127.0.0.1' &&
		    ss -Hltn "sport = :$1" | grep -q '\[::1\]'; then
			return 0
		fi
		sleep 0.1
	done
	fail "haproxy did not listen: $(cat "$T/hap.log")"
}

# from SRC URL: the status haproxy answers a client at SRC, 000 if refused.
from() {
	curl -s -o /dev/null --max-time 3 -w '%{http_code}' --interface "$1" \
	    "$2" || true
}

@test "allowed_cidrs on real traffic: allowed sources answered, others refused, each CIDR for clients of its own IP version" {
	ip -6 addr show dev lo | grep -q 'inet6 ::1/128' ||
	    skip "no IPv6 loopback here"
	local port=$((20000 + RANDOM % 20000)) v4 v6
	v4=http://127.0.0.1:$port/
	v6=http://[::1]:$port/
	# No allowed_cidrs: everyone (all of 127/8 is this host's loopback).
	cidrs_serve "$port" null
	[ "$(from 127.0.0.1 "$v4")" = 503 ]
	[ "$(from 127.0.0.2 "$v4")" = 503 ]
	[ "$(from ::1 "$v6")" = 503 ]
	# One IPv4 host and the IPv6 loopback: only they are let in.
	cidrs_serve "$port" '["127.0.0.2", "::1/128"]'
	[ "$(from 127.0.0.2 "$v4")" = 503 ]
	[ "$(from 127.0.0.1 "$v4")" = 000 ]
	[ "$(from 127.0.0.3 "$v4")" = 000 ]
	[ "$(from ::1 "$v6")" = 503 ]
	# An IPv6 network ::1 is not in: IPv6 refused, IPv4 (127/8) let in.
	cidrs_serve "$port" '["127.0.0.9/8", "2001:db8::/32"]'
	[ "$(from 127.0.0.1 "$v4")" = 503 ]
	[ "$(from ::1 "$v6")" = 000 ]
	# haproxy alone would match 127.0.0.1 against ::/0 as ::ffff:127.0.0.1,
	# and ::1 (IPv4-compatible ::0.0.0.1) against 0.0.0.0/0; a security
	# group rule is for its own IP version only, and so is each CIDR here.
	cidrs_serve "$port" '["::/0"]'
	[ "$(from ::1 "$v6")" = 503 ]
	[ "$(from 127.0.0.1 "$v4")" = 000 ]
	cidrs_serve "$port" '["0.0.0.0/0"]'
	[ "$(from 127.0.0.1 "$v4")" = 503 ]
	[ "$(from ::1 "$v6")" = 000 ]
	# The refusals were haproxy's (it ran all along), not a dead listener.
	kill -0 "$HAPID"
}

@test "allowed_cidrs: bad CIDRs and CIDRs of no VIP's IP version are refused, naming the item" {
	local m
	for m in '["10.0.0.0/33"]' '["10.0.0.0/8", "fe80::1%lo/64"]' '[8]' '"10.0.0.0/8"'; do
		jq --argjson c "$m" '.loadbalancer.listeners[0].allowed_cidrs = $c' \
		    "$OCT_TOP/tests/lb/http.json" >"$T/bad.json"
		run -65 --separate-stderr "$RENDER" "$T/bad.json"
		assert_output ""
		[[ $stderr == *"loadbalancer.listeners[0].allowed_cidrs"* ]] ||
		    fail "$m: $stderr"
	done
	[[ $stderr == *"loadbalancer.listeners[0].allowed_cidrs: must be an array, not a string" ]]
	jq '.loadbalancer.listeners[0].allowed_cidrs = ["198.18.0.0/15", "2001:db8::/32"]' \
	    "$OCT_TOP/tests/lb/http.json" >"$T/bad.json"
	run -65 --separate-stderr "$RENDER" "$T/bad.json"
	[[ $stderr == *"loadbalancer.listeners[0].allowed_cidrs[1]: 2001:db8::/32 is an IPv6 CIDR and no VIP of the load balancer is IPv6 (vip_address 198.18.0.10): it would match no client" ]] ||
	    fail "$stderr"
	# Duplicates (after host bits are cleared) count once, as in Octavia.
	jq '.loadbalancer.listeners[0].allowed_cidrs = ["198.18.0.0/15", "198.19.1.1/15", "198.18.0.0/15"]' \
	    "$OCT_TOP/tests/lb/http.json" >"$T/dup.json"
	run -0 --separate-stderr "$RENDER" "$T/dup.json"
	[[ $output == *$'\n    acl oct:cidrs4 src 198.18.0.0/15\n'* ]]
>>>>>>> cidrs
}
