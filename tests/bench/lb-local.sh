#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# lb-local.sh: the parts of the load balancer on 127.0.0.1 that
# tests/agentstress.bats and reliability-load.sh reload under wrk, on
# standard output.
#
#	lb-local.sh backends PORT_A PORT_B
#		a haproxy configuration answering "backend A" on
#		127.0.0.1:PORT_A and "backend B" on PORT_B: members fast
#		enough that wrk's load lands on the load balancer
#	lb-local.sh config LB_ID FE PORT_A PORT_B WEIGHT BASE
#		the configuration oct-config renders for tests/lb/http.json
#		as load balancer LB_ID on 127.0.0.1:FE, the two backends its
#		members (the second with weight WEIGHT), for an agent whose
#		base path is BASE
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)

usage() {
	echo "usage: lb-local.sh backends PORT_A PORT_B |" \
	    "config LB_ID FE PORT_A PORT_B WEIGHT BASE" >&2
	exit 64
}

case ${1:-} in
backends)
	[ $# -eq 3 ] || usage
	cat <<EOF
global
    maxconn 4000
defaults
    mode http
    timeout client 30s
    timeout server 30s
    timeout connect 5s
frontend a
    bind 127.0.0.1:$2
    http-request return status 200 content-type text/plain string "backend A"
frontend b
    bind 127.0.0.1:$3
    http-request return status 200 content-type text/plain string "backend B"
EOF
	;;
config)
	[ $# -eq 7 ] || usage
	model=$(mktemp /tmp/oct-lb-local.XXXXXX)
	trap 'rm -f -- "$model"' EXIT
	# A model's VIP is never loopback: --vip binds this one.
	jq --arg id "$2" --argjson fe "$3" --argjson a "$4" --argjson b "$5" \
	    --argjson w "$6" '.loadbalancer.id = $id |
	    .loadbalancer.listeners[0].protocol_port = $fe |
	    .loadbalancer.listeners[0].default_pool.members = [
		{name: "a", address: "127.0.0.1", protocol_port: $a},
		{name: "b", address: "127.0.0.1", protocol_port: $b,
		 weight: $w}]' "$top/tests/lb/http.json" >"$model"
	"$top/bin/oct-config" --dry-run --vip 127.0.0.1 --lb "$model" \
	    --base-path "$7"
	;;
*)
	usage
	;;
esac
