#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# oct-agent under load (issue #7): a crowd of idle mutual-TLS connections
# and slow-loris clients, 10,000 requests, server certificate rotation
# while requests run, with certificates from oct-cert, all on 127.0.0.1.
# The load clients are agentload (make benchtools).  Bounds are generous,
# for a loaded 2-core machine: they catch stalls, failures and leaks, not
# performance targets.  The figures go to the TAP output as comments;
# tests/bench/reliability-load.sh runs the same with bigger counts.

load helpers
load agent

AMP=amp-s
AL="${OCT_BENCH_DIR:-$OCT_TOP/build/std/bench}/agentload"

setup() {
	[ -x "$AL" ] || skip "agentload not built (make benchtools)"
	agent_setup
	TLS=(-A "$CA" -E "$CERT" -K "$KEY")
}

teardown() {
	local p f
	# the backends' haproxy daemons too (their pid files are under $T)
	for f in "$T"/*.pid; do
		[ -f "$f" ] || continue
		p=$(head -n 1 "$f")
		grep -qs haproxy "/proc/$p/cmdline" && kill "$p" 2>/dev/null
	done
	agent_teardown
}

# start_agent_ini [INI LINE...]: start_agent with an amphora-agent.conf
# of these lines (and at most $NOFILE descriptors when set).  $URL: GET
# /1.0/info on it.
start_agent_ini() {
	printf '%s\n' "$@" >"$T/agent.conf"
	start_agent --config-file "$T/agent.conf"
	URL=https://127.0.0.1:$PORT/1.0/info
}

# hold NAME ARGS...: agentload -H in the background, its lines in
# $T/NAME.out; returns once all its connections are open (first line).
hold() {
	local name=$1 i
	shift
	"$AL" "${TLS[@]}" "$@" "$URL" >"$T/$name.out" 2>"$T/$name.err" &
	PIDS+=("$!")
	eval "${name}_pid=\$!"
	for i in $(seq 1200); do
		[ -s "$T/$name.out" ] && return 0
		sleep 0.1
	done
	cat "$T/$name.err" >&2
	return 1
}

# measure NAME ARGS...: agentload's JSON line for GET /1.0/info into
# $T/NAME.json; fails unless every request succeeded.
measure() {
	local name=$1
	shift
	"$AL" "${TLS[@]}" "$@" "$URL" >"$T/$name.json" 2>"$T/$name.err" || {
		cat "$T/$name.json" "$T/$name.err" >&2
		return 1
	}
}

# get NAME FILTER: jq FILTER on $T/NAME.json (or .out, last line).
get() {
	if [ -f "$T/$1.json" ]; then
		jq -r "$2" "$T/$1.json"
	else
		tail -n 1 "$T/$1.out" | jq -r "$2"
	fi
}

# rss, pss, fds: the agent's resident and proportional set sizes (KiB)
# and its open descriptors.
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$APID/status"
}

pss() {
	awk '/^Pss:/ { print $2 }' "/proc/$APID/smaps_rollup"
}

fds() {
	find "/proc/$APID/fd" -mindepth 1 | wc -l
}

# cpu: the agent's CPU time so far, in clock ticks.
cpu() {
	awk '{ print $14 + $15 }' "/proc/$APID/stat"
}

# sanitized: whether oct-agent is the ASan build (make SANITIZE=1), whose
# quarantine and shadow memory make its RSS say nothing about ours.
sanitized() {
	ldd "$OCT_TOP/bin/oct-agent" | grep -q libasan
}

@test "1,000 idle TLS connections: new requests still answered; 100 slow-loris clients delay nobody and are cut" {
	local fd0 lat rss0 pss0
	# The agent raises its soft descriptor limit to the hard one.
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 1300 ] ||
	    skip "1,100 connections need 1,300 descriptors"
	start_agent_ini '[amphora_agent]' 'agent_request_read_timeout = 25' \
	    '[oct_agent]' 'max_connections = 1200'
	measure warm -n 100
	measure idle -n 200
	fd0=$(fds)
	figure idle "rss $(rss) KiB, pss $(pss) KiB, $fd0 fds;" \
	    "GET /1.0/info new conn p50 $(get idle .p50_ms) ms," \
	    "p99 $(get idle .p99_ms) ms"
	echo "$(rss) $(pss)" >"$T/mem-idle"

	# 1,000 connections through the handshake, then silent.
	hold held -H idle -c 1000 -t 120 -w 10
	[ "$(head -n 1 "$T/held.out" | jq '[.held, .errors] | join(" ")' \
	    -r)" = "1000 0" ]
	[ "$(fds)" -ge $((fd0 + 1000)) ]
	measure busy -n 200
	[ "$(get busy .errors)" = 0 ]
	figure "1000 idle conns" "rss $(rss) KiB, pss $(pss) KiB, $(fds)" \
	    "fds; new conn p50 $(get busy .p50_ms) ms, p99" \
	    "$(get busy .p99_ms) ms, max $(get busy .max_ms) ms"
	get busy '.p99_ms < 1000' | grep -qx true

	# 100 slow-loris clients beside them: a header byte every 0.5 s.
	hold slow -H slow -c 100 -i 500 -t 120 -w 10
	[ "$(head -n 1 "$T/slow.out" | jq '[.held, .errors] | join(" ")' \
	    -r)" = "100 0" ]
	measure loris -n 200
	[ "$(get loris .errors)" = 0 ]
	figure "+100 slow loris" "rss $(rss) KiB, pss $(pss) KiB, $(fds)" \
	    "fds; new conn p50 $(get loris .p50_ms) ms, p99" \
	    "$(get loris .p99_ms) ms"
	echo "$(rss) $(pss)" >"$T/mem-loaded"
	get loris '.p99_ms < 1000' | grep -qx true
	# Near the figure without them: a generous ratio.
	lat=$(get busy .p50_ms)
	get loris ".p50_ms <= 3 * $lat + 20" | grep -qx true
	# Every one of them was still open while we measured.
	[ "$(fds)" -ge $((fd0 + 1100)) ]

	# The read timeout cuts them all, idle and slow alike, on time.
	wait "$held_pid"
	wait "$slow_pid"
	for h in held slow; do
		cat "$T/$h.out"
		get "$h" '.closed_by_peer == .held and .open == 0 and
		    .held_min_s >= 24 and .held_max_s < 40' | grep -qx true
	done
	[ "$(fds)" -le $((fd0 + 2)) ]
	measure after -n 100
	figure after "rss $(rss) KiB, pss $(pss) KiB, $(fds) fds;" \
	    "new conn p50 $(get after .p50_ms) ms"
	# The memory they took is given back: within 2 MiB of idle again
	# (4.5 MiB over it while libevent's entries for each descriptor
	# number were made as they came, a heap page pinned by each).
	sanitized && skip "RSS under ASan: not ours"
	read -r rss0 pss0 <"$T/mem-idle"
	[ "$(rss)" -le $((rss0 + 2048)) ]
	[ "$(pss)" -le $((pss0 + 2048)) ]
}

@test "10,000 requests: the agent's memory does not grow" {
	local rss0 rss1
	start_agent_ini
	# Warm up both paths: new connections and kept-alive ones.
	measure warm1 -n 1000 -c 2
	measure warm2 -n 1000 -c 2 -k
	rss0=$(rss)
	measure ka -n 10000 -c 4 -k
	measure new -n 2000 -c 2
	rss1=$(rss)
	figure "10,000 kept-alive + 2,000 new-connection requests" \
	    "rss $rss0 -> $rss1 KiB; $(get ka .rps) and $(get new .rps) req/s"
	[ "$(get ka .requests)" = 10000 ]
	[ "$(get new .requests)" = 2000 ]
	sanitized && skip "RSS under ASan: not ours"
	[ $((rss1 - rss0)) -le 2048 ]
}

@test "PUT /1.0/certificate under load: no request fails, new connections get the new certificate" {
	local i n=0 want got
	start_agent_ini
	echo '{"id":"amp-new","address":"127.0.0.1"}' |
	    oct-cert issue --role server >/dev/null
	cat "$SCERT" "$SKEY" >"$T/old.pem"
	cat "$OCT_STATE_DIR/certs/amp-new.pem" \
	    "$OCT_STATE_DIR/certs/amp-new.key" >"$T/new.pem"
	# Both name 127.0.0.1, which the clients verify.  The loads run
	# until told to stop.
	"$AL" "${TLS[@]}" -n 1000000 -t 300 -c 2 "$URL" >"$T/new-conns.json" \
	    2>"$T/new-conns.err" &
	PIDS+=("$!")
	newc=$!
	"$AL" "${TLS[@]}" -n 1000000 -t 300 -c 2 -k "$URL" >"$T/ka.json" \
	    2>"$T/ka.err" &
	PIDS+=("$!")
	kac=$!
	sleep 0.5
	for i in $(seq 10); do
		want=new
		[ $((i % 2)) = 0 ] && want=old
		run -0 curl -sS --max-time 10 --cacert "$CA" --cert "$CERT" \
		    --key "$KEY" -X PUT --data-binary "@$T/$want.pem" \
		    -w ' %{http_code}' "https://127.0.0.1:$PORT/1.0/certificate"
		assert_output '{"message":"OK"} 202'
		# A new connection is served the certificate just put.
		got=$(openssl s_client -connect "127.0.0.1:$PORT" \
		    -CAfile "$CA" -cert "$CERT" -key "$KEY" </dev/null \
		    2>/dev/null | openssl x509 -noout -fingerprint -sha256)
		[ "$got" = "$(openssl x509 -in "$T/$want.pem" -noout \
		    -fingerprint -sha256)" ]
		n=$((n + 1))
	done
	kill -INT "$newc" "$kac"
	wait "$newc" || { cat "$T/new-conns.err"; false; }
	wait "$kac" || { cat "$T/ka.err"; false; }
	figure "certificate rotation" "$n rotations; new conns:" \
	    "$(get new-conns .requests) requests," \
	    "$(get new-conns .errors) errors; kept-alive:" \
	    "$(get ka .requests) requests, $(get ka .errors) errors"
	[ "$n" = 10 ]
	[ "$(get new-conns .errors)" = 0 ]
	[ "$(get ka .errors)" = 0 ]
	get new-conns '.requests > 0' | grep -qx true
}

# haproxy_backends: one haproxy answering "backend A" and "backend B" on
# two free ports ($BE_A, $BE_B); its pid in $T/be.pid.
haproxy_backends() {
	BE_A=$(free_port)
	BE_B=$(free_port)
	"$OCT_TOP/tests/bench/lb-local.sh" backends "$BE_A" "$BE_B" \
	    >"$T/be.cfg"
	haproxy -D -p "$T/be.pid" -f "$T/be.cfg"
}

# lbcfg WEIGHT: the configuration oct-config renders for tests/lb/http.json
# as lb-w on 127.0.0.1:$FE, the backends its members, the second one with
# this weight.
lbcfg() {
	"$OCT_TOP/tests/bench/lb-local.sh" config lb-w "$FE" "$BE_A" "$BE_B" \
	    "$1" "$BASE"
}

# put PATH [FILE]: PUT to the agent (FILE as the body); prints the status.
put() {
	curl -sS --max-time 60 --cacert "$CA" --cert "$CERT" --key "$KEY" \
	    -o /dev/null -w '%{http_code}' -X PUT \
	    ${2:+--data-binary "@$2"} "https://127.0.0.1:$PORT$1"
}

@test "100 config reloads while wrk drives traffic through the load balancer: no failed request" {
	local i ok=0 wrk_pid master
	command -v wrk >/dev/null || skip "wrk not installed (make check does)"
	start_agent_ini
	haproxy_backends
	FE=$(free_port)
	lbcfg 1 >"$T/v1.cfg"
	lbcfg 3 >"$T/v3.cfg"
	[ "$(put /1.0/loadbalancer/$AMP/lb-w/haproxy "$T/v1.cfg")" = 202 ]
	[ "$(put /1.0/loadbalancer/lb-w/start)" = 202 ]
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
	# Kept-alive connections, each at most one request every 2 ms (a
	# 2-core machine must reload too); bounded by -d.
	WRK_DELAY_MS=2 wrk -t 1 -c 8 -d 300s -s "$OCT_TOP/tests/bench/wrk-json.lua" \
	    "http://127.0.0.1:$FE/" >"$T/wrk.out" 2>&1 &
	wrk_pid=$!
	PIDS+=("$wrk_pid")
	sleep 0.5
	for i in $(seq 100); do
		[ "$(put /1.0/loadbalancer/$AMP/lb-w/haproxy \
		    "$T/v$((i % 2 ? 3 : 1)).cfg")" = 202 ] &&
		    [ "$(put /1.0/loadbalancer/lb-w/reload)" = 202 ] &&
		    ok=$((ok + 1))
	done
	sleep 0.5
	kill -INT "$wrk_pid"
	wait "$wrk_pid"
	tail -n 1 "$T/wrk.out" | tee "$T/wrk.json"
	master=$(head -n 1 "$BASE/lb-w/haproxy.pid")
	figure "reloads under wrk" "$ok reloads; wrk:" \
	    "$(get wrk .requests) requests, $(get wrk .errors) errors," \
	    "$(get wrk .rps) req/s, p99 $(get wrk .p99_ms) ms"
	[ "$ok" = 100 ]
	# haproxy's master counts them too.
	run -0 python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show proc\n")
s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")' "$BASE/lb-w/master.sock"
	[ "$(awk -v m="$master" '$1 == m { print $3 }' <<<"$output")" = 100 ]
	get wrk '.requests > 1000 and .errors == 0' | grep -qx true
}

@test "out of descriptors, the agent neither spins nor floods its log, and serves again once connections close" {
	local c0 c1 tck
	# 64 descriptors: some 50 connections fill them, the rest wait in
	# the kernel's backlog until their handshake times out (1 s each).
	NOFILE=64 start_agent_ini
	[ "$(awk '/^Max open files/ { print $4 }' "/proc/$APID/limits")" = 64 ]
	c0=$(cpu)
	SECONDS=0
	hold crowd -H idle -c 60 -t 60 -w 1
	c1=$(cpu)
	tck=$(getconf CLK_TCK)
	head -n 1 "$T/crowd.out"
	figure "out of descriptors" "at the limit for $SECONDS s:" \
	    "$(head -n 1 "$T/crowd.out" | jq .held) connections held, agent CPU" \
	    "$(((c1 - c0) * 1000 / tck)) ms," \
	    "$(grep -c 'Too many open files' "$T/agent.log") log lines"
	head -n 1 "$T/crowd.out" | jq -e '.held >= 40 and .errors > 0'
	# A busy loop would take all of a CPU for those seconds.
	[ $(((c1 - c0) * 1000 / tck)) -le $((SECONDS * 100 + 500)) ]
	[ "$(grep -c 'Too many open files' "$T/agent.log")" -le 5 ]
	kill -TERM "$crowd_pid"
	wait "$crowd_pid" || true
	measure back -n 5 -w 5
	[ "$(get back .errors)" = 0 ]
}
