#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# render-scale.sh: how the renderer's cost grows with the model, beside the
# code of another revision (the one before the lookups were made linear),
# built from git in a temporary directory and run in the same run.  For each
# shape of about 100,000 Octavia objects (listeners, pools, members, L7
# policies and rules), one line: the objects, then for this tree and for
# the other revision the wall time of hacfg-render from file to config
# (median of RUNS) and its CPU time.  Prints figures; not run by make check.
#
#	tests/bench/render-scale.sh [-o revision] [-r runs] [-t seconds]
#
# -o: the revision to compare with (default main; once this change is in
# main, name the commit before it); -r: runs per shape (default 3); -t: the
# time allowed the other revision per run, past which it counts as that
# (default 120).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
bench=${OCT_BENCH_DIR:-$top/build/std/bench}
case $bench in /*) ;; *) bench=$top/$bench ;; esac
rev=main runs=3 limit=120
while getopts o:r:t: opt; do
	case $opt in
	o) rev=$OPTARG ;;
	r) runs=$OPTARG ;;
	t) limit=$OPTARG ;;
	*) echo "usage: render-scale.sh [-o revision] [-r runs] [-t seconds]" >&2
	   exit 64 ;;
	esac
done
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT INT TERM

# The other revision's hacfg-render, built as this tree builds its own.
git -C "$top" archive --format=tar "$rev" | tar -x -C "$tmp" -f - ||
    { echo "render-scale.sh: $rev: cannot be read from git" >&2; exit 66; }
make -C "$tmp" -j2 build/std/bench/hacfg-render >/dev/null 2>&1 ||
    { echo "render-scale.sh: $rev: hacfg-render does not build" >&2; exit 70; }
old=$tmp/build/std/bench/hacfg-render
oldrev=$(git -C "$top" rev-parse --short "$rev")
newrev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo tree)

# now_ms: wall clock in milliseconds (GNU date).
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# median: the middle of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# cpu_ms CMD...: run CMD (stdout and stderr to $tmp/out, $tmp/err), then
# print the CPU time it took, ms: a shell's children's user and system
# time are fields 16 and 17 of its /proc stat once it has waited for them.
# Exits as CMD does.
cpu_ms() {
	sh -c '"$@" >"$0.out" 2>"$0.err" || exit $?
	    awk -v hz="$(getconf CLK_TCK)" \
		"{ printf \"%d\\n\", (\$16 + \$17) * 1000 / hz }" /proc/$$/stat' \
	    "$tmp/run" "$@"
}

# run RENDER MODEL: "<wall> ms (CPU <cpu> ms)" as medians of $runs runs,
# or "> <limit> s" when a run takes longer than $limit s.
run() {
	: >"$tmp/wall"
	: >"$tmp/cpu"
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now_ms)
		if ! cpu_ms timeout "$limit" "$1" -b "$tmp/base" -- "$2" \
		    >>"$tmp/cpu"; then
			if [ "$(($(now_ms) - t0))" -ge $((limit * 1000)) ]; then
				echo "> $limit s"
				return
			fi
			echo "render-scale.sh: $1: $(head -n 1 "$tmp/run.err")" \
			    >&2
			exit 70
		fi
		echo $(($(now_ms) - t0)) >>"$tmp/wall"
		i=$((i + 1))
	done
	echo "$(median <"$tmp/wall") ms (CPU $(median <"$tmp/cpu") ms)"
}

# shape NAME OBJECTS LBGEN-ARGS...: one line of figures.
shape() {
	name=$1 objects=$2
	shift 2
	"$bench/lbgen" -P "$@" >"$tmp/lb.json"
	printf '%-34s %7s objects, %5s KiB: %s: %s; %s: %s\n' "$name" \
	    "$objects" $(($(wc -c <"$tmp/lb.json") / 1024)) "$newrev" \
	    "$(run "$bench/hacfg-render" "$tmp/lb.json")" "$oldrev" \
	    "$(run "$old" "$tmp/lb.json")"
}

echo "render-scale: hacfg-render from file to config, median of $runs;" \
    "$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
# listeners + pools + members
shape "100 listeners x 1,000 members" 100200 -l 100 -m 1000
# listeners + default pools + policies + rules + pools
shape "10 x 5,000 one-rule L7 policies" 110020 -l 10 -L 5000 -p 1000 -m 0
shape "19 x 1,000 policies, 19,000 pools" 133114 -l 19 -L 1000 -m 4
shape "1 x 10,000 policies at position 1" 30002 -l 1 -L 10000 -m 0
