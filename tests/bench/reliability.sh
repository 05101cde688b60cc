#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# reliability.sh: the README's "Reliability" section, measured.  Runs, on
# this machine and in this order:
#   - each libFuzzer target for FUZZ seconds, but the agent's whole
#     requests (the agent target) for AGENT inputs, and the renderer's
#     property (haproxy -c on the configs of accepted models): make fuzz;
#   - the fault scenarios with their larger counts: tests/bench/faults.sh;
#   - the load scenarios: tests/bench/reliability-load.sh;
#   - the agent's suites with oct-agent under valgrind: make check
#     VALGRIND=1;
# and prints the section in Markdown, each figure from this run.  With -w
# it also replaces the section of README.md (between the markers
# "<!-- reliability -->" and "<!-- /reliability -->").
#
#	tests/bench/reliability.sh [-qw] [-a agent_runs] [-f fuzz_seconds]
#	    [-k dir | -r dir]
#
# -q: make check's smaller counts (a few minutes instead of about forty);
# -a: inputs of the agent target (default 10000000; 100000 with -q).
# -k: keep each step's output in dir; -r: run nothing, print the section
# from the outputs a -k run kept in dir.
# Needs root (namespaces, a tmpfs) and `make all benchtools`; installs
# what make fuzz and make check need.  Traffic goes to 127.0.0.1 only.
set -eu

usage() {
	echo "usage: reliability.sh [-qw] [-a agent_runs] [-f fuzz_seconds] [-k dir | -r dir]"
}

quick=0 write=0 fuzz=60 keep='' reuse='' agent=''
while getopts a:f:hk:qr:w opt; do
	case $opt in
	a) agent=$OPTARG ;;
	f) fuzz=$OPTARG ;;
	h) usage; exit 0 ;;
	k) keep=$OPTARG ;;
	r) reuse=$OPTARG ;;
	q) quick=1 ;;
	w) write=1 ;;
	*) usage >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 64; }
case $fuzz in ''|*[!0-9]*|0*) usage >&2; exit 64 ;; esac
case $agent in *[!0-9]*|0*) usage >&2; exit 64 ;; esac

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
if [ -n "$reuse" ]; then
	tmp=$reuse
elif [ -n "$keep" ]; then
	mkdir -p "$keep"
	tmp=$keep
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 75' HUP INT TERM

say() { printf '%s\n' "$*" >&2; }

if [ "$quick" = 1 ]; then
	agent=${agent:-100000}
	fargs="-k 30 -f 10 -p 3 -r 300"
	largs="-c 1000 -l 100 -n 10000 -r 20 -R 10 -T 25"
else
	fargs=""
	largs=""
fi

# measure: every step, its output in $tmp.
measure() {
	t0=$(date +%s)
	agent=${agent:-10000000}
	say "reliability.sh: fuzzing, $fuzz s a target, $agent agent requests"
	make --no-print-directory fuzz FUZZ_SECONDS="$fuzz" \
	    FUZZ_RUNS="agent=$agent" >"$tmp/fuzz" 2>&1 || {
		cat "$tmp/fuzz" >&2
		exit 70
	}
	say "reliability.sh: faults"
	# shellcheck disable=SC2086 # options, one a word
	tests/bench/faults.sh $fargs >"$tmp/faults" 2>&1 || {
		cat "$tmp/faults" >&2
		exit 70
	}
	say "reliability.sh: load"
	# shellcheck disable=SC2086 # options, one a word
	tests/bench/reliability-load.sh $largs >"$tmp/load" 2>&1 || {
		cat "$tmp/load" >&2
		exit 70
	}
	say "reliability.sh: valgrind"
	make --no-print-directory check VALGRIND=1 >"$tmp/vg" 2>&1 || {
		tail -n 40 "$tmp/vg" >&2
		exit 70
	}
	echo "$((($(date +%s) - t0) / 60))" >"$tmp/minutes"
}

[ -n "$reuse" ] || measure

