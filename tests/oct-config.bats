#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# oct-config: the command-line contract, validation, and real pushes to a
# real oct-agent running real haproxy on loopback, with three real HTTP
# servers behind it.  Traffic goes only to one 127.A.B.0/24 chosen per run
# (all of 127/8 is loopback), in bounded loops.

load helpers

# ---------------------------------------------------------------- fixtures

setup_file() {
	W=$BATS_FILE_TMPDIR
	export W
	export NET="127.$((RANDOM % 200 + 30)).$((RANDOM % 250 + 1))"
	export PBASE=$((20000 + RANDOM % 30000))
	export VIP=$NET.20 AGENT_ADDR=$NET.1 AGENT_PORT=$((PBASE + 20))
	# A model's VIP is a cloud's, never loopback; the appliance record
	# carries the one it binds here, as oct-lb-create's records do.
	export MODEL_VIP=198.18.254.20
	export BPORT=$((PBASE + 10))
	export S=$W/state BASE=$W/base
	mkdir -p "$BASE"
	OCT_STATE_DIR=$S oct-cert ca >/dev/null
	OCT_STATE_DIR=$S oct-cert issue --role client --id controller \
	    >/dev/null
	printf '{"id":"amp-t","address":"%s"}\n' "$AGENT_ADDR" |
	    OCT_STATE_DIR=$S oct-cert issue --role server >/dev/null
	printf '{"id":"www","address":"%s"}\n' "$VIP" |
	    OCT_STATE_DIR=$S oct-cert issue --role server >/dev/null
	# A listener certificate is one PEM with the certificate and its key.
	(umask 077 && cat "$S/certs/www.pem" "$S/certs/www.key" \
	    >"$W/www-full.pem")
	for n in 1 2 3; do
		mkdir -p "$W/www$n/api"
		echo "m$n" >"$W/www$n/index.html"
		echo "m$n" >"$W/www$n/api/index.html"
		start_backend "$n"
	done
	if [ -x "$OCT_TOP/bin/oct-agent" ]; then
		start_agent || true
	fi
}

teardown_file() {
	if [ -f "$W/agent.pid" ]; then
		rec | oct_config --timeout 3 delete --lb-id lb-t >/dev/null 2>&1 ||
		    true
		kill "$(cat "$W/agent.pid")" 2>/dev/null || true
	fi
	for n in 1 2 3; do
		stop_backend "$n"
	done
	# haproxy runs on after its agent: stop ours by its pid file
	if [ -f "$BASE/lb-t/haproxy.pid" ]; then
		kill "$(cat "$BASE/lb-t/haproxy.pid")" 2>/dev/null || true
	fi
}

# start_backend N: an HTTP server on $NET.2N answering "mN".
start_backend() {
	/usr/bin/python3 -m http.server --bind "$NET.2$1" \
	    --directory "$W/www$1" "$BPORT" >/dev/null 2>&1 3>&- &
	echo $! >"$W/www$1.pid"
	wait_http "http://$NET.2$1:$BPORT/"
}

stop_backend() {
	if [ -f "$W/www$1.pid" ]; then
		kill "$(cat "$W/www$1.pid")" 2>/dev/null || true
		rm -f "$W/www$1.pid"
	fi
}

