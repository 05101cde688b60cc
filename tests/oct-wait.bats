#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# oct-wait: real ICMP (raw and datagram sockets, IPv4 and IPv6) to
# 127.0.0.1, to ::1 inside a namespace of ours and to an empty namespace; real mutual TLS to
# Octavia's own amphora agent (Debian python3-octavia) and to oct-agent on
# 127.0.0.1; `openssl s_server -WWW` serving fixed answers where a fault
# (a listener down, an agent that comes up late) is needed.

load helpers

AMP_A=3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c0a
AMP_B=3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c0b
AMP_C=3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c0c
AMP_S=3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c05
NS=octtw1		# empty namespace behind a veth: pings go nowhere
DEAD=198.18.99.2	# its address, on a link that is down
PEERS="$BATS_TEST_DIRNAME/peers/octavia-agent"

setup_file() {
	export PKI="$BATS_FILE_TMPDIR/pki"
	"$PEERS/setup.sh" "$PKI" "$AMP_A" "$AMP_B" "$AMP_C" "$AMP_S" \
	    >/dev/null
	if [ "$(id -u)" = 0 ]; then
		ip netns del "$NS" 2>/dev/null || true
		ip netns add "$NS"
		ip link add "${NS}h" type veth peer name "${NS}n" netns "$NS"
		ip addr add 198.18.99.1/30 dev "${NS}h"
		ip link set "${NS}h" up
		ip -n "$NS" addr add "$DEAD/30" dev "${NS}n"
	fi
	octavia_start 0 "$PKI" "$AMP_A"
	octavia_start 1 "$PKI" "$AMP_B"
	octavia_start 2 "$PKI" "$AMP_C"
}

teardown_file() {
	octavia_stop
	if [ "$(id -u)" = 0 ]; then
		ip netns del "$NS" 2>/dev/null || true
		ip link del "${NS}h" 2>/dev/null || true
	fi
}

setup() {
	export OCT_STATE_DIR="$PKI/state"
}

teardown() {
	local pid
	# haproxy masters that oct-agent started outlive it.
	for pid in $(cat "$BATS_TEST_TMPDIR"/*.pid \
	    "$BATS_TEST_TMPDIR"/oa/*/haproxy.pid 2>/dev/null); do
		kill "$pid" 2>/dev/null || true
	done
	ip netns del octtw2 2>/dev/null || true
	# the --save test makes a directory immutable; bats must remove it
	chattr -i "$BATS_TEST_TMPDIR/st/amphorae" 2>/dev/null || true
}

# rec ID ADDRESS PORT [EXTRA]: one input record.
rec() {
	printf '{"id":"%s","address":"%s","agent_port":%s%s}\n' "$1" "$2" \
	    "$3" "${4:-}"
}

# www NAME PORT [DELAY]: an `openssl s_server -WWW` with the certificate of
# AMP_S serving the files under $BATS_TEST_TMPDIR/www on 127.0.0.1:PORT,
# after DELAY seconds; its pid goes to NAME.pid for teardown.
www() {
	(
		sleep "${3:-0}"
		cd "$BATS_TEST_TMPDIR/www" &&
		    exec openssl s_server -quiet -WWW -accept "127.0.0.1:$2" \
		    -cert "$PKI/server-$AMP_S.pem" -CAfile "$PKI/ca.pem" \
		    -Verify 1 -verify_return_error
	) >/dev/null 2>&1 &
	echo $! >"$BATS_TEST_TMPDIR/$1.pid"
	[ "${3:-0}" != 0 ] && return 0
	local n=0
	until ss -Hltn "sport = :$2" | grep -q .; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || fail "s_server did not start"
		sleep 0.05
	done
}

# info_files: the agent answers of a healthy agent under www/.
info_files() {
	mkdir -p "$BATS_TEST_TMPDIR/www/1.0"
	echo '{"api_version":"1.0","haproxy_version":"2.6.12","hostname":"amp-s"}' \
	    >"$BATS_TEST_TMPDIR/www/1.0/info"
	echo '[]' >"$BATS_TEST_TMPDIR/www/1.0/listeners"
	echo '{"api_version":"1.0","listeners":[]}' \
	    >"$BATS_TEST_TMPDIR/www/1.0/details"
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (raw ICMP, namespaces)"
}

