#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# oct-agent for real: mutual TLS with certificates from oct-cert, a real
# haproxy per load balancer serving HTTP from two python http.server
# backends, all on 127.0.0.1 with free ports.

load helpers
load agent

setup() {
	agent_setup
}

teardown() {
	agent_teardown
}

@test "oct-agent: -h prints the usage line and exits 0; misuse exits 64" {
	run -0 --separate-stderr oct-agent -h
	assert_output --partial 'usage: oct-agent [-dhv] [--config-file FILE]'
	run -64 --separate-stderr oct-agent --bogus
	assert_output ''
	run -64 --separate-stderr oct-agent --port 99999
	assert_output ''
	run -64 --separate-stderr oct-agent extra
}

@test "oct-agent: missing files exit 66, a key readable by others 77, a bad config file 78" {
	run -66 oct-agent --server-cert /nonexistent --client-ca "$CA"
	assert_output --partial '/nonexistent'
	cp "$SKEY" "$T/open.key"
	chmod 644 "$T/open.key"
	run -77 oct-agent --server-cert "$SCERT" --server-key "$T/open.key" \
	    --client-ca "$CA" --base-path "$BASE"
	assert_output --partial 'accessible to others'
	printf '[haproxy_amphora]\nbind_port = x\n' >"$T/bad.conf"
	run -78 oct-agent --config-file "$T/bad.conf"
	printf 'junk\n' >"$T/bad.conf"
	run -78 oct-agent --config-file "$T/bad.conf"
	assert_output --partial 'line 1'
}

@test "oct-agent: / and // give the API version; info, details and listeners" {
	start_agent
	run -0 api /
	assert_output '{"api_version":"1.0"}'
	run -0 api //
	assert_output '{"api_version":"1.0"}'
	run -0 api /1.0/info
	assert_json_line
	[ "$(jqo .api_version)" = 1.0 ]
	[ "$(jqo .hostname)" = "$(hostname)" ]
	want=$(haproxy -v | sed -n 's/.*version \([^ +]*\).*/\1/p' | head -n 1)
	[ "$(jqo .haproxy_version)" = "$want" ]
	run -0 api /1.0/details
	jqo '.topology, .haproxy_count, (.cpu_count > 0), (.memory.total > 0), (.load | length), .listeners' |
	    tr '\n' ' ' | grep -qx 'SINGLE 0 true true 3 \[\] '
	run -0 api /1.0/listeners
	assert_output '[]'
	run -0 api /1.0/info -I
	assert_output --partial 'Content-Type: application/json'
}

@test "oct-agent: unknown routes and methods get JSON 404 and 405" {
	start_agent
	run -0 api_code /nope
	assert_output --partial '404 {"error":"404 Not Found: The requested URL was not found on the server.'
	assert_output --partial '"http_code":404}'
	run -0 api_code /1.0/info -X POST
	assert_output '405 {"error":"405 Method Not Allowed: The method is not allowed for the requested URL.","http_code":405}'
	run -0 api_code /1.0/loadbalancer/x/start
	assert_output --partial '405 {"error":"405'
	run -0 api_code /1.0/info/
	assert_output --partial '404 {"error"'
	run -0 api_code /0.5/info
	assert_output --partial '404 {"error"'
	# Methods evhttp does not know: its 501, as JSON, in any version.
	run -0 api_code / -X FOO
	assert_output '501 {"error":"501 Not Implemented: The server does not support the action requested by the browser.","http_code":501}'
	run -0 raw_requests 'FOO / HTTP/1.11\r\nHost: x\r\n\r\n'
	assert_output --regexp '^HTTP/1.1 501 Not Implemented\|Content-Type: application/json\|.*\|\{"error":"501 Not Implemented: The server does not support the action requested by the browser.","http_code":501\}$'
}

@test "oct-agent: upload and start serve HTTP round-robin from two backends" {
	backends
	start_agent
	config lb-1 >"$T/lb-1.cfg"
	run -0 api "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
	    --data-binary "@$T/lb-1.cfg" -i
	assert_output --partial 'HTTP/1.1 202 Accepted'
	md5=$(md5sum "$T/lb-1.cfg" | cut -d' ' -f1)
	assert_output --partial "ETag: $md5"
	[ "$(stat -c %a "$BASE/lb-1/haproxy.cfg")" = 600 ]
	run -0 api_code /1.0/loadbalancer/lb-1/start -X PUT
	assert_output '202 {"message":"OK","details":"Configuration file is valid\nhaproxy daemon for lb-1 started"}'
	for i in 1 2 3 4; do
		curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	done >"$T/seen"
	[ "$(sort -u "$T/seen" | tr '\n' ,)" = "backend A,backend B," ]
	[ "$(grep -c 'backend A' "$T/seen")" = 2 ]
	# The config comes back as uploaded, with the same ETag.
	run -0 api /1.0/loadbalancer/lb-1/haproxy -D "$T/h"
	[ "$output" = "$(cat "$T/lb-1.cfg")" ]
	grep -q "ETag: $md5" "$T/h"
	grep -q 'Content-Type: text/plain' "$T/h"
	# Status from the stats socket.
	run -0 api /1.0/listeners
	[ "$(jqo '.[0] | [.status, .uuid, .type, .lb_id, .frontend_status] | join(" ")')" = "ACTIVE li-1 HTTP lb-1 OPEN" ]
	# Members are UP once their checks pass: a loaded machine may first
	# show a check in progress ("UP 1/3"), so allow it a few seconds.
	for i in $(seq 50); do
		[ "$(jqo '.[0].pools["pool-1:li-1"].members | [.["m-a"], .["m-b"]] | join(" ")')" = "UP UP" ] && break
		sleep 0.2
		run -0 api /1.0/listeners
	done
	[ "$(jqo '.[0].pools["pool-1:li-1"].members | [.["m-a"], .["m-b"]] | join(" ")')" = "UP UP" ]
	run -0 api /1.0/details
	[ "$(jqo '.haproxy_count')" = 1 ]
	[ "$(jqo '.listeners | join(" ")')" = li-1 ]
	[ "$(jqo '.loadbalancers["lb-1"].stats.backends["pool-1:li-1"].status')" = UP ]
	# start again is a no-op; stop, stop again, reload starts it.
	run -0 api_code /1.0/loadbalancer/lb-1/Start -X PUT
	assert_output --partial '202'
	run -0 api_code /1.0/loadbalancer/lb-1/stop -X PUT
	assert_output '202 {"message":"OK","details":"Listener lb-1 stoped"}'
	run curl -sS --max-time 2 "http://127.0.0.1:$FE/"
	[ "$status" -ne 0 ]
	run -0 api /1.0/listeners
	[ "$(jqo '.[0].status')" = OFFLINE ]
	run -0 api_code /1.0/loadbalancer/lb-1/STOP -X PUT
	assert_output --partial '202'
	run -0 api_code /1.0/loadbalancer/lb-1/reload -X PUT
	assert_output --partial '202 {"message":"OK","details":"Configuration file is valid\nhaproxy daemon for lb-1 started"}'
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
}

