# SPDX-License-Identifier: Apache-2.0
# Helpers of the suites that run a real oct-agent (oct-agent, faults,
# agentstress):
# certificates from oct-cert, the agent on a free port of 127.0.0.1 with
# its files under $BASE, mutual-TLS requests with curl, two python
# http.server backends and a haproxy.cfg like the controller renders.

AMP=amp-t

# agent_setup: a CA, the appliance's server certificate and the
# controller's client certificate in the test's state directory.
agent_setup() {
	T=$BATS_TEST_TMPDIR
	BASE=$T/b
	oct-cert ca >/dev/null
	echo "{\"id\":\"$AMP\",\"address\":\"127.0.0.1\"}" |
	    oct-cert issue --role server >/dev/null
	oct-cert issue --role client --id controller </dev/null >/dev/null
	CA=$OCT_STATE_DIR/ca/ca.pem
	CERT=$OCT_STATE_DIR/controller/client.pem
	KEY=$OCT_STATE_DIR/controller/client.key
	SCERT=$OCT_STATE_DIR/certs/$AMP.pem
	SKEY=$OCT_STATE_DIR/certs/$AMP.key
	PIDS=()
}

# agent_teardown: stop what the test started, and the haproxy masters
# under $BASE (they are daemons: the agent leaves them running).
agent_teardown() {
	local p f
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for f in "$BASE"/*/haproxy.pid; do
		[ -f "$f" ] || continue
		p=$(head -n 1 "$f")
		grep -qs "$BASE" "/proc/$p/cmdline" && kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	true
}

# start_agent [ARGS...]: run oct-agent on a free port and wait until it
# answers.  $PORT, $APID.
start_agent() {
	PORT=$(free_port)
	run_agent "$@"
}

# run_agent [ARGS...]: the same on $PORT (again, after a kill); with at
# most $NOFILE descriptors when set.
run_agent() {
	(
		[ -z "${NOFILE:-}" ] || ulimit -n "$NOFILE"
		exec oct-agent --amphora-id "$AMP" --bind 127.0.0.1 \
		    --port "$PORT" --server-cert "$SCERT" --server-key "$SKEY" \
		    --client-ca "$CA" --base-path "$BASE" "$@"
	) 2>>"$T/agent.log" &
	APID=$!
	PIDS+=("$APID")
	wait_agent
}

# wait_agent: until the agent $APID answers on $PORT (5 s at most).
wait_agent() {
	local i
	for i in $(seq 50); do
		api / >/dev/null 2>&1 && return 0
		kill -0 "$APID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/agent.log" >&2
	return 1
}

# api PATH [CURL ARGS...]: one mutual-TLS request; prints the body.
api() {
	local path=$1
	shift
	curl -sS --path-as-is --max-time 60 --cacert "$CA" --cert "$CERT" \
	    --key "$KEY" --resolve "$AMP:$PORT:127.0.0.1" "$@" \
	    "https://$AMP:$PORT$path"
}

# api_code PATH [CURL ARGS...]: "<status> <body>".
api_code() {
	local path=$1
	shift
	api "$path" -w ' %{http_code}' "$@" | awk '{c = $NF; $NF = ""; sub(/ $/, ""); print c, $0}'
}

# raw_requests TEXT...: each TEXT (Python escapes: \r\n, \xff) sent as it
# is on a mutual-TLS connection of its own; the bytes that came back, one
# line per connection, CR LF shown as "|".
raw_requests() {
	/usr/bin/python3 - "$PORT" "$CA" "$CERT" "$KEY" "$@" <<'EOF'
import socket, ssl, sys
port, ca, cert, key = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.check_hostname = False
for req in sys.argv[5:]:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port))))
    s.sendall(req.encode().decode("unicode_escape").encode("latin-1"))
    s.settimeout(10)
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    print(data.decode(errors="replace").replace("\r\n", "|"))
EOF
}

# half_requests N HOLD_S: N mutual-TLS connections that send half a
# request, then wait ($T/ready once all are open); prints how long each
# took to be closed by the agent, or "open" after HOLD_S.
half_requests() {
	/usr/bin/python3 - "$PORT" "$CA" "$CERT" "$KEY" "$1" "$2" "$T/ready" <<'EOF'
import socket, ssl, sys, time
port, ca, cert, key = sys.argv[1:5]
n, hold, ready = int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
ctx.check_hostname = False
conns = []
for i in range(n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port))))
    s.sendall(b"GET /1.0/info HTTP/1.1\r\nHost: x\r\n")
    conns.append((s, time.time()))
open(ready, "w").close()
out = []
for s, t0 in conns:
    s.settimeout(hold)
    try:
        closed = s.recv(1) == b""
    except (socket.timeout, ssl.SSLError, OSError) as e:
        closed = not isinstance(e, socket.timeout)
    out.append("%.1f" % (time.time() - t0) if closed else "open")
print(" ".join(out))
EOF
}

# hacli SOCKET COMMAND: one command to a haproxy stats socket.
hacli() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")' "$1" "$2"
}

# backends: two HTTP servers answering "backend A" / "backend B".
backends() {
	local n p
	for n in A B; do
		p=$(free_port)
		mkdir -p "$T/www$n"
		echo "backend $n" >"$T/www$n/index.html"
		python3 -m http.server "$p" --bind 127.0.0.1 \
		    --directory "$T/www$n" >/dev/null 2>&1 &
		PIDS+=("$!")
		eval "BE_$n=$p"
	done
	for p in "$BE_A" "$BE_B"; do
		for n in $(seq 50); do
			curl -s "http://127.0.0.1:$p/" >/dev/null && break
			sleep 0.1
		done
	done
	FE=$(free_port)
}

# config LB [EXTRA LINE]: a haproxy.cfg like the controller renders.
config() {
	cat <<EOF
global
    stats socket $BASE/$1.sock mode 0600 level admin
    server-state-file $BASE/$1/servers-state
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
    retries 3
    option redispatch
frontend li-1
    bind 127.0.0.1:$FE
    default_backend pool-1:li-1
${2:-}
backend pool-1:li-1
    balance roundrobin
    server m-a 127.0.0.1:$BE_A check inter 1s
    server m-b 127.0.0.1:$BE_B check inter 1s
EOF
}

# up LB: upload and start a load balancer.
up() {
	config "$1" >"$T/$1.cfg"
	run api_code "/1.0/loadbalancer/$AMP/$1/haproxy" -X PUT \
	    --data-binary "@$T/$1.cfg"
	assert_output '202 {"message":"OK"}'
	run api_code "/1.0/loadbalancer/$1/start" -X PUT
	assert_output --partial '202 {"message":"OK","details":"Configuration file is valid\nhaproxy daemon for '"$1"' started"}'
}
