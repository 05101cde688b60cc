#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The bin/ workflows end to end on the netns driver, as root, with real
# traffic: oct-lb-create (ARP and routed VIPs), oct-lb-delete (nothing left
# behind), oct-health-sweep after killing an appliance's haproxy, agent or
# namespace, oct-lb-create undoing a failed step, and bin/oct-demo.  Each
# test has a bridge octtbr<N>, subnet 198.19.<N>.0/24 (routed VIPs in
# 198.19.<N+100>.0/24) and prefix octt<N> of its own (tests/netns.bash);
# backends are `oct-demo backend` web servers in namespaces octt<N>-be1..3
# at 198.19.<N>.201..203:8080 answering their own name, the client is the
# namespace octt<N>-cl at 198.19.<N>.250.

load helpers
load netns

teardown() {
	local f
	# The load balancers first, through the workflow, while their
	# appliances may still answer; then whatever is left, by force.
	for f in "$BATS_TEST_TMPDIR"/lbs/*.rec; do
		[ -f "$f" ] || continue
		oct-lb-delete "$(basename "$f" .rec)" >/dev/null 2>&1 || true
	done
	netns_teardown
	demo_teardown
	chattr -i "$OCT_STATE_DIR/amphorae" 2>/dev/null || true
}

# wf_setup N: the test's network (netns_setup N) and the certificates every
# load balancer shares (the CA and the controller's client certificate),
# which oct-lb-create keeps whatever happens.
wf_setup() {
	netns_setup "$1"
	real_agent || skip "bin/oct-agent not built"
	NN=$1
	oct-cert issue --role client --id controller --renew-before 7 \
	    </dev/null >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/lbs"
	: >"$BATS_TEST_TMPDIR/nsinodes"
}

# lbjson ID VIP PORT...: an Octavia v2 body: one HTTP listener per PORT,
# each with its own round-robin pool over the three backends and an HTTP
# health monitor (so READY means every member is up).  connection_limit
# keeps haproxy's fd needs within this sandbox's hard limit (20000).
lbjson() {
	local id=$1 vip=$2
	shift 2
	jq -n --arg id "$id" --arg vip "$vip" --arg net "$NET" \
	    --arg ports "$*" '
	{loadbalancer: {id: $id, vip_address: $vip,
	  listeners: [$ports | split(" ")[] | tonumber | {
	    id: "\($id)-l\(.)", protocol: "HTTP", protocol_port: .,
	    connection_limit: 1000,
	    default_pool: {id: "\($id)-p\(.)", protocol: "HTTP",
	      lb_algorithm: "ROUND_ROBIN",
	      healthmonitor: {type: "HTTP", delay: 1, timeout: 1,
	        max_retries: 1, max_retries_down: 2, url_path: "/"},
	      members: [range(1; 4) as $i | {id: "\($id)-m\($i)",
	        address: "\($net).20\($i)", protocol_port: 8080}]}}]}}'
}

# lb_create ID [OPTION...] -- VIP PORT...: oct-lb-create on the model,
# the record in lbs/ID.rec, its namespace's inode in nsinodes (for the
# process check of snapshot).
lb_create() {
	local id=$1 opts=() ns
	shift
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	lbjson "$id" "$@" >"$BATS_TEST_TMPDIR/$id.json"
	oct-lb-create "${opts[@]}" "$BATS_TEST_TMPDIR/$id.json" \
	    >"$BATS_TEST_TMPDIR/lbs/$id.rec"
	ns=$(jq -r .compute.netns "$BATS_TEST_TMPDIR/lbs/$id.rec")
	stat -L -c 'net:[%i]' "/run/netns/$ns" >>"$BATS_TEST_TMPDIR/nsinodes"
}

# rec ID FILTER: jq FILTER on load balancer ID's record.
rec() {
	jq -r "$2" "$BATS_TEST_TMPDIR/lbs/$1.rec"
}

backends_up() {
	local i
	for i in 1 2 3; do
		oct-demo backend "$PFX-be$i" "$NET.20$i"
	done
}

backends_down() {
	local i
	for i in 1 2 3; do
		oct-demo backend-stop "$PFX-be$i"
	done
}

# client_up: the client namespace on the bridge.
client_up() {
	netns_client "$PFX-cl" "$NET.250"
}

client_down() {
	ip netns del "$PFX-cl"
}

# ready: oct-health-sweep until every appliance is READY (members up
# included), twice, 3 s apart, at most 30 s.  The backends start after the
# appliance, so their first health checks may fail; haproxy reports such a
# member UP until it has failed max_retries_down (2) checks a second apart,
# then DOWN until one passes: a READY within those 2 s says nothing.
ready() {
	local i n=0
	for i in $(seq 120); do
		if oct-health-sweep >/dev/null 2>&1; then
			n=$((n + 1))
			[ "$n" -lt 2 ] || return 0
			sleep 3
		else
			n=0
			sleep 0.25
		fi
	done
	oct-health-sweep >&2 || true
	fail "appliances not READY in 30 s"
}

# spread [NS] VIP PORT: 9 requests (from namespace NS, else the host);
# each backend must answer exactly 3 of them: round robin over three.
spread() {
	local pre=() out
	if [ $# -eq 3 ]; then
		pre=(ip netns exec "$1")
		shift
	fi
	out=$(for _ in $(seq 9); do
		"${pre[@]}" curl -sS --max-time 5 "http://$1:$2/" || echo FAILED
	done | sort | uniq -c | awk '{ print $2 "=" $1 }' | paste -sd' ')
	[ "$out" = "$PFX-be1=3 $PFX-be2=3 $PFX-be3=3" ] ||
	    fail "$1:$2: not round robin over three backends: $out"
}

# snapshot: what of this test exists now, one thing a line: namespaces,
# links, host addresses and routes in its subnets, live processes in the
# appliances' namespaces (by inode: a process outliving `ip netns del`
# still counts) or naming the state directory (zombies excluded: pid 1
# here does not reap), files in the state directory (the flock(2) files
# netns/.lock of the driver and .sweep.lock of oct-health-sweep stay by
# design; empty directories too).
snapshot() {
	ip netns list | awk '{ print "netns " $1 }' | grep " $PFX-" || true
	ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 |
	    grep -x -e "$PFX.*" -e "$BR" | sed 's/^/link /' || true
	ip -o addr show | grep -E " 198\.19\.1?$NN\." |
	    awk '{ print "addr " $2 " " $4 }' || true
	ip -4 route show | grep -E "198\.19\.1?$NN\." | sed 's/^/route /' ||
	    true
	procs "$BATS_TEST_TMPDIR/nsinodes"
	find "$OCT_STATE_DIR" ! -type d ! -path "$OCT_STATE_DIR/netns/.lock" \
	    ! -path "$OCT_STATE_DIR/.sweep.lock" |
	    sort | sed 's/^/file /'
}

# procs INODES: "proc PID ARGS" for each live process (not a zombie) in a
# network namespace whose "net:[inode]" is a line of file INODES or whose
# command line names the state directory.  Few forks: they are slow here.
procs() {
	local inodes p l pids=" " line st
	inodes=$'\n'$(<"$1")$'\n'
	while read -r p l; do
		p=${p#"'/proc/"}
		p=${p%%/*}
		l=${l#"-> '"}
		l=${l%"'"}
		[[ "$l" == net:* && "$inodes" == *$'\n'"$l"$'\n'* ]] &&
		    pids+="$p "
	done < <(stat -c '%N' /proc/[0-9]*/ns/net 2>/dev/null)
	while read -r p; do
		p=${p#/proc/}
		p=${p%%/*}
		[[ "$pids" == *" $p "* ]] || pids+="$p "
	done < <(grep -laF -- "$OCT_STATE_DIR" /proc/[0-9]*/cmdline 2>/dev/null)
	for p in $pids; do
		read -r line 2>/dev/null <"/proc/$p/stat" || continue
		st=${line##*) }
		[ "${st%% *}" != Z ] || continue
		echo "proc $p $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")"
	done | sort -n -k2
}