@test "oct-agent: a config asking for more descriptors than the host allows still serves" {
	# Octavia's default of 50000 connections a listener needs about twice
	# as many descriptors; haproxy alone refuses to start past the hard
	# limit ("Cannot raise FD limit"), an appliance must serve anyway.
	backends
	start_agent
	config lb-1 | sed "s/^global\$/global\n    maxconn $(($(ulimit -Hn) * 2))/" \
	    >"$T/lb-1.cfg"
	grep -q "^    maxconn" "$T/lb-1.cfg"
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
	    --data-binary "@$T/lb-1.cfg"
	assert_output '202 {"message":"OK"}'
	run -0 api_code /1.0/loadbalancer/lb-1/start -X PUT
	assert_output --partial '202 {"message":"OK"'
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
}

@test "oct-agent: a reload under a running request loop fails no request" {
	backends
	start_agent
	up lb-1
	# A bounded client: 1500 requests, a new connection each, counting
	# failures and the X-Config header each answer carried.
	cat >"$T/loop.py" <<'EOF'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
fail, seen = 0, {}
for i in range(n):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/")
        r = c.getresponse()
        r.read()
        if r.status != 200:
            fail += 1
        v = r.getheader("X-Config", "-")
        seen[v] = seen.get(v, 0) + 1
        c.close()
        if i == 0:
            open(sys.argv[3], "w").close()
    except Exception as e:
        fail += 1
print(fail, " ".join(sorted(seen)))
EOF
	python3 "$T/loop.py" "$FE" 1500 "$T/started" >"$T/loop.out" &
	loop=$!
	PIDS+=("$loop")
	for i in $(seq 100); do [ -e "$T/started" ] && break; sleep 0.1; done
	for v in v1 v2 v3; do
		config lb-1 "    http-response set-header X-Config $v" >"$T/new.cfg"
		run -0 api_code "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
		    --data-binary "@$T/new.cfg"
		assert_output '202 {"message":"OK"}'
		run -0 api_code /1.0/loadbalancer/lb-1/reload -X PUT
		assert_output '202 {"message":"OK","details":"Listener lb-1 reloaded"}'
		# The call answers when the new worker serves the new config.
		run -0 curl -sS -D - -o /dev/null "http://127.0.0.1:$FE/"
		assert_output --partial "x-config: $v"
	done
	wait "$loop"
	cat "$T/loop.out"
	read -r failed versions <"$T/loop.out"
	[ "$failed" = 0 ]
	[ "$versions" = "- v1 v2 v3" ]
}

@test "oct-agent: listener status comes from the stats socket: STOP, DOWN, MAINT, DRAIN" {
	backends
	start_agent
	closed=$(free_port)
	cat >"$T/st.cfg" <<EOF
global
    stats socket $BASE/lb-s.sock mode 0600 level admin
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend li-s
    bind 127.0.0.1:$FE
    default_backend pool-s:li-s
backend pool-s:li-s
    server m-a 127.0.0.1:$BE_A check inter 200ms fall 1 rise 1
    server m-b 127.0.0.1:$BE_B check inter 200ms fall 1 rise 1
    server m-c 127.0.0.1:$closed check inter 200ms fall 1 rise 1
EOF
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-s/haproxy" -X PUT \
	    --data-binary "@$T/st.cfg"
	run -0 api_code /1.0/loadbalancer/lb-s/start -X PUT
	assert_output --partial 202
	sock=$BASE/lb-s.sock
	hacli "$sock" "set server pool-s:li-s/m-a state maint"
	hacli "$sock" "set server pool-s:li-s/m-b weight 0"
	hacli "$sock" "shutdown frontend li-s"
	sleep 1
	run -0 api /1.0/listeners
	[ "$(jqo '.[0] | [.type, .status, .frontend_status] | join(" ")')" = "TCP ACTIVE STOP" ]
	[ "$(jqo '.[0].pools["pool-s:li-s"].members | [.["m-a"], .["m-b"], .["m-c"]] | join(" ")')" = "MAINT DRAIN DOWN" ]
	run -0 api /1.0/details
	[ "$(jqo '.loadbalancers["lb-s"].stats.frontends["li-s"].status')" = STOP ]
}

@test "oct-agent: an invalid config gets 400 with haproxy's message; the old one keeps serving" {
	backends
	start_agent
	up lb-1
	old=$(md5sum <"$BASE/lb-1/haproxy.cfg")
	printf 'global\n    bogus-directive 1\n' >"$T/bad.cfg"
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
	    --data-binary "@$T/bad.cfg"
	assert_output --partial '400 {"message":"Invalid request","details":"'
	assert_output --partial "bogus-directive"
	[ "$(md5sum <"$BASE/lb-1/haproxy.cfg")" = "$old" ]
	[ -f "$BASE/lb-1/haproxy.cfg.new-failed" ]
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
	run -0 api_code /1.0/loadbalancer/lb-1/reload -X PUT
	assert_output --partial '202'
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
	# A new load balancer with a bad config does not exist.
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-2/haproxy" -X PUT \
	    --data-binary "@$T/bad.cfg"
	assert_output --partial '400'
	run -0 api_code /1.0/loadbalancer/lb-2/start -X PUT
	assert_output '404 {"message":"Loadbalancer Not Found","details":"No loadbalancer with UUID: lb-2"}'
}

