#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# POST /1.0/plug/vip and /1.0/plug/network through the real oct-agent in a
# netns appliance (bridge octtbr53, 198.19.53.0/24), checked with real
# traffic from the host: ARP mode, routed mode, the error answers.

load helpers
load netns

setup() {
	netns_setup 53
	real_agent || skip "bin/oct-agent not built yet"
	oct-boot < <(issue a1) >"$BATS_TEST_TMPDIR/a1.json"
	printf '{"id":"controller"}\n' | oct-cert issue --role client \
	    >"$BATS_TEST_TMPDIR/c.json"
	ADDR=$(jq -r .address "$BATS_TEST_TMPDIR/a1.json")
	MAC=$(jq -r .compute.mac_address "$BATS_TEST_TMPDIR/a1.json")
	NS=$(jq -r .compute.netns "$BATS_TEST_TMPDIR/a1.json")
}

teardown() {
	[ -f "$BATS_TEST_TMPDIR/a1.json" ] &&
	    oct-destroy <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
	netns_teardown
}

# post PATH BODY: POST to the appliance's agent; the answer's body, a
# newline and the HTTP status on stdout.
post() {
	curl -sS --max-time 10 --cacert "$OCT_STATE_DIR/ca/ca.pem" \
	    --cert "$(jq -r .cert.cert "$BATS_TEST_TMPDIR/c.json")" \
	    --key "$(jq -r .cert.key "$BATS_TEST_TMPDIR/c.json")" \
	    --resolve "a1:9443:$ADDR" -H 'Content-Type: application/json' \
	    -w '\n%{http_code}' --data-binary "$2" "https://a1:9443/1.0/$1"
}

# body MAC: a plug/vip body as Octavia's controller sends it.
vip_body() {
	printf '{"subnet_cidr":"198.19.53.0/24","gateway":"198.19.53.1",'
	printf '"mac_address":"%s","vrrp_ip":null,"mtu":1500,' "$1"
	printf '"host_routes":[]%s}' "${2:-}"
}

@test "plug: a VIP in ARP mode answers ping from the host" {
	run -0 post plug/vip/198.19.53.100 "$(vip_body "$MAC")"
	[ "${lines[1]}" = 202 ]
	[ "$(jq -r .message <<<"${lines[0]}")" = OK ]
	[ "$(jq -r .details <<<"${lines[0]}")" = \
	    "VIPs plugged on interface eth0: 198.19.53.100" ]
	ip -n "$NS" -o addr show dev eth0 | grep -q "198.19.53.100/32"
	ping -c 2 -i 0.2 -W 1 198.19.53.100 >/dev/null
	ip neigh show 198.19.53.100 dev "$BR" | grep -q "$MAC"
}

@test "plug: the gratuitous ARP updates a neighbour's stale entry" {
	ip neigh replace 198.19.53.101 lladdr 02:00:00:00:00:01 dev "$BR" nud stale
	run -0 post plug/vip/198.19.53.101 "$(vip_body "$MAC")"
	[ "${lines[1]}" = 202 ]
	local _
	for _ in $(seq 50); do
		ip neigh show 198.19.53.101 dev "$BR" | grep -q "$MAC" && break
		sleep 0.02
	done
	ip neigh show 198.19.53.101 dev "$BR" | grep -q "$MAC"
	ip neigh del 198.19.53.101 dev "$BR" || true
}

