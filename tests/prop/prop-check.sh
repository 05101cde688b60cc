#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# prop-check.sh: the property of issue 12: every fully populated load
# balancer body that Octavia's API accepts is accepted by oct-config, and
# its configuration passes haproxy -c; a body holding one of the few values
# oct refuses by design (oct-config(1), "Octavia's bodies") exits 65 naming it.
#
#	tests/prop/prop-check.sh [-n count] [-s seed]
#
# The bodies come from octavia-bodies.py (Octavia's own types and checks,
# Debian's python3-octavia); oct-config --dry-run renders each and runs
# haproxy -c on it with its TLS files laid out.  make check runs a bounded
# count (tests/run.sh); run more with, say, -n 5000 -s 1000 (about 0.1 s a
# body).  Prints one line per failure and a summary; exits 1 on a failure.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
count=100 seed=1
while getopts n:s: opt; do
	case $opt in
	n) count=$OPTARG ;;
	s) seed=$OPTARG ;;
	*) echo "usage: prop-check.sh [-n count] [-s seed]" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
config=$top/bin/oct-config
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT INT TERM

# A certificate with its key (server.pem), the CA (ca.pem) and its CRL.
"$top/tests/tls-files.sh" "$tmp"

/usr/bin/python3 "$top/tests/prop/octavia-bodies.py" -n "$count" \
    -s "$seed" "$tmp" >"$tmp/list" 2>"$tmp/gen.err" || {
	cat "$tmp/gen.err" >&2
	exit 1
}

checked=0 failed=0 refusals=0
while read -r f verdict path; do
	checked=$((checked + 1))
	rc=0
	"$config" --dry-run --lb "$tmp/$f" >/dev/null 2>"$tmp/err" || rc=$?
	case $verdict in
	accept)
		[ "$rc" = 0 ] && continue
		echo "FAIL seed ${f%.json}: exit $rc: $(head -n 1 "$tmp/err")"
		;;
	refuse)
		refusals=$((refusals + 1))
		if [ "$rc" = 65 ] &&
		    grep -qF -- "$tmp/$f: $path: " "$tmp/err"; then
			continue
		fi
		echo "FAIL seed ${f%.json}: want 65 naming $path, got exit $rc: $(head -n 1 "$tmp/err")"
		;;
	esac
	failed=$((failed + 1))
	cp -- "$tmp/$f" "$tmp/failed-$f"
done <"$tmp/list"

if [ "$failed" -gt 0 ]; then
	mkdir -p "$top/build/prop"
	cp -- "$tmp"/failed-*.json "$top/build/prop/"
	echo "prop-check: the failing bodies are in build/prop/"
fi
echo "prop-check: $checked bodies Octavia accepts, seeds $seed..$((seed + count - 1)) ($refusals with a value oct refuses by design; $(sed 's/^octavia-bodies.py: //' "$tmp/gen.err")): $failed failed"
[ "$failed" = 0 ]