@test "oct-agent: bytes that are not UTF-8, in haproxy's output or in names, come back as JSON and never end the agent" {
	backends
	start_agent
	# haproxy -c prints the bad line back: the answer used to be built
	# from it, fail, and end the agent.
	printf 'global\n\xff\xfe\xfd\n' >"$T/bad.cfg"
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
	    --data-binary "@$T/bad.cfg"
	[ "${output%% *}" = 400 ]
	body=${output#* }
	run -0 jq -r .details <<<"$body"
	assert_output --partial $'\xef\xbf\xbd'
	kill -0 "$APID"
	run -0 api_code /1.0/info
	assert_output --partial '200 {"hostname"'
	# haproxy refuses proxy names that are not ASCII, but takes such
	# bytes elsewhere: the status routes read the config back.
	config lb-2 $'    http-response set-header X-Oct "\xff\xfe"\n# \xc3' \
	    >"$T/lb-2.cfg"
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-2/haproxy" -X PUT \
	    --data-binary "@$T/lb-2.cfg"
	assert_output '202 {"message":"OK"}'
	run -0 api_code /1.0/loadbalancer/lb-2/start -X PUT
	assert_output --partial '202 '
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
	for path in /1.0/listeners /1.0/details /1.0/info; do
		run -0 api_code "$path"
		[ "${output%% *}" = 200 ]
		jq -e . <<<"${output#* }" >/dev/null
	done
	run -0 api /1.0/listeners
	run -0 jq -r '.[].uuid' <<<"$output"
	assert_output li-1
	kill -0 "$APID"
}

@test "oct-agent: delete stops haproxy and removes its files" {
	backends
	start_agent
	up lb-1
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c1.pem -X PUT \
	    --data-binary "@$SCERT"
	master=$(head -n 1 "$BASE/lb-1/haproxy.pid")
	kill -0 "$master"
	run -0 api_code /1.0/listeners/lb-1 -X DELETE
	assert_output '200 {"message":"OK"}'
	! kill -0 "$master" 2>/dev/null
	run curl -sS --max-time 2 "http://127.0.0.1:$FE/"
	[ "$status" -ne 0 ]
	[ ! -e "$BASE/lb-1" ]
	[ ! -e "$BASE/lb-1.sock" ]
	[ ! -e "$BASE/certs/lb-1" ]
	run -0 api /1.0/listeners
	assert_output '[]'
	# Deleting what is not there is fine too.
	run -0 api_code /1.0/listeners/lb-1 -X DELETE
	assert_output '200 {"message":"OK"}'
}

@test "oct-agent: GET /1.0/info answers during a slow operation; changes to one LB are queued" {
	backends
	# haproxy -c that takes 2 s: the loop must not wait for it.
	cat >"$T/slowhaproxy" <<EOF
#!/bin/sh
case " \$* " in *" -c "*) sleep 2 ;; esac
exec $(command -v haproxy) "\$@"
EOF
	chmod +x "$T/slowhaproxy"
	start_agent --haproxy-cmd "$T/slowhaproxy"
	config lb-1 >"$T/a.cfg"
	config lb-1 "    http-response set-header X-Config b" >"$T/b.cfg"
	t0=$(date +%s%N)
	api "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
	    --data-binary "@$T/a.cfg" >"$T/a.out" 2>&1 &
	a=$!
	sleep 0.3
	api "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT \
	    --data-binary "@$T/b.cfg" >"$T/b.out" 2>&1 &
	b=$!
	sleep 0.3
	run -0 api /1.0/info
	[ "$(jqo .api_version)" = 1.0 ]
	# info answered while the first upload still waits for haproxy -c
	[ ! -s "$T/a.out" ]
	wait "$a" "$b"
	t1=$(date +%s%N)
	cat "$T/a.out" "$T/b.out" "$T/agent.log"
	[ "$(cat "$T/a.out")" = '{"message":"OK"}' ]
	[ "$(cat "$T/b.out")" = '{"message":"OK"}' ]
	# one after the other: two checks of 2 s each
	[ $(((t1 - t0) / 1000000)) -ge 4000 ]
	cmp "$T/b.cfg" "$BASE/lb-1/haproxy.cfg"
}

@test "oct-agent: TLS refusals: no client cert, other CA, expired, no clientAuth EKU, TLS 1.1" {
	start_agent
	url="https://$AMP:$PORT/1.0/info"
	res=(--resolve "$AMP:$PORT:127.0.0.1" --cacert "$CA" --max-time 5)
	# The good cases first: TLS 1.2 and 1.3 with the controller's cert.
	run -0 curl -sS "${res[@]}" --cert "$CERT" --key "$KEY" --tls-max 1.2 "$url"
	assert_output --partial '"api_version":"1.0"'
	run -0 curl -sS "${res[@]}" --cert "$CERT" --key "$KEY" --tlsv1.3 "$url"
	assert_output --partial '"api_version":"1.0"'
	# No client certificate.
	run curl -sS "${res[@]}" "$url"
	[ "$status" -ne 0 ]
	refute_output --partial api_version
	# A client certificate from another CA.
	OCT_STATE_DIR=$T/other oct-cert ca >/dev/null
	OCT_STATE_DIR=$T/other oct-cert issue --role client --id controller </dev/null >/dev/null
	run curl -sS "${res[@]}" --cert "$T/other/controller/client.pem" \
	    --key "$T/other/controller/client.key" "$url"
	[ "$status" -ne 0 ]
	refute_output --partial api_version
	# An expired client certificate signed by the right CA.
	mkdir -p "$T/ca/new"
	: >"$T/ca/index.txt"
	cat >"$T/ca/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $T/ca/index.txt
new_certs_dir = $T/ca/new
serial = $T/ca/serial
default_md = sha256
policy = p
email_in_dn = no
unique_subject = no
[p]
commonName = supplied
[ext]
extendedKeyUsage = clientAuth
EOF
	echo 01 >"$T/ca/serial"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=old -keyout "$T/old.key" -out "$T/old.csr" 2>/dev/null
	openssl ca -batch -config "$T/ca/ca.cnf" -cert "$CA" \
	    -keyfile "$OCT_STATE_DIR/ca/ca.key" -in "$T/old.csr" \
	    -out "$T/old.pem" -startdate 20200101000000Z \
	    -enddate 20200201000000Z -extensions ext 2>/dev/null
	[ -s "$T/old.pem" ]
	run curl -sS "${res[@]}" --cert "$T/old.pem" --key "$T/old.key" "$url"
	[ "$status" -ne 0 ]
	refute_output --partial api_version
	# A CA-signed certificate for servers only (EKU serverAuth).
	run curl -sS "${res[@]}" --cert "$SCERT" --key "$SKEY" "$url"
	[ "$status" -ne 0 ]
	refute_output --partial api_version
	# TLS 1.1 and older are not offered.
	run curl -sS "${res[@]}" --cert "$CERT" --key "$KEY" --tlsv1 --tls-max 1.1 "$url"
	[ "$status" -ne 0 ]
	refute_output --partial api_version
	run openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cert "$CERT" \
	    -key "$KEY" </dev/null
	[ "$status" -ne 0 ]
	# The agent is still fine.
	run -0 api /1.0/info
	assert_output --partial '"api_version":"1.0"'
}

