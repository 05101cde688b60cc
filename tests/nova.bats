#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# oct-boot and oct-destroy --driver nova against a real Nova: Debian's
# nova-api, conductor, scheduler and compute (fake virt driver), placement,
# keystone, glance and neutron on 127.0.0.1, brought up by
# tests/peers/nova/up.sh once for this file.  Where it cannot be installed
# or started, every test is skipped with the reason.  Servers are named
# amphora-octt-*; whatever a test leaves is deleted in teardown.

load helpers

NOVA_PEER="$BATS_TEST_DIRNAME/peers/nova"

setup_file() {
	local env="$BATS_FILE_TMPDIR/nova.env"
	export NOVA_SKIP="$BATS_FILE_TMPDIR/skip"
	export NOVA_STARTED="$BATS_FILE_TMPDIR/started"
	if [ "$(id -u)" != 0 ]; then
		echo "the real Nova needs root to install and start" >"$NOVA_SKIP"
		return 0
	fi
	# Already up (a developer's, or an earlier run's): use it, leave it.
	if ! curl -s -o /dev/null -m 2 http://127.0.0.1:15774/; then
		touch "$NOVA_STARTED"
	fi
	if ! "$NOVA_PEER/up.sh" >"$env" 2>"$BATS_FILE_TMPDIR/up.log"; then
		printf 'the real Nova did not start: %s\n' \
		    "$(tail -1 "$BATS_FILE_TMPDIR/up.log")" >"$NOVA_SKIP"
		return 0
	fi
	# shellcheck disable=SC1090 # written by up.sh
	. "$env"
	export OCT_NOVA_IMAGE="$REALNOVA_IMAGE_ID"
	export OCT_NOVA_FLAVOR="$REALNOVA_FLAVOR_ID"
	export OCT_NOVA_NETWORK="$REALNOVA_NETWORK_ID"
	export OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME \
	    OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME OS_REGION_NAME \
	    REALNOVA_COMPUTE_URL REALNOVA_HUGE_FLAVOR_ID
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy
}

teardown_file() {
	if [ -e "${NOVA_STARTED:-/nonexistent}" ]; then
		"$NOVA_PEER/down.sh" 2>/dev/null || true
	fi
}

setup() {
	if [ -s "$NOVA_SKIP" ]; then
		skip "$(cat "$NOVA_SKIP")"
	fi
}

teardown() {
	[ -s "$NOVA_SKIP" ] && return 0
	# Nothing leaks: delete every server of ours, whatever the test did.
	local ids id
	ids=$(servers '^amphora-octt') || return 0
	for id in $ids; do
		admin_curl -X DELETE "$REALNOVA_COMPUTE_URL/servers/$id" >/dev/null
	done
	for _ in $(seq 60); do
		[ -z "$(servers '^amphora-octt')" ] && break
		sleep 0.5
	done
}

# run_ok CMD...: bats' run, which must exit 0; else the test fails with
# the command's stderr (Nova's fault, say), which `run -0` would not show.
run_ok() {
	run --separate-stderr "$@"
	[ "$status" = 0 ] || fail "exit $status: $* said: $stderr"
}

# admin_token: a fresh admin token, with curl, as any script would get it.
admin_token() {
	curl -s -i -H 'Content-Type: application/json' -d "$(jq -cn \
	    --arg u "$OS_USERNAME" --arg p "$OS_PASSWORD" \
	    --arg pr "$OS_PROJECT_NAME" '{auth: {identity: {methods:
	    ["password"], password: {user: {name: $u, domain: {name:
	    "Default"}, password: $p}}}, scope: {project: {name: $pr,
	    domain: {name: "Default"}}}}}')" "$OS_AUTH_URL/auth/tokens" |
	    tr -d '\r' | awk -F': ' 'tolower($1) == "x-subject-token" {print $2}'
}

# admin_curl ARGS: curl to Nova as admin with microversion 2.3 (user_data).
admin_curl() {
	curl -s -H "X-Auth-Token: $(admin_token)" -H 'Connection: close' \
	    -H 'OpenStack-API-Version: compute 2.3' \
	    -H 'X-OpenStack-Nova-API-Version: 2.3' "$@"
}

# servers REGEX: ids of the servers whose name matches.
servers() {
	admin_curl "$REALNOVA_COMPUTE_URL/servers?name=$(jq -rn --arg r "$1" \
	    '$r | @uri')" | jq -r '.servers[].id'
}