@test "-h prints the usage on stdout and exits 0; --version" {
	run -0 --separate-stderr oct-wait -h
	assert_output --partial "usage: oct-wait [-huv] [--ca file]"
	[ -z "$stderr" ]
	run -0 oct-wait --version
	assert_output --regexp '^oct-wait [0-9a-z.-]+$'
}

@test "misuse exits 64 with nothing on stdout" {
	local args
	for args in "-x" "--parallel 0" "--parallel 12abc" "--port 70000" \
	    "--timeout 0" "--ping-timeout -1" "operand" "--parallel"; do
		# shellcheck disable=SC2086 # split on purpose
		run -64 --separate-stderr oct-wait $args </dev/null
		assert_output ""
		[[ $stderr == *usage:* ]] || fail "no usage for '$args': $stderr"
	done
}

@test "a missing client key is 66, a key open to others 77, before reading" {
	run -66 --separate-stderr oct-wait --key /nonexistent.key \
	    < <(rec x 127.0.0.1 1)
	assert_output ""
	[[ $stderr == *"/nonexistent.key"* ]]
	cp "$PKI/client.key" "$BATS_TEST_TMPDIR/open.key"
	chmod 644 "$BATS_TEST_TMPDIR/open.key"
	run -77 --separate-stderr oct-wait --key "$BATS_TEST_TMPDIR/open.key" \
	    < <(rec x 127.0.0.1 1)
	assert_output ""
	[[ $stderr == *"group or world"* ]]
}

@test "a line that is not a JSON object is 65; the other records go on" {
	need_root
	p=$(free_port)
	run -65 --separate-stderr oct-wait --once \
	    < <(echo 'not json'; rec "$AMP_A" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .status)" = AGENT_DOWN ]
	[[ $stderr == *"line 1"* ]] || [[ $stderr == *"1:"* ]]
}

@test "error records pass through untouched and set the exit status" {
	local in='{"id":"x","error":{"tool":"oct-boot","code":"EX_TEMPFAIL","message":"boom"}}'
	run -75 --separate-stderr oct-wait <<<"$in"
	[ "$output" = "$in" ]
}

@test "records without id or address, or with a bad port, are 65" {
	run -65 --separate-stderr oct-wait --once < <(
		echo '{"address":"127.0.0.1"}'
		echo '{"id":"a"}'
		echo '{"id":"a","address":"localhost"}'
		echo '{"id":"a","address":"127.0.0.1","agent_port":"x"}'
		echo '{"id":"a","address":"127.0.0.1","agent_port":0}'
		echo '{"id":"../a","address":"127.0.0.1"}')
	[ "${#lines[@]}" -eq 6 ]
	for i in 0 1 2 3 4 5; do
		[ "$(jq -r .error.code <<<"${lines[$i]}")" = EX_DATAERR ] ||
		    fail "line $i: ${lines[$i]}"
	done
	[ "$(jq -r .error.message <<<"${lines[0]}")" = 'record has no "id"' ]
	[ "$(jq -r .error.message <<<"${lines[1]}")" = \
	    'record has no "address"' ]
}

@test "READY: Octavia's agent answers ping on 127.0.0.1 and GET /1.0/info" {
	octavia_port p 0
	run -0 --separate-stderr oct-wait -v < <(rec "$AMP_A" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .status)" = READY ]
	[ "$(jqo .agent.api_version)" = 1.0 ]
	[[ $(jqo .agent.haproxy_version) == 2.* ]]
	[ "$(jqo '.agent | keys | join(",")')" = \
	    api_version,haproxy_version,hostname ]
	[ "$(jqo .agent_port)" = "$p" ]
	[[ $stderr == *"ping answered"* ]]
}

@test "--once READY against Octavia's agent, with health" {
	octavia_port p 1
	run -0 --separate-stderr oct-wait --once < <(rec "$AMP_B" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .status)" = READY ]
	jqo '.health.checked_at' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
	[ "$(jqo '.health.ping_ms | type')" = number ]
	[ "$(jqo '.health.api_ms | type')" = number ]
	[ "$(jqo '.error')" = null ]
	# No progress lines when stderr is not a terminal.
	[ -z "$stderr" ]
}

@test "progress goes to stderr when it is a terminal" {
	need_root
	command -v script >/dev/null || skip "no script(1)"
	rec "$AMP_A" 127.0.0.1 "$(free_port)" >"$BATS_TEST_TMPDIR/in"
	run script -qec "oct-wait --once <'$BATS_TEST_TMPDIR/in' >'$BATS_TEST_TMPDIR/out'" /dev/null
	[[ $output == *"oct-wait: 1 done, 0 in flight, 0 ready"* ]]
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/out")" = AGENT_DOWN ]
}

