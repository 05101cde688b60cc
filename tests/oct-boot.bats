#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# oct-boot on the netns driver: real namespaces, veths, a bridge of its own
# (octtbr51, 198.19.51.0/24) and real agent processes.

load helpers
load netns

setup() {
	netns_setup 51
}

teardown() {
	netns_teardown
}

@test "oct-boot: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr oct-boot -h
	assert_output --partial "usage: oct-boot"
}

@test "oct-boot: misuse exits 64 with nothing on stdout" {
	local bad
	for bad in "--nope" "operand" "--driver nope" "--subnet 10.0.0.0" \
	    "--subnet 198.19.51.1/31" "--prefix octtoolong" "--prefix 9a" \
	    "--bridge a/b" "--agent-port 0" "--timeout x" "--route 1.2.3" \
	    "--route 198.19.51.9 --reuse"; do
		# shellcheck disable=SC2086 # words on purpose
		run -64 --separate-stderr oct-boot $bad </dev/null
		assert_output ""
		[ -n "$stderr" ]
	done
}

@test "oct-boot: a line that is not JSON is 65, error records pass through" {
	run -65 --separate-stderr oct-boot <<<'not json'
	assert_output ""
	local rec='{"id":"x","error":{"tool":"t","code":"EX_NOINPUT","message":"m"}}'
	run -66 --separate-stderr oct-boot <<<"$rec"
	assert_output "$rec"
}

@test "oct-boot: records without id or cert fail with 65" {
	run -65 --separate-stderr oct-boot <<<'{"id":"a1"}'
	assert_json_line
	[ "$(jqo .error.code)" = EX_DATAERR ]
	run -65 --separate-stderr oct-boot <<<'{"cert":{}}'
	run -65 --separate-stderr oct-boot <<<'{"id":"../x","cert":{"cert":"a","key":"b","ca":"c"}}'
}

@test "oct-boot: a missing cert file is 66 and leaves nothing" {
	local before
	before=$(leftovers)
	run -66 --separate-stderr oct-boot < <(issue a1 |
	    jq -c '.cert.cert = "/nonexistent.pem"')
	assert_json_line
	[ "$(jqo .error.code)" = EX_NOINPUT ]
	[ "$(leftovers)" = "$before" ]
}

@test "oct-boot: a key readable by others is 77" {
	issue a1 >"$BATS_TEST_TMPDIR/a1.json"
	chmod 0644 "$(jq -r .cert.key "$BATS_TEST_TMPDIR/a1.json")"
	run -77 --separate-stderr oct-boot <"$BATS_TEST_TMPDIR/a1.json"
	[ "$(jqo .error.code)" = EX_NOPERM ]
}

@test "oct-boot: an agent that exits at once fails the boot and is undone" {
	local before
	before=$(leftovers)
	run -69 --separate-stderr oct-boot --agent-cmd /bin/false < <(issue a1)
	[ "$(jqo .error.code)" = EX_UNAVAILABLE ]
	[ "$(leftovers)" = "$before" ]
	# The bridge it made for the appliance is gone too.
	run ip link show "$BR"
	assert_failure
}

