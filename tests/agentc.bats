#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# lib/agentc, the controller's client of the agent API, through the
# agentc-get test helper: real mutual TLS to Octavia's own amphora agent
# (Debian python3-octavia) on 127.0.0.1; `openssl s_server -WWW` for an agent
# that comes up late.

load helpers

AMP=3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c0a
PEERS="$BATS_TEST_DIRNAME/peers/octavia-agent"

setup_file() {
	export PKI="$BATS_FILE_TMPDIR/pki"
	"$PEERS/setup.sh" "$PKI" "$AMP" >/dev/null
	octavia_start 0 "$PKI"
}

teardown_file() {
	octavia_stop
}

setup() {
	export OCT_STATE_DIR="$PKI/state"
	G="$OCT_BENCH_DIR/agentc-get"
	[ -x "$G" ] || skip "no $G (make benchtools)"
}

teardown() {
	local pid
	for pid in $(cat "$BATS_TEST_TMPDIR"/*.pid 2>/dev/null); do
		kill "$pid" 2>/dev/null || true
	done
}

@test "GET /1.0/info: 200 JSON from Octavia's agent, name checked" {
	octavia_port p 0
	run -0 "$G" GET 127.0.0.1 "$p" "$AMP" /1.0/info
	[ "$(jqo .status)" = 200 ]
	[ "$(jqo .content_type)" = application/json ]
	[ "$(jqo '.body | fromjson | .api_version')" = 1.0 ]
	run -76 "$G" GET 127.0.0.1 "$p" other-id /1.0/info
	[ "$(jqo .status)" = 0 ]
	[[ $(jqo .message) == *"agent certificate not accepted"* ]]
}

@test "PUT a haproxy config: 202 and the ETag is the body's md5" {
	octavia_port p 0
	printf 'global\n  maxconn 10\ndefaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\nfrontend f\n  bind 127.0.0.1:28080\n' \
	    >"$BATS_TEST_TMPDIR/ok.cfg"
	run -0 "$G" -b "$BATS_TEST_TMPDIR/ok.cfg" PUT 127.0.0.1 "$p" "$AMP" \
	    "/1.0/loadbalancer/$AMP/lb-1/haproxy"
	[ "$(jqo .status)" = 202 ]
	[ "$(jqo .etag)" = "$(md5sum <"$BATS_TEST_TMPDIR/ok.cfg" | cut -d' ' -f1)" ]
	[ "$(jqo .message)" = OK ]
}

@test "a config haproxy refuses: 400 is 69, the message is haproxy's ALERT" {
	octavia_port p 0
	printf 'global\n  maxconn 10\nfrontend f\n  bind bad-address:80\n' \
	    >"$BATS_TEST_TMPDIR/bad.cfg"
	run -69 "$G" -b "$BATS_TEST_TMPDIR/bad.cfg" PUT 127.0.0.1 "$p" "$AMP" \
	    "/1.0/loadbalancer/$AMP/lb-2/haproxy"
	[ "$(jqo .status)" = 400 ]
	[[ $(jqo .message) == "Invalid request: [ALERT]"*"bad-address"* ]]
}

@test "an unknown path: Octavia's generic JSON 404 is 69 with its text" {
	octavia_port p 0
	run -69 "$G" GET 127.0.0.1 "$p" "$AMP" /1.0/nope
	[ "$(jqo .status)" = 404 ]
	[[ $(jqo .message) == "404 Not Found"* ]]
}

@test "DELETE of an unknown listener is 200 (Octavia's idempotent delete)" {
	octavia_port p 0
	run -0 "$G" DELETE 127.0.0.1 "$p" "$AMP" /1.0/listeners/nope
	[ "$(jqo .status)" = 200 ]
}

@test "agentc_call retries until an agent that starts late answers" {
	p=$(free_port)
	mkdir -p "$BATS_TEST_TMPDIR/www/1.0"
	echo '{"api_version":"1.0"}' >"$BATS_TEST_TMPDIR/www/1.0/info"
	(
		sleep 1.5
		cd "$BATS_TEST_TMPDIR/www" &&
		    exec openssl s_server -quiet -WWW -accept "127.0.0.1:$p" \
		    -cert "$PKI/server-$AMP.pem" -CAfile "$PKI/ca.pem" \
		    -Verify 1 -verify_return_error
	) >/dev/null 2>&1 &
	echo $! >"$BATS_TEST_TMPDIR/www.pid"
	run -75 "$G" GET 127.0.0.1 "$p" "$AMP" /1.0/info
	SECONDS=0
	run -0 --separate-stderr "$G" -v -c 15 GET 127.0.0.1 "$p" "$AMP" /1.0/info
	[ "$(jqo .status)" = 200 ]
	[[ $stderr == *"again in 0.1 s"* ]]
	[ "$SECONDS" -le 12 ]
}

@test "agentc_call gives up at the deadline: 75" {
	p=$(free_port)
	SECONDS=0
	run -75 "$G" -c 2 GET 127.0.0.1 "$p" "$AMP" /1.0/info
	[ "$(jqo .status)" = 0 ]
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -le 8 ]
}

@test "the multi interface: 6 requests at once" {
	octavia_port p 0
	run -0 "$G" -m 6 GET 127.0.0.1 "$p" "$AMP" /
	[ "${#lines[@]}" -eq 6 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .status | sort -u)" = 200 ]
}
