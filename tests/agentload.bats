#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# agentload, the benchmark's load client, against a real mutual-TLS peer:
# openssl s_server -WWW on 127.0.0.1, which demands a client certificate.

load helpers

AL="${OCT_BENCH_DIR:-$OCT_TOP/build/std/bench}/agentload"

setup_file() {
	local d=$BATS_FILE_TMPDIR n=0
	[ -x "$AL" ] || skip "agentload not built (make benchtools)"
	"$OCT_TOP/tests/peers/octavia-agent/setup.sh" "$d/certs" >/dev/null
	mkdir -p "$d/www"
	echo hello > "$d/www/hello.txt"
	# Bounded: the server goes away by itself after 300 s at the latest.
	(cd "$d/www" && exec timeout 300 openssl s_server -accept 127.0.0.1:0 \
	    -cert "$d/certs/server-$(cat "$d/certs/amp-id.txt").pem" \
	    -CAfile "$d/certs/ca.pem" -Verify 1 -verify_return_error -WWW \
	    >"$d/server.log" 2>&1 </dev/null) &
	echo $! > "$d/server.pid"
	while ! grep -q '^ACCEPT' "$d/server.log" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || { cat "$d/server.log" >&3; return 1; }
		sleep 0.05
	done
	sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$d/server.log" > "$d/port"
}

teardown_file() {
	local pid
	pid=$(cat "$BATS_FILE_TMPDIR/server.pid" 2>/dev/null) || return 0
	# The subshell execs timeout, which passes SIGTERM on to s_server.
	kill "$pid" 2>/dev/null || true
}

setup() {
	C=$BATS_FILE_TMPDIR/certs
	PORT=$(cat "$BATS_FILE_TMPDIR/port")
	URL=https://127.0.0.1:$PORT/hello.txt
	TLS=(-A "$C/ca.pem" -E "$C/client.pem" -K "$C/client.key")
}

# served: how many files the server has sent so far.
served() {
	grep -c '^FILE:hello.txt' "$BATS_FILE_TMPDIR/server.log" || true
}

@test "agentload -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr "$AL" -h
	assert_output --partial "usage: agentload"
	[ -z "$stderr" ]
}

@test "agentload without a URL or CA is misuse (64), nothing on stdout" {
	run -64 --separate-stderr "$AL" -A "$C/ca.pem"
	assert_output ""
	run -64 --separate-stderr "$AL" "$URL"
	assert_output ""
	[[ $stderr == *"-A cafile is required"* ]]
	run -64 --separate-stderr "$AL" -A "$C/ca.pem" -n 0 "$URL"
	run -64 --separate-stderr "$AL" -A "$C/ca.pem" -X get "$URL"
	run -64 --separate-stderr "$AL" -A "$C/ca.pem" http://127.0.0.1/
}

@test "agentload counts every request, new connection each, 0 errors" {
	local before
	before=$(served)
	run -0 --separate-stderr "$AL" "${TLS[@]}" -n 25 -c 3 "$URL"
	assert_json_line
	[ "$(jqo .requests)" = 25 ]
	[ "$(jqo .errors)" = 0 ]
	[ "$(jqo .connections)" = 25 ]
	jqo '.rps > 0 and .seconds > 0 and .p50_ms > 0 and
	    .p99_ms >= .p50_ms' | grep -qx true
	[ $(($(served) - before)) -eq 25 ]
}

@test "agentload -k reconnects when the peer closes (HTTP/1.0 peer)" {
	run -0 --separate-stderr "$AL" -k -2 "${TLS[@]}" -n 5 "$URL"
	assert_json_line
	[ "$(jqo .requests)" = 5 ]
	[ "$(jqo .errors)" = 0 ]
	[ "$(jqo .connections)" = 5 ]
}

@test "agentload verifies the server name it is given" {
	run -0 --separate-stderr "$AL" "${TLS[@]}" \
	    -S "$(cat "$C/amp-id.txt")" -n 2 "$URL"
	[ "$(jqo .errors)" = 0 ]
	run -75 --separate-stderr "$AL" "${TLS[@]}" -S wrong.example -n 2 \
	    "$URL"
	[ "$(jqo .errors)" = 2 ]
	[[ $stderr == *"hostname mismatch"* ]]
}

@test "agentload counts refusals by the peer as errors (75)" {
	# no client certificate, then one from another CA
	run -75 --separate-stderr "$AL" -A "$C/ca.pem" -n 3 "$URL"
	[ "$(jqo .errors)" = 3 ]
	run -75 --separate-stderr "$AL" -A "$C/ca.pem" \
	    -E "$C/rogue-client.pem" -K "$C/rogue-client.key" -n 3 "$URL"
	[ "$(jqo .errors)" = 3 ]
}

@test "agentload refuses a target outside 127/8 and 198.18/15 (64)" {
	local t
	for t in 192.0.2.1 10.0.0.1 '[2001:db8::1]' '[::1]' 8.8.8.8; do
		run -64 --separate-stderr "$AL" "${TLS[@]}" -n 1 \
		    "https://$t:9443/1.0/info"
		assert_output ""
		[[ $stderr == *"refused"* ]] || fail "$t: $stderr"
	done
}

