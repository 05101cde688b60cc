#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# config.sh: how long oct-config takes from its start until the appliance
# serves the new configuration, beside `haproxy -c` alone on the same
# configuration (the floor: the agent validates every upload with it), for a
# small load balancer (1 listener, 1 member, real HTTP behind it) and a big
# one (100 listeners x 100 members = 10,000).  Also the render time of the
# big one (oct-config --dry-run).  A real oct-agent and haproxy on loopback;
# all traffic to one 127.A.B.0/24, in bounded loops.
#
#	tests/bench/config.sh [N]	N pushes per size and mode (default 6;
#					an odd N is rounded up)
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-6}
w=$(mktemp -d "${TMPDIR:-/tmp}/octbench.XXXXXX")
# Private copies: a parallel `make` relinking bin/ must not stop a run.
mkdir "$w/bin"
cp "$top/bin/oct-agent" "$top/bin/oct-cert" "$top/bin/oct-config" "$w/bin/"
PATH=$w/bin:$PATH
export PATH
net="127.$(($$ % 200 + 30)).$(($(date +%S) % 250 + 1))"
pbase=$((20000 + $$ % 30000))
aport=$((pbase + 20))
bport=$((pbase + 10))
vip=$net.20
bpid='' apid=''

cleanup() {
	if [ -n "$apid" ]; then
		printf '{"id":"amp-b","address":"%s","agent_port":%s}\n' \
		    "$net.1" "$aport" | oct-config --timeout 5 delete \
		    --lb-id lb-bench >/dev/null 2>&1 || true
		kill "$apid" 2>/dev/null || true
	fi
	# haproxy runs on after its agent: stop ours by its pid file
	if [ -f "$w/base/lb-bench/haproxy.pid" ]; then
		kill "$(cat "$w/base/lb-bench/haproxy.pid")" 2>/dev/null || true
	fi
	[ -z "$bpid" ] || kill "$bpid" 2>/dev/null || true
	rm -rf -- "$w"
}
trap cleanup EXIT
trap 'exit 75' INT TERM

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# wait_serving URL: until the URL answers any HTTP status, at most 10 s.
wait_serving() {
	k=0
	while [ "$k" -lt 1000 ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		    "$1" 2>/dev/null || true)
		case $code in [1-5]??) return 0 ;; esac
		k=$((k + 1))
		sleep 0.01
	done
	echo "config.sh: $1 never answered" >&2
	exit 75
}

# model FILE LISTENERS MEMBERS PORT0: listener 0 on PORT0, the others after
# pbase+100; every member the one real backend at a different port but the
# first.  Connection limits add up to 5000: haproxy needs two descriptors
# per connection and the hard limit here may be as low as 20000.
model() {
	jq -n --arg net "$net" --argjson nl "$2" --argjson nm "$3" \
	    --argjson p0 "$4" --argjson base "$pbase" --argjson bport "$bport" '
	{loadbalancer: {id: "lb-bench", vip_address: "198.18.254.20",
	 listeners: [range($nl) as $l | {id: "l\($l)", protocol: "HTTP",
	    protocol_port: (if $l == 0 then $p0 else $base + 100 + $l end),
	    connection_limit: (5000 / $nl | floor),
	    default_pool_id: "p\($l)"}],
	 pools: [range($nl) as $l | {id: "p\($l)", protocol: "HTTP",
	    lb_algorithm: "ROUND_ROBIN",
	    members: [range($nm) as $m | {id: "p\($l)-m\($m)",
		address: ($net + ".21"),
		protocol_port: (if $m == 0 then $bport else 30000 + $m end)}]}]
	}}' >"$1"
}

# stats LABEL MS...: print min / median / max of the figures.
stats() {
	label=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v l="$label" '
	    { v[NR] = $1 } END { printf "%-44s min %6d  median %6d  max %6d ms  (n=%d)\n",
		l, v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

export OCT_STATE_DIR="$w/state"
oct-cert ca >/dev/null
oct-cert issue --role client --id controller >/dev/null
printf '{"id":"amp-b","address":"%s"}\n' "$net.1" |
    oct-cert issue --role server >/dev/null
mkdir -p "$w/www" "$w/base"
echo bench >"$w/www/index.html"
/usr/bin/python3 -m http.server --bind "$net.21" --directory "$w/www" \
    "$bport" >/dev/null 2>&1 &
bpid=$!
oct-agent --amphora-id amp-b --bind "$net.1" --port "$aport" \
    --server-cert "$OCT_STATE_DIR/certs/amp-b.pem" \
    --server-key "$OCT_STATE_DIR/certs/amp-b.key" \
    --client-ca "$OCT_STATE_DIR/ca/ca.pem" --base-path "$w/base" \
    --haproxy-cmd /usr/sbin/haproxy 2>"$w/agent.log" &
apid=$!
# The model's VIP is a cloud's; the record's, on loopback, is the one bound.
rec=$(printf '{"id":"amp-b","address":"%s","agent_port":%s,"vip_address":"%s"}' \
    "$net.1" "$aport" "$vip")

# bench NAME LISTENERS MEMBERS: end to end with the local check (the
# default), without it (--haproxy-cmd /bin/true: the agent's check only),
# and haproxy -c alone.
bench() {
	name=$1
	# Two models that differ in listener 0's port: each push is a change,
	# and the new port answering is the new configuration serving.
	model "$w/a.json" "$2" "$3" $((pbase + 1))
	model "$w/b.json" "$2" "$3" $((pbase + 2))
	oct-config --base-path "$w/base" --dry-run --lb "$w/a.json" >"$w/a.cfg"
	e2e='' nocheck='' floor=''
	i=0
	while [ "$i" -lt $((4 * ((n + 1) / 2))) ]; do
		if [ $((i % 2)) = 0 ]; then m=b port=$((pbase + 2));
		else m=a port=$((pbase + 1)); fi
		if [ $((i % 4)) -lt 2 ]; then chk=$(command -v haproxy);
		else chk=/bin/true; fi
		t0=$(now_ms)
		printf '%s\n' "$rec" | oct-config --base-path "$w/base" \
		    --haproxy-cmd "$chk" --timeout 120 --lb "$w/$m.json" \
		    >"$w/out" || { cat "$w/out" >&2; exit 75; }
		wait_serving "http://$vip:$port/"
		t1=$(now_ms)
		if [ "$chk" = /bin/true ]; then
			nocheck="$nocheck $((t1 - t0))"
		else
			e2e="$e2e $((t1 - t0))"
		fi
		if [ $((i % 2)) = 0 ]; then
			t0=$(now_ms)
			haproxy -c -q -f "$w/a.cfg" >/dev/null
			t1=$(now_ms)
			floor="$floor $((t1 - t0))"
		fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # word splitting of the figures is wanted
	stats "$name: oct-config start to serving" $e2e
	# shellcheck disable=SC2086
	stats "$name: same, no local haproxy -c" $nocheck
	# shellcheck disable=SC2086
	stats "$name: haproxy -c alone (floor)" $floor
}

echo "# oct-config end to end vs haproxy -c, $n runs each, $(nproc) CPUs," \
    "load $(cut -d' ' -f1 /proc/loadavg)"
# The first push also waits for the agent to come up (--timeout).
bench "1 listener x 1 member" 1 1
model "$w/big.json" 100 100 $((pbase + 1))
t0=$(now_ms)
oct-config --haproxy-cmd /bin/true --dry-run --lb "$w/big.json" >/dev/null
t1=$(now_ms)
echo "render 100 listeners x 10,000 members (oct-config --dry-run, no check): $((t1 - t0)) ms"
bench "100 listeners x 10,000 members" 100 100
