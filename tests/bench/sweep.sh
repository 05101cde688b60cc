#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# sweep.sh [-s] [-a AGENTS] [-k PEER] [-n RECORDS] [-p PARALLEL] [-t TIMEOUT]: the
# cron health sweep, measured.  Starts AGENTS agents (default 10) on free
# ports of 127.0.0.1, writes RECORDS records (default 1000) spread over
# them, runs `oct-wait --once --parallel PARALLEL` (default 100; --timeout
# TIMEOUT seconds per request, default oct-wait's 5) over them and prints
# the appliances per second and the statuses seen.  Then the same fleet as
# recorded appliances in the state directory, swept by oct-health-sweep
# (probe, count, store every record), in appliances per second.
#
# PEER is the agent that answers: oct-agent (bin/oct-agent), octavia
# (Debian's octavia-agent 11, via tests/peers/octavia-agent; root) or
# sserver (`openssl s_server -WWW` serving fixed answers: no agent at all,
# what oct-wait alone can do).  Default: oct-agent when it answers, else
# octavia.  Traffic goes to 127.0.0.1 only.
set -eu

AGENTS=10
RECORDS=1000
PARALLEL=100
PEER=auto
SHARE=0
TIMEOUT=5
while getopts a:k:n:p:st: ch; do
	case $ch in
	a) AGENTS=$OPTARG ;;
	k) PEER=$OPTARG ;;
	n) RECORDS=$OPTARG ;;
	p) PARALLEL=$OPTARG ;;
	s) SHARE=1 ;;
	t) TIMEOUT=$OPTARG ;;
	*) echo "usage: sweep.sh [-s] [-a agents] [-k peer] [-n records] [-p parallel] [-t timeout]" >&2
	   exit 64 ;;
	esac
done

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=$TOP/tests/peers/octavia-agent
PATH=$TOP/bin:$PATH
T=$(mktemp -d /tmp/oct-sweep.XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for d in "$T"/agent*; do
		[ -d "$d/root" ] && "$PEERS/stop-agent.sh" "$d" >/dev/null
	done
	rm -rf -- "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000 ))
		if ! ss -Htan "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
}

wait_port() {
	n=0
	until ss -Hltn "sport = :$1" | grep -q .; do
		n=$((n + 1))
		if [ "$n" -ge 200 ]; then
			echo "sweep.sh: nothing listens on $1" >&2
			tail -n 3 "$T"/agent*.log >&2 2>/dev/null || true
			exit 1
		fi
		sleep 0.05
	done
}

ids=""
i=0
while [ "$i" -lt "$AGENTS" ]; do
	ids="$ids $(printf '5eeb0000-0000-4000-8000-%012d' "$i")"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # one id per word
"$PEERS/setup.sh" "$T/pki" $ids >/dev/null
export OCT_STATE_DIR="$T/pki/state"

# Unless -s, every appliance has an id of its own (a<n>.sweep.test) and the
# agents a certificate for *.sweep.test, so that no TLS connection serves
# two appliances, as in a real sweep; with -s the records share the agents'
# ids and libcurl may reuse connections between them.
if [ "$SHARE" = 0 ]; then
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/wild.key" -out "$T/wild.csr" -subj "/CN=sweep.test" \
	    2>/dev/null
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:*.sweep.test\n' \
	    >"$T/wild.ext"
	openssl x509 -req -in "$T/wild.csr" -CA "$OCT_STATE_DIR/ca/ca.pem" \
	    -CAkey "$OCT_STATE_DIR/ca/ca.key" -CAcreateserial \
	    -CAserial "$T/wild.srl" -days 2 -sha256 -extfile "$T/wild.ext" \
	    -out "$T/wild.crt" 2>/dev/null
	for id in $ids; do
		cat "$T/wild.crt" "$T/wild.key" >"$T/pki/server-$id.pem"
	done
fi

# answers_info PORT ID: whether the agent on PORT answers GET /1.0/info.
answers_info() {
	curl -sf --max-time 3 --cacert "$T/pki/ca.pem" \
	    --cert "$T/pki/client.pem" --key "$T/pki/client.key" \
	    --resolve "$2:$1:127.0.0.1" "https://$2:$1/1.0/info" >/dev/null
}

