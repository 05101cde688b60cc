#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# oct-health-sweep --failover and oct-lb-failover on the netns driver with
# the real agent and haproxy: a load balancer whose appliance dies is
# replaced and serves again at its VIP.  Each test has its own bridge,
# prefix and subnet (octtbr8<n>, octt8<n>, 198.19.8<n>.0/24); the member is
# a haproxy on the bridge's own address.

bats_require_minimum_version 1.5.0
load helpers
load netns

setup() {
	netns_setup $((80 + BATS_TEST_NUMBER))
	real_agent || skip "bin/oct-agent not built yet"
	# The bridge is ours, so that the member can listen on its address.
	ip link add "$BR" type bridge
	ip addr add "$NET.1/24" dev "$BR"
	ip link set "$BR" up
}

teardown() {
	local f
	for f in "$OCT_STATE_DIR"/amphorae/*.json; do
		[ -f "$f" ] && oct-destroy <"$f" >/dev/null 2>&1
	done
	member_stop
	netns_teardown
}

# member: a web server on the bridge's address, port 8080, answering "ok".
member() {
	cat >"$BATS_TEST_TMPDIR/member.cfg" <<CFG
global
	pidfile $BATS_TEST_TMPDIR/member.pid
defaults
	mode http
	timeout client 5s
	timeout server 5s
	timeout connect 2s
frontend web
	bind $NET.1:8080
	http-request return status 200 content-type text/plain string "ok\n"
CFG
	haproxy -D -f "$BATS_TEST_TMPDIR/member.cfg"
}

member_stop() {
	[ -f "$BATS_TEST_TMPDIR/member.pid" ] || return 0
	kill "$(cat "$BATS_TEST_TMPDIR/member.pid")" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/member.pid"
}

# lb ID VIP [OPTION...]: create a load balancer ID at VIP with the member
# behind it, with oct-lb-create's OPTIONs.
lb() {
	jq -n --arg id "$1" --arg vip "$2" --arg m "$NET.1" '
	{loadbalancer: {id: $id, vip_address: $vip,
	  listeners: [{id: "\($id)-http", protocol: "HTTP", protocol_port: 80,
	    connection_limit: 1000,
	    default_pool: {id: "\($id)-pool", protocol: "HTTP",
	      lb_algorithm: "ROUND_ROBIN",
	      healthmonitor: {type: "HTTP", delay: 1, timeout: 1,
	        max_retries: 1, max_retries_down: 1, url_path: "/"},
	      members: [{id: "\($id)-m1", address: $m,
	        protocol_port: 8080}]}}]}}' >"$BATS_TEST_TMPDIR/$1.json"
	oct-lb-create "${@:3}" "$BATS_TEST_TMPDIR/$1.json" >/dev/null
}

# serves VIP: true once http://VIP/ answers "ok", within 10 s.
serves() {
	local _
	for _ in $(seq 50); do
		[ "$(curl -s --max-time 1 "http://$1/")" = ok ] && return 0
		sleep 0.2
	done
	return 1
}

# kill_ns ID: kill every process of appliance ID's namespace and delete it.
kill_ns() {
	local ns
	ns=$(jq -r .compute.netns "$OCT_STATE_DIR/amphorae/$1.json")
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(ip netns pids "$ns") 2>/dev/null || true
	ip netns del "$ns"
}

# route_of ADDRESS: the host's routes to ADDRESS, trailing blanks cut.
route_of() {
	ip -4 route show "$1" | sed 's/ *$//'
}

# rec ID FILTER: FILTER applied to appliance ID's stored record.
rec() {
	jq -r "$2" "$OCT_STATE_DIR/amphorae/$1.json"
}

@test "failover: a dead appliance is replaced after 2 sweeps, serves at its VIP, leaves nothing" {
	member
	lb web "$NET.100"
	serves "$NET.100"
	cp "$OCT_STATE_DIR/amphorae/amp-web.json" "$BATS_TEST_TMPDIR/old.json"
	old_ns=$(jq -r .compute.netns "$BATS_TEST_TMPDIR/old.json")
	old_veth=$(jq -r .compute.veth "$BATS_TEST_TMPDIR/old.json")
	old_addr=$(jq -r .address "$BATS_TEST_TMPDIR/old.json")
	old_dir=$(jq -r .compute.dir "$BATS_TEST_TMPDIR/old.json")
	run -0 --separate-stderr oct-health-sweep --failover
	[ "$(rec amp-web .health.down_sweeps)" = 0 ]

	kill_ns amp-web
	run curl -s --max-time 1 "http://$NET.100/"
	[ "$status" -ne 0 ]
	run -69 --separate-stderr oct-health-sweep --failover
	[ "$(rec amp-web .status)" = UNREACHABLE ]
	[ "$(rec amp-web .health.down_sweeps)" = 1 ]
	[ ! -e "$OCT_STATE_DIR/amphorae/amp-web-f1.json" ]

	run -0 --separate-stderr oct-health-sweep --failover
	[ "$(jq -r .id <<<"$output")" = amp-web-f1 ]
	[ "$(jq -r .status <<<"$output")" = READY ]
	[[ $stderr == *"amp-web: replaced by amp-web-f1"* ]]
	serves "$NET.100"
	[ ! -e "$OCT_STATE_DIR/amphorae/amp-web.json" ]
	[ "$(rec amp-web-f1 '.history | length')" = 1 ]
	[ "$(rec amp-web-f1 '.history[0].amphora_id')" = amp-web ]
	[[ $(rec amp-web-f1 '.history[0].reason') == "UNREACHABLE for 2 sweeps"* ]]
	[[ $(rec amp-web-f1 '.history[0].replaced_at') == 20*Z ]]
	[ "$(rec amp-web-f1 .lb_file)" = "$OCT_STATE_DIR/lbs/web.json" ]
	[ "$(rec amp-web-f1 .vip.address)" = "$NET.100" ]

	# Nothing of the old appliance is left.
	[ -z "$(ip netns list | awk '{print $1}' | grep -x "$old_ns")" ]
	run ! ip link show "$old_veth"
	[ ! -e "$OCT_STATE_DIR/netns/.leases/$old_addr" ]
	[ ! -e "$old_dir" ]
	[ ! -e "$OCT_STATE_DIR/certs/amp-web.pem" ]
	[ ! -e "$OCT_STATE_DIR/certs/amp-web.key" ]
	[ -z "$(ps -eo args= | grep -F "$old_dir" | grep -v grep)" ]

	# The next sweep finds it READY; a second failover counts on.
	run -0 --separate-stderr oct-health-sweep --failover
	[ "$(rec amp-web-f1 .health.down_sweeps)" = 0 ]
	kill_ns amp-web-f1
	run -69 --separate-stderr oct-health-sweep --failover
	run -0 --separate-stderr oct-health-sweep --failover
	[ "$(jq -r .id <<<"$output")" = amp-web-f2 ]
	[ "$(rec amp-web-f2 '[.history[].amphora_id] | join(" ")')" = \
	    "amp-web amp-web-f1" ]
	serves "$NET.100"
}

@test "failover: routed mode: the controller's route follows the new appliance" {
	member
	vip=198.19.$((100 + NN)).1
	lb web "$vip" --routed
	serves "$vip"
	old_addr=$(rec amp-web .address)
	[ "$(route_of "$vip")" = "$vip via $old_addr dev $BR" ]
	kill_ns amp-web
	run -69 --separate-stderr oct-health-sweep --failover
	run -0 --separate-stderr oct-health-sweep --failover
	[ "$(jq -r .id <<<"$output")" = amp-web-f1 ]
	new_addr=$(rec amp-web-f1 .address)
	[ "$new_addr" != "$old_addr" ]
	# one route, through the new appliance: none left to the old address
	[ "$(route_of "$vip")" = "$vip via $new_addr dev $BR" ]
	[ "$(rec amp-web-f1 .vip.routed)" = true ]
	[ "$(rec amp-web-f1 .vip_routed)" = true ]
	serves "$vip"
}

@test "failover: an appliance whose agent and haproxy died (namespace left) is replaced" {
	member
	lb web "$NET.100"
	serves "$NET.100"
	ns=$(rec amp-web .compute.netns)
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(ip netns pids "$ns")
	# Ping answers, the agent does not: AGENT_DOWN; the old VIP still
	# answers ARP until the failover takes the old link down.
	run -69 --separate-stderr oct-health-sweep --failover
	[ "$(jq -r .status <<<"$output")" = AGENT_DOWN ]
	[ "$(rec amp-web .health.down_sweeps)" = 1 ]
	run -0 --separate-stderr oct-health-sweep --failover
	[ "$(jq -r .id <<<"$output")" = amp-web-f1 ]
	serves "$NET.100"
	[ -z "$(ip netns list | awk '{print $1}' | grep -x "$ns")" ]
}

@test "failover: DEGRADED (a member down) never triggers a failover" {
	lb web "$NET.100"
	local i
	for i in $(seq 20); do
		run --separate-stderr oct-health-sweep --failover --failover-after 1
		[ "$(rec amp-web .status)" = DEGRADED ] && break
		sleep 0.5
	done
	[ "$(rec amp-web .status)" = DEGRADED ]
	for i in 1 2 3; do
		run -69 --separate-stderr oct-health-sweep --failover --failover-after 1
		[ "$(jq -r .status <<<"$output")" = DEGRADED ]
		[ "$(rec amp-web .health.down_sweeps)" = 0 ]
	done
	[ "$(ls "$OCT_STATE_DIR/amphorae")" = amp-web.json ]
	run -0 rec amp-web '.history // "none"'
	[ "$output" = none ]
}

@test "failover: the circuit breaker refuses when more than the share is down" {
	member
	lb web1 "$NET.100"
	lb web2 "$NET.101"
	serves "$NET.100"
	serves "$NET.101"
	kill_ns amp-web1
	kill_ns amp-web2
	run -75 --separate-stderr oct-health-sweep --failover --failover-after 1
	[[ $stderr == *"circuit breaker: 2 of 2 appliances down for 1 sweeps, more than 50% (1): no failover"* ]]
	[ "$(ls "$OCT_STATE_DIR/amphorae")" = "amp-web1.json
amp-web2.json" ]
	[ "$(rec amp-web1 .health.down_sweeps)" = 1 ]
	run -75 --separate-stderr oct-health-sweep --failover --failover-after 1 \
	    --max-failover-share 99
	[ "$(rec amp-web2 .health.down_sweeps)" = 2 ]
	# The operator lifts the breaker: both are replaced.
	run -0 --separate-stderr oct-health-sweep --failover --failover-after 1 \
	    --max-failover-share 100
	[ "$(ls "$OCT_STATE_DIR/amphorae")" = "amp-web1-f1.json
amp-web2-f1.json" ]
	serves "$NET.100"
	serves "$NET.101"
}

@test "failover: one of three down is within 50% and replaced" {
	member
	lb web1 "$NET.100"
	lb web2 "$NET.101"
	lb web3 "$NET.102"
	kill_ns amp-web2
	run -0 --separate-stderr oct-health-sweep --failover --failover-after 1
	[ "$(ls "$OCT_STATE_DIR/amphorae")" = "amp-web1.json
amp-web2-f1.json
amp-web3.json" ]
	serves "$NET.101"
}

@test "failover: a failover that fails keeps the old record and leaves no new appliance" {
	member
	lb web "$NET.100"
	kill_ns amp-web
	cat >"$BATS_TEST_TMPDIR/broken-agent" <<'EOS'
#!/bin/sh
echo "broken agent" >&2
exit 1
EOS
	chmod +x "$BATS_TEST_TMPDIR/broken-agent"
	OCT_AGENT=$BATS_TEST_TMPDIR/broken-agent run --separate-stderr \
	    oct-health-sweep --failover --failover-after 1
	[ "$status" -ne 0 ]
	[ "$(jq -r .id <<<"$output")" = amp-web ]
	[ "$(jq -r .error.tool <<<"$output")" = oct-boot ] ||
	    [ "$(jq -r .error.tool <<<"$output")" = oct-lb-failover ]
	[[ $stderr == *"failover of amp-web failed: its record stays"* ]]
	[ "$(ls "$OCT_STATE_DIR/amphorae")" = amp-web.json ]
	[ "$(rec amp-web .error.code)" != null ]
	[ ! -e "$OCT_STATE_DIR/certs/amp-web-f1.pem" ]
	[ ! -e "$OCT_STATE_DIR/netns/amp-web-f1" ]
	[ -z "$(ip netns list | grep amp-web-f1)" ]
	# With a working agent, the next sweep heals it.
	run -0 --separate-stderr oct-health-sweep --failover --failover-after 1
	[ "$(jq -r .id <<<"$output")" = amp-web-f1 ]
	serves "$NET.100"
}

@test "failover: oct-lb-failover rejects bad use" {
	run -64 oct-lb-failover
	run -64 oct-lb-failover ../x
	run -66 oct-lb-failover nosuch
	run -0 oct-lb-failover -h
	[[ $output == "usage: oct-lb-failover "* ]]
	run -64 --separate-stderr oct-health-sweep --failover-after 0
	run -64 --separate-stderr oct-health-sweep --max-failover-share 101
	run -0 --separate-stderr oct-health-sweep -h
	[[ $output == *"[--failover] [--failover-after N]"* ]]
}