issue() {
	local id
	[ -e "$OCT_STATE_DIR/ca/ca.pem" ] || oct-cert ca >/dev/null
	for id in "$@"; do
		printf '{"id":"%s","lb_id":"lb-%s"}\n' "$id" "$id"
	done | oct-cert issue --role server
}

@test "nova: misuse exits 64 with nothing on stdout" {
	local bad
	for bad in "--driver-opt nope=1" "--driver-opt image" "--parallel 0" \
	    "--parallel 2 --driver netns" "--bridge x" \
	    "--driver-opt config_drive=maybe"; do
		# shellcheck disable=SC2086 # words on purpose
		run -64 --separate-stderr oct-boot --driver nova $bad </dev/null
		assert_output ""
		[ -n "$stderr" ]
	done
}

@test "nova: a wrong password is a one-line error, 77" {
	run -77 --separate-stderr env OS_PASSWORD=wrong \
	    oct-boot --driver nova < <(issue octt-w1)
	assert_output ""
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ $stderr == "oct-boot: keystone http://127.0.0.1:15000/v3/auth/tokens: HTTP 401: "* ]]
	[[ $stderr != *wrong* ]]
	# and oct-destroy says it once per record, asking Keystone once
	run -77 --separate-stderr env OS_PASSWORD=wrong oct-destroy \
	    --driver nova <<<'{"id":"octt-w1","compute":{"driver":"nova","server_id":"x"}}'
	[ "$(jqo .error.code)" = EX_NOPERM ]
}

@test "nova: no credentials is 78" {
	run -78 --separate-stderr env -u OS_AUTH_URL oct-boot --driver nova \
	    </dev/null
	assert_output ""
	[[ $stderr == *"no credentials"* ]]
}

@test "nova: a boot reaches ACTIVE with the user data Nova stored" {
	local rec sid ud
	issue octt-a1 >"$BATS_TEST_TMPDIR/in.json"
	run_ok oct-boot --driver nova -v \
	    <"$BATS_TEST_TMPDIR/in.json"
	assert_json_line
	rec=$output
	[ "$(jqo .compute.driver)" = nova ]
	[ "$(jqo .compute.status)" = ACTIVE ]
	[[ $(jqo .address) == 192.0.2.* ]]
	[[ $(jqo .compute.microversion) == 2.* ]]
	sid=$(jqo .compute.server_id)
	# what Nova has: admin view, microversion 2.3
	run -0 admin_curl "$REALNOVA_COMPUTE_URL/servers/$sid"
	[ "$(jqo .server.status)" = ACTIVE ]
	[ "$(jqo .server.name)" = amphora-octt-a1 ]
	[ "$(jqo .server.metadata.lb_id)" = lb-octt-a1 ]
	[ "$(jqo .server.metadata.amphora_id)" = octt-a1 ]
	[ "$(jqo '.server.addresses[][0].addr')" = "$(jq -r .address <<<"$rec")" ]
	ud=$(jqo '.server["OS-EXT-SRV-ATTR:user_data"]' | base64 -d)
	[ "$(head -1 <<<"$ud")" = "#cloud-config" ]
	# each file, decoded from what Nova stored, is what the record names
	local certf keyf caf
	certf=$(jq -r .cert.cert "$BATS_TEST_TMPDIR/in.json")
	keyf=$(jq -r .cert.key "$BATS_TEST_TMPDIR/in.json")
	caf=$(jq -r .cert.ca "$BATS_TEST_TMPDIR/in.json")
	f() { # PATH: the content cloud-init would write there
		awk -v p="$1" '$2 == "path:" {on = ($3 == p)}
		    on && $1 == "content:" {print $2}' <<<"$ud" | base64 -d
	}
	diff <(f /etc/octavia/certs/server.pem) <(cat "$certf" "$keyf")
	diff <(f /etc/octavia/certs/client_ca.pem) "$caf"
	f /etc/octavia/amphora-agent.conf | grep -qx 'amphora_id = octt-a1'
	f /etc/octavia/amphora-agent.conf | grep -qx \
	    'agent_server_cert = /etc/octavia/certs/server.pem'
	grep -q "permissions: '0600'" <<<"$ud"
	# the key never reaches stderr, even with -v
	[[ $stderr != *"PRIVATE KEY"* ]]
	# destroy: gone for Nova, and a second destroy is still success
	run_ok oct-destroy <<<"$rec"
	[ "$(jqo .compute.status)" = DELETED ]
	run -0 curl -s -o /dev/null -w '%{http_code}' -H 'Connection: close' \
	    -H "X-Auth-Token: $(admin_token)" "$REALNOVA_COMPUTE_URL/servers/$sid"
	assert_output 404
	run_ok oct-destroy <<<"$rec"
	[ "$(jqo .compute.status)" = DELETED ]
}

