#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# allowed_cidrs on netns appliances with real traffic, as root (run it
# under flock /tmp/oct-netns.lock): a load balancer made by oct-lb-create
# over a real backend, a client namespace inside a listener's CIDRs
# answered and one outside refused, a listener without allowed_cidrs
# answering both, and a change pushed to the running load balancer taking
# effect; on an IPv4 VIP and on an IPv6 one.  Each test has its bridge
# octtbr<N>, subnet 198.19.<N>.0/24 and prefix octt<N> (tests/netns.bash;
# N = 71, 72); the backend is `oct-demo backend` in octt<N>-be1 at
# 198.19.<N>.201:8080, answering its name; the clients are the namespaces
# octt<N>-in (.250) and octt<N>-out (.251), with 2001:db8:<N>::250 and
# ::251 (/64) for IPv6: documentation addresses that exist only on the
# test's own bridge.

load helpers
load netns

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/lb.rec" ]; then
		oct-lb-delete c >/dev/null 2>&1 || true
	fi
	netns_teardown
}

# cidrs_setup N: the test's network names and the controller's
# certificate.
cidrs_setup() {
	netns_setup "$1"
	real_agent || skip "bin/oct-agent not built"
	NET6=2001:db8:$1:
	oct-cert issue --role client --id controller --renew-before 7 \
	    </dev/null >/dev/null
}

# model VIP CIDRS: the load balancer "c": HTTP listeners on 80, with
# allowed_cidrs CIDRS (a JSON value), and on 81, without, over one pool
# with the backend.
model() {
	jq -n --arg vip "$1" --argjson cidrs "$2" --arg be "$NET.201" '
	{loadbalancer: {id: "c", vip_address: $vip,
	  listeners: [
	    {id: "c-80", protocol: "HTTP", protocol_port: 80,
	     connection_limit: 1000, allowed_cidrs: $cidrs,
	     default_pool_id: "c-p"},
	    {id: "c-81", protocol: "HTTP", protocol_port: 81,
	     connection_limit: 1000, default_pool_id: "c-p"}],
	  pools: [{id: "c-p", protocol: "HTTP", lb_algorithm: "ROUND_ROBIN",
	    members: [{id: "c-m", address: $be, protocol_port: 8080}]}]}}'
}

# get NS HOST PORT: what the load balancer answers client NS on HOST:PORT:
# the backend's name, or "refused" when the connection was closed on it
# (a timeout, curl's 28, is no refusal: it fails the test).
get() {
	local out rc=0 host=$2
	[[ $host != *:* ]] || host="[$host]"
	out=$(ip netns exec "$1" curl -sS --max-time 5 -g \
	    "http://$host:$3/" 2>&1) || rc=$?
	case $rc in
	0) echo "$out" ;;
	7|52|56) echo refused ;;
	*) echo "curl $rc: $out" ;;
	esac
}

# push CIDRS: the model with allowed_cidrs CIDRS pushed to the running
# load balancer, as an update of the listener does; it must change it.
push() {
	model "$VIP" "$1" >"$BATS_TEST_TMPDIR/c2.json"
	run -0 --separate-stderr oct-config --lb "$BATS_TEST_TMPDIR/c2.json" \
	    <"$BATS_TEST_TMPDIR/lb.rec"
	[ "$(jqo .config.changed)" = true ]
}

# refused CIDRS MESSAGE: the model with allowed_cidrs CIDRS is refused (65)
# with MESSAGE on stderr, and nothing changes.
refused() {
	model "$VIP" "$1" >"$BATS_TEST_TMPDIR/c3.json"
	run -65 --separate-stderr oct-config --lb "$BATS_TEST_TMPDIR/c3.json" \
	    <"$BATS_TEST_TMPDIR/lb.rec"
	[[ $stderr == *"$2"* ]] || fail "$stderr"
}