@test "the record's agent_port wins over --port; --port serves the others" {
	octavia_port p 0
	run -0 --separate-stderr oct-wait --port "$p" < <(
		printf '{"id":"%s","address":"127.0.0.1"}\n' "$AMP_A"
		rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jq -r .status <<<"${lines[0]}")" = READY ]
	[ "$(jq -r .status <<<"${lines[1]}")" = READY ]
	run -75 --separate-stderr oct-wait --timeout 1 --port 1 \
	    < <(rec "$AMP_A" 127.0.0.1 "$(free_port)")
}

@test "UNREACHABLE: no ping answer from an empty namespace (--once, 69)" {
	need_root
	SECONDS=0
	run -69 --separate-stderr oct-wait --once < <(rec "$AMP_A" "$DEAD" 9443)
	assert_json_line
	[ "$(jqo .status)" = UNREACHABLE ]
	[ "$(jqo .health.ping_ms)" = null ]
	[ "$(jqo .health.api_ms)" = null ]
	[[ $(jqo .health.reason) == "no answer to ping within 1 s"* ]]
	[ "$(jqo .error)" = null ]
	[ "$SECONDS" -le 6 ]
}

@test "waiting for ping times out with 75 and a message naming ping" {
	need_root
	SECONDS=0
	run -75 --separate-stderr oct-wait --ping-timeout 2 \
	    < <(rec "$AMP_A" "$DEAD" 9443)
	assert_json_line
	[ "$(jqo .error.code)" = EX_TEMPFAIL ]
	[[ $(jqo .error.message) == "ping: no answer from $DEAD within 2 s"* ]]
	[ "$(jqo .status)" = null ]
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -le 8 ]
}

@test "AGENT_DOWN: 127.0.0.1 answers ping, nothing listens on the port" {
	need_root
	p=$(free_port)
	run -69 --separate-stderr oct-wait --once < <(rec "$AMP_A" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .status)" = AGENT_DOWN ]
	[ "$(jqo '.health.ping_ms | type')" = number ]
	[ "$(jqo .health.api_ms)" = null ]
	[[ $(jqo .health.reason) == "GET /1.0/info: "*"onnect"* ]]
}

@test "waiting for the agent times out with 75 and a message naming the call" {
	need_root
	p=$(free_port)
	SECONDS=0
	run -75 --separate-stderr oct-wait --timeout 2 \
	    < <(rec "$AMP_A" 127.0.0.1 "$p")
	assert_json_line
	[[ $(jqo .error.message) == *"no answer to GET /1.0/info within 2 s"* ]]
	[ "$SECONDS" -ge 2 ] && [ "$SECONDS" -le 8 ]
}

@test "waits for an agent that comes up late, retrying with backoff" {
	need_root
	info_files
	p=$(free_port)
	www late "$p" 1.5
	SECONDS=0
	run -0 --separate-stderr oct-wait -v --timeout 20 \
	    < <(rec "$AMP_S" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .status)" = READY ]
	[ "$(jqo .agent.hostname)" = amp-s ]
	[[ $stderr == *"again in"* ]]
	[ "$SECONDS" -le 12 ]
}

@test "wrong amphora id: the agent's name does not match, 76" {
	octavia_port p 0
	run -76 --separate-stderr oct-wait --once < <(rec "$AMP_B" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .error.code)" = EX_PROTOCOL ]
	[[ $(jqo .error.message) == *"agent certificate not accepted"* ]]
	[[ $(jqo .error.message) == *"$AMP_B"* ]]
	[ "$(jqo .status)" = null ]
}

@test "wrong CA: the agent's certificate does not verify, 76" {
	octavia_port p 0
	run -76 --separate-stderr oct-wait --ca "$PKI/rogue-ca.pem" \
	    < <(rec "$AMP_A" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .error.code)" = EX_PROTOCOL ]
	[[ $(jqo .error.message) == *"agent certificate not accepted"* ]]
}

@test "the agent refuses a client certificate of another CA, 69" {
	octavia_port p 0
	run -69 --separate-stderr oct-wait --timeout 30 \
	    --cert "$PKI/rogue-client.pem" --key "$PKI/rogue-client.key" \
	    < <(rec "$AMP_A" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .error.code)" = EX_UNAVAILABLE ]
	[[ $(jqo .error.message) == *"refused our client certificate"* ]]
}

