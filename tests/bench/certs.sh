#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# certs.sh DIR [AMPHORA_ID]: a throwaway PKI for the agent benchmark and the
# agentload tests, laid out like ../peers/octavia-agent expects (and like
# Octavia's amphora): DIR/ca.pem, DIR/server.{crt,key,pem} (CN and DNS SAN =
# the amphora id, plus IP:127.0.0.1), DIR/client.{crt,key,pem} (clientAuth),
# DIR/rogue-client.pem (a client of another CA) and DIR/amp-id.txt.  *.pem
# is certificate then key, Octavia's form.  Keys are 0600.
#
# It uses bin/oct-cert (the project's CA tool) when it is built, else openssl.
# Keys are RSA 2048 like the ones Octavia's own certificate generator makes
# (OCT_BENCH_KEY=ec:p256 for oct-cert's default).
set -eu

dir=${1:?usage: certs.sh DIR [AMPHORA_ID]}
id=${2:-3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c00}
top=$(cd "$(dirname "$0")/../.." && pwd)

umask 077
mkdir -p -- "$dir"
cd -- "$dir"

# mkca NAME SUBJECT
mkca() {
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
	    -keyout "$1.key" -out "$1.pem" -subj "$2" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# mkleaf NAME SUBJECT CA EKU SAN
mkleaf() {
	openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" \
	    -out "$1.csr" -subj "$2" 2>/dev/null
	printf '%s\n' "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature,keyEncipherment" \
	    "extendedKeyUsage=$4" "subjectAltName=$5" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -CAcreateserial -days 30 -sha256 -extfile "$1.ext" \
	    -out "$1.crt" 2>/dev/null
	cat "$1.crt" "$1.key" > "$1.pem"
	rm -f -- "$1.csr" "$1.ext"
}

# octcert STATEDIR NAME: a CA, a server certificate for $id and the
# controller's client certificate from oct-cert, copied into this layout
# (NAME.pem = CA, NAME-client.* and, for the main CA, server.*).
octcert() {
	key=${OCT_BENCH_KEY:-rsa:2048}
	OCT_STATE_DIR=$PWD/$1
	export OCT_STATE_DIR
	"$top/bin/oct-cert" ca --key "$key" >/dev/null
	printf '{"id":"%s","address":"127.0.0.1"}\n' "$id" |
	    "$top/bin/oct-cert" issue --role server --key "$key" >/dev/null
	"$top/bin/oct-cert" issue --role client --id controller \
	    --key "$key" >/dev/null
	cp "$1/ca/ca.pem" "$2.pem"
	cp "$1/controller/client.pem" "$3.crt"
	cp "$1/controller/client.key" "$3.key"
	if [ "$2" = ca ]; then
		cp "$1/certs/$id.pem" server.crt
		cp "$1/certs/$id.key" server.key
	fi
}

if [ -x "$top/bin/oct-cert" ]; then
	octcert state ca client
	octcert rogue-state rogue-ca rogue-client
	for n in server client rogue-client; do
		cat "$n.crt" "$n.key" > "$n.pem"
	done
else
	mkca ca "/CN=oct bench CA"
	mkleaf server "/CN=$id" ca serverAuth "DNS:$id,IP:127.0.0.1"
	mkleaf client "/CN=controller" ca clientAuth "DNS:controller"
	mkca rogue-ca "/CN=oct bench rogue CA"
	mkleaf rogue-client "/CN=rogue" rogue-ca clientAuth "DNS:rogue"
fi
printf '%s\n' "$id" > amp-id.txt
chmod 644 ca.pem rogue-ca.pem amp-id.txt server.crt client.crt \
    rogue-client.crt
