#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# oct-destroy on the netns driver: real namespaces on a bridge of its own
# (octtbr52, 198.19.52.0/24); everything made is listed before and after.

load helpers
load netns

setup() {
	netns_setup 52
}

teardown() {
	netns_teardown
}

@test "oct-destroy: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr oct-destroy -h
	assert_output --partial "usage: oct-destroy"
}

@test "oct-destroy: misuse exits 64 with nothing on stdout" {
	local bad
	for bad in "--nope" "operand" "--driver nope" "--timeout 0"; do
		# shellcheck disable=SC2086 # words on purpose
		run -64 --separate-stderr oct-destroy $bad </dev/null
		assert_output ""
	done
}

@test "oct-destroy: a line that is not JSON is 65, error records pass through" {
	run -65 --separate-stderr oct-destroy <<<'[1]'
	assert_output ""
	local rec='{"id":"x","error":{"tool":"t","code":"EX_TEMPFAIL","message":"m"}}'
	run -75 --separate-stderr oct-destroy <<<"$rec"
	assert_output "$rec"
	run -65 --separate-stderr oct-destroy <<<'{"compute":{"driver":"netns"}}'
	[ "$(jqo .error.code)" = EX_DATAERR ]
	run -65 --separate-stderr oct-destroy <<<'{"id":"a1","compute":{"driver":"nope"}}'
	[ "$(jqo .error.code)" = EX_DATAERR ]
}

@test "oct-destroy: leaves nothing behind" {
	local before after pids p ns
	before=$(leftovers)
	oct-boot < <(issue a1 a2) >"$BATS_TEST_TMPDIR/booted.json"
	oct-boot --route 198.19.52.201 < <(head -n 1 "$BATS_TEST_TMPDIR/booted.json") >/dev/null
	pids=$(jq -r .compute.agent_pid "$BATS_TEST_TMPDIR/booted.json")
	# Something else running in an appliance, as haproxy would.
	ns=$(jq -r 'select(.id == "a2") | .compute.netns' "$BATS_TEST_TMPDIR/booted.json")
	ip netns exec "$ns" setsid sleep 600 </dev/null >/dev/null 2>&1 &
	# shellcheck disable=SC2046 # one pid per word
	until ps -o comm= -p $(ip netns pids "$ns") | grep -qx sleep; do
		sleep 0.05
	done
	pids="$pids $(ip netns pids "$ns")"
	[ "$(leftovers)" != "$before" ]

	run -0 --separate-stderr oct-destroy <"$BATS_TEST_TMPDIR/booted.json"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ "$(jq -r .compute.status <<<"$output" | sort -u)" = DELETED ]
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "a1 a2 " ]
	after=$(leftovers)
	[ "$after" = "$before" ] || fail "left behind: $after"
	for p in $pids; do
		! alive "$p" || fail "process $p still runs"
	done
	[ -z "$(ls "$OCT_STATE_DIR/netns/.leases")" ]
	[ -z "$(ls "$OCT_STATE_DIR/netns/.bridges")" ]
	run ip link show "$BR"
	assert_failure
}

@test "oct-destroy: twice succeeds" {
	oct-boot < <(issue a1) >"$BATS_TEST_TMPDIR/a1.json"
	run -0 --separate-stderr oct-destroy <"$BATS_TEST_TMPDIR/a1.json"
	run -0 --separate-stderr oct-destroy <"$BATS_TEST_TMPDIR/a1.json"
	[ "$(jqo .compute.status)" = DELETED ]
	run -0 --separate-stderr oct-destroy < <(printf '%s\n' "$output")
}

@test "oct-destroy: a never-booted record succeeds" {
	local before
	before=$(leftovers)
	run -0 --separate-stderr oct-destroy <<<'{"id":"never"}'
	assert_json_line
	[ "$(jqo .compute.status)" = DELETED ]
	[ "$(jqo .compute.server_id)" = "$PFX-never" ]
	[ "$(leftovers)" = "$before" ]
}

@test "oct-destroy: a record that lost its compute still destroys its appliance" {
	oct-boot < <(issue a1) >"$BATS_TEST_TMPDIR/a1.json"
	local ns
	ns=$(jq -r .compute.netns "$BATS_TEST_TMPDIR/a1.json")
	ip netns list | grep -q "^$ns"
	run -0 --separate-stderr oct-destroy <<<'{"id":"a1"}'
	[ "$(jqo .compute.status)" = DELETED ]
	if ip netns list | grep -q "^$ns"; then
		fail "$ns left"
	fi
	[ ! -e "$OCT_STATE_DIR/netns/a1" ]
}

