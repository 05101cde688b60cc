#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh: run every test of the project and end with one line
# "N passed, N failed[, N skipped]".  Called by `make check`, which sets:
#   OCT_UNIT_DIR   the built C unit tests (test_*)
#   OCT_SCRIPTS    the shell scripts to shellcheck
#   OCT_MANS       the man pages to lint
#   OCT_FUZZ_DIR   the fuzz build (bin/<target>), when clang could build it
#   OCT_FUZZ_SECONDS  fuzz each target this long too (0: regression only)
# TESTS="tests/oct-cert.bats ..." runs only those bats files (and no units).
# VALGRIND=1 runs the agent's suites ($VALGRIND_TESTS, or TESTS) with
# oct-agent under valgrind's memcheck (tests/valgrind/oct-agent), and
# fails a test point for each agent whose report is not empty.
# VALGRIND=also runs everything, and the agent's suites once more under
# memcheck beside the rest (what .ci/run does).
#
# The tests run as parts: each unit test, each fuzz target, the linters
# and each bats file.  OCT_TEST_JOBS parts (default 4) run at once: most
# of a bats file's time is waiting (haproxy, timeouts, sleeps), so more
# parts than the machine's 2 cores pay.  Parts that run at once share
# nothing: each netns suite has a bridge, subnet and prefix of its own
# (tests/netns.bash), and each part draws ports from a range of its own
# (OCT_TEST_PORTS, read by free_port in tests/helpers.bash).  A part's
# output is printed whole when it ends, with its time.  The suites of
# $alone, whose bounds are on latency, run afterwards with nothing beside
# them.
set -u

