#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# agent.sh: oct-agent beside Octavia's own amphora agent (Debian
# python3-octavia), on this machine, in one run, and beside the floor that
# haproxy alone sets.  For each agent it measures, over mutual TLS 1.2 (as
# Octavia's controller speaks it) and with the same certificates:
#   - GET /1.0/info: requests per second and p50/p99 latency, with a new
#     connection per request (what the controller does) and with keep-alive;
#   - resident memory when idle: RSS summed over the agent's processes and
#     PSS from /proc/<pid>/smaps_rollup;
#   - upload + reload: PUT /1.0/loadbalancer/<amp>/<lb>/haproxy then
#     PUT /1.0/loadbalancer/<lb>/reload, each on a new connection, over
#     rounds alternating two configs; after each round the load balancer
#     is asked (untimed) which config it serves;
# and the floor: the same two configs installed, checked with haproxy -c
# and reloaded by haproxy's own master-worker (SIGUSR2) until the new worker
# answers on the master CLI (hafloor).  The series are interleaved (info
# runs by turns, reload rounds in blocks of 5: floor, then each agent round
# by round) so that other load on the machine weighs on every side alike.
# Then the ratios against the targets
# of issue 3: at least 50 times Octavia's throughput, at most 1/30 of its
# memory, upload + reload within 20 ms of the floor.
#
#	tests/bench/agent.sh [-j] [-c concurrency] [-r rounds] [-t seconds]
#
# -j prints one JSON object instead of the table.  OCT_AGENT=path runs
# another oct-agent binary, HAPROXY=path another haproxy.  Needs `make all
# benchtools` done; Octavia's agent needs root (a mount namespace, see
# tests/peers/octavia-agent); a side that cannot run shows "n/a".  Traffic
# goes to 127.0.0.1 only (and inside the namespace the Octavia peer makes),
# every loop is bounded, and everything started here is stopped on exit.
set -eu

usage() {
	echo "usage: agent.sh [-j] [-c concurrency] [-r rounds] [-t seconds]"
}

json=0
conc=4
rounds=20
secs=10
while getopts c:hjr:t: opt; do
	case $opt in
	c) conc=$OPTARG ;;
	h) usage; exit 0 ;;
	j) json=1 ;;
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) usage >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 0 ]; then
	usage >&2
	exit 64
fi
for n in "$conc" "$rounds" "$secs"; do
	case $n in
	''|*[!0-9]*|0*) usage >&2; exit 64 ;;
	esac
done