# f NAME: a figure of the load run.
f() {
	awk -v n="$1" '$1 == n { print $2; exit }' "$tmp/load"
}
mib() {
	awk -v k="$(f "$1")" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

{
	echo "<!-- reliability -->"
	echo "## Reliability"
	echo
	echo "Measured by \`tests/bench/reliability.sh\` on $(f date), $(nproc)" \
	    "cores, load average $(f loadavg_before) at the start, in" \
	    "$(cat "$tmp/minutes") minutes; every figure below is from" \
	    "that run. \`make check\` runs the same scenarios with smaller" \
	    "counts (\`tests/faults.bats\`, \`tests/agentstress.bats\`), fuzzes" \
	    "each target for 10 s, and runs everything again under ASan+UBSan" \
	    "and the agent's suite under valgrind."
	echo
	echo "### Fuzzing (libFuzzer, ASan+UBSan; corpora in \`tests/fuzz/\`)"
	echo
	# shellcheck disable=SC2016 # Markdown's backquotes, not the shell's
	sed -n 's/^fuzz \([a-z]*\): \([0-9]*\) runs in \([0-9]*\) s, corpus \([0-9]*\), nothing found$/- `\1`: \2 inputs in \3 s, nothing found (corpus \4)/p' \
	    "$tmp/fuzz"
	sed -n 's/^render-check: /- the renderer'"'"'s property, haproxy -c on the configs of accepted models: /p' \
	    "$tmp/fuzz"
	echo
	echo "### Faults (\`tests/bench/faults.sh\`)"
	echo
	sed -n 's/^\([a-z0-9-]*\): /- **\1**: /p' "$tmp/faults"
	echo
	echo "### Load (\`tests/bench/reliability-load.sh\`)"
	echo
	echo "| scenario | figures |"
	echo "| --- | --- |"
	echo "| idle agent | RSS $(mib idle_rss_kib), PSS $(mib idle_pss_kib); GET /1.0/info on a new connection p50 $(f idle_info_new_conn_p50_ms) ms, p99 $(f idle_info_new_conn_p99_ms) ms |"
	echo "| $(f idle_conns_held) idle mutual-TLS connections ($(f idle_conns_errors) errors) | RSS $(mib idle_conns_rss_kib); $(f idle_conns_info_requests) new requests, $(f idle_conns_info_errors) errors, p50 $(f idle_conns_info_new_conn_p50_ms) ms, p99 $(f idle_conns_info_new_conn_p99_ms) ms |"
	echo "| + $(f loris_held) slow-loris clients | RSS $(mib loris_rss_kib); $(f loris_info_requests) new requests, $(f loris_info_errors) errors, p50 $(f loris_info_new_conn_p50_ms) ms, p99 $(f loris_info_new_conn_p99_ms) ms |"
	echo "| after the read timeout | RSS $(mib after_rss_kib), descriptors $(f after_agent_fds_over_idle) over idle |"
	echo "| $(f requests_keepalive) kept-alive requests | $(f requests_keepalive_errors) errors, $(f requests_keepalive_rps) req/s |"
	echo "| $(f requests_new_conn) requests, a new connection each | $(f requests_new_conn_errors) errors, $(f requests_new_conn_rps) req/s; RSS $(mib requests_rss_before_kib) before, $(mib requests_rss_after_kib) after |"
	echo "| $(f rotations) server certificate rotations (PUT /1.0/certificate) under load | new certificate served $(f rotations_new_cert_served) times; $(f rotation_new_conn_requests) new-connection requests, $(f rotation_new_conn_errors) errors; $(f rotation_keepalive_requests) kept-alive requests, $(f rotation_keepalive_errors) errors |"
	echo "| $(f reloads) config uploads and reloads in $(f reloads_seconds) s under wrk (haproxy's master counted $(f reloads_haproxy_master_count)) | $(f reloads_wrk_requests) requests, $(f reloads_wrk_errors) errors ($(f reloads_wrk_socket_errors) socket, $(f reloads_wrk_non2xx) non-2xx), $(f reloads_wrk_rps) req/s, p50 $(f reloads_wrk_p50_ms) ms, p99 $(f reloads_wrk_p99_ms) ms, max $(f reloads_wrk_max_ms) ms |"
	echo
	echo "### Security posture"
	echo
	echo "Checked by \`tests/oct-agent.bats\` on every \`make check\`: TLS 1.1" \
	    "and every non-AEAD or non-forward-secret TLS 1.2 suite refused;" \
	    "no line of a key's bytes in the agent's log (\`-d\`) after keys" \
	    "were uploaded; the agent keeps 7 capabilities, sets" \
	    "no_new_privs, is not dumpable; haproxy's workers run as nobody;" \
	    "files it writes are root's and 0600. Under valgrind, its suite:" \
	    "$(grep -E '^[0-9]+ passed' "$tmp/vg" | tail -n 1)" \
	    "($(sed -n 's/^ok .*valgrind: \([0-9]*\) agents ran under memcheck$/\1/p' "$tmp/vg") agents, no report)."
	echo "<!-- /reliability -->"
} >"$tmp/section"

cat "$tmp/section"
if [ "$write" = 1 ]; then
	awk -v f="$tmp/section" '
	    /^<!-- reliability -->$/ { while ((getline l < f) > 0) print l; skip = 1; next }
	    /^<!-- \/reliability -->$/ { skip = 0; next }
	    !skip' README.md >"$tmp/README.md"
	grep -q '^<!-- reliability -->$' README.md ||
	    cat "$tmp/section" >>"$tmp/README.md"
	cat "$tmp/README.md" >README.md
fi