cd "$(dirname "$0")/.." || exit 70
top=$PWD
export PATH="$top/bin:$PATH"
OCT_BENCH_DIR=${OCT_BENCH_DIR:-build/std/bench}
case $OCT_BENCH_DIR in /*) ;; *) OCT_BENCH_DIR=$top/$OCT_BENCH_DIR ;; esac
export OCT_BENCH_DIR
# oct-agent, as root, lets haproxy's health checks ping from its network
# namespace (net.ipv4.ping_group_range); tests run agents in this one.
pgr=/proc/sys/net/ipv4/ping_group_range
pgr_saved=$(cat "$pgr" 2>/dev/null)
passed=0 failed=0 skipped=0
failures=()
jobs=${OCT_TEST_JOBS:-4}
case $jobs in
[1-9] | [1-9][0-9]) ;;
*) echo "run.sh: OCT_TEST_JOBS=$jobs: not 1..99" >&2; exit 64 ;;
esac
# A bats file that runs longer than OCT_TEST_LIMIT seconds (default 1200)
# is stopped, and each of its tests that did not report fails.
limit=${OCT_TEST_LIMIT:-1200}
# agentstress measures latency and memory under its own load, with
# bounds for an idle 2-core machine.
alone="tests/agentstress.bats"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oct-run.XXXXXX") || exit 73
declare -A part_name part_slot part_t0 part_out
running=0 parts=0

# killtree PID: end PID and everything it started.
killtree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		killtree "$c"
	done
	kill "$1" 2>/dev/null
}

cleanup() {
	local p
	for p in "${!part_name[@]}"; do
		killtree "$p"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# one NAME STATUS: a single test point, on stdout.
one() {
	if [ "$2" = 0 ]; then
		echo "ok - $1"
	else
		echo "not ok - $1"
	fi
}

# count NAME RC FILE: print part NAME's output and add up its results.
# A part that exits non-zero with no failure said, or whose plan names
# tests that never reported (it crashed or was stopped), fails for it.
count() {
	local name=$1 rc=$2 line plan=0 results=0 bad=0 i why
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"not ok "*)
			failed=$((failed + 1)) bad=$((bad + 1))
			failures+=("$name: ${line#not ok }") ;;
		"ok "*"# skip"* | "ok "*"# SKIP"*) skipped=$((skipped + 1)) ;;
		"ok "*)	passed=$((passed + 1)) ;;
		1..[0-9]*) plan=${line#1..} ;;
		esac
		case $line in "ok "* | "not ok "*) results=$((results + 1)) ;; esac
	done <"$3"
	why="exit $rc"
	[ "$rc" != 124 ] || why="stopped after $limit s"
	for ((i = results + 1; i <= plan; i++)); do
		line="not ok $i - test $i never reported ($why)"
		printf '%s\n' "$line"
		failed=$((failed + 1)) bad=$((bad + 1))
		failures+=("$name: ${line#not ok }")
	done
	if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
		line="not ok - $name exits 0 ($why)"
		printf '%s\n' "$line"
		failed=$((failed + 1))
		failures+=("$name: ${line#not ok }")
	fi
}

# start NAME CMD...: run CMD as part NAME in the background, in a free
# slot (after waiting for one when all are taken).
start() {
	local name=$1 slot used=" ${part_slot[*]} " span
	shift
	while [ "$running" -ge "$jobs" ]; do
		finish
		used=" ${part_slot[*]} "
	done
	for ((slot = 0; slot < jobs; slot++)); do
		case $used in *" $slot "*) ;; *) break ;; esac
	done
	span=$((12768 / jobs))
	parts=$((parts + 1))
	(
		lo=$((20000 + slot * span))
		export OCT_TEST_PORTS=$lo-$((lo + span - 1))
		"$@"
	) >"$tmp/$parts.out" 2>&1 </dev/null &
	part_name[$!]=$name
	part_slot[$!]=$slot
	part_t0[$!]=$SECONDS
	part_out[$!]=$tmp/$parts.out
	running=$((running + 1))
}

# finish: wait for a part to end and count it.
finish() {
	local pid rc
	wait -n -p pid
	rc=$?
	echo "# ${part_name[$pid]}"
	count "${part_name[$pid]}" "$rc" "${part_out[$pid]}"
	echo "# ${part_name[$pid]}: $((SECONDS - part_t0[$pid])) s"
	rm -f "${part_out[$pid]}"
	unset "part_name[$pid]" "part_slot[$pid]" "part_t0[$pid]" \
	    "part_out[$pid]"
	running=$((running - 1))
}

# finish_all: wait for every part started.
finish_all() {
	while [ "$running" -gt 0 ]; do
		finish
	done
}

# unit TEST: one C unit test (TAP).
unit() {
	"$1"
}

# fuzz NAME: every committed input of fuzz target NAME (seeds and
# regression inputs) once, then (OCT_FUZZ_SECONDS, CI's) a short run.
fuzz() {
	local name=$1 fuzz=${OCT_FUZZ_DIR:-build/fuzz} out rc secs
	if [ ! -x "$fuzz/bin/$name" ]; then
		echo "ok - fuzz regression $name # skip no clang libFuzzer (make deps-fuzz)"
		return 0
	fi
	out=$(tests/fuzz/fuzz.sh -d "$fuzz" -r "$name" 2>&1)
	rc=$?
	[ $rc = 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /'
	one "fuzz regression $name" $rc
	secs=${OCT_FUZZ_SECONDS:-0}
	[ "$secs" -gt 0 ] || return 0
	out=$(tests/fuzz/fuzz.sh -d "$fuzz" -t "$secs" "$name" 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /'
	one "fuzz $name for $secs s: no crash" $rc
}

# render_check: the renderer's property on the committed models.
render_check() {
	local out rc
	out=$(tests/fuzz/render-check.sh -n 30 -g 10 tests/fuzz/lbmodel 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	one "fuzz render-check: haproxy -c takes every accepted model" $rc
}

# lint: shellcheck every script, mandoc -Tlint every man page.
lint() {
	local s m out rc
	for s in ${OCT_SCRIPTS:-}; do
		out=$(shellcheck -x "$s" 2>&1)
		rc=$?
		[ $rc = 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
		one "shellcheck $s" $rc
	done
	for m in ${OCT_MANS:-}; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		rc=$?
		[ $rc = 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
		one "mandoc -Tlint $m" $rc
	done
}

# suite FILE: one bats file, stopped after $limit s.
suite() {
	timeout -k 30 "$limit" bats --tap "$1"
}

vgdir='' vgtests=''
if [ -n "${VALGRIND:-}" ]; then
	command -v valgrind >/dev/null || { echo "run.sh: no valgrind" >&2; exit 69; }
	vgdir=$(mktemp -d /tmp/oct-valgrind.XXXXXX)
	if [ "$VALGRIND" = also ]; then
		vgtests=$VALGRIND_TESTS
	else
		export OCT_VALGRIND_DIR=$vgdir
		TESTS=${TESTS:-$VALGRIND_TESTS}
	fi
fi

# valgrind FILE: bats file FILE with oct-agent under memcheck.
valgrind() {
	OCT_VALGRIND_DIR=$vgdir suite "$1"
}

# The parts in the order they start: the longest first (nova's real
# OpenStack, the agent's suite under memcheck, then the others that take
# minutes), the parts that only compute in the slot left beside them,
# then the shorter suites as slots free up, so that all end near the
# same time; then $alone.
first="tests/nova.bats valgrind tests/workflows.bats tests/faults.bats
    tests/oct-wait.bats tests/oct-agent.bats tests/oct-config.bats
    tests/hacfg.bats tests/failover.bats tests/oct-cert.bats"
queue=() later=()
for f in ${TESTS:-$first tests/*.bats}; do
	if [ "$f" = valgrind ]; then
		for v in $vgtests; do
			queue+=("valgrind $v")
		done
		continue
	fi
	[ -f "$f" ] || continue
	case " ${queue[*]} ${later[*]} " in *" suite $f "*) continue ;; esac
	case " $alone " in
	*" $f "*) later+=("suite $f") ;;
	*) queue+=("suite $f") ;;
	esac
done
if [ -z "${TESTS:-}" ]; then
	at=$((jobs > 1 ? jobs - 1 : 1))
	computed=("lint -" "render_check -")
	for f in tests/fuzz/*.c; do
		computed+=("fuzz $(basename "$f" .c)")
	done
	for f in "${OCT_UNIT_DIR:-build/std/tests}"/test_*; do
		[ -x "$f" ] && computed+=("unit $f")
	done
	queue=("${queue[@]:0:at}" "${computed[@]}" "${queue[@]:at}")
fi

# go KIND ARG: start part KIND (a function above) on ARG.
go() {
	local name=$2
	case $1 in
	lint) name=lint ;;
	render_check) name="fuzz render-check" ;;
	fuzz) name="fuzz $2" ;;
	unit) name=$(basename "$2") ;;
	valgrind) name="valgrind $2" ;;
	esac
	start "$name" "$1" "$2"
}

for p in "${queue[@]}"; do
	# shellcheck disable=SC2086 # KIND ARG, no blanks inside
	go $p
done
finish_all
for p in "${later[@]}"; do
	# shellcheck disable=SC2086
	go $p
	finish_all
done

if [ -n "$vgdir" ]; then
	echo "# valgrind"
	n=0 out=$tmp/valgrind.out
	: >"$out"
	for f in "$vgdir"/*.log; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		[ -s "$f" ] || continue
		sed 's/^/# /' "$f" | head -n 60 >>"$out"
		one "valgrind: $(basename "$f" .log) reports errors" 1 >>"$out"
	done
	one "valgrind: $n agents ran under memcheck" \
	    "$([ "$n" -gt 0 ]; echo $?)" >>"$out"
	count valgrind 0 "$out"
	rm -rf "$vgdir"
fi

if [ -n "$pgr_saved" ] && [ "$(cat "$pgr")" != "$pgr_saved" ]; then
	echo "$pgr_saved" >"$pgr" 2>/dev/null || true
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "# failed:"
	printf '#   %s\n' "${failures[@]}"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
