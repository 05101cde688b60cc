#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# lb-create.sh [-n RUNS]: seconds from the start of oct-lb-create on the
# netns driver to the first request its VIP serves, split by step, over
# RUNS runs (default 5), with the median of each.  As root.  Three backends
# (`oct-demo backend`) wait in namespaces octt90-be1..3 on a bridge
# octtbr90 (198.19.90.1/24) made here; each run creates a load balancer of
# one HTTP listener over them at 198.19.90.100, polls its VIP from the host
# until it answers 200, and deletes it.  The steps are oct-lb-create's own
# ("<step> done in X s" on stderr); "other" is the rest of oct-lb-create
# (the CA and controller certificate, the model's local check, saving the
# record), "first request" the time from its exit to the first answer.
# Traffic goes only to 198.19.90.0/24, in namespaces made here.
set -eu

RUNS=5
while getopts n: ch; do
	case $ch in
	n) RUNS=$OPTARG ;;
	*) echo "usage: lb-create.sh [-n runs]" >&2; exit 64 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "lb-create.sh: needs root" >&2; exit 77; }

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$TOP/bin:$PATH
NET=198.19.90
VIP=$NET.100
T=$(mktemp -d /tmp/oct-lbcreate.XXXXXX)
export OCT_STATE_DIR="$T/state" OCT_NETNS_BRIDGE=octtbr90 \
    OCT_NETNS_PREFIX=octt90 OCT_NETNS_SUBNET=$NET.1/24

cleanup() {
	oct-lb-delete bench >/dev/null 2>&1 || true
	for i in 1 2 3; do
		oct-demo backend-stop "octt90-be$i" >/dev/null 2>&1 || true
	done
	ip link del octtbr90 2>/dev/null || true
	rm -rf -- "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ip link show octtbr90 >/dev/null 2>&1; then
	echo "lb-create.sh: octtbr90 exists: another run?" >&2
	exit 75
fi
ip link add octtbr90 type bridge
ip addr add "$NET.1/24" dev octtbr90
ip link set octtbr90 up
for i in 1 2 3; do
	oct-demo backend "octt90-be$i" "$NET.20$i"
done

jq -n --arg vip "$VIP" --arg net "$NET" '
{loadbalancer: {id: "bench", vip_address: $vip,
  listeners: [{id: "bench-http", protocol: "HTTP", protocol_port: 80,
    connection_limit: 1000,
    default_pool: {id: "bench-pool", protocol: "HTTP",
      lb_algorithm: "ROUND_ROBIN",
      healthmonitor: {type: "HTTP", delay: 1, timeout: 1, max_retries: 1,
        max_retries_down: 2, url_path: "/"},
      members: [range(1; 4) as $i | {id: "bench-m\($i)",
        address: "\($net).20\($i)", protocol_port: 8080}]}}]}}' \
    >"$T/lb.json"

now() {
	date +%s%N
}

# One run: "<step> <seconds>" lines in $T/run<nnn>.
run=0
while [ "$run" -lt "$RUNS" ]; do
	run=$((run + 1))
	t0=$(now)
	oct-lb-create "$T/lb.json" >"$T/rec.json" 2>"$T/err" || {
		cat "$T/err" >&2
		cat "$OCT_STATE_DIR"/netns/*/agent.log >&2 2>/dev/null || true
		exit 70
	}
	t1=$(now)
	n=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
	    "http://$VIP/")" = 200 ]; do
		n=$((n + 1))
		if [ "$n" -ge 600 ]; then
			echo "lb-create.sh: $VIP did not answer in 30 s" >&2
			exit 75
		fi
		sleep 0.05
	done
	t2=$(now)
	awk -v t0="$t0" -v t1="$t1" -v t2="$t2" '
	/ done in / { s[$2] = $(NF - 1); sum += $(NF - 1); order[++k] = $2 }
	END {
		for (i = 1; i <= k; i++)
			printf "%s %.2f\n", order[i], s[order[i]]
		printf "other %.2f\n", (t1 - t0) / 1e9 - sum
		printf "first-request %.2f\n", (t2 - t1) / 1e9
		printf "total %.2f\n", (t2 - t0) / 1e9
	}' "$T/err" >"$T/run$(printf %03d "$run")"
	oct-lb-delete bench >/dev/null
done

# The table: a row per step, a column per run, the median last.
echo "oct-lb-create to first served request, netns driver, $RUNS runs (s):"
awk -v runs="$RUNS" '
{ v[$1, FILENAME] = $2; if (!($1 in seen)) { seen[$1] = 1; row[++k] = $1 } }
FNR == 1 { file[++f] = FILENAME }
END {
	printf "%-14s", "step"
	for (j = 1; j <= f; j++)
		printf " %6s", "run" j
	printf " %7s\n", "median"
	for (i = 1; i <= k; i++) {
		printf "%-14s", row[i]
		for (j = 1; j <= f; j++) {
			x[j] = v[row[i], file[j]]
			printf " %6.2f", x[j]
		}
		# insertion sort, then the middle (mean of two when even)
		for (a = 2; a <= f; a++)
			for (b = a; b > 1 && x[b - 1] > x[b]; b--) {
				t = x[b]; x[b] = x[b - 1]; x[b - 1] = t
			}
		m = f % 2 ? x[(f + 1) / 2] : (x[f / 2] + x[f / 2 + 1]) / 2
		printf " %7.2f\n", m
	}
}' "$T"/run[0-9][0-9][0-9]