@test "DEGRADED: a listener OFFLINE and a member DOWN (s_server stand-in)" {
	need_root
	info_files
	echo '[{"status":"ACTIVE","uuid":"l-1","type":"HTTP"},{"status":"OFFLINE","uuid":"l-2","type":"TCP"}]' \
	    >"$BATS_TEST_TMPDIR/www/1.0/listeners"
	echo '{"api_version":"1.0","listeners":{"l-1":{"status":"OPEN"}},"pools":{"p-1:l-1":{"status":"UP","members":{"m-1":"UP","m-2":"DOWN","m-3":"no check"}}}}' \
	    >"$BATS_TEST_TMPDIR/www/1.0/details"
	p=$(free_port)
	www deg "$p"
	run -69 --separate-stderr oct-wait --once < <(rec "$AMP_S" 127.0.0.1 "$p")
	assert_json_line
	[ "$(jqo .status)" = DEGRADED ]
	[ "$(jqo '.health.down | join(",")')" = "listener l-2 OFFLINE,member m-2 DOWN" ]
	[ "$(jqo .health.reason)" = "listener l-2 OFFLINE" ]
	[ "$(jqo .agent.hostname)" = amp-s ]
}

@test "DEGRADED: oct-agent's listener shape (frontend FULL, pool DOWN)" {
	need_root
	info_files
	echo '[{"status":"ACTIVE","uuid":"l-3","type":"HTTP","lb_id":"lb","frontend_status":"FULL","pools":{"p-3:l-3":{"status":"DOWN","members":{"m-9":"DOWN 1/2","m-8":"MAINT","m-7":"UP"}}}},{"status":"ACTIVE","uuid":"l-4","frontend_status":"OPEN","pools":{}}]' \
	    >"$BATS_TEST_TMPDIR/www/1.0/listeners"
	p=$(free_port)
	www deg "$p"
	run -69 --separate-stderr oct-wait --once < <(rec "$AMP_S" 127.0.0.1 "$p")
	[ "$(jqo .status)" = DEGRADED ]
	[ "$(jqo '.health.down | join(",")')" = \
	    "listener l-3 FULL,pool p-3:l-3 DOWN,member m-9 DOWN 1/2" ]
}

@test "--once over a mix: each status right, input order kept, exit 69" {
	need_root
	octavia_port p 0
	q=$(free_port)
	run -69 --separate-stderr oct-wait --once --parallel 4 < <(
		rec "$AMP_A" "$DEAD" 9443
		rec "$AMP_A" 127.0.0.1 "$p"
		rec "$AMP_A" 127.0.0.1 "$q"
		rec "$AMP_A" 127.0.0.1 "$p")
	[ "${#lines[@]}" -eq 4 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .status | tr '\n' ' ')" = \
	    "UNREACHABLE READY AGENT_DOWN READY " ]
}

@test "--save: probed records replace theirs, none is created; down_sweeps counts on" {
	need_root
	octavia_port p 0
	q=$(free_port)
	cp -a "$PKI/state" "$BATS_TEST_TMPDIR/st"
	export OCT_STATE_DIR=$BATS_TEST_TMPDIR/st
	a=$OCT_STATE_DIR/amphorae
	mkdir -p "$a"
	for id in amp-dead amp-down "$AMP_A" amp-err; do
		echo '{"id":"'"$id"'","old":true}' >"$a/$id.json"
	done
	# 75: the error record counts, and beats "not READY" (69)
	run -75 --separate-stderr oct-wait --once --save --parallel 5 < <(
		rec amp-dead "$DEAD" 9443 ',"health":{"down_sweeps":2}'
		rec amp-down 127.0.0.1 "$q" ',"health":{"down_sweeps":5}'
		rec "$AMP_A" 127.0.0.1 "$p" ',"health":{"down_sweeps":7}'
		rec amp-gone "$DEAD" 9443
		rec amp-err "$DEAD" 9443 ',"error":{"tool":"x","code":"EX_TEMPFAIL","message":"m"}')
	[ "${#lines[@]}" -eq 5 ]
	[ "$(jqo '"\(.id) \(.status) \(.health.down_sweeps)"' | tr '\n' ,)" = \
	    "amp-dead UNREACHABLE 3,amp-down AGENT_DOWN 6,$AMP_A READY 0,amp-gone UNREACHABLE 1,amp-err null null," ]
	# stored: what was printed, keys sorted, one line each
	for i in 0 1 2; do
		id=$(jq -r .id <<<"${lines[$i]}")
		# (both through jq: 3.0 and 3 are one number)
		[ "$(jq -cS . <<<"${lines[$i]}")" = "$(jq -cS . "$a/$id.json")" ]
		[ "$(wc -l <"$a/$id.json")" -eq 1 ]
	done
	# a record that is not there is not made; an error record not stored
	[ ! -e "$a/amp-gone.json" ]
	[ "$(cat "$a/amp-err.json")" = '{"id":"amp-err","old":true}' ]
	[ -z "$(find "$a" -name '*.tmp*')" ]
	[ "$(stat -c %a "$a/amp-dead.json")" = 600 ]
}