# same BEFORE AFTER: the two snapshots are the same, else the difference.
same() {
	[ "$1" = "$2" ] ||
	    fail "before/after: $(diff <(echo "$1") <(echo "$2"))"
}

@test "oct-lb-create: two listeners on each of two VIPs, round robin over three backends for a client namespace" {
	wf_setup 61
	lb_create a -- "$NET.100" 80 8081
	lb_create b -- "$NET.101" 80 8081
	[ "$(rec a .status)" = READY ]
	[ "$(rec a .vip.address)" = "$NET.100" ]
	[ "$(rec a .vip.routed)" = false ]
	[ "$(rec a .config.lb_id)" = a ]
	[ "$(rec a .address)" != "$NET.100" ]
	[ "$(rec a .lb_file)" = "$OCT_STATE_DIR/lbs/a.json" ]
	jq -e '.loadbalancer.id == "a"' "$OCT_STATE_DIR/lbs/a.json"
	cmp <(jq -cS . "$BATS_TEST_TMPDIR/lbs/a.rec") \
	    <(jq -cS . "$OCT_STATE_DIR/amphorae/amp-a.json")
	backends_up
	client_up
	ready
	# Two appliances, both READY: the healthy sweep exits 0.
	run -0 --separate-stderr oct-health-sweep
	[ "${#lines[@]}" = 2 ]
	[ "$(jqo .status | sort -u)" = READY ]
	[ "$stderr" = "oct-health-sweep: 2 appliances: 2 READY" ]
	spread "$PFX-cl" "$NET.100" 80
	spread "$PFX-cl" "$NET.100" 8081
	spread "$PFX-cl" "$NET.101" 80
	spread "$PFX-cl" "$NET.101" 8081
	# ARP mode: the client found the VIP on the appliance's MAC.
	ip -n "$PFX-cl" neigh show "$NET.100" |
	    grep -qi "$(rec a .compute.mac_address)"
}