@test "plug: additional_vips are plugged with the VIP; a body missing Octavia's keys plugs nothing" {
	run -0 post plug/vip/198.19.53.102 "$(vip_body "$MAC" \
	    ',"additional_vips":[{"ip_address":"198.19.53.103","subnet_cidr":"198.19.53.0/24","gateway":"198.19.53.1","host_routes":[]}]')"
	[ "${lines[1]}" = 202 ]
	[ "$(jq -r .details <<<"${lines[0]}")" = \
	    "VIPs plugged on interface eth0: 198.19.53.102, 198.19.53.103" ]
	ping -c 1 -W 1 198.19.53.103 >/dev/null
	# No subnet_cidr, gateway or mac_address: Octavia's agent refuses it.
	run -0 post plug/vip/198.19.53.106 \
	    '{"additional_vips":[{"ip_address":"198.19.53.107"}]}'
	[ "${lines[1]}" = 400 ]
	[ "$(jq -r .error <<<"${lines[0]}")" = \
	    "400 Bad Request: Invalid subnet information" ]
	run -0 post plug/vip/198.19.53.106 "$(vip_body "$MAC" \
	    ',"additional_vips":[{"ip_address":"198.19.53.107"}]')"
	[ "${lines[1]}" = 400 ]
	[ "$(jq -r .details <<<"${lines[0]}")" = \
	    "additional_vips[0].subnet_cidr: missing" ]
	if ip -n "$NS" -o addr show | grep -q '198.19.53.10[67]'; then
		fail "VIP plugged from a refused body"
	fi
}

@test "plug: a VIP plugged twice is 409" {
	run -0 post plug/vip/198.19.53.104 "$(vip_body "$MAC")"
	[ "${lines[1]}" = 202 ]
	run -0 post plug/vip/198.19.53.104 "$(vip_body "$MAC")"
	[ "${lines[1]}" = 409 ]
	[ "$(jq -r .message <<<"${lines[0]}")" = "Interface already exists" ]
}

@test "plug: bad VIPs are 400, an unknown MAC is 404" {
	local v
	for v in not-an-ip 0.0.0.0 127.0.0.1 224.0.0.1 198.19.53.300; do
		run -0 post "plug/vip/$v" "$(vip_body "$MAC")"
		[ "${lines[1]}" = 400 ] || fail "$v: ${lines[*]}"
		[[ "$(jq -r .message <<<"${lines[0]}")" == "Invalid VIP"* ]]
	done
	run -0 post plug/vip/198.19.53.105 "$(vip_body fa:16:3e:00:00:00)"
	[ "${lines[1]}" = 404 ]
	[ "$(jq -r .details <<<"${lines[0]}")" = \
	    "No suitable network interface found" ]
	run -0 post plug/vip/198.19.53.105 "$(vip_body zz:16:3e:00:00:00)"
	[ "${lines[1]}" = 400 ]
	if ip -n "$NS" -o addr show | grep -q 198.19.53.105; then
		fail "VIP plugged after an error"
	fi
}

@test "plug: a routed VIP answers no ARP, and answers ping once routed" {
	run -0 post plug/vip/198.19.53.150 "$(vip_body "$MAC" ',"routed":true')"
	[ "${lines[1]}" = 202 ]
	[[ "$(jq -r .details <<<"${lines[0]}")" =~ ^"VIPs plugged on interface "(vip0|lo)": 198.19.53.150"$ ]]
	ip -n "$NS" -o addr show | grep -q "198.19.53.150/32"
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)" = 1 ]
	# In the bridge's subnet but on no interface that answers ARP.
	run ping -c 1 -W 1 198.19.53.150
	assert_failure
	ip neigh flush to 198.19.53.150 dev "$BR" || true
	oct-boot --route 198.19.53.150 <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
	ping -c 2 -i 0.2 -W 1 198.19.53.150 >/dev/null
	oct-destroy <"$BATS_TEST_TMPDIR/a1.json" >/dev/null
	rm "$BATS_TEST_TMPDIR/a1.json"
	[ -z "$(ip -4 route show 198.19.53.150)" ]
}

@test "plug: plug/network knows eth0's MAC and no other" {
	run -0 post plug/network "{\"mac_address\":\"$MAC\",\"fixed_ips\":[]}"
	[ "${lines[1]}" = 202 ]
	[ "$(jq -r .details <<<"${lines[0]}")" = "Updated existing interface eth0" ]
	run -0 post plug/network '{"mac_address":"fa:16:3e:00:00:01"}'
	[ "${lines[1]}" = 404 ]
	run -0 post plug/network '{"fixed_ips":[]}'
	[ "${lines[1]}" = 400 ]
	[ "$(jq -r .message <<<"${lines[0]}")" = "Invalid network port" ]
}
