#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# fuzz.sh: run the libFuzzer targets built by `make fuzzers`.
#
#	tests/fuzz/fuzz.sh [-d dir] [-n target=runs ...] -t seconds [target ...]
#	tests/fuzz/fuzz.sh [-d dir] -r target
#
# -t: fuzz each target (default: all of tests/fuzz/*.c) for that many
# seconds, one at a time and niced, and print one line each.  -n: fuzz
# that target for that many inputs instead, however long it takes (the
# reliability benchmark's 10 million whole agent requests).  New inputs
# go to <dir>/work/<target>/, never to the committed corpus
# tests/fuzz/<target>/, which is only read; a crash is saved as
# <dir>/artifacts/<target>/crash-* and makes the exit status 1.
# -r: run every input of tests/fuzz/<target>/ (seeds and regression inputs)
# through the target once; exit 0 when none fails.
# dir is the fuzz build directory (default build/fuzz).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/build/fuzz
seconds='' regress='' counts=''
usage() {
	echo "usage: fuzz.sh [-d dir] [-n target=runs ...] -t seconds [target ...] | -r target" >&2
	exit 64
}
while getopts d:n:r:t: opt; do
	case $opt in
	d) dir=$(cd "$OPTARG" && pwd) ;;
	n) case $OPTARG in
	   [a-z]*=[1-9]*) case ${OPTARG#*=} in *[!0-9]*) usage ;; esac ;;
	   *) usage ;;
	   esac
	   counts="$counts $OPTARG" ;;
	r) regress=$OPTARG ;;
	t) seconds=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

# runs TARGET: the inputs -n asks for TARGET, or nothing.
runs() {
	for c in $counts; do
		[ "${c%%=*}" = "$1" ] && echo "${c#*=}"
	done
	return 0
}

# maxlen TARGET: the longest input worth trying.
maxlen() {
	case $1 in
	route) echo 1024 ;;
	jrec) echo 4096 ;;
	*) echo 8192 ;;
	esac
}

if [ -n "$regress" ]; then
	# libFuzzer runs files given as operands once each.  It knows no
	# "--"; the operands are absolute paths, so none looks like a flag.
	exec "$dir/bin/$regress" -rss_limit_mb=2048 \
	    "$top/tests/fuzz/$regress"/*
fi

case $seconds in
'' | *[!0-9]*) echo "fuzz.sh: -t seconds is required" >&2; exit 64 ;;
esac
if [ $# -eq 0 ]; then
	for f in "$top"/tests/fuzz/*.c; do
		set -- "$@" "$(basename "$f" .c)"
	done
fi

status=0
for t in "$@"; do
	work=$dir/work/$t
	art=$dir/artifacts/$t
	log=$dir/work/$t.log
	mkdir -p "$work" "$art"
	dict=
	[ -f "$top/tests/fuzz/$t.dict" ] && dict=-dict=$top/tests/fuzz/$t.dict
	# The first corpus directory takes what libFuzzer finds; the
	# committed one after it is only read.
	rc=0
	n=$(runs "$t")
	if [ -n "$n" ]; then
		limit="-runs=$n -max_total_time=0"
	else
		limit="-max_total_time=$seconds"
	fi
	t0=$(date +%s)
	# shellcheck disable=SC2086 # $limit and $dict are words or none
	nice -n 10 "$dir/bin/$t" $limit \
	    -max_len="$(maxlen "$t")" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$art/" $dict \
	    "$work" "$top/tests/fuzz/$t" >"$log" 2>&1 || rc=$?
	took=$(($(date +%s) - t0))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	corpus=$(find "$work" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		echo "fuzz $t: ${runs:-0} runs in ${n:+$took}${n:-$seconds} s, corpus $corpus, nothing found"
	else
		status=1
		echo "fuzz $t: ${runs:-0} runs, FOUND a failure (exit $rc):"
		grep -E '^(==[0-9]+==ERROR|check failed|SUMMARY|artifact_prefix)' \
		    "$log" | head -n 20 | sed 's/^/    /'
		echo "    log: $log"
	fi
done
exit "$status"