@test "oct-agent: bad input: path traversal in every parameter, names, actions, bodies" {
	start_agent --body-max 1000
	long=$(printf 'a%.0s' $(seq 200))
	for id in .. %2e%2e ..%2Fx %2Fetc .x "$long"; do
		run -0 api_code "/1.0/loadbalancer/$AMP/$id/haproxy" -X PUT --data-binary 'global'
		assert_output '400 {"message":"Invalid request","details":"Invalid ID in the path"}'
		run -0 api_code "/1.0/loadbalancer/$id/lb-1/haproxy" -X PUT --data-binary 'global'
		assert_output '400 {"message":"Invalid request","details":"Invalid ID in the path"}'
		run -0 api_code "/1.0/loadbalancer/$id/haproxy"
		assert_output --partial '404 {"message":"Loadbalancer Not Found"'
		run -0 api_code "/1.0/loadbalancer/$id/reload" -X PUT
		assert_output --partial '404 {"message":"Loadbalancer Not Found"'
		run -0 api_code "/1.0/listeners/$id" -X DELETE
		assert_output '400 {"message":"Invalid request","details":"Invalid ID in the path"}'
		run -0 api_code "/1.0/loadbalancer/$id/certificates/c.pem" -X PUT --data-binary x
		assert_output '400 {"message":"Filename has wrong format"}'
		run -0 api_code "/1.0/loadbalancer/lb-1/certificates/$id.pem" -X PUT --data-binary x
		assert_output '400 {"message":"Filename has wrong format"}'
		run -0 api_code "/1.0/loadbalancer/lb-1/certificates/$id" -X GET
		assert_output '400 {"message":"Filename has wrong format"}'
		run -0 api_code "/1.0/loadbalancer/lb-1/certificates/$id" -X DELETE
		assert_output '400 {"message":"Filename has wrong format"}'
	done
	# A slash is a path separator: these are unknown routes.
	run -0 api_code "/1.0/loadbalancer/$AMP/../x/haproxy" -X PUT --data-binary 'global'
	assert_output --partial '404 {"error"'
	run -0 api_code "/1.0/loadbalancer/lb-1/certificates//etc/passwd" -X GET
	assert_output --partial '404 {"error"'
	# Nothing was written outside the base path, or in it.
	[ -z "$(find "$BASE" -mindepth 1 -not -path "$BASE/certs" \
	    -not -name haproxy-default-user-group.conf \
	    -not -name ping-wrapper.sh)" ]
	[ ! -e "$T/x" ]
	# Certificate names end in .pem.
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c.crt -X PUT --data-binary x
	assert_output '400 {"message":"Filename has wrong format"}'
	# Unknown action, any case for the known ones.
	run -0 api_code /1.0/loadbalancer/lb-1/foo -X PUT
	assert_output '400 {"message":"Invalid Request","details":"Unknown action: foo"}'
	run -0 api_code /1.0/loadbalancer/lb-1/ReLoAd -X PUT
	assert_output '404 {"message":"Loadbalancer Not Found","details":"No loadbalancer with UUID: lb-1"}'
	run -0 api_code /1.0/loadbalancer/lb-1/haproxy
	assert_output '404 {"message":"Loadbalancer Not Found","details":"No loadbalancer with UUID: lb-1"}'
	# A body over --body-max, and over the header limit.
	head -c 2000 /dev/zero >"$T/big"
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-1/haproxy" -X PUT --data-binary "@$T/big"
	assert_output '413 {"error":"413 Request Entity Too Large: The data value transmitted exceeds the capacity limit.","http_code":413}'
	run -0 api_code /1.0/info -H "X-Big: $(printf 'b%.0s' $(seq 20000))"
	assert_output --partial '"http_code":4'
	# Malformed JSON for the plug calls.
	run -0 api_code /1.0/plug/network -X POST --data-binary '{"mac_address":'
	assert_output --partial '400 {"error":"400 Bad Request'
	run -0 api_code /1.0/plug/vip/198.18.0.10 -X POST --data-binary '[1]'
	assert_output --partial '400 {"error":"400 Bad Request'
	run -0 api_code /1.0/interface/not-an-ip
	assert_output '400 {"message":"Invalid IP address"}'
	run -0 api_code /1.0/interface/127.0.0.1
	assert_output '200 {"message":"OK","interface":"lo"}'
	# The agent logs one line per request, without bodies.
	grep -q 'PUT /1.0/loadbalancer/lb-1/foo 400' "$T/agent.log"
	! grep -q 'bogus\|BEGIN' "$T/agent.log"
}

@test "oct-agent: plug bodies are checked whole, as Octavia's agent reads them: 400 with a JSON message" {
	start_agent
	local vip net route code want filter body n=0
	vip='{"subnet_cidr":"198.18.0.0/24","gateway":"198.18.0.1","mac_address":"fa:16:3e:00:00:09","vrrp_ip":null,"mtu":1500,"host_routes":[],"additional_vips":[]}'
	net='{"mac_address":"fa:16:3e:00:00:09","fixed_ips":[{"ip_address":"10.2.0.5","subnet_cidr":"10.2.0.0/24","gateway":"10.2.0.1","host_routes":[]}],"mtu":1500}'
	while IFS=$'\t' read -r route code want filter; do
		case $route in '#'* | '') continue ;; esac
		case $filter in
		raw:*) body=${filter#raw:} ;;
		*) [ "$route" = vip ] && body=$vip || body=$net
		   body=$(jq -c "$filter" <<<"$body") ;;
		esac
		if [ "$route" = vip ]; then
			run -0 api_code /1.0/plug/vip/198.18.0.10 -X POST \
			    -H 'Content-Type: application/json' --data-binary "$body"
		else
			run -0 api_code /1.0/plug/network -X POST \
			    -H 'Content-Type: application/json' --data-binary "$body"
		fi
		[ "${output%% *}" = "$code" ] ||
		    fail "$route $filter: $output (want $code $want)"
		jq -e --arg w "$want" '(.message // .error) | startswith($w)' \
		    <<<"${output#* }" >/dev/null ||
		    fail "$route $filter: $output (want $code $want)"
		# A refusal says what is wrong with which key.
		[ "$code" = 404 ] || jq -e '.details | length > 0' \
		    <<<"${output#* }" >/dev/null || fail "$route $filter: $output"
		n=$((n + 1))
	done <"$BATS_TEST_DIRNAME/plug-bodies.txt"
	[ "$n" -gt 80 ]
	# The message names the key, and echoes input only made safe.
	run -0 api_code /1.0/plug/vip/198.18.0.10 -X POST --data-binary \
	    "$(jq -c '.host_routes = [{"destination": "10.1.0.0/16", "nexthop": "x\"\n\u00e9"}]' <<<"$vip")"
	assert_output '400 {"message":"Invalid subnet information","details":"host_routes[0].nexthop: x???? is not an IP address"}'
	run -0 api_code /1.0/plug/vip/198.18.0.10 -X POST --data-binary \
	    "$(jq -c 'del(.gateway)' <<<"$vip")"
	assert_output '400 {"error":"400 Bad Request: Invalid subnet information","http_code":400,"details":"gateway: missing"}'
	# Still serving.
	run -0 api /
	assert_output '{"api_version":"1.0"}'
}

@test "oct-agent: an answer to HEAD has the GET's length and no body; the next answer on the connection is whole" {
	start_agent
	run -0 api /1.0/info -I
	assert_line --regexp '^Content-Length: 1[0-9][0-9]'
	# HEAD then GET on one connection: the GET's answer must follow the
	# HEAD's head at once.
	run -0 raw_requests 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /1.0/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_output --regexp '^HTTP/1.1 200 OK\|([^|]+\|)*Content-Length: 21\|([^|]+\|)*\|HTTP/1.1 200 OK\|'
}

