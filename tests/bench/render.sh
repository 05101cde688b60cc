#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# render.sh: how long oct takes to validate and render the haproxy config of
# a large load balancer (100 listeners, 10,000 members: 100 per pool, each
# pool with an HTTP monitor), beside haproxy -c on the same config, the
# floor any push pays.  Prints figures; not run by make check.
#
#	tests/bench/render.sh [listeners [members-per-pool [runs]]]
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bench=${OCT_BENCH_DIR:-$top/build/std/bench}
listeners=${1:-100}
members=${2:-100}
runs=${3:-5}
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT INT TERM

# now_ms: wall clock in milliseconds (GNU date).
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# median: the middle of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

"$bench/lbgen" -P -l "$listeners" -m "$members" >"$tmp/lb.json"
"$bench/hacfg-render" -t -n 20 -b "$tmp/base" -- "$tmp/lb.json" \
    >"$tmp/haproxy.cfg" 2>"$tmp/inproc"

: >"$tmp/whole"
: >"$tmp/check"
i=0
while [ "$i" -lt "$runs" ]; do
	t0=$(now_ms)
	"$bench/hacfg-render" -b "$tmp/base" -- "$tmp/lb.json" >/dev/null
	t1=$(now_ms)
	haproxy -c -q -f "$tmp/haproxy.cfg" 2>/dev/null
	t2=$(now_ms)
	echo $((t1 - t0)) >>"$tmp/whole"
	echo $((t2 - t1)) >>"$tmp/check"
	i=$((i + 1))
done

read -r _ json _ model _ render _ bytes _ _ <"$tmp/inproc"
printf 'model: %s listeners, %s members (%s per pool), %s bytes of JSON\n' \
    "$listeners" "$((listeners * members))" "$members" \
    "$(wc -c <"$tmp/lb.json" | tr -d ' ')"
printf 'config: %s bytes, %s lines\n' "$bytes" \
    "$(wc -l <"$tmp/haproxy.cfg" | tr -d ' ')"
printf 'JSON parse (jrec_parse, duplicate keys rejected): %s ms\n' "$json"
printf 'validate into the model (lb_parse): %s ms\n' "$model"
printf 'render (hacfg_render, mean of 20): %s ms\n' "$render"
printf 'hacfg-render process, file to stdout (median of %s): %s ms\n' \
    "$runs" "$(median <"$tmp/whole")"
printf 'haproxy -c on the same config (median of %s): %s ms\n' \
    "$runs" "$(median <"$tmp/check")"