# wait_http URL: until it answers, at most 5 s.
wait_http() {
	for _ in $(seq 50); do
		curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

start_agent() {
	oct-agent --amphora-id amp-t --bind "$AGENT_ADDR" --port "$AGENT_PORT" \
	    --server-cert "$S/certs/amp-t.pem" \
	    --server-key "$S/certs/amp-t.key" --client-ca "$S/ca/ca.pem" \
	    --base-path "$BASE" --haproxy-cmd /usr/sbin/haproxy \
	    >"$W/agent.log" 2>&1 3>&- &
	echo $! >"$W/agent.pid"
	local t=$SECONDS
	while [ $((SECONDS - t)) -lt 5 ]; do
		if agent_curl / --max-time 1 >/dev/null 2>&1; then
			touch "$W/agent.up"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# agent_curl PATH [curl args]: a GET on the agent as the controller.
agent_curl() {
	local path=$1
	shift
	curl -fsS --max-time 5 --cacert "$S/ca/ca.pem" \
	    --cert "$S/controller/client.pem" --key "$S/controller/client.key" \
	    --resolve "amp-t:$AGENT_PORT:$AGENT_ADDR" "$@" \
	    "https://amp-t:$AGENT_PORT$path"
}

need_agent() {
	[ -f "$W/agent.pid" ] || skip "bin/oct-agent is not built"
	[ -f "$W/agent.up" ] ||
	    fail "oct-agent did not answer: $(tail -n 5 "$W/agent.log")"
	kill -0 "$(cat "$W/agent.pid")" ||
	    fail "oct-agent died: $(tail -n 5 "$W/agent.log")"
}

# The appliance record of the loopback agent, with the VIP it binds.
rec() {
	printf '{"id":"amp-t","address":"%s","agent_port":%s,"vip_address":"%s"}\n' \
	    "$AGENT_ADDR" "$AGENT_PORT" "$VIP"
}

oct_config() {
	OCT_STATE_DIR=$S oct-config --base-path "$BASE" "$@"
}

# running_etag: the ETag of what the agent runs for lb-t ("" for none).
running_etag() {
	rec | OCT_STATE_DIR=$S oct-config show --lb-id lb-t |
	    jq -r '.running.etag // ""'
}

# stat_status SERVER: haproxy's status (UP, DOWN, ...) for a server of lb-t.
stat_status() {
	echo "show stat" | socat -t 2 stdio "UNIX-CONNECT:$BASE/lb-t.sock" |
	    awk -F, -v s="$1" '$2 == s { print $18; exit }'
}

# worker_pid: haproxy's worker for lb-t (changes on every reload).
worker_pid() {
	echo "show info" | socat -t 2 stdio "UNIX-CONNECT:$BASE/lb-t.sock" |
	    awk -F': ' '$1 == "Pid" { print $2 }'
}

# members: the members of a pool in Octavia's API v2 form.
members() {
	local p=$1 n out=
	shift
	for n in "$@"; do
		out="$out${out:+,}{\"id\":\"$p-m$n\",\"address\":\"$NET.2$n\",\"protocol_port\":$BPORT}"
	done
	printf '[%s]' "$out"
}

# write_lb FILE: the load balancer every traffic test uses.
write_lb() {
	cat >"$1" <<EOF
{"loadbalancer": {
 "id": "lb-t", "name": "test", "vip_address": "$MODEL_VIP",
 "vip_subnet_id": "d6b0b5d8-0000-4000-8000-000000000001",
 "listeners": [
  {"id": "l-rr", "protocol": "HTTP", "protocol_port": $((PBASE + 1)),
   "connection_limit": 1000, "default_pool_id": "p-rr"},
  {"id": "l-src", "protocol": "HTTP", "protocol_port": $((PBASE + 2)),
   "connection_limit": 1000, "default_pool_id": "p-src"},
  {"id": "l-ck", "protocol": "HTTP", "protocol_port": $((PBASE + 3)),
   "connection_limit": 1000, "default_pool_id": "p-ck"},
  {"id": "l-l7", "protocol": "HTTP", "protocol_port": $((PBASE + 4)),
   "connection_limit": 1000, "default_pool_id": "p-web",
   "l7policies": [
    {"id": "to-api", "action": "REDIRECT_TO_POOL", "redirect_pool_id": "p-api",
     "rules": [{"id": "api-path", "type": "PATH",
		"compare_type": "STARTS_WITH", "value": "/api"}]},
    {"id": "no-block", "action": "REJECT",
     "rules": [{"id": "block-hdr", "type": "HEADER", "key": "X-Block",
		"compare_type": "EQUAL_TO", "value": "yes"}]}]},
  {"id": "l-tls", "protocol": "TERMINATED_HTTPS", "connection_limit": 1000,
   "protocol_port": $((PBASE + 5)),
   "default_tls_container_ref": "www-full.pem", "default_pool_id": "p-tls"}
 ],
 "pools": [
  {"id": "p-rr", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
   "healthmonitor": {"type": "HTTP", "delay": 1, "timeout": 1,
		     "max_retries": 1, "max_retries_down": 2,
		     "url_path": "/", "expected_codes": "200"},
   "members": $(members rr 1 2 3)},
  {"id": "p-src", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
   "session_persistence": {"type": "SOURCE_IP"},
   "members": $(members src 1 2 3)},
  {"id": "p-ck", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
   "session_persistence": {"type": "HTTP_COOKIE"},
   "members": $(members ck 1 2 3)},
  {"id": "p-web", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
   "members": $(members web 1 2)},
  {"id": "p-api", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
   "members": $(members api 3)},
  {"id": "p-tls", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
   "members": $(members tls 1)}
 ]}}
EOF
}

# push_lb: make the agent run the test load balancer (a no-op when it does).
push_lb() {
	write_lb "$W/lb.json"
	rec | oct_config --lb "$W/lb.json" >"$W/push.out" ||
	    fail "push failed: $(cat "$W/push.out")"
}

# hits PORT N [curl args]: the bodies of N requests to the VIP, one a line.
hits() {
	local port=$1 n=$2
	shift 2
	for _ in $(seq "$n"); do
		curl -sS --max-time 3 "$@" "http://$VIP:$port/" || echo FAIL
	done
}

setup() {
	MODEL=$BATS_TEST_TMPDIR/lb.json
	# models name their TLS file relative to their own directory
	cp "$W/www-full.pem" "$BATS_TEST_TMPDIR/"
}

# ------------------------------------------------------------ the contract

@test "-h prints the usage on stdout and exits 0" {
	run --separate-stderr -0 oct-config -h
	assert_output --partial "usage: oct-config"
	[ -z "$stderr" ]
}

@test "--version prints the version" {
	run --separate-stderr -0 oct-config --version
	assert_output --regexp '^oct-config .+'
}

@test "misuse exits 64 with an empty stdout" {
	run --separate-stderr -64 oct-config --bogus
	assert_output ""
	run --separate-stderr -64 oct-config </dev/null
	assert_output ""
	[[ $stderr == *"push needs --lb"* ]]
	run --separate-stderr -64 oct-config --lb x --port 0 </dev/null
	assert_output ""
	run --separate-stderr -64 oct-config --lb x --timeout 12abc </dev/null
	assert_output ""
	run --separate-stderr -64 oct-config frobnicate </dev/null
	assert_output ""
	run --separate-stderr -64 oct-config --print --lb x </dev/null
	assert_output ""
	run --separate-stderr -64 oct-config show --dry-run </dev/null
	assert_output ""
	run --separate-stderr -64 oct-config show --lb-id ../etc </dev/null
	assert_output ""
}

@test "--dry-run prints a configuration haproxy -c accepts, the same bytes each time" {
	# haproxy -c opens TLS files, which only a push puts in place
	write_lb "$MODEL.full"
	jq 'del(.loadbalancer.listeners[4]) | del(.loadbalancer.pools[5])' \
	    "$MODEL.full" >"$MODEL"
	run --separate-stderr -0 oct-config --dry-run --lb "$MODEL"
	assert_output --partial "frontend l-rr"
	assert_output --partial "backend p-rr:l-rr"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a.cfg"
	run -0 haproxy -c -f "$BATS_TEST_TMPDIR/a.cfg"
	oct-config --dry-run --lb "$MODEL" >"$BATS_TEST_TMPDIR/b.cfg"
	oct-config --dry-run --lb "$MODEL" >"$BATS_TEST_TMPDIR/c.cfg"
	cmp "$BATS_TEST_TMPDIR/b.cfg" "$BATS_TEST_TMPDIR/c.cfg"
}

@test "--dry-run takes --base-path for the stats socket" {
	write_lb "$MODEL"
	run --separate-stderr -0 oct-config --dry-run --base-path /srv/oct \
	    --lb "$MODEL"
	assert_output --partial "stats socket /srv/oct/lb-t.sock"
}

# bad_model NAME JQ-FILTER: write the test model changed by the filter.
bad_model() {
	write_lb "$MODEL.ok"
	jq "$1" "$MODEL.ok" >"$MODEL"
}

@test "an unreadable model exits 66" {
	run --separate-stderr -66 oct-config --dry-run --lb "$MODEL.none"
	assert_output ""
	[[ $stderr == *"$MODEL.none"* ]]
}

@test "malformed JSON: exit 65 naming line and column, nothing read" {
	printf '{"loadbalancer": {"id": "lb-t",\n "listeners": [}\n' >"$MODEL"
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	assert_output ""
	[[ $stderr == "oct-config: $MODEL: "*" (line 2, column "*")" ]] ||
	    fail "$stderr"
	# a NUL byte, which jansson skips after a number, is no JSON either
	printf '{"loadbalancer": {"id": "lb-t", "x": 1\0,\n "listeners": []}}\n' \
	    >"$MODEL"
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	assert_output ""
	[[ $stderr == "oct-config: $MODEL: NUL byte (column 39)" ]] ||
	    fail "$stderr"
}

@test "unknown enum: exit 65 naming the field" {
	bad_model '.loadbalancer.listeners[1].protocol = "HTTPX"'
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	assert_output ""
	[[ $stderr == *"loadbalancer.listeners[1].protocol"*HTTPX* ]] ||
	    fail "$stderr"
}

@test "out-of-range port: exit 65 naming the field" {
	bad_model '.loadbalancer.listeners[0].protocol_port = 70000'
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	[[ $stderr == *"loadbalancer.listeners[0].protocol_port"*70000* ]] ||
	    fail "$stderr"
}

@test "a pool no listener uses: exit 65 naming it" {
	bad_model '.loadbalancer.pools += [{"id": "p-orphan",
	    "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN", "members": []}]'
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	[[ $stderr == *"loadbalancer.pools[6]"* ]] || fail "$stderr"
}