@test "oct-lb-create --routed: the VIP outside the bridge's subnet is reached through the controller's route" {
	wf_setup 62
	local vip=198.19.162.1
	lb_create r --routed -- "$vip" 80 8081
	[ "$(rec r .vip.routed)" = true ]
	local addr
	addr=$(rec r .address)
	ip -4 route show "$vip" | grep -q "via $addr dev $BR"
	backends_up
	client_up
	ready
	# The host reaches it through the route oct-boot --route added.
	spread "$vip" 80
	spread "$vip" 8081
	# A neighbour on the bridge has no such route (no forwarding here):
	# told the VIP is on the link, it gets no ARP answer (the VIP is on an
	# interface that answers none); given the route an upstream router
	# would hold, via the appliance's address, it gets round robin.
	ip -n "$PFX-cl" route add "$vip/32" dev eth0
	run ip netns exec "$PFX-cl" curl -sS --max-time 2 "http://$vip/"
	assert_failure
	ip -n "$PFX-cl" route replace "$vip/32" via "$addr"
	spread "$PFX-cl" "$vip" 80
	spread "$PFX-cl" "$vip" 8081
	# Deleting it takes the route away with the appliance.
	client_down
	backends_down
	oct-lb-delete r >/dev/null
	rm "$BATS_TEST_TMPDIR/lbs/r.rec"
	[ -z "$(ip -4 route show "$vip")" ]
}

