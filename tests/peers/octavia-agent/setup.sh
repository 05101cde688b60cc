#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# setup.sh DIR [AMP_ID ...]: a throwaway PKI for running Octavia's own
# amphora agent (Debian python3-octavia 11) as a test peer of oct-wait and
# oct-config.  Made with bin/oct-cert when it is built, else with the
# openssl command.  Writes:
#   DIR/state/            an oct state directory: ca/ca.pem, ca/ca.key,
#                         controller/client.pem, controller/client.key
#   DIR/ca.pem            the CA (the agent's client CA, our server CA)
#   DIR/server-<ID>.pem   per amphora id: certificate then key, Octavia's
#                         one-file form; CN and DNS SAN <ID>, IP 127.0.0.1
#   DIR/client.pem .key   the controller's client certificate and key
#   DIR/rogue-ca.pem, DIR/rogue-client.pem .key: an unrelated CA and a
#                         client certificate it signed (refusal tests)
#   DIR/amp-id.txt        the first amphora id
# The default id is 3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c00.
set -eu

DIR=${1:?usage: setup.sh DIR [AMP_ID ...]}
shift
[ $# -gt 0 ] || set -- 3f0c6f4e-8a52-4d7b-9c61-2b7e5d1a9c00
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
umask 077
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
ST=$DIR/state

# mkca NAME SUBJECT: a self-signed CA in DIR/NAME.pem, DIR/NAME.key
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -sha256 -days 30 -keyout "$DIR/$1.key" -out "$DIR/$1.pem" \
	    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# mkleaf NAME CN CA EKU SAN: a certificate DIR/NAME.crt + DIR/NAME.key
mkleaf() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -sha256 -keyout "$DIR/$1.key" -out "$DIR/$1.csr" -subj "/CN=$2" \
	    2>/dev/null
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
	    "$4" "$5" >"$DIR/$1.ext"
	openssl x509 -req -in "$DIR/$1.csr" -CA "$DIR/$3.pem" \
	    -CAkey "$DIR/$3.key" -CAcreateserial -days 30 -sha256 \
	    -extfile "$DIR/$1.ext" -out "$DIR/$1.crt" 2>/dev/null
	rm -f -- "$DIR/$1.csr" "$DIR/$1.ext"
}

if [ -x "$TOP/bin/oct-cert" ]; then
	export OCT_STATE_DIR="$ST"
	"$TOP/bin/oct-cert" ca >/dev/null
	"$TOP/bin/oct-cert" issue --role client --id controller \
	    </dev/null >/dev/null
	for id in "$@"; do
		printf '{"id":"%s","address":"127.0.0.1"}\n' "$id" |
		    "$TOP/bin/oct-cert" issue --role server >/dev/null
		cat -- "$ST/certs/$id.pem" "$ST/certs/$id.key" \
		    >"$DIR/server-$id.pem"
	done
	cp -- "$ST/ca/ca.pem" "$DIR/ca.pem"
else
	mkdir -p "$ST/ca" "$ST/controller"
	mkca ca "/CN=oct test CA"
	mkleaf client controller ca clientAuth "DNS:controller"
	for id in "$@"; do
		mkleaf "server-$id" "$id" ca serverAuth \
		    "DNS:$id,IP:127.0.0.1"
		cat -- "$DIR/server-$id.crt" "$DIR/server-$id.key" \
		    >"$DIR/server-$id.pem"
		rm -f -- "$DIR/server-$id.crt" "$DIR/server-$id.key"
	done
	cp -- "$DIR/ca.pem" "$ST/ca/ca.pem"
	cp -- "$DIR/ca.key" "$ST/ca/ca.key"
	cp -- "$DIR/client.crt" "$ST/controller/client.pem"
	cp -- "$DIR/client.key" "$ST/controller/client.key"
fi
cp -- "$ST/controller/client.pem" "$DIR/client.pem"
cp -- "$ST/controller/client.key" "$DIR/client.key"
mkca rogue-ca "/CN=oct rogue CA"
# The rogue client is signed by the rogue CA, not ours.
mkleaf rogue-client rogue rogue-ca clientAuth "DNS:rogue"
mv -- "$DIR/rogue-client.crt" "$DIR/rogue-client.pem"
printf '%s\n' "$1" >"$DIR/amp-id.txt"
chmod 644 "$DIR/ca.pem" "$DIR/rogue-ca.pem" "$DIR/amp-id.txt"