@test "duplicate ids: exit 65 naming the second" {
	bad_model '.loadbalancer.pools[0].members[2].id = "rr-m1"'
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	[[ $stderr == *"loadbalancer.pools[0].members[2]"*duplicate*rr-m1* ]] ||
	    fail "$stderr"
}

@test "a listener certificate that is missing: exit 66 before any record" {
	bad_model '.loadbalancer.listeners[4].default_tls_container_ref = "nope.pem"'
	run --separate-stderr -66 oct-config --lb "$MODEL" <<<"$(rec)"
	assert_output ""
	[[ $stderr == *nope.pem* ]] || fail "$stderr"
}

# refused JQ-FILTER WANT: the test model changed by the filter exits 65
# with nothing on stdout and one line on stderr holding WANT.
refused() {
	bad_model "$1"
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	assert_output ""
	[[ $stderr == *"$2"* ]] || fail "$1: want \"$2\" in: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ] || fail "$1: $stderr"
}

@test "a wildcard, loopback or multicast VIP, in any spelling: exit 65 naming the field" {
	local v
	for v in 0.0.0.0 0.1.2.3 :: 0::0 0:0:0:0:0:0:0:0 ::0.0.0.0 \
	    ::ffff:0.0.0.0 0:0:0:0:0:FFFF:0:0 127.0.0.1 127.1.2.3 ::1 \
	    0:0::1 ::ffff:127.0.0.1 ::ffff:7f00:1 224.0.0.1 239.1.2.3 \
	    255.255.255.255 ff02::1 ::ffff:224.0.0.1; do
		refused ".loadbalancer.vip_address = \"$v\"" \
		    "loadbalancer.vip_address: \"$v\" is a"
		refused ".loadbalancer.additional_vips = [{\"subnet_id\": \"s\",
		    \"ip_address\": \"198.18.254.21\"},
		    {\"subnet_id\": \"s\", \"ip_address\": \"$v\"}]" \
		    "loadbalancer.additional_vips[1].ip_address: \"$v\" is a"
	done
	# The operator's VIP (--vip, a record's) may be loopback, for a test
	# on one host, but never a wildcard or a group.
	write_lb "$MODEL"
	for v in 0.0.0.0 :: ::ffff:0.0.0.0 224.0.0.1; do
		run --separate-stderr -64 oct-config --dry-run --vip "$v" \
		    --lb "$MODEL"
		assert_output ""
	done
	run --separate-stderr -0 oct-config --dry-run --vip ::ffff:127.0.0.1 \
	    --lb "$MODEL"
	assert_output --partial "bind [::ffff:127.0.0.1]:"
	run --separate-stderr -65 oct_config --haproxy-cmd /bin/true \
	    --lb "$MODEL" \
	    <<<'{"id":"amp-t","address":"127.0.0.1","vip_address":"0::0"}'
	[ "$(jqo .error.code)" = EX_DATAERR ]
	[[ $(jqo .error.message) == *'"0::0": not a unicast address'* ]] ||
	    fail "$(jqo .error.message)"
	# nor does plug put one on the appliance (or into its URL)
	for v in 0.0.0.0 ::ffff:0.0.0.0 ff02::1 "$MODEL_VIP/../../x"; do
		run --separate-stderr -65 oct_config plug <<<"$(jq -cn \
		    --arg v "$v" '{id: "amp-t", address: "127.0.0.1",
		    agent_port: 1, vip_address: $v, compute: {prefix_len: 24,
		    mac_address: "02:00:00:00:00:01", gateway: "127.0.0.254"}}')"
		[[ $(jqo .error.message) == *"not a unicast IP address"* ]] ||
		    fail "$v: $(jqo .error.message)"
	done
}

@test "a member at an unspecified or reserved address, in any spelling: exit 65 naming it" {
	local a m=.loadbalancer.pools[1].members[0] p=loadbalancer.pools[1].members[0]
	for a in 0.0.0.0 0.0.0.1 :: 0::0 ::ffff:0.0.0.0 0:0:0:0:0:ffff:0:0 \
	    169.254.169.254 ::ffff:169.254.169.254 ::ffff:a9fe:a9fe \
	    0:0:0:0:0:FFFF:A9FE:A9FE; do
		refused "$m.address = \"$a\"" "$p.address: \"$a\" is a"
		refused "$m.monitor_address = \"$a\"" \
		    "$p.monitor_address: \"$a\" is a"
	done
	refused "$m.address = \"169.254.169.254\"" \
	    '"169.254.169.254" is a reserved address (reserved_ips)'
	# The reserved list is the operator's, as Octavia's reserved_ips:
	# --reserved-ips, else $OCT_RESERVED_IPS; addresses or networks.
	run --separate-stderr -0 oct-config --dry-run --reserved-ips "" \
	    --lb "$MODEL"
	assert_output --partial "server src-m1 169.254.169.254:"
	bad_model "$m.address = \"::ffff:$NET.201\""
	run --separate-stderr -65 oct-config --dry-run \
	    --reserved-ips "169.254.169.254, $NET.201/32" --lb "$MODEL"
	[[ $stderr == *"$p.address: \"::ffff:$NET.201\" is a reserved"* ]] ||
	    fail "$stderr"
	run --separate-stderr -65 env OCT_RESERVED_IPS="::ffff:$NET.201/128" \
	    oct-config --dry-run --lb "$MODEL"
	run --separate-stderr -0 env OCT_RESERVED_IPS="fd00::/8" \
	    oct-config --dry-run --lb "$MODEL"
	run --separate-stderr -64 oct-config --dry-run --reserved-ips 1.2.3.4/33 \
	    --lb "$MODEL"
	assert_output ""
	[[ $stderr == *'--reserved-ips: "1.2.3.4/33" is not an IP address or network'* ]]
	run --separate-stderr -78 env OCT_RESERVED_IPS=metadata \
	    oct-config --dry-run --lb "$MODEL"
	assert_output ""
}