# start KIND N ID PORT: start agent N.
start() {
	case $1 in
	oct-agent)
		mkdir -p "$T/agent$2"
		oct-agent --amphora-id "$3" --bind 127.0.0.1 --port "$4" \
		    --server-cert "$T/pki/server-$3.pem" \
		    --client-ca "$T/pki/ca.pem" --base-path "$T/agent$2" \
		    >"$T/agent$2.log" 2>&1 &
		PIDS="$PIDS $!"
		wait_port "$4"
		;;
	octavia)
		"$PEERS/run-agent.sh" "$4" "$T/agent$2" "$T/pki" "$3" >/dev/null
		;;
	sserver)
		mkdir -p "$T/www$2/1.0"
		echo '{"api_version":"1.0","haproxy_version":"2.6.12","hostname":"s"}' \
		    >"$T/www$2/1.0/info"
		echo '[]' >"$T/www$2/1.0/listeners"
		echo '{"api_version":"1.0","listeners":[]}' >"$T/www$2/1.0/details"
		(cd "$T/www$2" && exec openssl s_server -quiet -WWW \
		    -accept "127.0.0.1:$4" -cert "$T/pki/server-$3.pem" \
		    -CAfile "$T/pki/ca.pem" -Verify 1 -verify_return_error) \
		    >/dev/null 2>&1 &
		PIDS="$PIDS $!"
		wait_port "$4"
		;;
	esac
}

if [ "$PEER" = auto ]; then
	PEER=octavia
	if [ -x "$TOP/bin/oct-agent" ]; then
		id=${ids# }
		id=${id%% *}
		p=$(free_port)
		start oct-agent 0 "$id" "$p"
		[ "$SHARE" = 1 ] || id=a0.sweep.test
		if answers_info "$p" "$id"; then
			PEER=oct-agent
		fi
		for q in $PIDS; do
			kill "$q" 2>/dev/null || true
		done
		PIDS=""
		rm -rf -- "$T/agent0"
	fi
fi

ports=""
i=0
for id in $ids; do
	p=$(free_port)
	start "$PEER" "$i" "$id" "$p"
	ports="$ports $p"
	i=$((i + 1))
done

# The records: appliance n talks to agent n mod AGENTS.
awk -v ids="$ids" -v ports="$ports" -v n="$RECORDS" -v share="$SHARE" 'BEGIN {
	k = split(ids, id, " ")
	split(ports, port, " ")
	for (i = 0; i < n; i++)
		printf "{\"id\":\"%s\",\"address\":\"127.0.0.1\",\"agent_port\":%s,\"n\":%d}\n",
		    share ? id[i % k + 1] : "a" i ".sweep.test", port[i % k + 1], i
}' >"$T/in"

start_ns=$(date +%s%N)
rc=0
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%U %S %M' -o "$T/time" \
	    oct-wait --once --parallel "$PARALLEL" --timeout "$TIMEOUT" <"$T/in" >"$T/out" \
	    2>"$T/err" || rc=$?
else
	oct-wait --once --parallel "$PARALLEL" --timeout "$TIMEOUT" <"$T/in" >"$T/out" \
	    2>"$T/err" || rc=$?
fi
end_ns=$(date +%s%N)
ms=$(( (end_ns - start_ns) / 1000000 ))
got=$(wc -l <"$T/out")
conn="a connection per appliance"
[ "$SHARE" = 0 ] || conn="ids shared, connections reused"
echo "sweep: $RECORDS appliances over $AGENTS $PEER agents ($conn), --parallel $PARALLEL --timeout $TIMEOUT: ${ms} ms, exit $rc"
awk -v n="$got" -v ms="$ms" 'BEGIN { printf "sweep: %.0f appliances/s\n", n * 1000 / (ms ? ms : 1) }'
if [ -s "$T/time" ]; then
	read -r u s m <<EOF
$(tail -n 1 "$T/time")
EOF
	echo "sweep: oct-wait CPU ${u} s user, ${s} s system, ${m} KiB max RSS"
fi
printf 'sweep: statuses:'
jq -r '.status // .error.code' "$T/out" | sort | uniq -c |
    awk '{ printf " %s %s", $2, $1 } END { print "" }'

# The same fleet as recorded appliances: oct-health-sweep reads the state
# directory, probes (oct-wait --once --save) and stores every record.
mkdir -p "$OCT_STATE_DIR/amphorae"
while IFS= read -r line; do
	id=${line#*\"id\":\"}
	printf '%s\n' "$line" >"$OCT_STATE_DIR/amphorae/${id%%\"*}.json"
done <"$T/in"
start_ns=$(date +%s%N)
rc=0
oct-health-sweep --parallel "$PARALLEL" >"$T/swept" 2>"$T/sweep.err" || rc=$?
end_ns=$(date +%s%N)
ms=$(( (end_ns - start_ns) / 1000000 ))
got=$(wc -l <"$T/swept")
saved=$(grep -l '"checked_at"' "$OCT_STATE_DIR"/amphorae/*.json | wc -l)
echo "health sweep: $got recorded appliances, --parallel $PARALLEL: ${ms} ms, exit $rc, $saved records stored"
awk -v n="$got" -v ms="$ms" 'BEGIN { printf "health sweep: %.0f appliances/s\n", n * 1000 / (ms ? ms : 1) }'
tail -n 1 "$T/sweep.err"
