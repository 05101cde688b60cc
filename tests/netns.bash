# SPDX-License-Identifier: Apache-2.0
# Helpers of the netns driver suites (oct-boot, oct-destroy, plug,
# failover, workflows): each suite (or test) gets its own bridge
# octtbr<N>, subnet 198.19.<N>.0/24 and name prefix octt<N>, set by
# netns_setup N, so suites running at the same time never touch each
# other's appliances or the demo's.  Everything is removed in
# netns_teardown.  Taken: 51 oct-boot, 52 oct-destroy, 53 plug, 61-68
# workflows, 71-72 cidrs, 81-88 failover (routed VIPs in
# 198.19.<N+100>.0/24); 89 and
# 90 tests/bench.

# netns_setup N: root or skip; a CA in the test's state directory; the
# agent to use in $AGENT (the real one when built, else a stand-in).  N
# has two digits: no prefix octt<N> begins another's, which the clean-ups
# below would take for theirs.
netns_setup() {
	[ "$(id -u)" = 0 ] || skip "the netns driver needs root"
	case $1 in
	[1-9][0-9]) ;;
	*) fail "netns_setup $1: N is 10..99" ;;
	esac
	NN=$1
	BR=octtbr$NN
	PFX=octt$NN
	NET=198.19.$NN
	export OCT_NETNS_BRIDGE=$BR OCT_NETNS_PREFIX=$PFX \
	    OCT_NETNS_SUBNET=$NET.1/24
	oct-cert ca >/dev/null
	if real_agent; then
		AGENT=$OCT_TOP/bin/oct-agent
	else
		AGENT=$BATS_TEST_TMPDIR/fakeagent
		# A stand-in until oct-agent lands: listens where the real one
		# would, reading the config where the real one would.
		cat >"$AGENT" <<'EOS'
#!/bin/sh
conf=$2
addr=$(sed -n 's/^bind_host *= *//p' "$conf")
port=$(sed -n 's/^bind_port *= *//p' "$conf")
echo "stand-in agent on $addr:$port"
exec socat TCP-LISTEN:"$port",bind="$addr",reuseaddr,fork SYSTEM:true
EOS
		chmod +x "$AGENT"
	fi
	export OCT_AGENT=$AGENT
}

# real_agent: true when bin/oct-agent is built and answers --version.
real_agent() {
	[ -x "$OCT_TOP/bin/oct-agent" ] &&
	    "$OCT_TOP/bin/oct-agent" --version >/dev/null 2>&1
}

# netns_teardown: remove whatever the test left, even after a failure.
netns_teardown() {
	[ -n "${PFX:-}" ] || return 0
	local ns l
	for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX-"); do
		# shellcheck disable=SC2046 # one pid per word
		kill -9 $(ip netns pids "$ns") 2>/dev/null || true
		ip netns del "$ns" || true
	done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 |
	    grep "^$PFX"); do
		ip link del "$l" 2>/dev/null || true
	done
	ip link del "$BR" 2>/dev/null || true
}

# netns_client NAME ADDR [ADDR6]: a client namespace NAME on the bridge,
# its eth0 at ADDR/24 (and ADDR6/64, no duplicate address detection).
netns_client() {
	ip netns add "$1"
	ip link add "${1}h" type veth peer name eth0 netns "$1"
	ip link set "${1}h" master "$BR" up
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$2/24" dev eth0
	if [ $# -gt 2 ]; then
		ip -n "$1" -6 addr add "$3/64" dev eth0 nodad
	fi
	ip -n "$1" link set eth0 up
}

# issue ID...: one server-certified record per ID on stdout.
issue() {
	local id
	for id in "$@"; do
		printf '{"id":"%s"}\n' "$id"
	done | oct-cert issue --role server
}

# leftovers: what of ours exists now (namespaces, links, addresses, routes,
# live processes, files), one per line.
leftovers() {
	ip netns list | grep "^$PFX-" || true
	ip -o link show | awk -F': ' '{print $2}' | grep "^$PFX\|^$BR" || true
	ip -o addr show | grep -F " $NET." || true
	ip -4 route show | grep -F "$NET." || true
	ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' |
	    grep -F -e "$BATS_TEST_TMPDIR" -e "bind=$NET." | grep -v grep ||
	    true
	find "$OCT_STATE_DIR/netns" -mindepth 1 ! -name .lock \
	    ! -name .leases ! -name .bridges 2>/dev/null || true
}

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
}
