#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# failover.sh [-a AFTER] [-i INTERVAL] [-n NET]: the outage a load balancer
# sees when its appliance dies, measured.  As root, on the netns driver with
# the real agent and haproxy: one load balancer at 198.19.NET.100 (default
# NET 89: bridge octtbr89, prefix octt89) in front of a web server on the
# bridge's address; a client asks http://VIP/ every 100 ms, a sweep loop
# starts `oct-health-sweep --failover --failover-after AFTER` (default 2)
# every INTERVAL seconds (default 2, whole seconds; a sweep that takes
# longer delays the next, as with cron and the sweep's lock); after 3 s the appliance's namespace is
# killed (every process, then the namespace).  Prints the outage: from the
# first failed request to the first successful one after it.  Both loops
# stop by themselves after 60 s at most.  Traffic goes to 198.19.NET.0/24
# only; everything is removed at the end.
set -eu

AFTER=2
INTERVAL=2
NN=89
while getopts a:i:n: ch; do
	case $ch in
	a) AFTER=$OPTARG ;;
	i) INTERVAL=$OPTARG ;;
	n) NN=$OPTARG ;;
	*) echo "usage: failover.sh [-a after] [-i interval] [-n net]" >&2
	   exit 64 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "failover.sh: needs root" >&2; exit 77; }

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$TOP/bin:$PATH
T=$(mktemp -d /tmp/oct-failover.XXXXXX)
BR=octtbr$NN PFX=octt$NN NET=198.19.$NN
VIP=$NET.100
OCT_STATE_DIR=$T/state
OCT_NETNS_BRIDGE=$BR OCT_NETNS_PREFIX=$PFX OCT_NETNS_SUBNET=$NET.1/24
export OCT_STATE_DIR OCT_NETNS_BRIDGE OCT_NETNS_PREFIX OCT_NETNS_SUBNET
PIDS=""

cleanup() {
	touch "$T/stop"
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	for f in "$OCT_STATE_DIR"/amphorae/*.json; do
		[ -f "$f" ] && oct-destroy <"$f" >/dev/null 2>&1
	done
	[ -f "$T/member.pid" ] && kill "$(cat "$T/member.pid")" 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^$PFX-"); do
		# shellcheck disable=SC2046 # one pid per word
		kill -9 $(ip netns pids "$ns") 2>/dev/null || true
		ip netns del "$ns" || true
	done
	ip link del "$BR" 2>/dev/null || true
	rm -rf -- "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { date +%s%3N; }

ip link add "$BR" type bridge
ip addr add "$NET.1/24" dev "$BR"
ip link set "$BR" up
cat >"$T/member.cfg" <<CFG
global
	pidfile $T/member.pid
defaults
	mode http
	timeout client 5s
	timeout server 5s
	timeout connect 2s
frontend web
	bind $NET.1:8080
	http-request return status 200 content-type text/plain string "ok\n"
CFG
haproxy -D -f "$T/member.cfg"

jq -n --arg vip "$VIP" --arg m "$NET.1" '
{loadbalancer: {id: "bench", vip_address: $vip,
  listeners: [{id: "bench-http", protocol: "HTTP", protocol_port: 80,
    connection_limit: 1000,
    default_pool: {id: "bench-pool", protocol: "HTTP",
      lb_algorithm: "ROUND_ROBIN",
      members: [{id: "bench-m1", address: $m, protocol_port: 8080}]}}]}}' \
    >"$T/lb.json"
oct-lb-create "$T/lb.json" >/dev/null 2>"$T/create.err" ||
    { cat "$T/create.err" >&2; exit 70; }
i=0
until [ "$(curl -s --max-time 1 "http://$VIP/")" = ok ]; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "failover.sh: $VIP does not serve" >&2; exit 75; }
	sleep 0.2
done

# The client: one request every 100 ms, "<ms> ok|fail" per request.
(
	end=$(($(ms) + 60000))
	while [ ! -e "$T/stop" ] && [ "$(ms)" -lt "$end" ]; do
		t=$(ms)
		if [ "$(curl -s --max-time 0.5 "http://$VIP/")" = ok ]; then
			echo "$t ok"
		else
			echo "$t fail"
		fi
		sleep 0.1
	done >"$T/client.log"
) &
PIDS="$PIDS $!"
# The sweeps, every INTERVAL seconds.
(
	end=$(($(ms) + 60000))
	while [ ! -e "$T/stop" ] && [ "$(ms)" -lt "$end" ]; do
		t=$(ms)
		echo "$t sweep"
		{ oct-health-sweep --failover --failover-after "$AFTER" \
		    2>&1 >/dev/null || true; } | while IFS= read -r l; do
			echo "$(ms) $l"
		done
		# As cron would: one start every INTERVAL s (a sweep that
		# takes longer delays the next).
		left=$((t + INTERVAL * 1000 - $(ms)))
		[ "$left" -le 0 ] ||
		    sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
	done >"$T/sweep.log" 2>&1
) &
PIDS="$PIDS $!"

sleep 3
ns=$(jq -r .compute.netns "$OCT_STATE_DIR/amphorae/amp-bench.json")
kill_at=$(ms)
# shellcheck disable=SC2046 # one pid per word
kill -9 $(ip netns pids "$ns") 2>/dev/null || true
ip netns del "$ns"

# Wait for the first success after a failure, 60 s at most.
result=
i=0
while [ "$i" -lt 600 ]; do
	result=$(awk -v k="$kill_at" '$1 >= k && $2 == "fail" && !f { f = $1 }
	    f && $2 == "ok" { print f, $1; exit }' "$T/client.log")
	[ -z "$result" ] || break
	i=$((i + 1))
	sleep 0.1
done
touch "$T/stop"
for p in $PIDS; do
	wait "$p" 2>/dev/null || true
done
PIDS=""
# What the sweeps said, in seconds from the kill.
awk -v k="$kill_at" '$1 >= k - 2000 { t = $1; $1 = "";
    printf "# %+6.2f s%s\n", (t - k) / 1000, $0 }' "$T/sweep.log"
if [ -z "$result" ]; then
	echo "failover.sh: no successful request within 60 s of the kill" >&2
	exit 75
fi
a=${result% *} b=${result#* }
fails=$(awk -v a="$a" -v b="$b" '$1 >= a && $1 < b && $2 == "fail"' \
    "$T/client.log" | wc -l)
awk -v k="$kill_at" -v a="$a" -v b="$b" -v n="$fails" -v s="$INTERVAL" \
    -v f="$AFTER" 'BEGIN {
	printf "sweep every %s s, failover after %s sweeps\n", s, f
	printf "outage: %.1f s (first failed request %.1f s after the kill, " \
	    "first success after it %.1f s after the kill; %d failed " \
	    "requests)\n", (b - a) / 1000, (a - k) / 1000, (b - k) / 1000, n
}'
