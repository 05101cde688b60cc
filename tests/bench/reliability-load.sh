#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# reliability-load.sh: the load figures of issue 7 for oct-agent, the
# scenarios of tests/agentstress.bats with bigger counts, on this machine:
#   - IDLE mutual-TLS connections held through the handshake, then LORIS
#     slow-loris clients beside them (a header byte every 0.5 s): latency
#     of GET /1.0/info on a new connection before, with the idle ones, with
#     both; the agent's RSS and PSS (/proc/<pid>/smaps_rollup) idle, loaded
#     and after its read timeout has cut them all;
#   - REQUESTS kept-alive requests, then a tenth as many on new
#     connections: errors and the growth of RSS;
#   - ROTATIONS PUT /1.0/certificate while two agentload runs (new
#     connections, kept-alive) send requests: errors, and whether each new
#     connection got the certificate just put;
#   - RELOADS uploads and reloads of a load balancer (the configuration
#     oct-config renders for tests/lb/http.json, on 127.0.0.1, two members
#     served by one haproxy) while wrk drives HTTP through it: requests,
#     errors, latency, and the reloads haproxy's master counted.
# It prints one line per figure, "name value", the unit in the name.
#
#	tests/bench/reliability-load.sh [-c idle] [-l loris] [-n requests]
#	    [-r reloads] [-R rotations] [-T read_timeout]
#
# Needs `make all benchtools`, haproxy, wrk, jq, curl, openssl, python3.
# Traffic goes to 127.0.0.1 only; every loop is bounded; everything
# started here is stopped on exit.  KEEP=1 keeps the temporary directory.
set -eu

usage() {
	echo "usage: reliability-load.sh [-c idle] [-l loris] [-n requests]" \
	    "[-r reloads] [-R rotations] [-T read_timeout]"
}

idle=4000
loris=400
requests=100000
reloads=200
rotations=50
rtimeout=90
while getopts c:hl:n:r:R:T: opt; do
	case $opt in
	c) idle=$OPTARG ;;
	h) usage; exit 0 ;;
	l) loris=$OPTARG ;;
	n) requests=$OPTARG ;;
	r) reloads=$OPTARG ;;
	R) rotations=$OPTARG ;;
	T) rtimeout=$OPTARG ;;
	*) usage >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 0 ]; then
	usage >&2
	exit 64
fi
for n in "$idle" "$loris" "$requests" "$reloads" "$rotations" "$rtimeout"; do
	case $n in
	''|*[!0-9]*|0*) usage >&2; exit 64 ;;
	esac