@test "connection_limit 0 and timeouts of 0 are Octavia's defaults, never a cap of no connection" {
	bad_model '.loadbalancer.listeners |= map(.connection_limit = 0 |
	    .timeout_client_data = 0 | .timeout_member_connect = 0 |
	    .timeout_member_data = 0 | .timeout_tcp_inspect = 0)'
	run --separate-stderr -0 oct-config --dry-run --lb "$MODEL"
	refute_output --regexp 'maxconn 0|fullconn 0|timeout [a-z]+ 0$'
	# the global maxconn: 5 listeners of 50000, as Octavia sums them
	assert_output --partial $'    maxconn 250000\n'
	[ "$(grep -c '^    maxconn 50000$' <<<"$output")" = 5 ]
	[ "$(grep -c '^    fullconn 50000$' <<<"$output")" = 6 ]
	[ "$(grep -c '^    timeout client 50000$' <<<"$output")" = 5 ]
	[ "$(grep -c '^    timeout connect 5000$' <<<"$output")" = 6 ]
	[ "$(grep -c '^    timeout server 50000$' <<<"$output")" = 6 ]
	refute_output --partial "inspect-delay"
	# -1 is the same default; a disabled listener counts, as in Octavia
	bad_model '.loadbalancer.listeners |= map(.connection_limit = -1) |
	    .loadbalancer.listeners[0].admin_state_up = false'
	run --separate-stderr -0 oct-config --dry-run --lb "$MODEL"
	assert_output --partial $'    maxconn 250000\n'
}

@test "certificate refs stay in their directories: no .., no path elsewhere, no symlink out" {
	local d=$BATS_TEST_TMPDIR L=.loadbalancer.listeners[4]
	local P=loadbalancer.listeners[4]
	mkdir -p "$d/other" "$d/m/sub"
	cp "$W/www-full.pem" "$d/other/secret.pem"
	cp "$W/www-full.pem" "$d/m/"
	write_lb "$d/m/ok.json"
	model() {
		jq "$1" "$d/m/ok.json" >"$d/m/lb.json"
		run --separate-stderr "-$2" oct-config --dry-run "${@:4}" \
		    --lb "$d/m/lb.json"
		assert_output ""
		[[ $stderr == *"$3"* ]] || fail "$1: want \"$3\" in: $stderr"
	}
	model "$L.default_tls_container_ref = \"../other/secret.pem\"" 65 \
	    "$P.default_tls_container_ref: \"../other/secret.pem\" has a \"..\""
	model "$L.default_tls_container_ref = \"sub/../../other/secret.pem\"" \
	    65 'has a ".."'
	model "$L.sni_container_refs = [\"www-full.pem\", \"$d/other/secret.pem\"]" \
	    65 "$P.sni_container_refs[1]: \"$d/other/secret.pem\" is outside the directories"
	model ".loadbalancer.pools[5] += {\"tls_enabled\": true,
	    \"ca_tls_container_ref\": \"/etc/ssl/certs/ca-certificates.crt\"}" \
	    65 "loadbalancer.pools[5].ca_tls_container_ref: \"/etc/ssl/certs/ca-certificates.crt\" is outside"
	# a symlink out of the directory, relative or absolute, is refused
	ln -s ../other/secret.pem "$d/m/rel.pem"
	ln -s "$d/other/secret.pem" "$d/m/abs.pem"
	for f in rel.pem abs.pem; do
		model "$L.default_tls_container_ref = \"$f\"" 65 \
		    "$P.default_tls_container_ref: $d/m/$f: leaves its directory"
	done
	# nothing but a regular file, and a FIFO does not hang the run
	mkfifo "$d/m/fifo.pem"
	model "$L.default_tls_container_ref = \"fifo.pem\"" 65 \
	    "$d/m/fifo.pem: not a regular file"
	# "_oct_dir" in a body names nothing any more
	model "._oct_dir = \"$d/other\" | $L.default_tls_container_ref = \"secret.pem\"" \
	    66 "$d/m/secret.pem: No such file or directory"
	# inside: an absolute path, a symlink that stays
	ln -s www-full.pem "$d/m/in.pem"
	ln -s ../in.pem "$d/m/sub/up.pem"
	jq "$L.default_tls_container_ref = \"$d/m/www-full.pem\" |
	    $L.sni_container_refs = [\"in.pem\", \"sub/up.pem\"]" \
	    "$d/m/ok.json" >"$d/m/lb.json"
	run --separate-stderr -0 oct-config --dry-run --lb "$d/m/lb.json"
	# --tls-dir: relative refs beneath the first, absolute ones beneath any
	jq "$L.default_tls_container_ref = \"secret.pem\" |
	    $L.sni_container_refs = [\"$d/m/www-full.pem\"]" \
	    "$d/m/ok.json" >"$d/m/lb.json"
	run --separate-stderr -0 oct-config --dry-run --tls-dir "$d/other" \
	    --tls-dir "$d/m" --lb "$d/m/lb.json"
	model "$L.default_tls_container_ref = \"secret.pem\" |
	    $L.sni_container_refs = [\"$d/m/www-full.pem\"]" 65 \
	    "$P.sni_container_refs[0]: \"$d/m/www-full.pem\" is outside" \
	    --tls-dir "$d/other"
	run --separate-stderr -66 oct-config --dry-run --tls-dir "$d/none" \
	    --lb "$d/m/lb.json"
	assert_output ""
}

@test "messages that quote input escape control characters: one line, no escape sequence" {
	refused '.loadbalancer["x\n\u001b[31mFORGED\u001b[0m"] = 1' \
	    'loadbalancer.x\n\033[31mFORGED\033[0m: unknown field'
	[[ $stderr != *$'\e'* ]]
	refused '.loadbalancer.listeners[4].sni_container_refs = ["a\nb\u001b[2J"]' \
	    'loadbalancer.listeners[4].sni_container_refs[0]: must be printable ASCII'
	refused '.loadbalancer.listeners[0].l7policies = [{"action": "REJECT",
	    "rules": [{"type": "HEADER", "compare_type": "EQUAL_TO",
	    "key": "X\u001b]0;pwned\u0007", "value": "v"}]}]' \
	    'must be printable ASCII'
	# a record's message, on stderr and in the record
	write_lb "$MODEL"
	run --separate-stderr -65 oct_config --haproxy-cmd /bin/true \
	    --lb "$MODEL" <<<'{"id":"a\nb\u001b[31mc\u00e9","address":"127.0.0.1"}'
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ] || fail "$stderr"
	[[ $stderr != *$'\e'* ]] || fail "$stderr"
	[[ $(jqo .error.message) == 'id: "a\nb\033[31mc\303\251" is not a safe name' ]] ||
	    fail "$(jqo .error.message)"
	# a file name of the operator's, too
	run --separate-stderr -66 oct-config --dry-run \
	    --lb "$BATS_TEST_TMPDIR/none"$'\n\e[1m'"b.json"
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ] || fail "$stderr"
	[[ $stderr == *'none\n\033[1mb.json: No such file'* ]] || fail "$stderr"
}