@test "--save: a record that cannot be stored fails with 73, the others go on" {
	need_root
	cp -a "$PKI/state" "$BATS_TEST_TMPDIR/st"
	export OCT_STATE_DIR=$BATS_TEST_TMPDIR/st
	a=$OCT_STATE_DIR/amphorae
	mkdir -p "$a"
	echo '{"id":"amp-ro"}' >"$a/amp-ro.json"
	# even root cannot create the temporary file in an immutable directory
	chattr +i "$a" 2>/dev/null || skip "no chattr +i here"
	run -73 --separate-stderr oct-wait --once --save < <(
		rec amp-ro "$DEAD" 9443
		rec amp-new "$DEAD" 9443)
	chattr -i "$a"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .error.code <<<"${lines[0]}")" = EX_CANTCREAT ]
	[[ $(jq -r .error.message <<<"${lines[0]}") == "cannot save the record: "* ]]
	[ "$(cat "$a/amp-ro.json")" = '{"id":"amp-ro"}' ]
	[ "$(jq -r .status <<<"${lines[1]}")" = UNREACHABLE ]
}

@test "IPv6: ::1 answers ping (in a namespace of our own)" {
	need_root
	ip netns add octtw2
	ip -n octtw2 link set lo up
	ip -n octtw2 -6 addr show dev lo | grep -q '::1' || skip "no IPv6"
	run -69 --separate-stderr ip netns exec octtw2 oct-wait --once -v \
	    < <(rec "$AMP_A" ::1 9443)
	[ "$(jqo .status)" = AGENT_DOWN ]
	[ "$(jqo '.health.ping_ms | type')" = number ]
	[[ $stderr == *"ICMP IPv6"* ]]
}

@test "ICMP: a raw socket here, a datagram socket where ping_group_range allows" {
	need_root
	run -69 --separate-stderr oct-wait --once -v < <(rec "$AMP_A" 127.0.0.1 1)
	[ "$(jqo .status)" = AGENT_DOWN ]
	if [ "$(sysctl -n net.ipv4.ping_group_range | awk '{print ($1 <= 0 && 0 <= $2)}')" = 1 ]; then
		[[ $stderr == *"ICMP IPv4: datagram socket"* ]]
	else
		[[ $stderr == *"ICMP IPv4: raw socket"* ]]
	fi
	# ping_group_range is per network namespace: allow our group in one.
	ip netns add octtw2
	run -69 --separate-stderr ip netns exec octtw2 sh -c '
		ip link set lo up &&
		sysctl -qw net.ipv4.ping_group_range="0 2147483647" &&
		exec oct-wait --once -v' < <(rec "$AMP_A" 127.0.0.1 1)
	[ "$(jqo .status)" = AGENT_DOWN ]
	[[ $stderr == *"ICMP IPv4: datagram socket"* ]]
}

@test "--ping-timeout 0 skips ping" {
	octavia_port p 0
	run -0 --separate-stderr oct-wait --once --ping-timeout 0 \
	    < <(rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jqo .status)" = READY ]
	[ "$(jqo .health.ping_ms)" = null ]
}

@test "--parallel: 90 records over 3 live agents, input order kept" {
	octavia_port p0 0
	octavia_port p1 1
	octavia_port p2 2
	for i in $(seq 0 89); do
		case $((i % 3)) in
		0) rec "$AMP_A" 127.0.0.1 "$p0" ",\"n\":$i" ;;
		1) rec "$AMP_B" 127.0.0.1 "$p1" ",\"n\":$i" ;;
		2) rec "$AMP_C" 127.0.0.1 "$p2" ",\"n\":$i" ;;
		esac
	done >"$BATS_TEST_TMPDIR/in"
	SECONDS=0
	run -0 --separate-stderr oct-wait --parallel 30 <"$BATS_TEST_TMPDIR/in"
	t=$SECONDS
	[ "${#lines[@]}" -eq 90 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .n | tr '\n' ' ')" = \
	    "$(seq 0 89 | tr '\n' ' ')" ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .status | sort -u)" = READY ]
	echo "# 90 records in ${t} s" >&3
	[ "$t" -le 180 ]
}