@test "oct-destroy: a bridge the driver did not make is left alone" {
	ip link add "$BR" type bridge
	ip addr add 198.19.52.1/24 dev "$BR"
	ip link set "$BR" up
	oct-boot < <(issue a1) >"$BATS_TEST_TMPDIR/a1.json"
	run -0 --separate-stderr oct-destroy <"$BATS_TEST_TMPDIR/a1.json"
	ip -br addr show "$BR" | grep -q 198.19.52.1/24
	# A bridge without the subnet's address is refused.
	ip addr flush dev "$BR"
	run -78 --separate-stderr oct-boot < <(issue a2)
	[ "$(jqo .error.code)" = EX_CONFIG ]
	[ ! -e "$OCT_STATE_DIR/netns/a2" ]
}

@test "oct-destroy: cleans up after a boot killed part way" {
	local before bp
	before=$(leftovers)
	printf '#!/bin/sh\nexec sleep 300\n' >"$BATS_TEST_TMPDIR/slow"
	chmod +x "$BATS_TEST_TMPDIR/slow"
	issue k1 >"$BATS_TEST_TMPDIR/k1.json"
	oct-boot --agent-cmd "$BATS_TEST_TMPDIR/slow" --timeout 30 \
	    <"$BATS_TEST_TMPDIR/k1.json" >/dev/null 2>&1 3>&- &
	bp=$!
	# Killed once its agent runs, before it can save anything.
	until [ -n "$(ip netns pids "$PFX-k1" 2>/dev/null)" ]; do
		sleep 0.05
	done
	kill -9 "$bp"
	wait "$bp" || true
	run -0 --separate-stderr oct-destroy <<<'{"id":"k1"}'
	[ "$(jqo .compute.status)" = DELETED ]
	[ "$(leftovers)" = "$before" ]
	run ip link show "$BR"
	assert_failure
}

@test "oct-destroy: stops the haproxy the real agent runs, after it served" {
	real_agent || skip "bin/oct-agent not built yet"
	local before addr pids p
	before=$(leftovers)
	oct-boot < <(issue a1) >"$BATS_TEST_TMPDIR/a1.json"
	addr=$(jq -r .address "$BATS_TEST_TMPDIR/a1.json")
	printf '{"id":"controller"}\n' | oct-cert issue --role client >/dev/null
	printf 'global\n    maxconn 100\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n    timeout server 5s\nfrontend f\n    bind %s:8080\n    http-request return status 200 content-type text/plain string served\n' \
	    "$addr" >"$BATS_TEST_TMPDIR/haproxy.cfg"
	local c=(curl -sS --max-time 10 --cacert "$OCT_STATE_DIR/ca/ca.pem"
	    --cert "$OCT_STATE_DIR/controller/client.pem"
	    --key "$OCT_STATE_DIR/controller/client.key"
	    --resolve "a1:9443:$addr" -o /dev/null -w '%{http_code}')
	[ "$("${c[@]}" -X PUT --data-binary @"$BATS_TEST_TMPDIR/haproxy.cfg" \
	    https://a1:9443/1.0/loadbalancer/a1/lb1/haproxy)" = 202 ]
	[ "$("${c[@]}" -X PUT https://a1:9443/1.0/loadbalancer/lb1/reload)" = 202 ]
	# haproxy runs in the appliance with Octavia's paths and serves.
	[ "$(curl -sS --max-time 5 "http://$addr:8080/")" = served ]
	[ -f "$OCT_STATE_DIR/netns/a1/var/lib/octavia/lb1/haproxy.cfg" ]
	pids=$(ip netns pids "$(jq -r .compute.netns "$BATS_TEST_TMPDIR/a1.json")")
	# shellcheck disable=SC2086 # one pid per word
	ps -o comm= -p $pids | grep -qx haproxy
	run -0 --separate-stderr oct-destroy <"$BATS_TEST_TMPDIR/a1.json"
	for p in $pids; do
		! alive "$p" || fail "process $p still runs"
	done
	[ "$(leftovers)" = "$before" ]
}