@test "oct-agent: HTTP/1.x beyond 1.1 is answered as 1.1; HTTP/0.x and 1.-1 505, and the connection closed" {
	start_agent
	run -0 raw_requests 'GET / HTTP/1.7\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_output --regexp '^HTTP/1.1 200 OK\|.*Content-Length: 21\|.*\{"api_version":"1.0"\}$'
	# A body of no length on a connection kept alive, before: the next
	# answer would have been read as part of it.
	run -0 raw_requests 'GET / HTTP/0.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET / HTTP/0.9\r\n\r\n' 'GET / HTTP/1.-1\r\nHost: x\r\n\r\n' 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'
	[ "${#lines[@]}" = 4 ]
	for l in "${lines[@]:0:3}"; do
		[[ "$l" =~ ^'HTTP/1.0 505 HTTP Version Not Supported|'.*'Connection: close|'.*'|{"error":"505 HTTP Version Not Supported: The server does not support the HTTP protocol version used in the request.","http_code":505}'$ ]] ||
		    fail "$l"
	done
	# evhttp refuses majors above 1 itself.
	[[ "${lines[3]}" =~ ^'HTTP/1.1 400 Bad Request|'.*'Connection: close|'.*'"http_code":400}'$ ]]
	run -0 api /
	assert_output '{"api_version":"1.0"}'
}

@test "oct-agent: evhttp's own output (100 Continue) never ends the agent" {
	start_agent --body-max 2000
	# curl waits for "100 Continue" before it sends the body.
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c.pem -X PUT \
	    -H 'Expect: 100-continue' --data-binary x
	assert_output '200 {"message":"OK"}'
	head -c 1500 /dev/zero | tr '\0' '#' >"$T/body"
	run -0 api_code /1.0/config -X PUT -H 'Expect: 100-continue' \
	    --data-binary "@$T/body"
	assert_output --partial '"message":"Unable to update amphora-agent configuration."'
	# Over --body-max, refused before the body.
	head -c 3000 /dev/zero >"$T/big"
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c.pem -X PUT \
	    -H 'Expect: 100-continue' --data-binary "@$T/big"
	assert_output --partial '413 {"error":"413 Request Entity Too Large'
	run -0 api /
	assert_output '{"api_version":"1.0"}'
	kill -0 "$APID"
}

@test "oct-agent: certificates for listeners: upload, md5 probe, delete" {
	start_agent
	printf 'cert\n' >"$T/c.pem"
	md5=$(md5sum "$T/c.pem" | cut -d' ' -f1)
	run -0 api /1.0/loadbalancer/lb-1/certificates/c1.pem -X PUT \
	    --data-binary "@$T/c.pem" -i
	assert_output --partial 'HTTP/1.1 200 OK'
	assert_output --partial "ETag: $md5"
	assert_output --partial '{"message":"OK"}'
	[ "$(stat -c %a "$BASE/certs/lb-1/c1.pem")" = 600 ]
	[ "$(stat -c %a "$BASE/certs/lb-1")" = 700 ]
	cmp "$T/c.pem" "$BASE/certs/lb-1/c1.pem"
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c1.pem
	assert_output "200 {\"md5sum\":\"$md5\"}"
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c1.pem -X DELETE
	assert_output '200 {"message":"OK"}'
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c1.pem
	assert_output '404 {"message":"Certificate Not Found","details":"No certificate with filename: c1.pem"}'
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c1.pem -X DELETE
	assert_output '200 {"message":"OK"}'
}

@test "oct-agent: the agent restarts without touching haproxy and finds it again" {
	backends
	start_agent
	up lb-1
	master=$(head -n 1 "$BASE/lb-1/haproxy.pid")
	kill -TERM "$APID"
	wait "$APID" || true
	kill -0 "$master"
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
	start_agent
	grep -q "lb-1: haproxy master $master running" "$T/agent.log"
	run -0 api /1.0/listeners
	[ "$(jqo '.[0].status')" = ACTIVE ]
	run -0 api /1.0/details
	[ "$(jqo .haproxy_count)" = 1 ]
	run -0 api_code /1.0/loadbalancer/lb-1/reload -X PUT
	assert_output '202 {"message":"OK","details":"Listener lb-1 reloaded"}'
	[ "$(head -n 1 "$BASE/lb-1/haproxy.pid")" = "$master" ]
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	assert_output --partial backend
}

@test "oct-agent: PUT /1.0/certificate rotates the server certificate without a restart" {
	start_agent
	echo '{"id":"amp-new","address":"127.0.0.1"}' |
	    oct-cert issue --role server >/dev/null
	new=$OCT_STATE_DIR/certs/amp-new
	# A body whose key does not match is refused; nothing changes.
	cat "$new.pem" "$SKEY" >"$T/mismatch.pem"
	run -0 api_code /1.0/certificate -X PUT --data-binary "@$T/mismatch.pem"
	assert_output '400 {"message":"Invalid request","details":"the private key does not match the certificate"}'
	run -0 api_code /1.0/certificate -X PUT --data-binary 'junk'
	assert_output --partial '400 {"message":"Invalid request"'
	cat "$new.pem" "$new.key" >"$T/new.pem"
	run -0 api_code /1.0/certificate -X PUT --data-binary "@$T/new.pem"
	assert_output '202 {"message":"OK"}'
	[ "$(stat -c %a "$SCERT")" = 600 ]
	[ "$(stat -c %a "$SKEY")" = 600 ]
	# New connections get the new certificate, same process.
	kill -0 "$APID"
	run -0 curl -sS --max-time 5 --cacert "$CA" --cert "$CERT" --key "$KEY" \
	    --resolve "amp-new:$PORT:127.0.0.1" "https://amp-new:$PORT/1.0/info"
	assert_output --partial '"api_version":"1.0"'
	run curl -sS --max-time 5 --cacert "$CA" --cert "$CERT" --key "$KEY" \
	    --resolve "$AMP:$PORT:127.0.0.1" "https://$AMP:$PORT/1.0/info"
	[ "$status" -ne 0 ]
	# And after a restart too (the files were replaced).
	kill "$APID"
	wait "$APID" || true
	AMP=amp-new start_agent
}

@test "oct-agent: an Octavia amphora-agent.conf configures it; flags override" {
	cat "$SCERT" "$SKEY" >"$T/server.pem"
	chmod 600 "$T/server.pem"
	PORT=$(free_port)
	cat >"$T/amphora-agent.conf" <<EOF
[DEFAULT]
debug = False

[amphora_agent]
agent_server_ca = $CA
agent_server_cert = $T/server.pem
agent_request_read_timeout = 180
amphora_id = $AMP

[haproxy_amphora]
base_cert_dir = $T/certs
base_path = $BASE
bind_host = 127.0.0.1
bind_port = 1
haproxy_cmd = $(command -v haproxy)

[health_manager]
controller_ip_port_list = 127.0.0.1:5555
heartbeat_key = insecure
EOF
	oct-agent --config-file "$T/amphora-agent.conf" --port "$PORT" \
	    2>>"$T/agent.log" &
	APID=$!
	PIDS+=("$APID")
	wait_agent
	run -0 api /1.0/loadbalancer/lb-1/certificates/c.pem -X PUT --data-binary x
	[ -f "$T/certs/lb-1/c.pem" ]
	[ -d "$BASE" ]
}