@test "agentload against a closed port fails cleanly with 75" {
	local port
	# a port nothing listens on
	port=$(free_port)
	run -75 --separate-stderr "$AL" "${TLS[@]}" -n 4 -c 2 \
	    "https://127.0.0.1:$port/"
	assert_json_line
	[ "$(jqo .requests)" = 4 ]
	[ "$(jqo .errors)" = 4 ]
	[ "$(jqo .connections)" = 0 ]
	[ "$(jqo .p50_ms)" = null ]
	[[ $stderr == *"Connection refused"* ]]
}

@test "agentload stops at the -t time limit" {
	SECONDS=0
	run -0 --separate-stderr "$AL" "${TLS[@]}" -n 10000000 -t 1 "$URL"
	[ "$SECONDS" -le 3 ]
	jqo '.requests > 0 and .requests < 10000000 and .errors == 0' |
	    grep -qx true
}

@test "agentload stops at SIGINT and reports what it did" {
	"$AL" "${TLS[@]}" -n 10000000 -t 60 "$URL" \
	    >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$!
	sleep 1
	SECONDS=0
	kill -INT "$pid"
	wait "$pid"
	[ "$SECONDS" -le 3 ]
	run jq -e '.requests > 0 and .errors == 0' "$BATS_TEST_TMPDIR/out"
}

@test "agentload -b with a missing body file is 66, before any traffic" {
	local before
	before=$(served)
	run -66 --separate-stderr "$AL" "${TLS[@]}" \
	    -X PUT -b "$BATS_TEST_TMPDIR/missing" -n 1 "$URL"
	assert_output ""
	[ "$(served)" -eq "$before" ]
}

@test "hafloor times haproxy -c plus a master-worker reload of a real haproxy" {
	local hf=${AL%/*}/hafloor d=$BATS_TEST_TMPDIR port v
	port=$(free_port)
	for v in 0 1; do
		printf '%s\n' global "    stats socket $d/s.sock" defaults \
		    "    mode http" "    timeout client 5s" \
		    "    timeout server 5s" "    timeout connect 5s" \
		    "frontend f" "    bind 127.0.0.1:$port" \
		    "    http-request return status 200 content-type text/plain string v$v" \
		    >"$d/v$v.cfg"
	done
	run -0 --separate-stderr "$hf" -a -n 3 -u "$port" -w 20 \
	    /usr/sbin/haproxy "$d" "$d/v0.cfg" "$d/v1.cfg"
	assert_json_line
	jqo '.rounds == 3 and (.all | length) == 3 and .p50_ms > 0 and
	    .check_p50_ms > 0 and .reload_p50_ms > 0 and
	    .serving_p50_ms >= .p50_ms' | grep -qx true
	# it stopped its haproxy
	[ -z "$(ss -Hltn "sport = :$port")" ]
	run -64 --separate-stderr "$hf" /usr/sbin/haproxy "$d"
	assert_output ""
	# a config haproxy refuses: 75 at once, not after the -w timeout
	echo "frontend" >"$d/bad.cfg"
	SECONDS=0
	run -75 --separate-stderr "$hf" -n 1 -w 30 /usr/sbin/haproxy "$d" \
	    "$d/bad.cfg" "$d/v1.cfg"
	assert_output ""
	[ "$SECONDS" -le 5 ]
}

@test "agentload -H: misuse is 64 before any traffic" {
	local before
	before=$(served)
	run -64 --separate-stderr "$AL" "${TLS[@]}" -H busy "$URL"
	assert_output ""
	[[ $stderr == *"-H busy: idle or slow"* ]]
	run -64 --separate-stderr "$AL" "${TLS[@]}" -H idle -k "$URL"
	[[ $stderr == *"-k and -b do not apply"* ]]
	run -64 --separate-stderr "$AL" "${TLS[@]}" -c 2000 "$URL"
	[[ $stderr == *"more than 1024 threads"* ]]
	run -64 --separate-stderr "$AL" "${TLS[@]}" -H slow -i 0 "$URL"
	[ "$(served)" -eq "$before" ]
}

@test "agentload -H idle holds a connection until -t; slow drips its head" {
	local before port
	before=$(served)
	# s_server serves one connection at a time: hold one.
	SECONDS=0
	run -0 --separate-stderr "$AL" "${TLS[@]}" -H idle -c 1 -t 1 "$URL"
	[ "$SECONDS" -le 4 ]
	[ "$(printf '%s\n' "$output" | wc -l)" = 2 ]
	head -n 1 <<<"$output" | jq -e '.mode == "idle" and .held == 1 and
	    .errors == 0 and .open_s >= 0'
	tail -n 1 <<<"$output" | jq -e '.mode == "idle" and .held == 1 and
	    .closed_by_peer == 0 and .open == 1 and .held_max_s == null and
	    .seconds >= 1'
	[ "$(served)" -eq "$before" ]
	# s_server -WWW answers once the request line is whole (25 bytes,
	# one every 50 ms here) and closes: the peer's close is counted.
	run -0 --separate-stderr "$AL" "${TLS[@]}" -H slow -i 50 -c 1 -t 10 \
	    "$URL"
	tail -n 1 <<<"$output" | jq -e '.mode == "slow" and .held == 1 and
	    .closed_by_peer == 1 and .open == 0 and .held_min_s >= 1 and
	    .held_max_s < 5'
	[ "$(served)" -eq $((before + 1)) ]
	# Against a closed port, each connection fails: 75.
	port=$(free_port)
	run -75 --separate-stderr "$AL" "${TLS[@]}" -H idle -c 3 -t 1 \
	    "https://127.0.0.1:$port/"
	head -n 1 <<<"$output" | jq -e '.held == 0 and .errors == 3'
}