@test "oct-lb-delete: no namespace, link, address, route, process or file is left" {
	wf_setup 63
	local before during after
	before=$(snapshot)
	lb_create d --routed -- 198.19.163.1 80
	lb_create e -- "$NET.100" 80
	backends_up
	client_up
	ready
	spread "$PFX-cl" "$NET.100" 80
	spread 198.19.163.1 80
	client_down
	backends_down
	during=$(snapshot)
	# The listing sees what there is: namespaces, links, addresses,
	# routes, the agents and haproxy, the files.
	local pat
	for pat in "netns $PFX-amp-d" "netns $PFX-amp-e" "link $BR" \
	    "link ${PFX}v" "addr $BR $NET.1/24" "route 198.19.163.1 via" \
	    "/oct-agent --config-file" "haproxy -W -D" \
	    "file $OCT_STATE_DIR/amphorae/amp-d.json" \
	    "file $OCT_STATE_DIR/certs/amp-e.key" \
	    "file $OCT_STATE_DIR/lbs/e.json" "file $OCT_STATE_DIR/netns/"; do
		grep -qF -- "$pat" <<<"$during" ||
		    fail "snapshot misses \"$pat\": $during"
	done
	[ "$(grep -c '^proc .*/oct-agent ' <<<"$during")" = 2 ]
	run -0 oct-lb-delete d
	[ "$(jqo .compute.status)" = DELETED ]
	run -0 oct-lb-delete e
	rm "$BATS_TEST_TMPDIR"/lbs/*.rec
	after=$(snapshot)
	same "$before" "$after"
	# Twice is fine: delete is idempotent.
	run -0 --separate-stderr oct-lb-delete e
	[ "$output" = "" ]
	[ "$stderr" = "oct-lb-delete: no load balancer e: nothing to delete" ]
}

# killed N WHAT STATUS: an appliance READY, WHAT done to it, then one sweep
# says STATUS and exits non-zero (its records in $swept); oct-lb-delete
# still removes it all.
killed() {
	wf_setup "$1"
	local before ns
	before=$(snapshot)
	lb_create k -- "$NET.100" 80
	backends_up
	ready
	run -0 --separate-stderr oct-health-sweep
	[ "$(jqo .status)" = READY ]
	ns=$(rec k .compute.netns)
	case $2 in
	haproxy)
		local p n=0
		for p in $(ip netns pids "$ns"); do
			if [ "$(cat "/proc/$p/comm")" = haproxy ]; then
				kill -9 "$p"
				n=$((n + 1))
			fi
		done
		[ "$n" -ge 1 ]
		;;
	agent)
		kill -9 "$(rec k .compute.agent_pid)"
		;;
	namespace)
		# shellcheck disable=SC2046 # one pid a word
		kill -9 $(ip netns pids "$ns")
		ip netns del "$ns"
		;;
	esac
	run --separate-stderr oct-health-sweep
	[ "$status" -ne 0 ] || fail "sweep exited 0: $output"
	[ "$(jqo .status)" = "$3" ] || fail "status $(jqo .status): $output"
	[ "$stderr" = "oct-health-sweep: 1 appliances: 1 $3" ]
	swept=$output
	# The record keeps what the sweep found.
	[ "$(jq -r .status "$OCT_STATE_DIR/amphorae/amp-k.json")" = "$3" ]
	# haproxy outlives its agent: the data plane still serves.
	[ "$2" != agent ] || spread "$NET.100" 80
	backends_down
	run -0 oct-lb-delete k
	rm "$BATS_TEST_TMPDIR/lbs/k.rec"
	same "$before" "$(snapshot)"
}

@test "oct-health-sweep: an appliance whose haproxy was killed is DEGRADED" {
	killed 64 haproxy DEGRADED
	[ "$(jq -r .health.reason <<<"$swept")" = "listener k-l80 OFFLINE" ]
}

@test "oct-health-sweep: an appliance whose agent was killed is AGENT_DOWN" {
	killed 65 agent AGENT_DOWN
}

@test "oct-health-sweep: an appliance whose namespace was removed is UNREACHABLE" {
	killed 66 namespace UNREACHABLE
}

@test "oct-lb-create: once recorded, a load balancer stays, even if the reader went away" {
	wf_setup 64
	lbjson p "$NET.100" 80 >"$BATS_TEST_TMPDIR/p.json"
	# the reader is gone before the record is printed: cat dies of SIGPIPE
	oct-lb-create "$BATS_TEST_TMPDIR/p.json" 2>"$BATS_TEST_TMPDIR/err" | true
	cp "$OCT_STATE_DIR/amphorae/amp-p.json" "$BATS_TEST_TMPDIR/lbs/p.rec"
	! grep -q undoing "$BATS_TEST_TMPDIR/err" || fail "$(cat "$BATS_TEST_TMPDIR/err")"
	[ -f "$OCT_STATE_DIR/lbs/p.json" ]
	[ -n "$(ip netns pids "$(rec p .compute.netns)")" ]
	# its agent answers (members are DOWN once their checks have failed:
	# no backends run in this test)
	run --separate-stderr oct-wait --once <"$BATS_TEST_TMPDIR/lbs/p.rec"
	[[ $(jqo .status) == @(READY|DEGRADED) ]]
}

@test "workflows: options and ids are checked before anything is made or removed" {
	local st=$OCT_STATE_DIR m=$BATS_TEST_TMPDIR/u.json
	mkdir -p "$st/amphorae" "$st/lbs"
	jq '.loadbalancer.id = "u"' "$OCT_TOP/tests/lb/http.json" >"$m"
	# an id that walks out of lbs/ named a record: refused, record kept
	echo '{"id":"amp-x","lb_id":"x"}' >"$st/amphorae/amp-x.json"
	run -64 --separate-stderr oct-lb-delete ../amphorae/amp-x
	[[ $stderr == *"not a valid id: ../amphorae/amp-x" ]]
	[ -f "$st/amphorae/amp-x.json" ]
	run -64 --separate-stderr oct-lb-delete .hidden
	# bad options fail before a certificate is issued or anything booted
	run -64 --separate-stderr oct-lb-create --timeout 5s "$m"
	[[ $stderr == *"--timeout: not a number: 5s" ]]
	run -64 --separate-stderr oct-lb-create --driver nosuch "$m"
	[[ $stderr == *"--driver: no such driver: nosuch"* ]]
	run -64 --separate-stderr oct-lb-create --routed --driver nova "$m"
	[[ $stderr == *"--routed: "*"netns appliances only" ]]
	[ ! -e "$st/certs" ] && [ ! -e "$st/ca" ]
	# flags go together, as the usage line shows them
	run -0 --separate-stderr oct-lb-create -hr
	[[ $output == "usage: oct-lb-create [-hr] "* ]]
	run -64 --separate-stderr oct-health-sweep --parallel 0
	run -64 --separate-stderr oct-health-sweep --parallel many
	# after a failover only the kept model says the load balancer exists
	cp "$m" "$st/lbs/u.json"
	run -73 --separate-stderr oct-lb-create "$m"
	[[ $stderr == *"load balancer u exists (model "* ]]
	[ ! -e "$st/certs" ]
}

@test "workflows: the fleet lock: a sweep refuses, a delete waits, a failed save is 73" {
	local st=$OCT_STATE_DIR
	mkdir -p "$st/amphorae"
	echo '{"id":"amp-y","loadbalancers":["y","z"]}' >"$st/amphorae/amp-y.json"
	flock "$st/.sweep.lock" sleep 2 &
	sleep 0.5
	run -75 --separate-stderr oct-health-sweep
	[[ $stderr == *"a sweep, failover or delete runs"* ]]
	# oct-lb-delete waits for the lock, then does its work
	t0=$(date +%s%N)
	run -0 --separate-stderr oct-lb-delete nosuch
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 1000 ]
	wait
	# y leaves amp-y, which z keeps; a record that cannot be written is 73
	[ "$(id -u)" = 0 ] || skip "chattr +i needs root"
	chattr +i "$st/amphorae" 2>/dev/null || skip "no chattr +i here"
	run -73 --separate-stderr oct-lb-delete y
	chattr -i "$st/amphorae"
	[[ $stderr == *"amp-y.json: cannot save the record"* ]]
	[ "$(jq -c .loadbalancers "$st/amphorae/amp-y.json")" = '["y","z"]' ]
}

@test "oct-lb-create: a configuration the appliance's haproxy refuses is undone, appliance and all" {
	wf_setup 68
	# The VIP is the appliance's own address (the first lease of this
	# private subnet) and a listener wants the agent's port: the local
	# check (haproxy -c) passes it, the plug has nothing to do, haproxy on
	# the appliance cannot bind, so the config step fails after boot, wait
	# and plug.
	local before
	before=$(snapshot)
	lbjson x "$NET.2" 9443 8081 >"$BATS_TEST_TMPDIR/x.json"
	run -75 --separate-stderr oct-lb-create "$BATS_TEST_TMPDIR/x.json"
	assert_json_line
	[ "$(jqo .address)" = "$NET.2" ]
	[ "$(jqo .error.tool)" = oct-config ]
	[[ "$(jqo .error.message)" == *"Error starting haproxy"*"Address already in use"* ]]
	[[ "$stderr" == *"plug done in"*"config failed"*"undoing: destroying appliance amp-x"* ]]
	same "$before" "$(snapshot)"
}

# The demo's fixed names: bridge octbr0, prefix oct, 198.18.0.0/16.
DEMO_NS="oct-amp-demo-lb octdemo-be1 octdemo-be2 octdemo-be3"

demo_snapshot() {
	ip netns list | awk '{ print "netns " $1 }' |
	    grep -x -e 'netns oct-amp-demo-lb' -e 'netns octdemo-be[123]' || true
	ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 |
	    grep -x -e octbr0 -e 'octdemo-be[123]h' -e 'octv[0-9a-f]*' |
	    sed 's/^/link /' || true
	ip -o addr show | grep -E '^[0-9]+: octbr0 ' |
	    awk '{ print "addr " $2 " " $4 }' || true
	ip -4 route show | grep -e ' dev octbr0' -e '^198\.18\.100\.1 ' |
	    sed 's/^/route /' || true
	procs "$BATS_TEST_TMPDIR/demoinodes"
	find "$OCT_STATE_DIR" ! -type d ! -path "$OCT_STATE_DIR/netns/.lock" \
	    ! -path "$OCT_STATE_DIR/.sweep.lock" |
	    sort | sed 's/^/file /'
}

# demo_teardown: remove by force what a failed demo test left; only when
# the test found no octbr0 (DEMO_OURS), so a demo someone runs stays.
demo_teardown() {
	[ "${DEMO_OURS:-}" = 1 ] || return 0
	local ns l
	oct-demo down >/dev/null 2>&1 || true
	for ns in $DEMO_NS; do
		ip netns list | grep -q "^$ns\\b" || continue
		# shellcheck disable=SC2046 # one pid a word
		kill -9 $(ip netns pids "$ns") 2>/dev/null || true
		ip netns del "$ns" || true
	done
	for l in /sys/class/net/octbr0/brif/*; do
		[ -e "$l" ] || continue
		ip link del "${l##*/}" || true
	done
	ip link del octbr0 2>/dev/null || true
}