@test "oct-agent: a slow client is cut after the read timeout; connections are capped" {
	printf '[amphora_agent]\nagent_request_read_timeout = 2\n[oct_agent]\nmax_connections = 3\n' >"$T/a.conf"
	start_agent --config-file "$T/a.conf"
	# Half a request, then silence: cut after the 2 s read timeout.
	run -0 half_requests 1 8
	[ "$output" != open ]
	[ "${output%.*}" -le 3 ]
	# Three slow connections fill the agent: a fourth is not served
	# until the agent has cut them.
	rm -f "$T/ready"
	half_requests 3 8 >"$T/held" &
	PIDS+=("$!")
	for i in $(seq 50); do [ -e "$T/ready" ] && break; sleep 0.1; done
	run api /1.0/info --max-time 1
	[ "$status" -ne 0 ]
	grep -q 'not accepting more' "$T/agent.log"
	sleep 2
	run -0 api /1.0/info --max-time 5
	assert_output --partial '"api_version":"1.0"'
}

# agent_conf TIMEOUT: an amphora-agent.conf as Octavia's controller renders
# one, for the agent of the test, on stdout.
agent_conf() {
	cat <<EOF
[DEFAULT]
debug = False
use_syslog = True
syslog_log_facility = LOG_LOCAL1

[haproxy_amphora]
base_cert_dir = $T/certs
base_path = $BASE
bind_host = 127.0.0.1
bind_port = $PORT
haproxy_cmd = $(command -v haproxy)
user_log_facility = 0
administrative_log_facility = 1

[health_manager]
controller_ip_port_list = 127.0.0.1:5555
heartbeat_interval = 10
heartbeat_key = insecure

[amphora_agent]
agent_server_ca = $CA
agent_server_cert = $T/server.pem
agent_request_read_timeout = $1
amphora_id = $AMP
amphora_udp_driver = keepalived_lvs
agent_tls_protocol = TLSv1.2

[controller_worker]
loadbalancer_topology = SINGLE
EOF
}

# conf_agent TIMEOUT: start an agent configured by $T/agent.conf alone.
conf_agent() {
	PORT=$(free_port)
	cat "$SCERT" "$SKEY" >"$T/server.pem"
	chmod 600 "$T/server.pem"
	agent_conf "$1" >"$T/agent.conf"
	oct-agent --config-file "$T/agent.conf" 2>>"$T/agent.log" &
	APID=$!
	PIDS+=("$APID")
	wait_agent
}

@test "oct-agent: PUT /1.0/config applies Octavia's mutable options at once and keeps them over a restart" {
	conf_agent 180
	run -0 api /1.0/details
	[ "$(jq -c .agent_config <<<"$output")" = '{"agent_request_read_timeout":180,"debug":false,"controller_ip_port_list":["127.0.0.1:5555"],"heartbeat_interval":10,"heartbeat_key_set":true,"loadbalancer_topology":"SINGLE"}' ]
	agent_conf 2 >"$T/new.conf"
	sed -i -e 's/^heartbeat_interval = 10/heartbeat_interval = 3/' \
	    -e 's/^controller_ip_port_list = .*/controller_ip_port_list = 198.18.0.9:5555, [2001:db8::9]:5556, fd00::7:5557/' \
	    -e 's/^heartbeat_key = .*/heartbeat_key = s3cr3t-k3y/' \
	    -e 's/^loadbalancer_topology = .*/loadbalancer_topology = ACTIVE_STANDBY/' \
	    -e 's/^debug = False/debug = True/' "$T/new.conf"
	run -0 api_code /1.0/config -X PUT --data-binary "@$T/new.conf"
	assert_output '202 {"message":"OK"}'
	want='{"agent_request_read_timeout":2,"debug":true,"controller_ip_port_list":["198.18.0.9:5555","[2001:db8::9]:5556","[fd00::7]:5557"],"heartbeat_interval":3,"heartbeat_key_set":true,"loadbalancer_topology":"ACTIVE_STANDBY"}'
	run -0 api /1.0/details
	[ "$(jq -c .agent_config <<<"$output")" = "$want" ]
	# The new read timeout cuts a slow client now, not after 180 s.
	run -0 half_requests 1 8
	[ "$output" != open ] && [ "${output%.*}" -le 3 ]
	# The file is the body, written where the agent read it, 0600.
	cmp "$T/new.conf" "$T/agent.conf"
	[ "$(stat -c %a "$T/agent.conf")" = 600 ]
	grep -q 'config: agent_request_read_timeout 180 -> 2' "$T/agent.log"
	grep -q 'config: heartbeat_key changed' "$T/agent.log"
	run grep -c 's3cr3t' "$T/agent.log"
	assert_output 0
	# Restarted, the agent has them still.
	kill "$APID"
	wait "$APID" || true
	oct-agent --config-file "$T/agent.conf" 2>>"$T/agent.log" &
	APID=$!
	PIDS+=("$APID")
	wait_agent
	run -0 api /1.0/details
	[ "$(jq -c .agent_config <<<"$output")" = "$want" ]
	run -0 half_requests 1 8
	[ "$output" != open ] && [ "${output%.*}" -le 3 ]
}

@test "oct-agent: PUT /1.0/config refuses a bad body with 400 and changes nothing" {
	conf_agent 180
	cp "$T/agent.conf" "$T/before.conf"
	run -0 api /1.0/details
	before=$(jq -c .agent_config <<<"$output")
	local body n=0
	while IFS= read -r body; do
		case $body in '#'* | '') continue ;; esac
		body=$(printf '%b' "$body")
		run -0 api_code /1.0/config -X PUT --data-binary "$body"
		[[ "$output" == '400 {"message":"Unable to update amphora-agent configuration.","details":'* ]] ||
		    fail "$body: $output"
		cmp "$T/before.conf" "$T/agent.conf" || fail "$body: file changed"
		run -0 api /1.0/details
		[ "$(jq -c .agent_config <<<"$output")" = "$before" ] ||
		    fail "$body: options changed"
		n=$((n + 1))
	done <<'EOF'