@test "oct-boot: two appliances, each reachable with its agent inside" {
	local fwd
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	run -0 --separate-stderr oct-boot < <(issue a1 a2)
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/booted.json"
	local a1 a2 i
	a1=$(jq -r 'select(.id == "a1") | .address' "$BATS_TEST_TMPDIR/booted.json")
	a2=$(jq -r 'select(.id == "a2") | .address' "$BATS_TEST_TMPDIR/booted.json")
	[ "$a1" = 198.19.51.2 ]
	[ "$a2" = 198.19.51.3 ]
	jq -e --arg br "$BR" --arg pfx "$PFX" \
	    '.compute | .driver == "netns" and .status == "ACTIVE" and
	    .bridge == $br and .prefix == $pfx and
	    .server_id == .netns and (.netns | startswith($pfx + "-")) and
	    (.veth | startswith($pfx)) and .interface == "eth0" and
	    (.mac_address | test("^fa:16:3e(:[0-9a-f]{2}){3}$")) and
	    .gateway == "198.19.51.1" and .prefix_len == 24 and
	    .agent_port == 9443 and .agent_pid > 1 and .changed == true' \
	    "$BATS_TEST_TMPDIR/booted.json" >/dev/null
	ip -br addr show "$BR" | grep -q 198.19.51.1/24
	for i in a1 a2; do
		local addr ns pid dir
		addr=$(jq -r "select(.id == \"$i\") | .address" "$BATS_TEST_TMPDIR/booted.json")
		ns=$(jq -r "select(.id == \"$i\") | .compute.netns" "$BATS_TEST_TMPDIR/booted.json")
		pid=$(jq -r "select(.id == \"$i\") | .compute.agent_pid" "$BATS_TEST_TMPDIR/booted.json")
		dir=$(jq -r "select(.id == \"$i\") | .compute.dir" "$BATS_TEST_TMPDIR/booted.json")
		ping -c 2 -i 0.2 -W 1 "$addr" >/dev/null
		timeout 5 bash -c "exec 3<>/dev/tcp/$addr/9443"
		# The agent lives in the appliance's namespace, in its own
		# session, and sees the appliance's files at Octavia's paths.
		ip netns pids "$ns" | grep -qx "$pid"
		[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ]
		[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
		grep -q " /etc/octavia " "/proc/$pid/mountinfo"
		[ "$(nsenter -t "$pid" -u hostname)" = "amphora-$i" ]
		grep -q " /var/lib/octavia " "/proc/$pid/mountinfo"
		if grep -q " /run/netns/" "/proc/$pid/mountinfo"; then
			fail "the agent holds other namespaces"
		fi
		grep -qx "bind_host = $addr" "$dir/etc/octavia/amphora-agent.conf"
		grep -qx "amphora_id = $i" "$dir/etc/octavia/amphora-agent.conf"
		[ "$(stat -c %a "$dir/etc/octavia/certs/server.pem")" = 600 ]
		grep -q "BEGIN CERTIFICATE" "$dir/etc/octavia/certs/server.pem"
		grep -q "PRIVATE KEY" "$dir/etc/octavia/certs/server.pem"
		cmp -s "$dir/etc/octavia/certs/client_ca.pem" "$OCT_STATE_DIR/ca/ca.pem"
		# Inside: eth0 with the address, default route via the bridge.
		ip -n "$ns" -br addr show eth0 | grep -q "$addr/24"
		ip -n "$ns" route show default | grep -q "via 198.19.51.1"
		ip -n "$ns" -br link show lo | grep -q UP
	done
	# Nothing routed off the machine.
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd" ]
	if iptables-save 2>/dev/null | grep -q MASQUERADE; then
		fail "NAT found"
	fi
	oct-destroy <"$BATS_TEST_TMPDIR/booted.json" >/dev/null
}

@test "oct-boot: with the real agent, GET /1.0/info over mutual TLS" {
	real_agent || skip "bin/oct-agent not built yet"
	run -0 --separate-stderr oct-boot < <(issue a1)
	local addr
	addr=$(jqo .address)
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	printf '{"id":"controller"}\n' | oct-cert issue --role client >"$BATS_TEST_TMPDIR/c.json"
	run -0 curl -sS --max-time 10 --cacert "$OCT_STATE_DIR/ca/ca.pem" \
	    --cert "$(jq -r .cert.cert "$BATS_TEST_TMPDIR/c.json")" \
	    --key "$(jq -r .cert.key "$BATS_TEST_TMPDIR/c.json")" \
	    --resolve "a1:9443:$addr" https://a1:9443/1.0/info
	[ "$(jqo .api_version)" = 1.0 ]
	oct-destroy <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
}

@test "oct-boot: booting an existing id is 73; --reuse returns it when healthy" {
	issue a1 >"$BATS_TEST_TMPDIR/a1.json"
	run -0 --separate-stderr oct-boot <"$BATS_TEST_TMPDIR/a1.json"
	local first=$output pid
	pid=$(jqo .compute.agent_pid)
	run -73 --separate-stderr oct-boot <"$BATS_TEST_TMPDIR/a1.json"
	[ "$(jqo .error.code)" = EX_CANTCREAT ]
	alive "$pid"
	run -0 --separate-stderr oct-boot --reuse <"$BATS_TEST_TMPDIR/a1.json"
	[ "$(jqo .compute.changed)" = false ]
	[ "$(jqo .address)" = "$(jq -r .address <<<"$first")" ]
	[ "$(jqo .compute.agent_pid)" = "$pid" ]
	# --reuse of an id that has no appliance boots one.
	run -0 --separate-stderr oct-boot --reuse < <(issue a2)
	[ "$(jqo .compute.changed)" = true ]
	[ "$(jqo .address)" = 198.19.51.3 ]
	printf '%s\n' "$output" >>"$BATS_TEST_TMPDIR/a1.json"
	# An appliance whose agent died is not reused.
	kill "$pid"
	while alive "$pid"; do sleep 0.05; done
	run -69 --separate-stderr oct-boot --reuse < <(head -n 1 "$BATS_TEST_TMPDIR/a1.json")
	[ "$(jqo .error.code)" = EX_UNAVAILABLE ]
	oct-destroy <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
}

@test "oct-boot: concurrent boots lease distinct addresses" {
	local i
	for i in 1 2 3 4 5 6; do
		issue "c$i" | oct-boot >"$BATS_TEST_TMPDIR/c$i.json" &
	done
	wait
	cat "$BATS_TEST_TMPDIR"/c?.json >"$BATS_TEST_TMPDIR/all.json"
	[ "$(jq -r .address "$BATS_TEST_TMPDIR/all.json" | sort -u | wc -l)" -eq 6 ]
	[ "$(jq -r 'select(.error)' "$BATS_TEST_TMPDIR/all.json")" = "" ]
	[ "$(find "$OCT_STATE_DIR/netns/.leases" -type f | wc -l)" -eq 6 ]
	run -0 --separate-stderr oct-destroy <"$BATS_TEST_TMPDIR/all.json"
	[ "$(find "$OCT_STATE_DIR/netns/.leases" -type f | wc -l)" -eq 0 ]
}

@test "oct-boot: the bridge keeps one MAC while appliances come and go" {
	# A bridge that takes its ports' lowest MAC changes it as veths join
	# and leave, and every namespace that cached the old one loses the
	# host for about 30 s.
	local i mac
	issue m0 | oct-boot >"$BATS_TEST_TMPDIR/m0.json"
	mac=$(cat "/sys/class/net/$BR/address")
	[ "$(cat "/sys/class/net/$BR/addr_assign_type")" = 3 ]
	for i in 1 2 3 4 5; do
		issue "m$i" | oct-boot >"$BATS_TEST_TMPDIR/m$i.json"
		[ "$(cat "/sys/class/net/$BR/address")" = "$mac" ]
	done
	oct-destroy <"$BATS_TEST_TMPDIR/m3.json" >/dev/null
	[ "$(cat "/sys/class/net/$BR/address")" = "$mac" ]
	cat "$BATS_TEST_TMPDIR"/m?.json | oct-destroy >/dev/null
}

@test "oct-boot: --debug-ssh-key installs root's authorized_keys" {
	echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOct test@octt" >"$BATS_TEST_TMPDIR/id.pub"
	run -0 --separate-stderr oct-boot --debug-ssh-key "$BATS_TEST_TMPDIR/id.pub" < <(issue a1)
	local dir
	dir=$(jqo .compute.dir)
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	cmp "$BATS_TEST_TMPDIR/id.pub" "$dir/root/.ssh/authorized_keys"
	[ "$(stat -c %a "$dir/root/.ssh/authorized_keys")" = 600 ]
	[ "$(stat -c %a "$dir/root/.ssh")" = 700 ]
	oct-destroy <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
	run -66 --separate-stderr oct-boot --debug-ssh-key /nonexistent.pub </dev/null
}

@test "oct-boot: --route routes a VIP to the appliance; oct-destroy removes it" {
	run -0 --separate-stderr oct-boot < <(issue a1)
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	local addr
	addr=$(jqo .address)
	run -0 --separate-stderr oct-boot --route 198.19.51.200 <"$BATS_TEST_TMPDIR/a1.json"
	[ "$(jqo '.compute.routes | join(",")')" = 198.19.51.200/32 ]
	ip -4 route show 198.19.51.200 | grep -q "via $addr dev $BR"
	# Twice is the same route, listed once.
	run -0 --separate-stderr oct-boot --route 198.19.51.200 < <(printf '%s\n' "$output")
	[ "$(jqo '.compute.routes | length')" = 1 ]
	run -65 --separate-stderr oct-boot --route 198.19.51.200 <<<'{"id":"zz"}'
	oct-destroy <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
	[ -z "$(ip -4 route show 198.19.51.200)" ]
}
