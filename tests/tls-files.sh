#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# tls-files.sh DIR: throwaway TLS files for the render checks
# (tests/fuzz/render-check.sh, tests/prop/prop-check.sh), made in DIR:
# ca.pem, a self-signed certificate that is also the CA; key.pem, its key;
# server.pem, the two in one file as a listener takes them; crl.pem, a CRL
# the CA signed.
set -eu

d=$1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/key.pem" -out "$d/ca.pem" -days 2 \
    -subj /CN=oct-render-check 2>/dev/null
cat "$d/ca.pem" "$d/key.pem" >"$d/server.pem"
: >"$d/index.txt"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ndefault_md=sha256\ndefault_crl_days=2\n' \
    "$d/index.txt" >"$d/ca.cnf"
openssl ca -gencrl -keyfile "$d/key.pem" -cert "$d/ca.pem" \
    -out "$d/crl.pem" -config "$d/ca.cnf" 2>/dev/null