# one body a line (printf %b escapes), each refused whole
junk
[amphora_agent]\nagent_request_read_timeout = 2\nnot a line
[amphora_agent]\nagent_request_read_timeout = 0
[amphora_agent]\nagent_request_read_timeout = 2s
[amphora_agent]\nagent_tls_protocol = TLSv1.1
[health_manager]\nheartbeat_interval = 0
[health_manager]\nheartbeat_interval = ten
[health_manager]\ncontroller_ip_port_list = 198.18.0.9
[health_manager]\ncontroller_ip_port_list = 198.18.0.9:0
[health_manager]\ncontroller_ip_port_list = 198.18.0.9:5555,,198.18.0.8:5555
[health_manager]\ncontroller_ip_port_list = bad_host!:5555
[controller_worker]\nloadbalancer_topology = ACTIVE_ACTIVE
[DEFAULT]\ndebug = perhaps
[oct_agent]\nmax_conns = 3
[haproxy_amphora]\nbind_port = 70000
[amphora_agent]\nagent_server_cert = /nonexistent/server.pem
[amphora_agent]\nagent_server_ca = /nonexistent/ca.pem
[haproxy_amphora]\nhaproxy_cmd = /nonexistent/haproxy
[amphora_agent]\namphora_id = ../x
[amphora_agent]\nagent_request_read_timeout = 2\n[section
EOF
	[ "$n" -ge 20 ]
	# A key file readable by others, a certificate without its key.
	cp "$SKEY" "$T/open.key"
	chmod 644 "$T/open.key"
	run -0 api_code /1.0/config -X PUT --data-binary "$(printf '[oct_agent]\nserver_key = %s\n' "$T/open.key")"
	assert_output --partial '"details":"the agent could not start with it: '
	run -0 api_code /1.0/config -X PUT --data-binary "$(printf '[amphora_agent]\nagent_server_cert = %s\n' "$SCERT")"
	assert_output --partial '400 {"message":"Unable to update amphora-agent configuration.","details":"the agent could not start with it: '
	# A NUL byte, and a body over 1 MiB.
	printf '[DEFAULT]\ndebug = True\n\0\n' >"$T/nul.conf"
	run -0 api_code /1.0/config -X PUT --data-binary "@$T/nul.conf"
	assert_output '400 {"message":"Unable to update amphora-agent configuration.","details":"a NUL byte"}'
	{ agent_conf 2; head -c 1100000 /dev/zero | tr '\0' '#'; echo; } >"$T/big.conf"
	run -0 api_code /1.0/config -X PUT --data-binary "@$T/big.conf"
	assert_output --partial '400 {"message":"Unable to update amphora-agent configuration."'
	cmp "$T/before.conf" "$T/agent.conf"
	run -0 api /1.0/details
	[ "$(jq -c .agent_config <<<"$output")" = "$before" ]
	# Without --config-file there is no file to keep it in: 500.
	kill "$APID"
	wait "$APID" || true
	start_agent
	run -0 api_code /1.0/config -X PUT --data-binary "$(agent_conf 2)"
	assert_output '500 {"message":"Unable to update amphora-agent configuration.","details":"oct-agent was started without --config-file: no file to keep it in"}'
	run -0 api_code /1.0/config -X PUT --data-binary x
	assert_output '400 {"message":"Unable to update amphora-agent configuration.","details":"line 1: expected key = value"}'
	run -0 api /1.0/details
	[ "$(jq .agent_config.agent_request_read_timeout <<<"$output")" = 180 ]
}

@test "oct-agent: Octavia's controller client updates the agent's configuration (update_agent_config)" {
	conf_agent 180
	cat "$CERT" "$KEY" >"$T/client.pem"
	run -0 "$BATS_TEST_DIRNAME/peers/octavia-controller/agent-config.py" \
	    "$PORT" "$AMP" "$CA" "$T/client.pem" \
	    amphora_agent.agent_server_cert="$T/server.pem" \
	    amphora_agent.agent_server_ca="$CA" \
	    amphora_agent.agent_request_read_timeout=7 \
	    haproxy_amphora.base_path="$BASE" \
	    haproxy_amphora.base_cert_dir="$T/certs" \
	    haproxy_amphora.bind_host=127.0.0.1 \
	    haproxy_amphora.haproxy_cmd="$(command -v haproxy)" \
	    health_manager.controller_ip_port_list=198.18.0.9:5555,198.18.0.10:5555 \
	    health_manager.heartbeat_interval=4 \
	    health_manager.heartbeat_key=from-octavia
	assert_line pushed
	[ "$(tail -n 1 <<<"$output" | jq -c .agent_config)" = '{"agent_request_read_timeout":7,"debug":false,"controller_ip_port_list":["198.18.0.9:5555","198.18.0.10:5555"],"heartbeat_interval":4,"heartbeat_key_set":true,"loadbalancer_topology":"SINGLE"}' ]
	grep -qx 'heartbeat_key = from-octavia' "$T/agent.conf"
	grep -qx "bind_port = $PORT" "$T/agent.conf"
	# One the agent could not start with: Octavia's client hears the 400.
	run -1 "$BATS_TEST_DIRNAME/peers/octavia-controller/agent-config.py" \
	    "$PORT" "$AMP" "$CA" "$T/client.pem" \
	    amphora_agent.agent_server_cert=/nonexistent/server.pem
	assert_output --partial 'refused: '
	run -0 api /1.0/details
	[ "$(jq .agent_config.agent_request_read_timeout <<<"$output")" = 7 ]
}

@test "oct-agent: not-implemented advanced routes answer Octavia's JSON errors" {
	start_agent
	run -0 api_code /1.0/vrrp/upload -X PUT --data-binary x
	assert_output --partial '500 {"message":"Error enabling octavia-keepalived service"'
	run -0 api_code /1.0/vrrp/bogus -X PUT
	assert_output '400 {"message":"Invalid Request","details":"Unknown action: bogus"}'
	run -0 api_code /1.0/listeners/l-1/udp_listener
	assert_output '404 {"message":"UDP Listener Not Found","details":"No UDP listener with UUID: l-1"}'
	run -0 api_code /1.0/plug/network -X POST -H 'Content-Type: application/json' \
	    --data-binary '{"mac_address":"fa:16:3e:11:22:33"}'
	[ "$(cut -c1-3 <<<"$output")" -ge 200 ]
	cut -d' ' -f2- <<<"$output" | jq -e 'has("message")'
}