@test "nova: a boot Nova fails is reported with its fault and leaves nothing" {
	run -69 --separate-stderr oct-boot --driver nova \
	    --driver-opt "flavor=$REALNOVA_HUGE_FLAVOR_ID" < <(issue octt-f1)
	assert_json_line
	[ "$(jqo .error.code)" = EX_UNAVAILABLE ]
	[[ $(jqo .error.message) == *"ERROR: No valid host was found"*"server deleted"* ]]
	[ "$(jqo .compute.status)" = DELETED ]
	[ -z "$(servers '^amphora-octt-f1$')" ]
}

@test "nova: a boot that times out is cleaned up, 75" {
	run -75 --separate-stderr oct-boot --driver nova --timeout 1 \
	    < <(issue octt-t1)
	assert_json_line
	[ "$(jqo .error.code)" = EX_TEMPFAIL ]
	[[ $(jqo .error.message) == *"not ACTIVE after 1 s"*"server deleted"* ]]
	[ -z "$(servers '^amphora-octt-t1$')" ]
}

@test "nova: an expired token is renewed, a revoked one too" {
	local cache="$OCT_STATE_DIR/keystone/token.json" t1 t2 t3 rec
	issue octt-k1 >"$BATS_TEST_TMPDIR/in.json"
	run_ok oct-boot --driver nova \
	    <"$BATS_TEST_TMPDIR/in.json"
	rec=$output
	[ "$(stat -c %a "$cache")" = 600 ]
	t1=$(jq -r .token "$cache")
	# cached and fresh: used as it is
	run_ok oct-boot --driver nova --reuse <<<"$rec"
	[ "$(jqo .compute.changed)" = false ]
	[ "$(jq -r .token "$cache")" = "$t1" ]
	# expired: renewed before use
	jq -c '.expires_at = "2001-01-01T00:00:00.000000Z"' "$cache" \
	    >"$cache.new" && mv "$cache.new" "$cache" && chmod 600 "$cache"
	run_ok oct-boot --driver nova --reuse <<<"$rec"
	t2=$(jq -r .token "$cache")
	[ "$t2" != "$t1" ]
	[[ $(jq -r .expires_at "$cache") > $(date -u +%Y-%m-%dT%H:%M:%S) ]]
	# revoked behind our back: Nova says 401, one renewal, success
	# (a token Nova has not validated yet: keystonemiddleware caches
	# validations for 5 minutes, so a used one stays good there that long)
	t2=$(admin_token)
	run -0 curl -s -o /dev/null -w '%{http_code}' -X DELETE \
	    -H "X-Auth-Token: $(admin_token)" -H "X-Subject-Token: $t2" \
	    "$OS_AUTH_URL/auth/tokens"
	assert_output 204
	jq -c --arg t "$t2" '.token = $t' "$cache" >"$cache.new" &&
	    mv "$cache.new" "$cache" && chmod 600 "$cache"
	run_ok oct-destroy -v <<<"$rec"
	[ "$(jqo .compute.status)" = DELETED ]
	[[ $stderr == *"401: renewing the token"* ]]
	t3=$(jq -r .token "$cache")
	[ "$t3" != "$t2" ]
}