@test "a line that is not JSON counts as 65; a record without address fails alone" {
	write_lb "$MODEL"
	run --separate-stderr -65 oct_config --lb "$MODEL" <<<'not json'
	assert_output ""
	run --separate-stderr -65 oct_config --lb "$MODEL" <<<'{"id":"amp-x"}'
	assert_json_line
	[ "$(jqo .error.code)" = EX_DATAERR ]
	[ "$(jqo .error.tool)" = oct-config ]
	[[ $(jqo .error.message) == *address* ]]
}

@test "records that carry an error pass through untouched" {
	write_lb "$MODEL"
	in='{"id":"amp-x","address":"127.0.0.9","error":{"tool":"oct-wait","code":"EX_TEMPFAIL","message":"x"}}'
	run --separate-stderr -75 oct_config --lb "$MODEL" <<<"$in"
	assert_output "$in"
}

@test "missing client key: exit 66 before any record" {
	write_lb "$MODEL"
	run --separate-stderr -66 oct-config --key "$BATS_TEST_TMPDIR/none" \
	    --ca "$S/ca/ca.pem" --cert "$S/controller/client.pem" \
	    --lb "$MODEL" <<<"$(rec)"
	assert_output ""
}

@test "an agent that does not answer: exit 75 within --timeout" {
	write_lb "$MODEL"
	SECONDS=0
	run --separate-stderr -75 oct_config --timeout 2 --lb "$MODEL" \
	    <<<"{\"id\":\"amp-t\",\"address\":\"$NET.250\",\"agent_port\":$AGENT_PORT}"
	assert_json_line
	[ "$(jqo .error.code)" = EX_TEMPFAIL ]
	[ "$SECONDS" -le 5 ]
}

# --------------------------------------------------- real agent, real haproxy

