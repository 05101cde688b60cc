#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# faults.sh: the fault scenarios of tests/faults.bats (issue 7) again, with
# larger counts, and one line of figures per scenario:
#   agent-kill       kill -9 of oct-agent during upload + reload
#   agent-sweep      one kill during haproxy -c, what the restart removes
#   full-disk        uploads to a full tmpfs
#   haproxy-*        haproxy missing, exiting 1, unable to bind, dying
#   record-kill      kill -9 of a process saving a state record
#
#	tests/bench/faults.sh [-f uploads] [-k kills] [-p rounds] [-r kills]
#
# Defaults: 200 agent kills, 50 full-disk uploads, 10 rounds of each
# haproxy failure, 3000 record kills (make check runs 30, 10, 3 and 300).
# Needs `make all benchtools` done and root (the tmpfs).  Traffic goes to
# 127.0.0.1 only, every loop is bounded, and everything started is
# stopped by the suite's teardown.  Exits 0 when every scenario passed.
set -eu

usage() {
	echo "usage: faults.sh [-f uploads] [-k kills] [-p rounds] [-r kills]"
}

full=50
kills=200
rounds=10
records=3000
while getopts f:hk:p:r: opt; do
	case $opt in
	f) full=$OPTARG ;;
	h) usage; exit 0 ;;
	k) kills=$OPTARG ;;
	p) rounds=$OPTARG ;;
	r) records=$OPTARG ;;
	*) usage >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 0 ]; then
	usage >&2
	exit 64
fi
for n in "$full" "$kills" "$rounds" "$records"; do
	case $n in
	''|*[!0-9]*|0*) usage >&2; exit 64 ;;
	esac
done

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 75' HUP INT TERM

start=$(date +%s)
status=0
FAULTS_KILLS=$kills FAULTS_FULL=$full FAULTS_HAPROXY=$rounds \
    FAULTS_RECORDS=$records bats --tap "$top/tests/faults.bats" \
    >"$tmp/tap" 2>&1 || status=$?
sed -n 's/^# figure: //p' "$tmp/tap"
if [ "$status" != 0 ]; then
	grep -A 20 '^not ok' "$tmp/tap" >&2 || true
	echo "faults.sh: some scenarios failed (bats exit $status)" >&2
	exit 70
fi
echo "all scenarios passed in $(($(date +%s) - start)) s"