@test "--parallel overlaps probes: several connections at once, same output" {
	octavia_port p0 0
	octavia_port p1 1
	octavia_port p2 2
	for i in $(seq 0 14); do
		rec "$AMP_A" 127.0.0.1 "$p0"
		rec "$AMP_B" 127.0.0.1 "$p1"
		rec "$AMP_C" 127.0.0.1 "$p2"
	done >"$BATS_TEST_TMPDIR/in"
	# The most connections to the three agents seen at once, sampled
	# while oct-wait runs (a count, not a time: no flake on a busy host).
	most() {
		local n m=0
		while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
			n=$(ss -Htn state established "( dport = :$p0 or dport = :$p1 or dport = :$p2 )" | wc -l)
			[ "$n" -le "$m" ] || m=$n
			sleep 0.01
		done
		echo "$m"
	}
	for n in 1 45; do
		rm -f "$BATS_TEST_TMPDIR/stop"
		most >"$BATS_TEST_TMPDIR/most$n" &
		oct-wait --parallel "$n" <"$BATS_TEST_TMPDIR/in" \
		    >"$BATS_TEST_TMPDIR/out$n"
		touch "$BATS_TEST_TMPDIR/stop"
		wait
	done
	cmp "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out45"
	echo "# most connections at once: --parallel 1 $(cat "$BATS_TEST_TMPDIR/most1"), --parallel 45 $(cat "$BATS_TEST_TMPDIR/most45")" >&3
	[ "$(cat "$BATS_TEST_TMPDIR/most45")" -ge 3 ]
}

@test "-u writes records in completion order" {
	need_root
	run -69 --separate-stderr oct-wait --once -u --parallel 2 < <(
		rec "$AMP_A" "$DEAD" 9443 ',"n":0'
		rec "$AMP_A" 127.0.0.1 "$(free_port)" ',"n":1')
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .n <<<"${lines[0]}")" = 1 ]
	[ "$(jq -r .n <<<"${lines[1]}")" = 0 ]
}

@test "writing to a full stdout is 74" {
	need_root
	run -74 --separate-stderr sh -c 'oct-wait --once >/dev/full' \
	    < <(rec "$AMP_A" 127.0.0.1 1)
}

@test "oct-agent: READY and --once READY against the project's own agent" {
	local d="$BATS_TEST_TMPDIR/oa" p
	[ -x "$OCT_TOP/bin/oct-agent" ] || skip "no bin/oct-agent"
	mkdir -p "$d"
	p=$(free_port)
	oct-agent --amphora-id "$AMP_A" --bind 127.0.0.1 --port "$p" \
	    --server-cert "$PKI/server-$AMP_A.pem" --client-ca "$PKI/ca.pem" \
	    --base-path "$d" >"$d/log" 2>&1 &
	echo $! >"$BATS_TEST_TMPDIR/oa.pid"
	n=0
	until ss -Hltn "sport = :$p" | grep -q .; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || skip "oct-agent does not listen"
		sleep 0.05
	done
	curl -sf --max-time 3 --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" \
	    --key "$PKI/client.key" --resolve "$AMP_A:$p:127.0.0.1" \
	    "https://$AMP_A:$p/1.0/info" >/dev/null ||
	    skip "oct-agent does not answer GET /1.0/info yet"
	run -0 --separate-stderr oct-wait < <(rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jqo .status)" = READY ]
	[ "$(jqo .agent.api_version)" = 1.0 ]
	run -0 --separate-stderr oct-wait --once < <(rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jqo .status)" = READY ]
	run -76 --separate-stderr oct-wait --once < <(rec "$AMP_B" 127.0.0.1 "$p")
	[ "$(jqo .error.code)" = EX_PROTOCOL ]
}

