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
#   OCT_PROP_COUNT bodies for tests/prop/prop-check.sh (default 60)
# TESTS="tests/oct-cert.bats ..." runs only those bats files (and no units).
# VALGRIND=1 runs the agent's suites ($VALGRIND_TESTS, or TESTS) with
# oct-agent under valgrind's memcheck (tests/valgrind/oct-agent), and
# fails a test point for each agent whose report is not empty.
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

# count NAME: read TAP on stdin, echo it, and add up the results.
count() {
	local name=$1 line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"not ok "*)	failed=$((failed + 1)); failures+=("$name: ${line#not ok }") ;;
		"ok "*"# skip"*|"ok "*"# SKIP"*) skipped=$((skipped + 1)) ;;
		"ok "*)		passed=$((passed + 1)) ;;
		esac
	done
}

# one NAME STATUS: a single test point.
one() {
	if [ "$2" = 0 ]; then
		count "$1" <<<"ok - $1"
	else
		count "$1" <<<"not ok - $1"
	fi
}

vgdir=
if [ -n "${VALGRIND:-}" ]; then
	command -v valgrind >/dev/null || { echo "run.sh: no valgrind" >&2; exit 69; }
	vgdir=$(mktemp -d /tmp/oct-valgrind.XXXXXX)
	export OCT_VALGRIND_DIR=$vgdir
	TESTS=${TESTS:-$VALGRIND_TESTS}
fi

if [ -z "${TESTS:-}" ]; then
	echo "# unit tests"
	for t in "${OCT_UNIT_DIR:-build/std/tests}"/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		echo "# $name"
		out=$("$t" 2>&1)
		rc=$?
		count "$name" <<<"$out"
		# A crash mid-run leaves no "not ok": count the exit status too.
		[ "$rc" = 0 ] || one "$name exits 0 (exit $rc)" "$rc"
	done

	# Every committed input of each fuzz target (seeds and regression
	# inputs) once, and the renderer's property on the committed models.
	echo "# fuzz regression"
	fuzz=${OCT_FUZZ_DIR:-build/fuzz}
	for f in tests/fuzz/*.c; do
		name=$(basename "$f" .c)
		if [ ! -x "$fuzz/bin/$name" ]; then
			count "fuzz $name" <<<"ok - fuzz regression $name # skip no clang libFuzzer (make deps-fuzz)"
			continue
		fi
		out=$(tests/fuzz/fuzz.sh -d "$fuzz" -r "$name" 2>&1)
		rc=$?
		[ $rc = 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /'
		one "fuzz regression $name" $rc
		# and a short fuzz run: CI's, with make check (OCT_FUZZ_SECONDS)
		secs=${OCT_FUZZ_SECONDS:-0}
		[ "$secs" -gt 0 ] || continue
		out=$(tests/fuzz/fuzz.sh -d "$fuzz" -t "$secs" "$name" 2>&1)
		rc=$?
		printf '%s\n' "$out" | tail -n 30 | sed 's/^/# /'
		one "fuzz $name for $secs s: no crash" $rc
	done
	out=$(tests/fuzz/render-check.sh -n 30 -g 10 tests/fuzz/lbmodel 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	one "fuzz render-check: haproxy -c takes every accepted model" $rc
	# Issue 12's property: bodies Octavia's API accepts (its own types and
	# checks, python3-octavia) render, and haproxy -c takes them.  A bounded
	# count here (~0.1 s of CPU a body); run more with, say,
	# tests/prop/prop-check.sh -n 5000 -s 1000.
	if /usr/bin/python3 -c 'import octavia.api.v2.types' 2>/dev/null; then
		out=$(tests/prop/prop-check.sh -n "${OCT_PROP_COUNT:-60}" 2>&1)
		rc=$?
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
		one "prop-check: bodies Octavia accepts render and pass haproxy -c" $rc
	else
		count "prop-check" <<<"ok - prop-check # skip no python3-octavia (make deps)"
	fi

	echo "# shellcheck"
	for s in ${OCT_SCRIPTS:-}; do
		out=$(shellcheck -x "$s" 2>&1)
		rc=$?
		[ $rc = 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
		one "shellcheck $s" $rc
	done

	echo "# man pages"
	for m in ${OCT_MANS:-}; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		rc=$?
		[ $rc = 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
		one "mandoc -Tlint $m" $rc
	done
fi

echo "# bats"
for f in ${TESTS:-tests/*.bats}; do
	[ -f "$f" ] || continue
	echo "# $f"
	t0=$SECONDS
	count "$(basename "$f" .bats)" < <(timeout 1200 bats --tap "$f" 2>&1)
	echo "# $f: $((SECONDS - t0)) s"
done

if [ -n "$vgdir" ]; then
	echo "# valgrind"
	n=0
	for f in "$vgdir"/*.log; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		[ -s "$f" ] || continue
		sed 's/^/# /' "$f" | head -n 60
		one "valgrind: $(basename "$f" .log) reports errors" 1
	done
	one "valgrind: $n agents ran under memcheck" "$([ "$n" -gt 0 ]; echo $?)"
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