@test "push: applies, serves, and reports config" {
	need_agent
	push_lb
	run jq -c . "$W/push.out"
	assert_json_line
	[ "$(jqo .config.lb_id)" = lb-t ]
	[[ $(jqo .config.applied_at) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	want=$(oct-config --base-path "$BASE" --dry-run --vip "$VIP" \
	    --lb "$W/lb.json" | sha256sum | cut -d' ' -f1)
	[ "$(jqo .config.sha256)" = "$want" ]
	# what the agent runs is what we rendered
	run --separate-stderr -0 oct_config show --print --lb-id lb-t <<<"$(rec)"
	[ "$(printf '%s\n' "$output" | sha256sum | cut -d' ' -f1)" = "$want" ]
	wait_http "http://$VIP:$((PBASE + 1))/"
}

@test "show adds running {sha256, etag, size_bytes}; unknown lb gives null" {
	need_agent
	push_lb
	run --separate-stderr -0 oct_config show --lb-id lb-t <<<"$(rec)"
	assert_json_line
	[ "$(jqo .running.sha256)" = "$(jq -r .config.sha256 "$W/push.out")" ]
	[[ $(jqo .running.etag) =~ ^[0-9a-f]{32}$ ]]
	[ "$(jqo .running.size_bytes)" -gt 100 ]
	# the record's own config.lb_id is enough
	run --separate-stderr -0 oct_config show <"$W/push.out"
	[ "$(jqo .running.etag)" != null ]
	run --separate-stderr -0 oct_config show --lb-id lb-none <<<"$(rec)"
	[ "$(jqo .running)" = null ]
}

@test "re-run with an identical config: changed false, no PUT, no reload" {
	need_agent
	push_lb
	etag=$(running_etag)
	pid=$(worker_pid)
	[ -n "$pid" ]
	applied=$(jq -r .config.applied_at "$W/push.out")
	run --separate-stderr -0 oct_config -v --lb "$W/lb.json" <"$W/push.out"
	assert_json_line
	[ "$(jqo .config.changed)" = false ]
	[ "$(jqo .config.applied_at)" = "$applied" ]
	[[ $stderr != *"PUT "* ]] || fail "it sent: $stderr"
	[ "$(running_etag)" = "$etag" ]
	[ "$(worker_pid)" = "$pid" ]
}

@test "a changed config is pushed and reloaded: changed true, new ETag" {
	need_agent
	push_lb
	etag=$(running_etag)
	pid=$(worker_pid)
	jq '.loadbalancer.pools[3].members[0].weight = 5' "$W/lb.json" >"$MODEL"
	run --separate-stderr -0 oct_config --lb "$MODEL" <<<"$(rec)"
	[ "$(jqo .config.changed)" = true ]
	[ "$(running_etag)" != "$etag" ]
	[ "$(worker_pid)" != "$pid" ]
	# and back
	push_lb
	[ "$(running_etag)" = "$etag" ]
}

# from SRC PORT: the body the VIP answers a client at SRC (an address of
# 127/8) on PORT, or "refused".
from() {
	curl -sS --max-time 3 --interface "$1" "http://$VIP:$2/" 2>/dev/null ||
	    echo refused
}

@test "allowed_cidrs: only clients in them are served, per listener; a change takes effect on the running load balancer" {
	need_agent
	push_lb
	local rr=$((PBASE + 1)) src=$((PBASE + 2)) a=$NET.252 b=$NET.251
	[[ $(from "$a" "$rr") == m[123] ]]
	[[ $(from "$b" "$rr") == m[123] ]]
	# Host bits are cleared, as Octavia's CidrType does.
	jq --arg c "$NET.253/31" '.loadbalancer.listeners[0].allowed_cidrs = [$c]' \
	    "$W/lb.json" >"$MODEL"
	run --separate-stderr -0 oct_config --lb "$MODEL" <<<"$(rec)"
	[ "$(jqo .config.changed)" = true ]
	for _ in 1 2 3; do
		[[ $(from "$a" "$rr") == m[123] ]]
		[ "$(from "$b" "$rr")" = refused ]
		[ "$(from "$NET.1" "$rr")" = refused ]
		# another listener of the load balancer serves everyone still
		[[ $(from "$b" "$src") == m[123] ]]
	done
	# Changed on the running load balancer: the other client now.
	jq --arg c "$b" '.loadbalancer.listeners[0].allowed_cidrs = [$c]' \
	    "$W/lb.json" >"$MODEL"
	run --separate-stderr -0 oct_config --lb "$MODEL" <<<"$(rec)"
	[ "$(jqo .config.changed)" = true ]
	[ "$(from "$a" "$rr")" = refused ]
	[[ $(from "$b" "$rr") == m[123] ]]
	# [] (Octavia's unset) serves everyone again.
	jq '.loadbalancer.listeners[0].allowed_cidrs = []' "$W/lb.json" \
	    >"$MODEL"
	run --separate-stderr -0 oct_config --lb "$MODEL" <<<"$(rec)"
	[[ $(from "$a" "$rr") == m[123] ]]
	[[ $(from "$b" "$rr") == m[123] ]]
	push_lb
}

@test "allowed_cidrs of no VIP's IP version: 65 naming the item, for the model's VIP and for the record's; nothing pushed" {
	need_agent
	push_lb
	etag=$(running_etag)
	jq '.loadbalancer.listeners[2].allowed_cidrs = ["127.0.0.0/8", "2001:db8::/32"]' \
	    "$W/lb.json" >"$MODEL"
	run --separate-stderr -65 oct_config --lb "$MODEL" <<<"$(rec)"
	assert_output ""
	[[ $stderr == *"$MODEL: loadbalancer.listeners[2].allowed_cidrs[1]: 2001:db8::/32 is an IPv6 CIDR and no VIP of the load balancer is IPv6 (vip_address $VIP): it would match no client" ]] ||
	    fail "$stderr"
	# No vip_address in the model: the record's VIP is the one checked.
	jq 'del(.loadbalancer.vip_address)' "$MODEL" >"$MODEL.novip"
	run --separate-stderr -65 oct_config --lb "$MODEL.novip" \
	    <<<"$(rec | jq -c --arg v "$VIP" '.vip_address = $v')"
	[ "$(jqo .error.code)" = EX_DATAERR ]
	[[ $(jqo .error.message) == *"loadbalancer.listeners[2].allowed_cidrs[1]: 2001:db8::/32 is an IPv6 CIDR and no VIP of the load balancer is IPv6 (vip_address $VIP)"* ]] ||
	    fail "$output"
	[ "$(running_etag)" = "$etag" ]
}

@test "a sweep: an appliance that does not answer fails alone, the next is served" {
	need_agent
	push_lb
	run --separate-stderr -75 oct_config --timeout 2 --lb "$W/lb.json" \
	    <<<"{\"id\":\"amp-gone\",\"address\":\"$NET.251\"}
$(rec)"
	[ "${#lines[@]}" = 2 ]
	[ "$(jq -r .error.code <<<"${lines[0]}")" = EX_TEMPFAIL ]
	[ "$(jq -r .config.changed <<<"${lines[1]}")" = false ]
	[ "$(jq -r .error <<<"${lines[1]}")" = null ]
}

@test "round robin across three real backends" {
	need_agent
	push_lb
	run hits $((PBASE + 1)) 9
	[ "$(sort <<<"$output" | uniq -c | awk '{print $1}' | sort -u)" = 3 ] ||
	    fail "not 3 x 3: $output"
	[ "$(sort -u <<<"$output" | tr '\n' ' ')" = "m1 m2 m3 " ]
}

@test "a killed member is taken out by the health monitor within delay x max_retries_down, and comes back" {
	need_agent
	push_lb
	wait_status rr-m2 UP 5
	stop_backend 2
	# delay 1 s x max_retries_down 2 (+ up to one check interval of phase)
	t0=$(date +%s%N)
	wait_status rr-m2 DOWN 4
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# rr-m2 DOWN ${ms} ms after it was killed" >&3
	[ "$ms" -le 3000 ] || fail "took ${ms} ms"
	run hits $((PBASE + 1)) 6
	[ "$(sort -u <<<"$output" | tr '\n' ' ')" = "m1 m3 " ] || fail "$output"
	t0=$(date +%s%N)
	start_backend 2
	wait_status rr-m2 UP 4
	echo "# rr-m2 UP $((($(date +%s%N) - t0) / 1000000)) ms after restart" >&3
	run hits $((PBASE + 1)) 6
	[ "$(sort -u <<<"$output" | tr '\n' ' ')" = "m1 m2 m3 " ] || fail "$output"
}

# wait_status SERVER STATUS SECONDS
wait_status() {
	local st
	for _ in $(seq $(($3 * 10))); do
		st=$(stat_status "$1")
		case $st in "$2"*) return 0 ;; esac
		sleep 0.1
	done
	fail "$1 is ${st:-unknown}, not $2 after $3 s"
}

@test "SOURCE_IP persistence keeps a client on one member" {
	need_agent
	push_lb
	run hits $((PBASE + 2)) 9
	[ "$(sort -u <<<"$output" | wc -l)" = 1 ] || fail "$output"
	[[ $output == m* ]]
	run hits $((PBASE + 2)) 6 --interface "$NET.99"
	[ "$(sort -u <<<"$output" | wc -l)" = 1 ] || fail "$output"
}

@test "HTTP_COOKIE persistence keeps a client on one member" {
	need_agent
	push_lb
	jar=$BATS_TEST_TMPDIR/jar
	first=$(curl -sS --max-time 3 -c "$jar" "http://$VIP:$((PBASE + 3))/")
	grep -q SRV "$jar"
	run hits $((PBASE + 3)) 8 -b "$jar"
	[ "$(sort -u <<<"$output")" = "$first" ] || fail "$first then $output"
	# without the cookie, round robin
	run hits $((PBASE + 3)) 6
	[ "$(sort -u <<<"$output" | wc -l)" = 3 ] || fail "$output"
}

@test "L7: REDIRECT_TO_POOL on a path, REJECT on a header" {
	need_agent
	push_lb
	run hits $((PBASE + 4)) 4
	[ "$(sort -u <<<"$output" | tr '\n' ' ')" = "m1 m2 " ] || fail "$output"
	for _ in 1 2 3; do
		run curl -sS --max-time 3 "http://$VIP:$((PBASE + 4))/api/"
		assert_output m3
	done
	run curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
	    -H 'X-Block: yes' "http://$VIP:$((PBASE + 4))/"
	assert_output 403
	run curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
	    -H 'X-Block: no' "http://$VIP:$((PBASE + 4))/"
	assert_output 200
}

@test "TERMINATED_HTTPS serves a certificate oct-cert made to curl" {
	need_agent
	push_lb
	run -0 curl -sS --max-time 3 --cacert "$S/ca/ca.pem" \
	    --resolve "www:$((PBASE + 5)):$VIP" "https://www:$((PBASE + 5))/"
	assert_output m1
	# the certificate went through the agent's certificate API
	run -0 agent_curl /1.0/loadbalancer/lb-t/certificates/l-tls-crt-0.pem
	want=$(md5sum <"$W/www-full.pem" | cut -d' ' -f1)
	[ "$(jqo .md5sum)" = "$want" ]
}

@test "bad models push nothing: the running config stays" {
	need_agent
	push_lb
	etag=$(running_etag)
	pid=$(worker_pid)
	for f in '.loadbalancer.listeners[1].protocol = "HTTPX"' \
	    '.loadbalancer.listeners[0].protocol_port = 70000' \
	    '.loadbalancer.pools += [{"id": "p-orphan", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN", "members": []}]' \
	    '.loadbalancer.pools[0].members[2].id = "rr-m1"' \
	    '.loadbalancer.listeners[0].allowed_cidrs = ["127.0.0.0/33"]'; do
		jq "$f" "$W/lb.json" >"$MODEL"
		run --separate-stderr -65 oct_config --lb "$MODEL" <<<"$(rec)"
		assert_output ""
		[[ $stderr == *"$MODEL: loadbalancer."* ]] || fail "$stderr"
	done
	printf '{"loadbalancer": [' >"$MODEL"
	run --separate-stderr -65 oct_config --lb "$MODEL" <<<"$(rec)"
	assert_output ""
	[ "$(running_etag)" = "$etag" ]
	[ "$(worker_pid)" = "$pid" ]
}

@test "an agent whose certificate names another amphora: 76, nothing pushed" {
	need_agent
	push_lb
	etag=$(running_etag)
	jq '.loadbalancer.pools[3].members[0].weight = 7' "$W/lb.json" >"$MODEL"
	run --separate-stderr -76 oct_config --lb "$MODEL" \
	    <<<"{\"id\":\"amp-other\",\"address\":\"$AGENT_ADDR\",\"agent_port\":$AGENT_PORT}"
	[ "$(jqo .error.code)" = EX_PROTOCOL ]
	[ "$(running_etag)" = "$etag" ]
}

@test "delete stops the load balancer; a second delete changes nothing" {
	need_agent
	push_lb
	wait_http "http://$VIP:$((PBASE + 1))/"
	run --separate-stderr -0 oct_config delete --lb "$W/lb.json" <<<"$(rec)"
	assert_json_line
	[ "$(jqo .config.deleted)" = true ]
	[ "$(jqo .config.changed)" = true ]
	run curl -sS --max-time 2 "http://$VIP:$((PBASE + 1))/"
	[ "$status" -ne 0 ]
	[ -z "$(running_etag)" ]
	run --separate-stderr -0 oct_config delete --lb-id lb-t <<<"$(rec)"
	[ "$(jqo .config.changed)" = false ]
}

# tls_md5: the md5 the agent holds for the listener certificate of lb-t.
tls_md5() {
	agent_curl /1.0/loadbalancer/lb-t/certificates/l-tls-crt-0.pem |
	    jq -r .md5sum
}

@test "a certificate whose key does not match: haproxy -c here says so, nothing pushed" {
	need_agent
	push_lb
	etag=$(running_etag)
	md5=$(tls_md5)
	cat "$S/certs/www.pem" "$S/certs/amp-t.key" >"$BATS_TEST_TMPDIR/bad.pem"
	jq '.loadbalancer.listeners[4].default_tls_container_ref = "bad.pem"' \
	    "$W/lb.json" >"$MODEL"
	run --separate-stderr -65 oct_config --lb "$MODEL" <<<"$(rec)"
	assert_output ""
	[[ $stderr == *"$MODEL: haproxy -c: [ALERT]"*"private key"* ]] ||
	    fail "$stderr"
	run --separate-stderr -65 oct-config --dry-run --lb "$MODEL"
	assert_output ""
	[ "$(tls_md5)" = "$md5" ]
	[ "$(running_etag)" = "$etag" ]
}

@test "a config the agent's haproxy -c rejects: 69 with haproxy's alert, the running config stays" {
	need_agent
	push_lb
	etag=$(running_etag)
	pid=$(worker_pid)
	# skip the local check to reach the agent's (a changed config is
	# checked there before it replaces anything)
	cat "$S/certs/www.pem" "$S/certs/amp-t.key" >"$BATS_TEST_TMPDIR/bad.pem"
	jq '.loadbalancer.listeners[4].default_tls_container_ref = "bad.pem" |
	    .loadbalancer.pools[3].members[0].weight = 9' \
	    "$W/lb.json" >"$MODEL"
	run --separate-stderr -69 oct_config --haproxy-cmd /bin/true \
	    --lb "$MODEL" <<<"$(rec)"
	[ "$(jqo .error.code)" = EX_UNAVAILABLE ]
	[[ $(jqo .error.message) == *"HTTP 400"*"[ALERT]"*"private key"* ]] ||
	    fail "$(jqo .error.message)"
	[ "$(running_etag)" = "$etag" ]
	[ "$(worker_pid)" = "$pid" ]
	wait_http "http://$VIP:$((PBASE + 1))/"
	# the next good push repairs the certificate
	push_lb
	[ "$(tls_md5)" = "$(md5sum <"$W/www-full.pem" | cut -d' ' -f1)" ]
}

@test "a reload the agent's haproxy refuses (a port another process holds): 75 on every run, never unchanged; the running config stays" {
	local busy=$((PBASE + 9)) holder
	need_agent
	push_lb
	etag=$(running_etag)
	pid=$(worker_pid)
	# The port is held on the VIP for at most 60 s.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], int(sys.argv[2]))); s.listen()
time.sleep(60)' "$VIP" "$busy" &
	holder=$!
	for _ in $(seq 50); do
		ss -Hltn "src $VIP:$busy" | grep -q . && break
		sleep 0.1
	done
	jq ".loadbalancer.listeners[0].protocol_port = $busy" "$W/lb.json" \
	    >"$MODEL"
	# haproxy -c binds nothing: the agent takes it, its reload fails.
	# Run again, the agent still says what serves: pushed and refused
	# again, not "changed": false.
	for run in 1 2; do
		run --separate-stderr -75 oct_config --lb "$MODEL" <<<"$(rec)"
		[ "$(jqo .error.code)" = EX_TEMPFAIL ] || fail "run $run: $output"
		[[ $(jqo .error.message) == *"HTTP 500"*"refused the new configuration"* ]] ||
		    fail "run $run: $(jqo .error.message)"
		[ "$(running_etag)" = "$etag" ]
		[ "$(worker_pid)" = "$pid" ]
	done
	kill "$holder"
	wait "$holder" || true
	wait_http "http://$VIP:$((PBASE + 1))/"
	push_lb
	[ "$(running_etag)" = "$etag" ]
}

# ------------------------------------------- Octavia's own amphora agent

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/peer/run/agent.pid" ]; then
		"$OCT_TOP/tests/peers/octavia-agent/stop-agent.sh" \
		    "$BATS_TEST_TMPDIR/peer/run" >/dev/null 2>&1 || true
	fi
}