@test "oct-demo: a spread over three backends in under a minute, and down leaves nothing" {
	[ "$(id -u)" = 0 ] || skip "the demo needs root"
	real_agent || skip "bin/oct-agent not built"
	! ip link show octbr0 >/dev/null 2>&1 ||
	    skip "octbr0 exists: a demo is running here"
	unset OCT_NETNS_BRIDGE OCT_NETNS_PREFIX OCT_NETNS_SUBNET
	DEMO_OURS=1
	# The CA and the controller's certificate are kept on purpose.
	oct-cert ca >/dev/null
	oct-cert issue --role client --id controller </dev/null >/dev/null
	local before t0
	: >"$BATS_TEST_TMPDIR/demoinodes"
	# Another appliance, not answering, is none of the demo's business.
	mkdir -p "$OCT_STATE_DIR/amphorae"
	echo '{"id":"other","address":"127.0.0.2","agent_port":1}' \
	    >"$OCT_STATE_DIR/amphorae/other.json"
	before=$(demo_snapshot)
	t0=$(date +%s)
	run -0 oct-demo
	[ $(($(date +%s) - t0)) -lt 60 ] || fail "took $(($(date +%s) - t0)) s"
	stat -L -c 'net:[%i]' /run/netns/oct-amp-demo-lb \
	    >"$BATS_TEST_TMPDIR/demoinodes"
	[ -n "$(procs "$BATS_TEST_TMPDIR/demoinodes")" ]
	# The nine requests' answers, counted: three each.
	[ "$(sed -n '/^== 9 requests/,/^== health/p' <<<"$output" |
	    grep -v '^==' | awk '{ print $2 "=" $1 }' | paste -sd' ')" = \
	    "octdemo-be1=3 octdemo-be2=3 octdemo-be3=3" ] ||
	    fail "no spread: $output"
	[[ "$output" == *'"status":"READY"'* ]]
	[[ "$output" == *"oct-lb-delete demo-lb"* ]]
	run -0 oct-demo down
	same "$before" "$(demo_snapshot)"
}
