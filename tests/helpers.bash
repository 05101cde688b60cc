# SPDX-License-Identifier: Apache-2.0
# Common set-up for the bats suites: bats-support, bats-assert, a private
# state directory per test, and the built programs first on PATH.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

OCT_TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
export OCT_TOP
PATH="$OCT_TOP/bin:$PATH"
# make check VALGRIND=1: oct-agent runs under memcheck (tests/valgrind).
if [ -n "${OCT_VALGRIND_DIR:-}" ]; then
	PATH="$OCT_TOP/tests/valgrind:$PATH"
fi
export OCT_STATE_DIR="$BATS_TEST_TMPDIR/state"

# assert_json_line: $output is exactly one line that jq reads as an object.
assert_json_line() {
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] ||
	    fail "expected one line, got: $output"
	printf '%s\n' "$output" | jq -e 'type == "object"' >/dev/null ||
	    fail "not a JSON object: $output"
}

# jqo FILTER: apply jq FILTER to $output and print the result raw.
jqo() {
	printf '%s\n' "$output" | jq -r "$1"
}

# figure SCENARIO TEXT...: one line of figures in the TAP output,
# "# figure: SCENARIO: TEXT" (tests/bench/faults.sh collects them).
figure() {
	local s=$1
	shift
	printf '# figure: %s: %s\n' "$s" "$*" >&3
}

# free_port: a TCP port of 127.0.0.1 that no socket of any state uses and
# that no test of this file was given before (a port handed out is bound
# only later).  Taken from OCT_TEST_PORTS ("LO-HI"), a range that
# tests/run.sh gives each suite it runs at the same time as others, so
# that two suites never draw the same port; else from 20000-32767, below
# the kernel's ephemeral ports, which outgoing connections take.
free_port() {
	local lo=20000 hi=32767 p n=0
	local given=${BATS_FILE_TMPDIR:-$BATS_RUN_TMPDIR}/.free-ports
	case ${OCT_TEST_PORTS:-} in
	[0-9]*-[0-9]*) lo=${OCT_TEST_PORTS%-*} hi=${OCT_TEST_PORTS#*-} ;;
	esac
	while :; do
		n=$((n + 1))
		if [ "$n" -gt 1000 ]; then
			echo "free_port: no free port in $lo-$hi" >&2
			return 1
		fi
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		grep -qsx "$p" "$given" && continue
		ss -Htan "sport = :$p" | grep -q . && continue
		echo "$p" >>"$given"
		echo "$p"
		return 0
	done
}

# Octavia's own amphora agent (Debian python3-octavia) as a peer, started
# once per file by tests/peers/octavia-agent/run-agent.sh under
# $BATS_FILE_TMPDIR/agentN.

# have_octavia: the agent is installed and we may run it (root).
have_octavia() {
	[ -x /usr/bin/amphora-agent ] && [ "$(id -u)" = 0 ]
}

# octavia_start N PKI [AMP_ID]: run agent N on a free port with the PKI
# that peers/octavia-agent/setup.sh made; nothing where have_octavia
# fails (octavia_port skips those tests).
octavia_start() {
	local p
	have_octavia || return 0
	p=$(free_port) || return 1
	"$OCT_TOP/tests/peers/octavia-agent/run-agent.sh" "$p" \
	    "$BATS_FILE_TMPDIR/agent$1" "$2" ${3:+"$3"} >/dev/null || return 1
	echo "$p" >"$BATS_FILE_TMPDIR/agent$1.port"
}

# octavia_stop: stop every agent octavia_start started (teardown_file).
octavia_stop() {
	local d
	for d in "$BATS_FILE_TMPDIR"/agent*/; do
		[ -d "$d" ] || continue
		"$OCT_TOP/tests/peers/octavia-agent/stop-agent.sh" "$d" >/dev/null
	done
}

# octavia_port VAR N: set VAR to the port of agent N, or skip the test (in
# this shell: a skip inside $(...) would only end the subshell).
octavia_port() {
	have_octavia || skip "no octavia-agent here (or not root)"
	printf -v "$1" %s "$(cat "$BATS_FILE_TMPDIR/agent$2.port")"
}
