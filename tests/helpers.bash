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