@test "Octavia's amphora agent: cert probe and upload, config PUT, reload, no-op re-run, delete" {
	[ -x /usr/bin/amphora-agent ] || skip "python3-octavia is not installed"
	peer=$OCT_TOP/tests/peers/octavia-agent
	P=$BATS_TEST_TMPDIR/peer
	amp=3f0c6f4e-8a52-4d7b-9c61-$(printf '%012d' "$PBASE")
	port=$(free_port)
	"$peer/setup.sh" "$P/pki" "$amp" >/dev/null
	"$peer/run-agent.sh" "$port" "$P/run" "$P/pki" >/dev/null
	# its haproxy binds $VIP inside its own network namespace
	write_lb "$MODEL"
	r="{\"id\":\"$amp\",\"address\":\"127.0.0.1\",\"agent_port\":$port,\"vip_address\":\"$VIP\"}"
	oc() { OCT_STATE_DIR=$P/pki/state oct-config "$@"; }
	pc() {
		curl -fsS --max-time 10 --cacert "$P/pki/ca.pem" \
		    --cert "$P/pki/client.pem" --key "$P/pki/client.key" \
		    --resolve "$amp:$port:127.0.0.1" "https://$amp:$port$1"
	}
	oct-config --dry-run --vip "$VIP" --lb "$MODEL" \
	    >"$BATS_TEST_TMPDIR/want.cfg"
	want=$(sha256sum <"$BATS_TEST_TMPDIR/want.cfg" | cut -d' ' -f1)
	want_md5=$(md5sum <"$BATS_TEST_TMPDIR/want.cfg" | cut -d' ' -f1)

	run --separate-stderr -0 oc -v --lb "$MODEL" <<<"$r"
	assert_json_line
	[ "$(jqo .config.changed)" = true ]
	[ "$(jqo .config.sha256)" = "$want" ]
	for c in "GET /1.0/loadbalancer/lb-t/certificates/l-tls-crt-0.pem: 404" \
	    "PUT /1.0/loadbalancer/lb-t/certificates/l-tls-crt-0.pem: 200" \
	    "PUT /1.0/loadbalancer/$amp/lb-t/haproxy: 202" \
	    "PUT /1.0/loadbalancer/lb-t/reload: 202"; do
		[[ $stderr == *"$c"* ]] || fail "no \"$c\" in: $stderr"
	done
	# what it holds, through its own API
	run -0 pc /1.0/loadbalancer/lb-t/haproxy
	[ "$(printf '%s\n' "$output" | sha256sum | cut -d' ' -f1)" = "$want" ]
	run --separate-stderr -0 oc show --lb-id lb-t <<<"$r"
	[ "$(jqo .running.etag)" = "$want_md5" ]
	run -0 pc /1.0/loadbalancer/lb-t/certificates/l-tls-crt-0.pem
	[ "$(jqo .md5sum)" = "$(md5sum <"$BATS_TEST_TMPDIR/www-full.pem" | cut -d' ' -f1)" ]
	run -0 pc /1.0/listeners
	[ "$(jqo '[.[] | select(.status == "ACTIVE")] | length')" = 5 ]

	# the same again: probes only
	run --separate-stderr -0 oc -v --lb "$MODEL" <<<"$r"
	[ "$(jqo .config.changed)" = false ]
	[[ $stderr != *"PUT "* ]] || fail "it sent: $stderr"
	[[ $stderr == *"md5 matches, not sent"* ]]

	# a certificate whose key does not match: refused here, nothing sent
	cat "$S/certs/www.pem" "$S/certs/amp-t.key" >"$BATS_TEST_TMPDIR/bad.pem"
	jq '.loadbalancer.listeners[4].default_tls_container_ref = "bad.pem"' \
	    "$MODEL" >"$MODEL.bad"
	run --separate-stderr -65 oc --lb "$MODEL.bad" <<<"$r"
	assert_output ""
	# and with a changed config past that check, its haproxy -c refuses it
	jq '.loadbalancer.pools[3].members[0].weight = 9' "$MODEL.bad" \
	    >"$MODEL.bad2"
	run --separate-stderr -69 oc --haproxy-cmd /bin/true --lb "$MODEL.bad2" \
	    <<<"$r"
	[[ $(jqo .error.message) == *"HTTP 400: Invalid request: [ALERT]"* ]] ||
	    fail "$(jqo .error.message)"
	run --separate-stderr -0 oc show --lb-id lb-t <<<"$r"
	[ "$(jqo .running.etag)" = "$want_md5" ]

	run --separate-stderr -0 oc delete --lb "$MODEL" <<<"$r"
	[ "$(jqo .config.changed)" = true ]
	run --separate-stderr -0 oc show --lb-id lb-t <<<"$r"
	[ "$(jqo .running)" = null ]
}