# caps PID FIELD: the capability set FIELD (CapBnd, CapEff...) of PID, as a
# decimal number.
caps() {
	echo $((0x$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status")))
}

# field PID NAME: the first value of a /proc/PID/status line.
field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

@test "oct-agent: privileges: seven capabilities, no new privileges; haproxy's workers run as nobody" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	start_agent
	# NET_ADMIN NET_RAW NET_BIND_SERVICE SETUID SETGID KILL SYS_RESOURCE,
	# less what this container withholds.
	want=$(( ((1 << 12) | (1 << 13) | (1 << 10) | (1 << 7) | (1 << 6) |
	    (1 << 5) | (1 << 24)) & $(caps $$ CapBnd) ))
	[ "$(caps "$APID" CapBnd)" = "$want" ]
	[ "$(caps "$APID" CapEff)" = "$want" ]
	[ "$(caps "$APID" CapPrm)" = "$want" ]
	[ "$(field "$APID" NoNewPrivs)" = 1 ]
	[ "$(field "$APID" Uid)" = 0 ]
	backends
	up lb-1
	run -0 curl -sS --max-time 5 "http://127.0.0.1:$FE/"
	# The master stays root, to reload; its children inherit the bounds.
	master=$(head -n 1 "$BASE/lb-1/haproxy.pid")
	[ "$(field "$master" Uid)" = 0 ]
	[ "$(caps "$master" CapBnd)" = "$want" ]
	[ "$(field "$master" NoNewPrivs)" = 1 ]
	workers=$(pgrep -P "$master" -x haproxy)
	[ -n "$workers" ]
	for w in $workers; do
		[ "$(field "$w" Uid)" = "$(id -u nobody)" ]
		[ "$(field "$w" Gid)" = "$(getent group nogroup | cut -d: -f3)" ]
		[ "$(field "$w" NoNewPrivs)" = 1 ]
		[ "$(caps "$w" CapEff)" = 0 ]
	done
	# What the agent wrote is root's, and private.
	[ "$(stat -c '%U %a' "$BASE/lb-1/haproxy.cfg")" = "root 600" ]
}

@test "oct-agent: a PING health monitor: ping-wrapper.sh runs as nobody and finds the member UP" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	# haproxy's workers (nobody) must reach the base path's script.
	d=$BASE
	mkdir -p "$d"
	while [ "$d" != "$BATS_RUN_TMPDIR" ] && [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	chmod o+x "$BATS_RUN_TMPDIR"
	start_agent
	[ "$(stat -c %a "$BASE/ping-wrapper.sh")" = 755 ]
	backends
	config lb-p | sed \
	    -e 's|^global$|global\n    external-check\n    insecure-fork-wanted|' \
	    -e "s|^    balance roundrobin$|    balance roundrobin\n    option external-check\n    external-check command $BASE/ping-wrapper.sh|" \
	    >"$T/lb-p.cfg"
	run -0 api_code "/1.0/loadbalancer/$AMP/lb-p/haproxy" -X PUT \
	    --data-binary "@$T/lb-p.cfg"
	run -0 api_code /1.0/loadbalancer/lb-p/start -X PUT
	assert_output --partial '202 '
	# check_status PROCOK: the command ran and said yes
	for _ in $(seq 50); do
		st=$(hacli "$BASE/lb-p.sock" 'show stat' |
		    awk -F, '$2 == "m-a" { print $18, $37 }')
		[ "$st" = "UP PROCOK" ] && break
		sleep 0.2
	done
	[ "$st" = "UP PROCOK" ] ||
	    fail "m-a: $st: $(hacli "$BASE/lb-p.sock" 'show stat' | grep m-a)"
}

@test "oct-agent: TLS: strong suites only; no key material in its log, even with -d" {
	start_agent -d
	tls() {
		openssl s_client -connect "127.0.0.1:$PORT" -servername "$AMP" \
		    -CAfile "$CA" -cert "$CERT" -key "$KEY" "$@" </dev/null
	}
	run -0 tls -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
	run -0 tls -tls1_3
	for c in AES128-SHA AES256-GCM-SHA384 ECDHE-ECDSA-AES128-SHA \
	    ECDHE-ECDSA-AES256-SHA384 DHE-RSA-AES128-GCM-SHA256; do
		run ! tls -tls1_2 -cipher "$c"
	done
	# Keys sent to the agent: a listener's, and its own new one.
	echo '{"id":"amp-k","address":"127.0.0.1"}' |
	    oct-cert issue --role server >/dev/null
	k=$OCT_STATE_DIR/certs/amp-k
	cat "$k.pem" "$k.key" >"$T/kc.pem"
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/kc.pem -X PUT \
	    --data-binary "@$T/kc.pem"
	cat "$SCERT" "$SKEY" >"$T/same.pem"
	run -0 api_code /1.0/certificate -X PUT --data-binary "@$T/same.pem"
	assert_output '202 {"message":"OK"}'
	run -0 api_code /1.0/certificate -X PUT --data-binary "@$T/kc.pem"
	assert_output '202 {"message":"OK"}'
	# no line of either key's base64, nor of the certificates' bodies
	for f in "$k.key" "$SKEY"; do
		grep -v -- ----- "$f" | while read -r line; do
			! grep -qF -- "$line" "$T/agent.log" ||
			    fail "key bytes of $f in the log"
		done
	done
	grep -q 'PUT /1.0/certificate 202' "$T/agent.log"
}

@test "oct-agent: connections that never finish a TLS handshake are cut after 10 s, not the read timeout" {
	printf '[amphora_agent]\nagent_request_read_timeout = 60\n[oct_agent]\nmax_connections = 3\n' >"$T/a.conf"
	start_agent --config-file "$T/a.conf"
	# hold.py: one mutual-TLS connection that says nothing after its
	# handshake, and two TCP connections that never start one; prints,
	# for each, the seconds until the agent closed it, or "open" at 20 s.
	cat >"$T/hold.py" <<EOF
import socket, ssl, time
ctx = ssl.create_default_context(cafile="$CA")
ctx.load_cert_chain("$CERT", "$KEY")
ctx.check_hostname = False
t0 = time.time()
conns = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", $PORT)))]
conns += [socket.create_connection(("127.0.0.1", $PORT)) for _ in range(2)]
open("$T/held", "w").close()
out = {}
# A TLS socket is readable for a session ticket too: poll with a timeout.
for c in conns:
    c.settimeout(0.2)
while len(out) < 3 and time.time() - t0 < 20:
    for c in [c for c in conns if c not in out]:
        try:
            gone = c.recv(1) == b""
        except socket.timeout:
            gone = False
        except (ssl.SSLError, OSError):
            gone = True
        if gone:
            out[c] = "%.0f" % (time.time() - t0)
print(" ".join(out.get(c, "open") for c in conns))
EOF
	python3 "$T/hold.py" >"$T/hold.out" &
	PIDS+=("$!")
	for _ in $(seq 50); do [ -e "$T/held" ] && break; sleep 0.1; done
	# The cap is reached: a fourth is not served.
	run api /1.0/info --max-time 1
	[ "$status" -ne 0 ]
	wait "${PIDS[-1]}"
	read -r tls tcp1 tcp2 <"$T/hold.out"
	echo "closed after: TLS $tls s, TCP $tcp1 s, $tcp2 s"
	# the silent TCP ones at 10 s; the TLS one lives on (60 s timeout)
	[ "$tls" = open ]
	[ "$tcp1" -ge 9 ] && [ "$tcp1" -le 13 ]
	[ "$tcp2" -ge 9 ] && [ "$tcp2" -le 13 ]
	run -0 api /1.0/info --max-time 5
	assert_output --partial '"api_version":"1.0"'
}

@test "oct-agent: tells systemd it is ready, and stopping (NOTIFY_SOCKET, Type=notify)" {
	# a datagram socket standing in for systemd's, printing what it gets
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
s.settimeout(20)
for _ in range(2):
    print(s.recv(256).decode(), flush=True)' "$T/notify" "$T/bound" \
	    >"$T/notified" &
	sink=$!
	PIDS+=("$sink")
	for _ in $(seq 50); do [ -e "$T/bound" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$T/notify start_agent
	for _ in $(seq 50); do [ -s "$T/notified" ] && break; sleep 0.1; done
	[ "$(head -n 1 "$T/notified")" = READY=1 ]
	kill "$APID"
	wait "$sink"
	[ "$(sed -n 2p "$T/notified")" = STOPPING=1 ]
}
