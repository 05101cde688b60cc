#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# nova.sh [-c] [-n COUNT] [-p PARALLEL]: time to boot and to delete COUNT
# appliances (default 20) through a real Nova API (tests/peers/nova/up.sh,
# on 127.0.0.1; started when not up, and left running), one at a time and
# PARALLEL at once (default 5): oct-boot/oct-destroy --driver nova, beside
# the same through the openstack command-line client (Debian's
# python3-openstackclient) when it is installed, as a user would script it
# (`openstack server create --wait` per server; xargs -P for the parallel
# case).  -c skips the openstack client.  Prints a table of figures.
# Servers are named amphora-octb-* and octb-cli-*; all are deleted on exit.
set -eu

COUNT=20
PARALLEL=5
CLI=1
while getopts cn:p: ch; do
	case $ch in
	c) CLI=0 ;;
	n) COUNT=$OPTARG ;;
	p) PARALLEL=$OPTARG ;;
	*) echo "usage: nova.sh [-c] [-n count] [-p parallel]" >&2
	   exit 64 ;;
	esac
done

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$TOP/bin:$PATH
T=$(mktemp -d /tmp/oct-nova-bench.XXXXXX)
export OCT_STATE_DIR="$T/state"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy

"$TOP/tests/peers/nova/up.sh" >"$T/env" 2>"$T/up.log" || {
	echo "nova.sh: the real Nova did not start (see $T/up.log)" >&2
	exit 69
}
# shellcheck disable=SC1091 # written by up.sh
. "$T/env"
export OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME \
    OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME OS_REGION_NAME
export OS_IDENTITY_API_VERSION=3
export OCT_NOVA_IMAGE="$REALNOVA_IMAGE_ID" OCT_NOVA_FLAVOR="$REALNOVA_FLAVOR_ID" \
    OCT_NOVA_NETWORK="$REALNOVA_NETWORK_ID"

token() {
	curl -s -i -H 'Content-Type: application/json' -d "$(jq -cn \
	    --arg u "$OS_USERNAME" --arg p "$OS_PASSWORD" \
	    --arg pr "$OS_PROJECT_NAME" '{auth: {identity: {methods:
	    ["password"], password: {user: {name: $u, domain: {name:
	    "Default"}, password: $p}}}, scope: {project: {name: $pr,
	    domain: {name: "Default"}}}}}')" "$OS_AUTH_URL/auth/tokens" |
	    tr -d '\r' | awk -F': ' 'tolower($1) == "x-subject-token" {print $2}'
}

# Delete every server of ours, whatever happened.
cleanup() {
	tok=$(token)
	for re in '^amphora-octb-' '^octb-cli-'; do
		curl -s -H "X-Auth-Token: $tok" -H 'Connection: close' \
		    "$REALNOVA_COMPUTE_URL/servers?name=$re" |
		    jq -r '.servers[].id' 2>/dev/null |
		    while read -r id; do
			curl -s -o /dev/null -X DELETE -H 'Connection: close' \
			    -H "X-Auth-Token: $tok" \
			    "$REALNOVA_COMPUTE_URL/servers/$id"
		    done
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 70' HUP INT TERM

now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

oct-cert ca >/dev/null
seq -f '{"id":"octb-%g","lb_id":"lb-bench"}' "$COUNT" |
    oct-cert issue --role server >"$T/in.json"
printf '#cloud-config\nhostname: bench\n' >"$T/user-data"

# row WHAT BOOT_S DELETE_S
row() {
	printf '%-34s %8s %8s %10s\n' "$1" "$2" "$3" \
	    "$(awk -v b="$2" -v n="$COUNT" 'BEGIN { printf "%.2f", b / n }')"
}

oct_run() { # PARALLEL
	t0=$(now)
	oct-boot --driver nova --parallel "$1" <"$T/in.json" >"$T/booted.json"
	b=$(el "$t0")
	n=$(jq -r 'select(.compute.status == "ACTIVE") | .id' "$T/booted.json" |
	    wc -l)
	[ "$n" -eq "$COUNT" ] || { echo "nova.sh: $n of $COUNT ACTIVE" >&2; exit 70; }
	t0=$(now)
	oct-destroy --parallel "$1" <"$T/booted.json" >/dev/null
	d=$(el "$t0")
	row "oct-boot/oct-destroy -p $1" "$b" "$d"
}

cli_run() { # PARALLEL
	seq -f 'octb-cli-%g' "$COUNT" >"$T/names"
	t0=$(now)
	xargs -P "$1" -I NAME openstack server create --wait -f value -c id \
	    --image "$REALNOVA_IMAGE_ID" --flavor "$REALNOVA_FLAVOR_ID" \
	    --network "$REALNOVA_NETWORK_ID" --user-data "$T/user-data" \
	    NAME <"$T/names" >/dev/null
	b=$(el "$t0")
	t0=$(now)
	xargs -P "$1" -I NAME openstack server delete --wait NAME <"$T/names"
	d=$(el "$t0")
	row "openstack server create -P $1" "$b" "$d"
}

echo "# $COUNT appliances through Nova at $REALNOVA_COMPUTE_URL (fake virt driver)"
printf '%-34s %8s %8s %10s\n' "" "boot s" "delete s" "s/boot"
oct_run 1
oct_run "$PARALLEL"
if [ "$CLI" = 1 ] && command -v openstack >/dev/null 2>&1; then
	cli_run 1
	cli_run "$PARALLEL"
elif [ "$CLI" = 1 ]; then
	echo "# openstack client not installed: no comparison"
fi