@test "oct-agent with haproxy: a member DOWN, the LB stopped, the agent gone" {
	local d="$BATS_TEST_TMPDIR/oa" p fe be dead n
	local G="$OCT_BENCH_DIR/agentc-get"
	[ -x "$OCT_TOP/bin/oct-agent" ] || skip "no bin/oct-agent"
	[ -x "$G" ] || skip "no $G (make benchtools)"
	mkdir -p "$d"
	p=$(free_port)
	oct-agent --amphora-id "$AMP_A" --bind 127.0.0.1 --port "$p" \
	    --server-cert "$PKI/server-$AMP_A.pem" --client-ca "$PKI/ca.pem" \
	    --base-path "$d" >"$d/log" 2>&1 &
	echo $! >"$BATS_TEST_TMPDIR/oa.pid"
	be=$(free_port)
	python3 -m http.server --bind 127.0.0.1 "$be" >/dev/null 2>&1 &
	echo $! >"$BATS_TEST_TMPDIR/be.pid"
	for n in $(seq 100); do
		ss -Hltn "sport = :$be" | grep -q . && break
		sleep 0.05
	done
	fe=$(free_port)
	dead=$(free_port)
	printf '%s\n' "global" \
	    "    stats socket $d/lb-w.sock mode 0600 level admin" \
	    "defaults" "    mode http" "    timeout client 5s" \
	    "    timeout server 5s" "    timeout connect 1s" \
	    "frontend li-w" "    bind 127.0.0.1:$fe" \
	    "    default_backend pool-w:li-w" \
	    "backend pool-w:li-w" "    balance roundrobin" \
	    "    server m-live 127.0.0.1:$be check inter 200ms" \
	    "    server m-dead 127.0.0.1:$dead check inter 200ms fall 1" \
	    >"$BATS_TEST_TMPDIR/lb.cfg"
	run oct-wait --timeout 10 < <(rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jqo .status)" = READY ] || skip "oct-agent does not answer: $output"
	run -0 "$G" -b "$BATS_TEST_TMPDIR/lb.cfg" PUT 127.0.0.1 "$p" "$AMP_A" \
	    "/1.0/loadbalancer/$AMP_A/lb-w/haproxy"
	run -0 "$G" PUT 127.0.0.1 "$p" "$AMP_A" /1.0/loadbalancer/lb-w/start
	# Until haproxy's checks have settled: m-dead DOWN, m-live UP.
	for n in $(seq 50); do
		run oct-wait --once < <(rec "$AMP_A" 127.0.0.1 "$p")
		[ "$(jqo '.health.down | join(",")')" = "member m-dead DOWN" ] &&
		    break
		sleep 0.1
	done
	[ "$status" -eq 69 ]
	[ "$(jqo .status)" = DEGRADED ]
	[ "$(jqo .health.reason)" = "member m-dead DOWN" ]
	[ "$(jqo '.health.down | join(",")')" = "member m-dead DOWN" ]
	# haproxy stopped: the listener is OFFLINE.
	run -0 "$G" PUT 127.0.0.1 "$p" "$AMP_A" /1.0/loadbalancer/lb-w/stop
	run -69 oct-wait --once < <(rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jqo .status)" = DEGRADED ]
	[ "$(jqo .health.reason)" = "listener li-w OFFLINE" ]
	# The agent gone: AGENT_DOWN.
	kill "$(cat "$BATS_TEST_TMPDIR/oa.pid")"
	sleep 0.3
	run -69 oct-wait --once < <(rec "$AMP_A" 127.0.0.1 "$p")
	[ "$(jqo .status)" = AGENT_DOWN ]
}

@test "the man page's health check example runs" {
	octavia_port p 0
	cp -r "$PKI/state" "$BATS_TEST_TMPDIR/state"
	export OCT_STATE_DIR="$BATS_TEST_TMPDIR/state"
	mkdir -p "$OCT_STATE_DIR/amphorae"
	rec "$AMP_A" 127.0.0.1 "$p" >"$OCT_STATE_DIR/amphorae/$AMP_A.json"
	[ "$(id -u)" = 0 ] &&
	    rec "$AMP_C" "$DEAD" 9443 >"$OCT_STATE_DIR/amphorae/$AMP_C.json"
	run -0 sh -c "$(sed -n '/^The cron health check/,/^\.Ed/p' \
	    "$OCT_TOP/src/oct-wait/oct-wait.1" | sed '1,2d;$d')"
	if [ "$(id -u)" = 0 ]; then
		[ "$output" = "$(printf '%s\tUNREACHABLE' "$AMP_C")" ]
	else
		[ "$output" = "" ]
	fi
}