top=$(cd "$(dirname "$0")/../.." && pwd)
bench=${OCT_BENCH_DIR:-$top/build/std/bench}
case $bench in /*) ;; *) bench=$top/$bench ;; esac
peer=$top/tests/peers/octavia-agent
haproxy=${HAPROXY:-/usr/sbin/haproxy}
octagent=${OCT_AGENT:-$top/bin/oct-agent}
agentload=$bench/agentload
hafloor=$bench/hafloor
lb=6d2a4b1e-5c1f-4e8a-9a0b-1c2d3e4f5a6b
lst=7e3b5c2f-0d4e-4f1a-8b2c-3d4e5f6a7b8c

warn() {
	echo "agent.sh: $*" >&2
}

for f in "$agentload" "$hafloor"; do
	if [ ! -x "$f" ]; then
		warn "$f: not built (make all benchtools)"
		exit 66
	fi
done
for c in "$haproxy" jq curl ss nsenter; do
	if ! command -v "$c" >/dev/null; then
		warn "$c: not found"
		exit 69
	fi
done
have_oct=1
have_oa=1
if [ ! -x "$octagent" ]; then
	warn "$octagent not built: its column is n/a"
	have_oct=0
fi
if [ ! -x /usr/bin/amphora-agent ] || [ ! -x "$peer/run-agent.sh" ] ||
    [ "$(id -u)" != 0 ]; then
	warn "Octavia's agent cannot run here (needs root and python3-octavia):" \
	    "its column is n/a"
	have_oa=0
fi
if [ "$have_oct$have_oa" = 00 ]; then
	warn "no agent to measure"
	exit 69
fi

tmp=$(mktemp -d /tmp/octt-bench.XXXXXX)
oct_pid=
oa_started=0
floor_pid=

# Stop what this script started, by pid: oct-agent, the haproxy it started
# (a daemon, found by its pid file), Octavia's agent and its haproxy (by
# stop-agent.sh, from the pids under its directory), hafloor.
cleanup() {
	set +e
	if [ -n "$floor_pid" ]; then
		kill "$floor_pid" 2>/dev/null
	fi
	if [ -n "$oct_pid" ]; then
		kill "$oct_pid" 2>/dev/null
		wait "$oct_pid" 2>/dev/null
	fi
	if [ -f "$tmp/oct/$lb/haproxy.pid" ]; then
		while read -r p; do
			if grep -q haproxy "/proc/$p/comm" 2>/dev/null; then
				kill "$p"
			fi
		done <"$tmp/oct/$lb/haproxy.pid"
	fi
	if [ "$oa_started" = 1 ]; then
		"$peer/stop-agent.sh" "$tmp/oa" >/dev/null
	fi
	if [ -n "${KEEP:-}" ]; then
		warn "kept $tmp"
	else
		rm -rf -- "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 75' INT TERM HUP

# freeport: print a TCP port below the ephemeral range (where outgoing
# connections take theirs) that no TCP socket uses, not one printed before.
used=
freeport() {
	p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
	while ss -Htan "sport = :$p" | grep -q . ||
	    case " $used " in *" $p "*) true ;; *) false ;; esac; do
		p=$((p + 1))
	done
	used="$used $p"
	echo "$p"
}

# mkcfg SOCKDIR PORT VERSION: a small real config whose one frontend on
# 127.0.0.1:PORT answers "vVERSION"; the stats socket where the agents
# look for it (<base_path>/<lb_id>.sock).
mkcfg() {
	cat <<EOF
# oct bench $3
global
    maxconn 1000
    stats socket $1/$lb.sock mode 0666 level user

defaults
    mode http
    timeout connect 5s
    timeout client 50s
    timeout server 50s

frontend $lst
    maxconn 1000
    bind 127.0.0.1:$2
    http-request return status 200 content-type text/plain string "v$3"
EOF
}

# pct P: the nearest-rank P-th percentile of the numbers on stdin.
pct() {
	sort -n | awk -v p="$1" '{ v[NR] = $1 }
	    END { if (NR == 0) { print "null"; exit }
		k = int(p / 100 * NR + 0.999999); if (k < 1) k = 1
		printf "%.1f\n", v[k] }'
}

# mem PID...: "RSS_KiB PSS_KiB" summed over the pids.
mem() {
	k_rss=0
	k_pss=0
	for k_p in "$@"; do
		k_r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$k_p/status")
		k_s=$(awk '/^Pss:/ { print $2 }' "/proc/$k_p/smaps_rollup")
		k_rss=$((k_rss + ${k_r:-0}))
		k_pss=$((k_pss + ${k_s:-0}))
	done
	echo "$k_rss $k_pss"
}

# agent_pids PID: PID and its descendants, without haproxy and the syslog
# stand-in of the Octavia peer (scaffolding, not the agent).
agent_pids() {
	ps -eo pid=,ppid= | awk -v root="$1" '
	    { kid[$2] = kid[$2] " " $1 }
	    END { q[1] = root; n = 1
		for (i = 1; i <= n; i++) {
			print q[i]; m = split(kid[q[i]], k, " ")
			for (j = 1; j <= m; j++) q[++n] = k[j]
		} }' | while read -r p; do
		c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		a=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
		case $c:$a in
		haproxy:*|*syslog-sink.py*) ;;
		*) echo "$p" ;;
		esac
	done
}

pki=$tmp/pki
"$peer/setup.sh" "$pki" >/dev/null
amp=$(cat "$pki/amp-id.txt")
tls="-2 -A $pki/ca.pem -E $pki/client.pem -K $pki/client.key -S $amp"

# load NAME PORT/PATH ARGS...: agentload against the agent on PORT, its
# JSON line into $tmp/NAME.json (also when some requests failed).
load() {
	l_name=$1
	l_where=$2
	shift 2
	# shellcheck disable=SC2086 # $tls is a list of words
	"$agentload" $tls "$@" "https://127.0.0.1:$l_where" \
	    >"$tmp/$l_name.json" 2>>"$tmp/agentload.log" || true
	if [ ! -s "$tmp/$l_name.json" ]; then
		echo '{"errors":1}' >"$tmp/$l_name.json"
	fi
}

# wait_up PORT: until GET / answers, at most 30 s.
wait_up() {
	w_end=$(($(date +%s) + 30))
	# shellcheck disable=SC2086
	until "$agentload" $tls -n 1 -w 1 "https://127.0.0.1:$1/" \
	    >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$w_end" ]; then
			return 1
		fi
		sleep 0.2
	done
}

# served NAME PORT: what the load balancer's frontend answers, asked from
# inside the network namespace of its haproxy.
served() {
	s_hp=
	if [ "$1" = oct ]; then
		s_pf=$tmp/oct/$lb/haproxy.pid
	else
		s_pf=$tmp/oa/root/var-lib-octavia/$lb/$lb.pid
	fi
	s_hp=$(head -n 1 "$s_pf" 2>/dev/null) || true
	if [ -z "$s_hp" ] || [ ! -e "/proc/$s_hp/ns/net" ]; then
		echo "?"
		return
	fi
	nsenter --net="/proc/$s_hp/ns/net" curl -s -m 2 \
	    "http://127.0.0.1:$2/" 2>/dev/null || echo "?"
}

# info NAME PORT: GET /1.0/info, a new connection each, then keep-alive.
info() {
	warn "$1: GET /1.0/info, $secs s, new connection each"
	load "$1-warm" "$2/1.0/info" -n 20
	load "$1-info-new" "$2/1.0/info" -n "$nmax" -t "$secs" -c "$conc"
}
info_ka() {
	warn "$1: GET /1.0/info, $secs s, keep-alive"
	load "$1-info-ka" "$2/1.0/info" -n "$nmax" -t "$secs" -c "$conc" -k
}

# lb_start NAME PORT FEPORT SOCKDIR: the two configs; the first upload
# and start, not timed.
lb_start() {
	mkcfg "$4" "$3" 0 >"$tmp/$1-cfg0"
	mkcfg "$4" "$3" 1 >"$tmp/$1-cfg1"
	load "$1-up0" "$2/1.0/loadbalancer/$amp/$lb/haproxy" -n 1 -X PUT \
	    -b "$tmp/$1-cfg0" -w 60
	load "$1-start" "$2/1.0/loadbalancer/$lb/reload" -n 1 -X PUT -w 60
	: >"$tmp/$1-rounds"
	: >"$tmp/$1-round-errors"
	: >"$tmp/$1-stale"
}

# lb_round NAME PORT FEPORT I: upload config I % 2 and reload, each on a
# new connection; the sum of both latencies into NAME-rounds; then ask the
# frontend (untimed) whether it serves that config.
lb_round() {
	r_v=$(($4 % 2))
	load "$1-up" "$2/1.0/loadbalancer/$amp/$lb/haproxy" -n 1 -X PUT \
	    -b "$tmp/$1-cfg$r_v" -w 60
	load "$1-rl" "$2/1.0/loadbalancer/$lb/reload" -n 1 -X PUT -w 60
	if [ "$(jq -s 'map(.errors) | add' "$tmp/$1-up.json" \
	    "$tmp/$1-rl.json")" != 0 ]; then
		echo "$4" >>"$tmp/$1-round-errors"
	else
		jq -rs 'map(.p50_ms) | add' "$tmp/$1-up.json" \
		    "$tmp/$1-rl.json" >>"$tmp/$1-rounds"
	fi
	if [ "$(served "$1" "$3")" != "v$r_v" ]; then
		echo "$4" >>"$tmp/$1-stale"
	fi
}

# floor_block N: N rounds of hafloor (a fresh haproxy master each block),
# every round's times appended to floor-rounds, floor-check, floor-reload.
floor_block() {
	"$hafloor" -a -n "$1" -u "$fe_fl" "$haproxy" "$tmp/floor" \
	    "$tmp/floor-cfg0" "$tmp/floor-cfg1" >"$tmp/floor-block.json" &
	floor_pid=$!
	wait "$floor_pid" || warn "hafloor failed (log: $tmp/floor/haproxy.log)"
	floor_pid=
	if [ -s "$tmp/floor-block.json" ]; then
		jq -r '.all[][0]' "$tmp/floor-block.json" >>"$tmp/floor-rounds"
		jq -r '.all[][1]' "$tmp/floor-block.json" >>"$tmp/floor-check"
		jq -r '.all[][2]' "$tmp/floor-block.json" >>"$tmp/floor-reload"
	fi
}

# idle NAME PID: memory after a quiet moment, into $tmp/NAME-mem as
# "PROCESSES RSS_KIB PSS_KIB".
idle() {
	pids=$(agent_pids "$2")
	# shellcheck disable=SC2086 # one pid per word
	echo "$(echo $pids | wc -w) $(mem $pids)" >"$tmp/$1-mem"
}

nmax=$((secs * 100000))
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

if [ "$have_oct" = 1 ]; then
	p_oct=$(freeport)
	fe_oct=$(freeport)
	mkdir -p "$tmp/oct"
	"$octagent" --amphora-id "$amp" --bind 127.0.0.1 \
	    --port "$p_oct" --server-cert "$pki/server-$amp.pem" \
	    --client-ca "$pki/ca.pem" --base-path "$tmp/oct" \
	    --haproxy-cmd "$haproxy" 2>"$tmp/oct-agent.log" &
	oct_pid=$!
	if ! wait_up "$p_oct"; then
		warn "oct-agent does not answer (log: $tmp/oct-agent.log)"
		tail -n 5 "$tmp/oct-agent.log" >&2
		have_oct=0
	fi
fi
if [ "$have_oa" = 1 ]; then
	p_oa=$(freeport)
	fe_oa=$(freeport)
	oa_started=1
	if ! oa_pid=$("$peer/run-agent.sh" "$p_oa" "$tmp/oa" "$pki") ||
	    ! wait_up "$p_oa"; then
		warn "Octavia's agent does not answer (log: $tmp/oa/agent.log)"
		have_oa=0
	fi
fi

# The series run interleaved, so that other load on the machine weighs on
# every side alike.
if [ "$have_oct" = 1 ]; then info oct "$p_oct"; fi
if [ "$have_oa" = 1 ]; then info oa "$p_oa"; fi
if [ "$have_oct" = 1 ]; then info_ka oct "$p_oct"; fi
if [ "$have_oa" = 1 ]; then info_ka oa "$p_oa"; fi

warn "upload + reload and the floor: $rounds rounds, in blocks of 5"
if [ "$have_oct" = 1 ]; then lb_start oct "$p_oct" "$fe_oct" "$tmp/oct"; fi
if [ "$have_oa" = 1 ]; then
	lb_start oa "$p_oa" "$fe_oa" /var/lib/octavia
fi
fe_fl=$(freeport)
mkdir -p "$tmp/floor"
mkcfg "$tmp/floor" "$fe_fl" 0 >"$tmp/floor-cfg0"
mkcfg "$tmp/floor" "$fe_fl" 1 >"$tmp/floor-cfg1"
: >"$tmp/floor-rounds"
: >"$tmp/floor-check"
: >"$tmp/floor-reload"
i=1
while [ "$i" -le "$rounds" ]; do
	b=$((rounds - i + 1))
	if [ "$b" -gt 5 ]; then
		b=5
	fi
	floor_block "$b"
	j=0
	while [ "$j" -lt "$b" ]; do
		if [ "$have_oct" = 1 ]; then
			lb_round oct "$p_oct" "$fe_oct" $((i + j))
		fi
		if [ "$have_oa" = 1 ]; then
			lb_round oa "$p_oa" "$fe_oa" $((i + j))
		fi
		j=$((j + 1))
	done
	i=$((i + b))
done
jq -n --argjson n "$(wc -l <"$tmp/floor-rounds")" \
    --argjson p50 "$(pct 50 <"$tmp/floor-rounds")" \
    --argjson p99 "$(pct 99 <"$tmp/floor-rounds")" \
    --argjson c50 "$(pct 50 <"$tmp/floor-check")" \
    --argjson r50 "$(pct 50 <"$tmp/floor-reload")" \
    '{rounds: $n, p50_ms: $p50, p99_ms: $p99, check_p50_ms: $c50,
      reload_p50_ms: $r50}' >"$tmp/floor.json"

sleep 2
if [ "$have_oct" = 1 ]; then idle oct "$oct_pid"; fi
if [ "$have_oa" = 1 ]; then idle oa "$oa_pid"; fi

# the results, as one JSON object
side() {
	if [ "$2" != 1 ]; then
		echo null
		return
	fi
	read -r nproc rss pss <"$tmp/$1-mem"
	jq -n --slurpfile n "$tmp/$1-info-new.json" \
	    --slurpfile k "$tmp/$1-info-ka.json" \
	    --argjson nproc "$nproc" --argjson rss "$rss" --argjson pss "$pss" \
	    --argjson p50 "$(pct 50 <"$tmp/$1-rounds")" \
	    --argjson p99 "$(pct 99 <"$tmp/$1-rounds")" \
	    --argjson rerr "$(wc -l <"$tmp/$1-round-errors")" \
	    --argjson stale "$(wc -l <"$tmp/$1-stale")" \
	    '{info_new: $n[0], info_keepalive: $k[0], processes: $nproc,
	      rss_kib: $rss, pss_kib: $pss, upload_reload_p50_ms: $p50,
	      upload_reload_p99_ms: $p99, round_errors: $rerr,
	      rounds_not_serving_new_config: $stale}'
}
jq -n --argjson oct "$(side oct "$have_oct")" \
    --argjson oa "$(side oa "$have_oa")" \
    --slurpfile floor "$tmp/floor.json" \
    --arg date "$date" --arg load "$load0" \
    --arg load1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson cpus "$(nproc)" --argjson conc "$conc" \
    --argjson rounds "$rounds" --argjson secs "$secs" \
    --arg haproxy "$("$haproxy" -v | awk 'NR == 1 { print $3 }')" \
    --arg octavia "$(dpkg-query -W -f '${Version}' python3-octavia \
	2>/dev/null || echo none)" \
    '{date: $date, cpus: $cpus, loadavg_before: $load, loadavg_after: $load1,
      haproxy: $haproxy, octavia: $octavia, concurrency: $conc,
      seconds: $secs, rounds: $rounds, oct_agent: $oct, octavia_agent: $oa,
      floor: $floor[0]} |
    .ratios = {
      info_new_rps: (if .oct_agent and .octavia_agent
	and .octavia_agent.info_new.rps > 0 then
	.oct_agent.info_new.rps / .octavia_agent.info_new.rps else null end),
      info_keepalive_rps: (if .oct_agent and .octavia_agent
	and .octavia_agent.info_keepalive.rps > 0 then
	.oct_agent.info_keepalive.rps / .octavia_agent.info_keepalive.rps
	else null end),
      rss: (if .oct_agent and .octavia_agent and .oct_agent.rss_kib > 0
	then .octavia_agent.rss_kib / .oct_agent.rss_kib else null end),
      pss: (if .oct_agent and .octavia_agent and .oct_agent.pss_kib > 0
	then .octavia_agent.pss_kib / .oct_agent.pss_kib else null end),
      upload_reload_over_floor_ms: (if .oct_agent and .floor.p50_ms then
	.oct_agent.upload_reload_p50_ms - .floor.p50_ms else null end)}' \
    >"$tmp/result.json"

if [ "$json" = 1 ]; then
	jq -c . "$tmp/result.json"
	exit 0
fi

jq -r '
def n(x; d): if x == null then "n/a" else (x * pow(10; d) | round) /
    pow(10; d) | tostring end;
def mib(x): if x == null then "n/a" else n(x / 1024; 1) end;
def times(x): if x == null then "n/a" else n(x; 1) + "x" end;
def part(x): if x == null then "n/a" else "1/" + n(x; 0) end;
def pad(s; w): s + " " * ([1, w - (s | length)] | max);
def row(a; b; c; d; e): pad(a; 35) + pad(b; 19) + pad(c; 19) + pad(d; 9) +
    e | sub(" +$"; "");
def pp(x; y; d): n(x; d) + " / " + n(y; d);
. as $r | .oct_agent as $o | .octavia_agent as $a | .ratios as $q |
"agent benchmark \($r.date): \($r.cpus) CPUs, load \($r.loadavg_before) " +
"-> \($r.loadavg_after)",
"haproxy \($r.haproxy), octavia \($r.octavia); mutual TLS 1.2, the same " +
"certificates",
"\($r.concurrency) concurrent clients, \($r.seconds) s per run, " +
"\($r.rounds) upload + reload rounds",
"",
row(""; "oct-agent"; "Octavia agent"; "ratio"; "target"),
row("GET /1.0/info, new conn: req/s"; n($o.info_new.rps; 1);
    n($a.info_new.rps; 1); times($q.info_new_rps); ">= 50x"),
row("  p50 / p99 ms"; pp($o.info_new.p50_ms; $o.info_new.p99_ms; 2);
    pp($a.info_new.p50_ms; $a.info_new.p99_ms; 1); ""; ""),
row("  requests / errors"; pp($o.info_new.requests; $o.info_new.errors; 0);
    pp($a.info_new.requests; $a.info_new.errors; 0); ""; ""),
row("GET /1.0/info, keep-alive: req/s"; n($o.info_keepalive.rps; 1);
    n($a.info_keepalive.rps; 1); times($q.info_keepalive_rps); ""),
row("  p50 / p99 ms"; pp($o.info_keepalive.p50_ms;
    $o.info_keepalive.p99_ms; 2); pp($a.info_keepalive.p50_ms;
    $a.info_keepalive.p99_ms; 1); ""; ""),
row("  requests / connections"; pp($o.info_keepalive.requests;
    $o.info_keepalive.connections; 0); pp($a.info_keepalive.requests;
    $a.info_keepalive.connections; 0); ""; ""),
row("idle RSS MiB (processes)"; mib($o.rss_kib) + " (" + n($o.processes; 0) +
    ")"; mib($a.rss_kib) + " (" + n($a.processes; 0) + ")"; part($q.rss);
    "<= 1/30"),
row("idle PSS MiB"; mib($o.pss_kib); mib($a.pss_kib); part($q.pss); ""),
row("upload + reload p50 / p99 ms"; pp($o.upload_reload_p50_ms;
    $o.upload_reload_p99_ms; 1); pp($a.upload_reload_p50_ms;
    $a.upload_reload_p99_ms; 1); ""; ""),
row("  failed rounds / stale config"; pp($o.round_errors;
    $o.rounds_not_serving_new_config; 0); pp($a.round_errors;
    $a.rounds_not_serving_new_config; 0); ""; ""),
row("floor p50 / p99 ms"; pp($r.floor.p50_ms; $r.floor.p99_ms; 1); ""; "";
    ""),
row("  haproxy -c / reload p50 ms"; pp($r.floor.check_p50_ms;
    $r.floor.reload_p50_ms; 1); ""; ""; ""),
row("oct-agent minus floor, p50 ms"; n($q.upload_reload_over_floor_ms; 1);
    ""; ""; "<= 20")' "$tmp/result.json"
