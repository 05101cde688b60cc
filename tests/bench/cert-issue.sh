#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# cert-issue.sh [N]: issue N (default 1000) ECDSA P-256 server certificates
# (CN and DNS SAN = id, IP SAN, serverAuth) with one `oct-cert issue` run,
# and the same N with `openssl req` + `openssl x509` per certificate in a
# shell loop; print both figures and the ratio.  Not run by make check.
# oct-cert fsyncs every key and certificate file and its directory; the
# openssl loop does not.
set -eu

n=${1:-1000}
top=$(cd "$(dirname "$0")/../.." && pwd)
oct=$top/bin/oct-cert
[ -x "$oct" ] || { echo "cert-issue.sh: build bin/oct-cert first" >&2; exit 66; }

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT INT TERM
umask 077

# now: seconds since the epoch, with nanoseconds.
now() {
	date +%s.%N
}

# records N: N JSON Lines records with ids and 198.18.0.0/15 addresses.
records() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"id\":\"amp-%d\",\"address\":\"198.18.%d.%d\"}\n",
			    i, int(i / 250), i % 250 + 1
	}'
}

records "$n" > "$tmp/records"

# oct-cert: one process for all N.
export OCT_STATE_DIR="$tmp/oct"
"$oct" ca >/dev/null
t0=$(now)
"$oct" issue --role server < "$tmp/records" > "$tmp/oct.out"
t1=$(now)
got=$(jq -r 'select(.cert.cert != null) | .id' "$tmp/oct.out" | wc -l)
[ "$got" -eq "$n" ] || { echo "cert-issue.sh: oct-cert issued $got of $n" >&2; exit 70; }
openssl verify -purpose sslserver -CAfile "$OCT_STATE_DIR/ca/ca.pem" \
    "$OCT_STATE_DIR/certs/amp-$n.pem" >/dev/null

# openssl: two processes per certificate, same key type and extensions.
mkdir "$tmp/ossl"
cd "$tmp/ossl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -sha256 -days 3650 -subj "/CN=openssl CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
t2=$(now)
i=1
while [ "$i" -le "$n" ]; do
	ip=198.18.$((i / 250)).$((i % 250 + 1))
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=serverAuth" \
	    "subjectKeyIdentifier=hash" \
	    "authorityKeyIdentifier=keyid:always" \
	    "subjectAltName=DNS:amp-$i,IP:$ip" > ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=amp-$i" -keyout "amp-$i.key" -out csr 2>/dev/null
	openssl x509 -req -in csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 30 -sha256 -extfile ext -out "amp-$i.pem" 2>/dev/null
	i=$((i + 1))
done
t3=$(now)
openssl verify -purpose sslserver -CAfile ca.pem "amp-$n.pem" >/dev/null

awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
	o = b - a; s = d - c
	printf "oct-cert issue (one run):        %d certs in %7.3f s, %8.1f certs/s\n", n, o, n / o
	printf "openssl req+x509 (shell loop):   %d certs in %7.3f s, %8.1f certs/s\n", n, s, n / s
	printf "ratio: oct-cert is %.1fx faster\n", s / o
}'