done
if [ "$idle" -gt 16384 ] || [ "$loris" -gt 16384 ]; then
	echo "reliability-load.sh: -c and -l: at most 16384" >&2
	exit 64
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
bench=${OCT_BENCH_DIR:-$top/build/std/bench}
case $bench in /*) ;; *) bench=$top/$bench ;; esac
al=$bench/agentload
amp='amp-r'

warn() {
	echo "reliability-load.sh: $*" >&2
}

for f in "$al" "$top/bin/oct-agent" "$top/bin/oct-cert" \
    "$top/bin/oct-config"; do
	if [ ! -x "$f" ]; then
		warn "$f: not built (make all benchtools)"
		exit 66
	fi
done
for c in haproxy wrk jq curl openssl python3; do
	if ! command -v "$c" >/dev/null; then
		warn "$c: not found"
		exit 69
	fi
done

tmp=$(mktemp -d /tmp/oct-reliability.XXXXXX)
apid=
pids=

# Stop what this script started, by pid: the load clients, the agent,
# the load balancer's haproxy master and the backends' haproxy.
cleanup() {
	set +e
	for p in $pids $apid; do
		kill "$p" 2>/dev/null
	done
	for f in "$tmp/base/lb-r/haproxy.pid" "$tmp/be.pid"; do
		[ -f "$f" ] || continue
		p=$(head -n 1 "$f")
		if grep -qs haproxy "/proc/$p/cmdline"; then
			kill "$p"
		fi
	done
	for p in $pids $apid; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then
		warn "kept $tmp"
	else
		rm -rf -- "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 75' INT TERM HUP

# fig NAME VALUE: one figure.
fig() {
	printf '%-44s %s\n' "$1" "$2"
}

freeport() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# rss, pss: the agent's memory in KiB; fds: its open descriptors.
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$apid/status"
}

pss() {
	awk '/^Pss:/ { print $2 }' "/proc/$apid/smaps_rollup"
}

fds() {
	find "/proc/$apid/fd" -mindepth 1 | wc -l
}

# al ARGS...: agentload with our client certificate.  In the background
# it must run as "$al" itself: kill and wait need its own pid.
al() {
	"$al" -A "$ca" -E "$cert" -K "$key" "$@"
}

# measure NAME ARGS...: agentload on GET /1.0/info into $tmp/NAME.json.
measure() {
	m_name=$1
	shift
	if ! al "$@" "$url" >"$tmp/$m_name.json" 2>"$tmp/$m_name.err"; then
		warn "$m_name: $(head -n 1 "$tmp/$m_name.err")"
	fi
}

# get NAME FILTER: jq FILTER on $tmp/NAME.json.
get() {
	jq -r "$2" "$tmp/$1.json"
}

# hold NAME ARGS...: agentload -H in the background; returns once its
# connections are open (its first line), $tmp/NAME.out.
hold() {
	h_name=$1
	shift
	"$al" -A "$ca" -E "$cert" -K "$key" "$@" "$url" >"$tmp/$h_name.out" \
	    2>"$tmp/$h_name.err" &
	pids="$pids $!"
	h_i=0
	while [ ! -s "$tmp/$h_name.out" ]; do
		h_i=$((h_i + 1))
		if [ "$h_i" -gt 6000 ]; then
			warn "$h_name: not open after 600 s"
			exit 75
		fi
		sleep 0.1
	done
}

# put PATH [FILE]: PUT to the agent; prints the HTTP status.
put() {
	curl -sS --max-time 60 --cacert "$ca" --cert "$cert" --key "$key" \
	    -o /dev/null -w '%{http_code}' -X PUT \
	    ${2:+--data-binary "@$2"} "https://127.0.0.1:$port$1"
}

# Certificates and the agent.
export OCT_STATE_DIR="$tmp/state"
"$top/bin/oct-cert" ca >/dev/null
echo "{\"id\":\"$amp\",\"address\":\"127.0.0.1\"}" |
    "$top/bin/oct-cert" issue --role server >/dev/null
echo '{"id":"amp-r2","address":"127.0.0.1"}' |
    "$top/bin/oct-cert" issue --role server >/dev/null
"$top/bin/oct-cert" issue --role client --id controller </dev/null >/dev/null
ca=$OCT_STATE_DIR/ca/ca.pem
cert=$OCT_STATE_DIR/controller/client.pem
key=$OCT_STATE_DIR/controller/client.key
port=$(freeport)
url=https://127.0.0.1:$port/1.0/info
printf '%s\n' '[amphora_agent]' "agent_request_read_timeout = $rtimeout" \
    '[oct_agent]' "max_connections = $((idle + loris + 200))" \
    >"$tmp/agent.conf"
"$top/bin/oct-agent" --amphora-id "$amp" --bind 127.0.0.1 --port "$port" \
    --server-cert "$OCT_STATE_DIR/certs/$amp.pem" \
    --server-key "$OCT_STATE_DIR/certs/$amp.key" --client-ca "$ca" \
    --base-path "$tmp/base" --config-file "$tmp/agent.conf" \
    2>"$tmp/agent.log" &
apid=$!
i=0
until al -n 1 -w 2 "$url" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 50 ] || ! kill -0 "$apid" 2>/dev/null; then
		warn "oct-agent does not answer (log: $tmp/agent.log)"
		exit 75
	fi
	sleep 0.1
done

fig date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
fig cpus "$(nproc)"
fig loadavg_before "$(cut -d' ' -f1 /proc/loadavg)"
fig haproxy "$(haproxy -v | awk 'NR == 1 { print $3 }')"
fig agent_fd_limit "$(awk '/^Max open files/ { print $4 }' \
    "/proc/$apid/limits")"

# 1. Idle connections and slow loris beside new requests.
measure warm -n 200
measure base -n 500
fig idle_rss_kib "$(rss)"
fig idle_pss_kib "$(pss)"
fig idle_info_new_conn_p50_ms "$(get base .p50_ms)"
fig idle_info_new_conn_p99_ms "$(get base .p99_ms)"
fd0=$(fds)
hold held -H idle -c "$idle" -t $((rtimeout * 3)) -w 10
fig idle_conns_held "$(head -n 1 "$tmp/held.out" | jq .held)"
fig idle_conns_open_s "$(head -n 1 "$tmp/held.out" | jq .open_s)"
fig idle_conns_errors "$(head -n 1 "$tmp/held.out" | jq .errors)"
measure busy -n 500
fig idle_conns_rss_kib "$(rss)"
fig idle_conns_pss_kib "$(pss)"
fig idle_conns_info_requests "$(get busy .requests)"
fig idle_conns_info_errors "$(get busy .errors)"
fig idle_conns_info_new_conn_p50_ms "$(get busy .p50_ms)"
fig idle_conns_info_new_conn_p99_ms "$(get busy .p99_ms)"
hold slow -H slow -c "$loris" -i 500 -t $((rtimeout * 3)) -w 10
fig loris_held "$(head -n 1 "$tmp/slow.out" | jq .held)"
measure loris -n 500
fig loris_rss_kib "$(rss)"
fig loris_pss_kib "$(pss)"
fig loris_agent_fds "$(fds)"
fig loris_info_requests "$(get loris .requests)"
fig loris_info_errors "$(get loris .errors)"
fig loris_info_new_conn_p50_ms "$(get loris .p50_ms)"
fig loris_info_new_conn_p99_ms "$(get loris .p99_ms)"
# The read timeout cuts them all; holders end when they are.
for p in $pids; do
	wait "$p" || true
done
pids=
for h in held slow; do
	tail -n 1 "$tmp/$h.out" >"$tmp/$h-end.json"
	fig "${h}_cut_by_agent" "$(get "$h-end" .closed_by_peer)"
	fig "${h}_cut_after_max_s" "$(get "$h-end" .held_max_s)"
done
sleep 1
fig after_rss_kib "$(rss)"
fig after_pss_kib "$(pss)"
fig after_agent_fds_over_idle $(($(fds) - fd0))

# 2. Requests: kept-alive, then new connections; RSS before and after.
measure warm2 -n 2000 -c 2 -k
rss0=$(rss)
measure ka -n "$requests" -c 4 -k
measure new -n $((requests / 10)) -c 2
fig requests_keepalive "$(get ka .requests)"
fig requests_keepalive_errors "$(get ka .errors)"
fig requests_keepalive_rps "$(get ka .rps)"
fig requests_new_conn "$(get new .requests)"
fig requests_new_conn_errors "$(get new .errors)"
fig requests_new_conn_rps "$(get new .rps)"
fig requests_rss_before_kib "$rss0"
fig requests_rss_after_kib "$(rss)"

# 3. Server certificate rotation under load.
cat "$OCT_STATE_DIR/certs/$amp.pem" "$OCT_STATE_DIR/certs/$amp.key" \
    >"$tmp/c0.pem"
cat "$OCT_STATE_DIR/certs/amp-r2.pem" "$OCT_STATE_DIR/certs/amp-r2.key" \
    >"$tmp/c1.pem"
"$al" -A "$ca" -E "$cert" -K "$key" -n 10000000 -t 3600 -c 2 "$url" \
    >"$tmp/rot-new.json" 2>"$tmp/rot-new.err" &
rn=$!
"$al" -A "$ca" -E "$cert" -K "$key" -n 10000000 -t 3600 -c 2 -k "$url" \
    >"$tmp/rot-ka.json" 2>"$tmp/rot-ka.err" &
rk=$!
pids="$rn $rk"
sleep 0.5
ok=0
served=0
i=0
while [ "$i" -lt "$rotations" ]; do
	i=$((i + 1))
	c=$tmp/c$((i % 2)).pem
	if [ "$(put /1.0/certificate "$c")" = 202 ]; then
		ok=$((ok + 1))
	fi
	got=$(openssl s_client -connect "127.0.0.1:$port" -CAfile "$ca" \
	    -cert "$cert" -key "$key" </dev/null 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256 2>/dev/null) || true
	if [ "$got" = "$(openssl x509 -in "$c" -noout -fingerprint \
	    -sha256)" ]; then
		served=$((served + 1))
	fi
done
kill -TERM "$rn" "$rk"
wait "$rn" || true
wait "$rk" || true
pids=
fig rotations "$ok"
fig rotations_new_cert_served "$served"
fig rotation_new_conn_requests "$(get rot-new .requests)"
fig rotation_new_conn_errors "$(get rot-new .errors)"
fig rotation_keepalive_requests "$(get rot-ka .requests)"
fig rotation_keepalive_errors "$(get rot-ka .errors)"

# 4. Reloads under wrk: backends, the rendered configuration, the LB.
be_a=$(freeport)
be_b=$(freeport)
fe=$(freeport)
"$top/tests/bench/lb-local.sh" backends "$be_a" "$be_b" >"$tmp/be.cfg"
haproxy -D -p "$tmp/be.pid" -f "$tmp/be.cfg"
for w in 1 3; do
	"$top/tests/bench/lb-local.sh" config lb-r "$fe" "$be_a" "$be_b" "$w" \
	    "$tmp/base" >"$tmp/v$w.cfg"
done
if [ "$(put "/1.0/loadbalancer/$amp/lb-r/haproxy" "$tmp/v1.cfg")" != 202 ] ||
    [ "$(put /1.0/loadbalancer/lb-r/start)" != 202 ]; then
	warn "the load balancer did not start (log: $tmp/agent.log)"
	exit 75
fi
wrk -t 2 -c 16 -d 3600s -s "$top/tests/bench/wrk-json.lua" \
    "http://127.0.0.1:$fe/" >"$tmp/wrk.out" 2>&1 &
wp=$!
pids=$wp
sleep 0.5
ok=0
i=0
t0=$(date +%s)
while [ "$i" -lt "$reloads" ]; do
	i=$((i + 1))
	if [ "$(put "/1.0/loadbalancer/$amp/lb-r/haproxy" \
	    "$tmp/v$((i % 2 ? 3 : 1)).cfg")" = 202 ] &&
	    [ "$(put /1.0/loadbalancer/lb-r/reload)" = 202 ]; then
		ok=$((ok + 1))
	fi
done
secs=$(($(date +%s) - t0))
sleep 0.5
kill -INT "$wp"
wait "$wp" || true
pids=
tail -n 1 "$tmp/wrk.out" >"$tmp/wrk.json"
master=$(head -n 1 "$tmp/base/lb-r/haproxy.pid")
fig reloads "$ok"
fig reloads_seconds "$secs"
fig reloads_haproxy_master_count "$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show proc\n")
s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")' "$tmp/base/lb-r/master.sock" |
    awk -v m="$master" '$1 == m { print $3 }')"
fig reloads_wrk_requests "$(get wrk .requests)"
fig reloads_wrk_errors "$(get wrk .errors)"
fig reloads_wrk_socket_errors "$(get wrk \
    '.connect_errors + .read_errors + .write_errors + .timeouts')"
fig reloads_wrk_non2xx "$(get wrk .status_errors)"
fig reloads_wrk_rps "$(get wrk .rps)"
fig reloads_wrk_p50_ms "$(get wrk .p50_ms)"
fig reloads_wrk_p99_ms "$(get wrk .p99_ms)"
fig reloads_wrk_max_ms "$(get wrk .max_ms)"
fig end_rss_kib "$(rss)"
fig loadavg_after "$(cut -d' ' -f1 /proc/loadavg)"