# answers IN OUT: on 80 client in gets IN and out gets OUT (the backend's
# name or refused), three times each; on 81 both get the backend.
answers() {
	local be=$PFX-be1 want got
	for _ in 1 2 3; do
		want="$1 $2 $be $be"
		got="$(get "$PFX-in" "$VIP" 80) $(get "$PFX-out" "$VIP" 80)"
		got="$got $(get "$PFX-in" "$VIP" 81) $(get "$PFX-out" "$VIP" 81)"
		[ "$got" = "$want" ] ||
		    fail "in:80 out:80 in:81 out:81: got \"$got\", want \"$want\""
	done
}

# create VIP CIDRS: oct-lb-create on the model (the record in lb.rec, the
# appliance's namespace in APPNS), then on the bridge it made the backend
# and the clients.
create() {
	VIP=$1
	model "$VIP" "$2" >"$BATS_TEST_TMPDIR/c.json"
	oct-lb-create "$BATS_TEST_TMPDIR/c.json" >"$BATS_TEST_TMPDIR/lb.rec"
	APPNS=$(jq -r .compute.netns "$BATS_TEST_TMPDIR/lb.rec")
	oct-demo backend "$PFX-be1" "$NET.201"
	netns_client "$PFX-in" "$NET.250" "$NET6:250"
	netns_client "$PFX-out" "$NET.251" "$NET6:251"
}

# up: until the load balancer answers client in on 81, 10 s at most.
up() {
	for _ in $(seq 50); do
		[ "$(get "$PFX-in" "$VIP" 81)" != "$PFX-be1" ] || return 0
		sleep 0.2
	done
	fail "no answer on $VIP:81: $(get "$PFX-in" "$VIP" 81)"
}

@test "IPv4 VIP: a client in allowed_cidrs is served, one outside refused, a listener without serves both; changes take effect" {
	cidrs_setup 71
	# The same network twice counts once.
	create "$NET.100" "[\"$NET.250/32\", \"$NET.250\"]"
	up
	answers "$PFX-be1" refused
	# Changed on the running load balancer: now the other client.
	push "[\"$NET.251\"]"
	answers refused "$PFX-be1"
	# A network holding both (host bits cleared: .248/29).
	push "[\"$NET.255/29\"]"
	answers "$PFX-be1" "$PFX-be1"
	# An IPv6 CIDR of no VIP's version: refused, the running config stays.
	refused '["2001:db8::/32"]' "loadbalancer.listeners[0].allowed_cidrs[0]: 2001:db8::/32 is an IPv6 CIDR and no VIP of the load balancer is IPv6 (vip_address $VIP)"
	answers "$PFX-be1" "$PFX-be1"
	# Unset (null): everyone.
	push "[\"$NET.250\"]"
	answers "$PFX-be1" refused
	push null
	answers "$PFX-be1" "$PFX-be1"
}

@test "IPv6 VIP: a client in allowed_cidrs is served, one outside refused, a listener without serves both; changes take effect" {
	cidrs_setup 72
	create "${NET6}:10" "[\"${NET6}:250/128\"]"
	# The netns plug puts an IPv6 VIP on eth0 as a /128 and the bridge's
	# network is IPv4: the appliance has no route back to IPv6 clients.
	# Octavia's plug derives the VIP's on-link prefix from the VIP
	# subnet's subnet_cidr; this is that route, given by hand.
	ip -n "$APPNS" -6 route add "${NET6}:/64" dev eth0
	up
	answers "$PFX-be1" refused
	# The /127 of ::250 and ::251 (host bits of ::251 cleared).
	push "[\"${NET6}:251/127\"]"
	answers "$PFX-be1" "$PFX-be1"
	push "[\"${NET6}:251\", \"${NET6}:251/128\"]"
	answers refused "$PFX-be1"
	# ::/0 is every IPv6 client; 0.0.0.0/0 matches none of an IPv6 VIP.
	push '["::/0"]'
	answers "$PFX-be1" "$PFX-be1"
	refused '["0.0.0.0/0"]' "loadbalancer.listeners[0].allowed_cidrs[0]: 0.0.0.0/0 is an IPv4 CIDR and no VIP of the load balancer is IPv4 (vip_address $VIP)"
	answers "$PFX-be1" "$PFX-be1"
	push null
	answers "$PFX-be1" "$PFX-be1"
}