@test "nova: 20 appliances booted 5 at a time, then destroyed" {
	local ids=() i max
	for i in $(seq 20); do ids+=("octt-b$i"); done
	issue "${ids[@]}" >"$BATS_TEST_TMPDIR/in.json"
	run_ok oct-boot --driver nova --parallel 5 -v \
	    <"$BATS_TEST_TMPDIR/in.json"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 20 ]
	# in input order, all ACTIVE with distinct addresses
	[ "$(jqo .id | tr '\n' ' ')" = "${ids[*]} " ]
	[ "$(jqo 'select(.compute.status == "ACTIVE") | .address' |
	    sort -u | wc -l)" -eq 20 ]
	# bounded concurrency: boots in flight, from the driver's own lines
	max=$(awk '/: boot starts/ {n++; if (n > m) m = n}
	    /: boot ends/ {n--} END {print m}' <<<"$stderr")
	echo "most boots in flight: $max"
	[ "$max" -le 5 ] && [ "$max" -ge 2 ]
	[ "$(servers '^amphora-octt-b' | wc -l)" -eq 20 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/booted.json"
	run_ok oct-destroy --parallel 5 \
	    <"$BATS_TEST_TMPDIR/booted.json"
	[ "$(jqo 'select(.compute.status == "DELETED") | .id' | wc -l)" -eq 20 ]
	[ -z "$(servers '^amphora-octt-b')" ]
}

@test "nova: a record that lost its server id is destroyed by name" {
	run_ok oct-boot --driver nova < <(issue octt-n1)
	[ -n "$(servers '^amphora-octt-n1$')" ]
	run_ok oct-destroy --driver nova \
	    <<<'{"id":"octt-n1"}'
	[ "$(jqo .compute.status)" = DELETED ]
	[ -z "$(servers '^amphora-octt-n1$')" ]
}

@test "nova: credentials from clouds.yaml (--driver-opt cloud=NAME)" {
	local y="$BATS_TEST_TMPDIR/clouds.yaml"
	cat >"$y" <<-YAML
	clouds:
	  octt:
	    auth:
	      auth_url: $OS_AUTH_URL
	      username: "$OS_USERNAME"
	      password: "$OS_PASSWORD"
	      project_name: $OS_PROJECT_NAME
	      user_domain_name: Default
	      project_domain_name: Default
	    region_name: RegionOne
	    interface: public
	  octt-bad:
	    auth:
	      auth_url: $OS_AUTH_URL
	      username: "$OS_USERNAME"
	      password: wrong
	      project_name: $OS_PROJECT_NAME
	YAML
	run_ok env -u OS_AUTH_URL -u OS_USERNAME \
	    -u OS_PASSWORD -u OS_PROJECT_NAME OS_CLIENT_CONFIG_FILE="$y" \
	    oct-boot --driver nova --driver-opt cloud=octt </dev/null
	[ -e "$OCT_STATE_DIR/keystone/token.json" ]
	# (a state dir of its own: the cached token is not the password's)
	run -77 --separate-stderr env -u OS_AUTH_URL -u OS_USERNAME \
	    -u OS_PASSWORD -u OS_PROJECT_NAME OS_CLIENT_CONFIG_FILE="$y" \
	    OS_CLOUD=octt-bad OCT_STATE_DIR="$BATS_TEST_TMPDIR/s2" \
	    oct-boot --driver nova </dev/null
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	run -78 --separate-stderr env OS_CLIENT_CONFIG_FILE="$y" \
	    oct-boot --driver nova --driver-opt cloud=nope </dev/null
	[[ $stderr == *"cloud nope: not in"* ]]
}

# ks_admin METHOD PATH [BODY]: Keystone's admin API with curl.
ks_admin() {
	curl -s -X "$1" -H "X-Auth-Token: $(admin_token)" -H 'Connection: close' \
	    -H 'Content-Type: application/json' ${3:+-d "$3"} "$OS_AUTH_URL$2"
}

@test "nova: a quota Nova refuses is a retryable error, 75, nothing left" {
	local pid uid rid
	# a project of its own with no room for a server
	pid=$(ks_admin GET '/projects?name=octt-quota' | jq -r '.projects[0].id // empty')
	[ -n "$pid" ] || pid=$(ks_admin POST /projects \
	    '{"project":{"name":"octt-quota","domain_id":"default"}}' |
	    jq -r .project.id)
	uid=$(ks_admin GET "/users?name=$OS_USERNAME" | jq -r '.users[0].id')
	rid=$(ks_admin GET '/roles?name=admin' | jq -r '.roles[0].id')
	ks_admin PUT "/projects/$pid/users/$uid/roles/$rid" >/dev/null
	admin_curl -X PUT -H 'Content-Type: application/json' \
	    -d '{"quota_set":{"instances":0}}' \
	    "$REALNOVA_COMPUTE_URL/os-quota-sets/$pid" >/dev/null
	run -75 --separate-stderr env OS_PROJECT_NAME=octt-quota \
	    oct-boot --driver nova < <(issue octt-q1)
	assert_json_line
	[ "$(jqo .error.code)" = EX_TEMPFAIL ]
	[[ $(jqo .error.message) == *"HTTP 403: Quota exceeded for instances"* ]]
	[ -z "$(servers '^amphora-octt-q1$')" ]
}
