#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# oct-cert: the CA, issued certificates checked by openssl itself and used
# in a real mutual-TLS handshake on 127.0.0.1, show, verify, renewal, and
# the bad-input contract (one line on stderr, documented code, nothing
# overwritten).

load helpers

S() { printf '%s\n' "$OCT_STATE_DIR"; }

# mode FILE: the file's permission bits in octal.
mode() {
	stat -c %a -- "$1"
}

# sums: the checksums of every file under the state directory.
sums() {
	find "$OCT_STATE_DIR" -type f -print0 | sort -z |
	    xargs -0r sha256sum
}

# no_secrets: $output carries no PEM of any kind.
no_secrets() {
	refute_output --partial "BEGIN"
	refute_output --partial "PRIVATE"
}

mkca() {
	oct-cert ca >/dev/null
}

# ossl_sign CSR OUT CERT KEY START END EXT: sign CSR with openssl ca (which,
# unlike openssl x509 in 3.0, sets any dates), self-signed without CERT.
ossl_sign() {
	local d=$BATS_TEST_TMPDIR/ossl-ca signer=(-selfsign)
	[ -z "$3" ] || signer=(-cert "$3")
	mkdir -p "$d" && : >"$d/index.txt" && echo 01 >"$d/serial"
	cat >"$d/cnf" <<-EOF
		[ca]
		default_ca = d
		[d]
		database = $d/index.txt
		new_certs_dir = $d
		serial = $d/serial
		default_md = sha256
		policy = p
		x509_extensions = e
		[p]
		commonName = supplied
		[e]
		$7
	EOF
	openssl ca -batch -config "$d/cnf" "${signer[@]}" \
	    -keyfile "$4" -in "$1" -out "$2" -startdate "$5" -enddate "$6" \
	    2>/dev/null
}

teardown() {
	local pid
	if [ -f "$BATS_TEST_TMPDIR/server.pid" ]; then
		pid=$(cat "$BATS_TEST_TMPDIR/server.pid")
		kill "$pid" 2>/dev/null || true
	fi
}

@test "-h prints the usage on stdout and exits 0; --version" {
	run -0 --separate-stderr oct-cert -h
	assert_line --index 0 --partial "usage: oct-cert [-hv] [--version] ca"
	[ -z "$stderr" ]
	run -0 --separate-stderr oct-cert issue --help
	assert_output --partial "issue --role server|client"
	run -0 oct-cert --version
	assert_output --regexp '^oct-cert [0-9a-z.-]+$'
}

@test "misuse exits 64 with the usage on stderr and nothing on stdout" {
	local args
	for args in "" "frob" "-x ca" "ca --role server" "ca --days 0" \
	    "ca --days 12abc" "issue" "issue --role peer" \
	    "issue --role server --key rsa:1024" \
	    "issue --role server --days -1" "issue --role server extra" \
	    "show" "show a b" "verify --id x" "issue --role server --days"; do
		# shellcheck disable=SC2086 # split on purpose
		run -64 --separate-stderr oct-cert $args
		assert_output ""
		[[ $stderr == *"usage: oct-cert"* ]] || fail "no usage: $args"
	done
	[ ! -e "$OCT_STATE_DIR" ]
}

@test "ca creates ca.pem and a 0600 ca.key under 0700 dirs, then never overwrites" {
	run -0 --separate-stderr oct-cert ca
	assert_json_line
	no_secrets
	[ "$(jqo .ca.created)" = true ]
	[ "$(jqo .ca.cert)" = "$(S)/ca/ca.pem" ]
	[ "$(jqo .ca.key)" = "$(S)/ca/ca.key" ]
	[ "$(mode "$(S)/ca/ca.key")" = 600 ]
	[ "$(mode "$(S)/ca")" = 700 ]
	[ "$(mode "$(S)")" = 700 ]
	fp=$(jqo .ca.sha256)
	[ "$fp" = "$(openssl x509 -in "$(S)/ca/ca.pem" -outform DER |
	    sha256sum | cut -d' ' -f1)" ]
	# The CA: self-signed, CA:TRUE, ten years by default.
	openssl verify -CAfile "$(S)/ca/ca.pem" "$(S)/ca/ca.pem"
	openssl x509 -in "$(S)/ca/ca.pem" -noout -ext basicConstraints |
	    grep 'CA:TRUE'
	openssl x509 -in "$(S)/ca/ca.pem" -noout -checkend $((3649 * 86400))
	before=$(sums)
	run -0 --separate-stderr oct-cert ca --days 5 --key rsa:2048
	[ "$(jqo .ca.created)" = false ]
	[ "$(jqo .ca.sha256)" = "$fp" ]
	[ "$(sums)" = "$before" ]
}

@test "issued server certificates pass openssl verify -purpose sslserver, with DNS and IP SANs" {
	mkca
	run -0 --separate-stderr oct-cert issue --role server <<-EOF
		{"id":"amp-1","address":"198.18.0.5","lb_id":"lb-1"}
		{"id":"amp-2","address":"fd00:198:18::2"}
		{"id":"amp-3"}
	EOF
	[ "${#lines[@]}" -eq 3 ]
	no_secrets
	run -0 jq -r .lb_id <<<"${lines[0]}"
	assert_output lb-1
	local n pem
	for n in 1 2 3; do
		pem=$(S)/certs/amp-$n.pem
		openssl verify -purpose sslserver -CAfile "$(S)/ca/ca.pem" "$pem"
		run -2 openssl verify -purpose sslclient \
		    -CAfile "$(S)/ca/ca.pem" "$pem"
		[ "$(mode "$(S)/certs/amp-$n.key")" = 600 ]
		[ "$(openssl x509 -in "$pem" -noout -subject)" = \
		    "subject=CN = amp-$n" ]
	done
	[ "$(mode "$(S)/certs")" = 700 ]
	run -0 openssl x509 -in "$(S)/certs/amp-1.pem" -noout -ext subjectAltName
	assert_output --partial "DNS:amp-1, IP Address:198.18.0.5"
	run -0 openssl x509 -in "$(S)/certs/amp-2.pem" -noout -ext subjectAltName
	assert_output --partial "DNS:amp-2, IP Address:FD00:198:18:0:0:0:0:2"
	run -0 openssl x509 -in "$(S)/certs/amp-3.pem" -noout -ext subjectAltName
	refute_output --partial "IP Address"
	run -0 openssl x509 -in "$(S)/certs/amp-1.pem" -noout -text
	assert_output --regexp 'Basic Constraints: critical'$'\n'' *CA:FALSE'
	assert_output --regexp 'Key Usage: critical'$'\n'' *Digital Signature'$'\n'
	assert_output --partial "TLS Web Server Authentication"
	assert_output --partial "Subject Key Identifier"
	assert_output --partial "Authority Key Identifier"
	assert_output --partial "ecdsa-with-SHA256"
	assert_output --partial "NIST CURVE: P-256"
}

@test "the cert object: paths, serial, not_after and sha256 that match the file" {
	mkca
	run -0 --separate-stderr oct-cert issue --role server <<<'{"id":"a"}'
	assert_json_line
	pem=$(jqo .cert.cert)
	[ "$pem" = "$(S)/certs/a.pem" ]
	[ "$(jqo .cert.key)" = "$(S)/certs/a.key" ]
	[ "$(jqo .cert.ca)" = "$(S)/ca/ca.pem" ]
	serial=$(openssl x509 -in "$pem" -noout -serial | cut -d= -f2)
	[ "$(jqo .cert.serial)" = "$(printf '%s' "$serial" | tr A-F a-f)" ]
	[ "$(jqo .cert.sha256)" = "$(openssl x509 -in "$pem" -outform DER |
	    sha256sum | cut -d' ' -f1)" ]
	end=$(date -u -d "$(openssl x509 -in "$pem" -noout -enddate |
	    cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	[ "$(jqo .cert.not_after)" = "$end" ]
	# Thirty days by default (Octavia's cert_validity_time).
	openssl x509 -in "$pem" -noout -checkend $((29 * 86400))
	run -1 openssl x509 -in "$pem" -noout -checkend $((31 * 86400))
}

@test "a certificate never outlives its CA; not_before allows for clock skew" {
	run -0 oct-cert ca --days 10
	ca_end=$(jqo .ca.not_after)
	run -0 oct-cert issue --role server --days 30 --id amp-1
	[ "$(jqo .cert.not_after)" = "$ca_end" ]
	run -0 oct-cert show "$(S)/certs/amp-1.pem"
	start=$(date -u -d "$(jqo .not_before)" +%s)
	now=$(date -u +%s)
	[ $((now - start)) -ge 300 ] && [ $((now - start)) -lt 400 ]
}

@test "serials are 128 random bits, positive and distinct" {
	mkca
	for i in 1 2 3 4 5 6 7 8; do echo "{\"id\":\"s$i\"}"; done |
	    oct-cert issue --role client > "$BATS_TEST_TMPDIR/out"
	run -0 jq -r .cert.serial "$BATS_TEST_TMPDIR/out"
	[ "$(printf '%s\n' "$output" | sort -u | wc -l)" -eq 8 ]
	for s in "${lines[@]}"; do
		[[ $s =~ ^[0-9a-f]{1,32}$ ]] || fail "serial $s"
		# The top bit is clear, so DER needs no sign byte.
		[ "${#s}" -lt 32 ] || [[ ${s:0:1} =~ [0-7] ]] || fail "top bit: $s"
	done
}

@test "--id controller without stdin writes controller/client.pem for openssl verify -purpose sslclient" {
	mkca
	run -0 --separate-stderr oct-cert issue --role client --id controller \
	    </dev/null
	assert_json_line
	no_secrets
	[ "$(jqo .id)" = controller ]
	[ "$(jqo .cert.cert)" = "$(S)/controller/client.pem" ]
	[ "$(jqo .cert.key)" = "$(S)/controller/client.key" ]
	[ "$(mode "$(S)/controller")" = 700 ]
	[ "$(mode "$(S)/controller/client.key")" = 600 ]
	openssl verify -purpose sslclient -CAfile "$(S)/ca/ca.pem" \
	    "$(S)/controller/client.pem"
	run -2 openssl verify -purpose sslserver -CAfile "$(S)/ca/ca.pem" \
	    "$(S)/controller/client.pem"
	# Other client ids go to certs/.
	run -0 oct-cert issue --role client --id ops-1
	[ "$(jqo .cert.cert)" = "$(S)/certs/ops-1.pem" ]
	openssl verify -purpose sslclient -CAfile "$(S)/ca/ca.pem" \
	    "$(S)/certs/ops-1.pem"
}

@test "mutual TLS: openssl s_server -Verify and s_client with oct-cert certificates" {
	local d=$BATS_TEST_TMPDIR n=0 port
	mkca
	oct-cert issue --role server <<<'{"id":"amp-1","address":"127.0.0.1"}' \
	    >/dev/null
	oct-cert issue --role client --id controller >/dev/null
	# s_server quits at end of input: a FIFO opened read-write never
	# ends.  Bounded: one connection, and gone after 20 s at the latest.
	mkfifo "$d/stdin"
	timeout 20 openssl s_server -accept 127.0.0.1:0 -naccept 1 \
	    -Verify 1 -verify_return_error \
	    -cert "$(S)/certs/amp-1.pem" -key "$(S)/certs/amp-1.key" \
	    -CAfile "$(S)/ca/ca.pem" <>"$d/stdin" >"$d/server.log" 2>&1 3>&- &
	echo $! > "$d/server.pid"
	while ! grep -q '^ACCEPT' "$d/server.log" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || fail "s_server: $(cat "$d/server.log")"
		sleep 0.05
	done
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$d/server.log")
	# The client checks the server's name and address, sends a line and
	# stays a second so that the server reads it.
	{ echo hello-oct; sleep 1; } | timeout 10 openssl s_client \
	    -connect "127.0.0.1:$port" -verify_return_error \
	    -verify_hostname amp-1 -verify_ip 127.0.0.1 \
	    -CAfile "$(S)/ca/ca.pem" -cert "$(S)/controller/client.pem" \
	    -key "$(S)/controller/client.key" >"$d/client.log" 2>&1 ||
	    fail "s_client: $(cat "$d/client.log")"
	grep 'Verify return code: 0 (ok)' "$d/client.log"
	grep '^subject=CN = amp-1$' "$d/client.log"
	n=0
	while ! grep -q '^hello-oct' "$d/server.log"; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || fail "server log: $(cat "$d/server.log")"
		sleep 0.05
	done
	# The server verified the client's certificate and saw its CN.
	grep '^depth=0 CN = controller$' "$d/server.log"
	grep '^subject=CN = controller$' "$d/server.log"
	grep '^issuer=CN = oct CA$' "$d/server.log"
}

@test "--key: each key type is generated, shown and accepted by openssl" {
	local t bits
	oct-cert ca --key ec:p384 >/dev/null
	run -0 oct-cert show "$(S)/ca/ca.pem"
	[ "$(jqo .key_type)" = ec:p384 ]
	[ "$(jqo .is_ca)" = true ]
	for t in ec:p256 ec:p384 rsa:2048 rsa:3072 rsa:4096; do
		run -0 --separate-stderr oct-cert issue --role server --key "$t" \
		    --id "k-${t#*:}"
		no_secrets
		run -0 oct-cert show "$(S)/certs/k-${t#*:}.pem"
		[ "$(jqo .key_type)" = "$t" ] || fail "$t: $output"
		bits=${t#*:}
		bits=${bits#p}
		[ "$(jqo .key_bits)" = "$bits" ]
		openssl verify -purpose sslserver -CAfile "$(S)/ca/ca.pem" \
		    "$(S)/certs/k-${t#*:}.pem"
		# The key file is the certificate's key.
		[ "$(openssl pkey -in "$(S)/certs/k-${t#*:}.key" -pubout)" = \
		    "$(openssl x509 -in "$(S)/certs/k-${t#*:}.pem" -noout -pubkey)" ]
	done
	# RSA leaves may also encipher keys; EC ones only sign.
	openssl x509 -in "$(S)/certs/k-2048.pem" -noout -ext keyUsage |
	    grep 'Digital Signature, Key Encipherment'
}

@test "show prints the facts of a certificate as one JSON line" {
	mkca
	oct-cert issue --role server <<<'{"id":"amp-9","address":"198.18.0.9"}' \
	    >/dev/null
	run -0 --separate-stderr oct-cert show "$(S)/certs/amp-9.pem"
	assert_json_line
	no_secrets
	[ "$(jqo .subject_cn)" = amp-9 ]
	[ "$(jqo .issuer_cn)" = "oct CA" ]
	[ "$(jqo '.san | join(",")')" = "DNS:amp-9,IP:198.18.0.9" ]
	[ "$(jqo '.eku | join(",")')" = serverAuth ]
	[ "$(jqo .key_type)" = ec:p256 ]
	[ "$(jqo .key_bits)" = 256 ]
	[ "$(jqo .is_ca)" = false ]
	[[ $(jqo .not_before) =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$ ]]
	[[ $(jqo .sha256) =~ ^[0-9a-f]{64}$ ]]
	# show reads certificates oct-cert did not make, too.
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=elsewhere -days 2 \
	    -keyout "$BATS_TEST_TMPDIR/o.key" -out "$BATS_TEST_TMPDIR/o.pem" \
	    -addext extendedKeyUsage=clientAuth,serverAuth 2>/dev/null
	run -0 oct-cert show "$BATS_TEST_TMPDIR/o.pem"
	[ "$(jqo .subject_cn)" = elsewhere ]
	[ "$(jqo '.eku | join(",")')" = clientAuth,serverAuth ]
	[ "$(jqo .key_type)" = rsa:2048 ]
	run -66 --separate-stderr oct-cert show "$BATS_TEST_TMPDIR/none.pem"
	assert_output ""
	[ "$stderr" = "oct-cert: $BATS_TEST_TMPDIR/none.pem: No such file or directory" ]
	run -65 --separate-stderr oct-cert show "$BATS_TEST_TMPDIR/o.key"
	assert_output ""
	[ "$stderr" = "oct-cert: $BATS_TEST_TMPDIR/o.key: no PEM certificate in it" ]
}

@test "verify accepts good certificates and adds verify.ok" {
	mkca
	run -0 --separate-stderr sh -c 'printf "%s\n" \
	    "{\"id\":\"amp-1\",\"address\":\"198.18.0.1\"}" "{\"id\":\"amp-2\"}" |
	    oct-cert issue --role server | oct-cert verify'
	[ "${#lines[@]}" -eq 2 ]
	[ "$(printf '%s\n' "$output" | jq -s 'map(.verify.ok) | all')" = true ]
	run -0 sh -c 'oct-cert issue --role client --id controller |
	    oct-cert verify --role client'
	[ "$(jqo .verify.ok)" = true ]
	# verify needs the CA certificate only: it runs where the key is not.
	oct-cert issue --role server --id amp-3 >"$BATS_TEST_TMPDIR/r"
	mv "$(S)/ca/ca.key" "$BATS_TEST_TMPDIR/ca.key"
	run -0 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r"
	[ "$(jqo .verify.ok)" = true ]
}

@test "verify catches an expired certificate" {
	mkca
	# --days 0: not_after is the moment of issue, so it is expired at once.
	oct-cert issue --role server --days 0 <<<'{"id":"old"}' >"$BATS_TEST_TMPDIR/r"
	end=$(jq -r .cert.not_after "$BATS_TEST_TMPDIR/r")
	run -2 openssl verify -CAfile "$(S)/ca/ca.pem" "$(S)/certs/old.pem"
	assert_output --partial "certificate has expired"
	run -65 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r"
	assert_json_line
	[ "$(jqo .verify.ok)" = false ]
	[ "$(jqo .error.code)" = EX_DATAERR ]
	[ "$(jqo .error.message)" = "certificate expired on $end" ]
	[ "$stderr" = "oct-cert: old: certificate expired on $end" ]
}

@test "verify catches a certificate that expired long ago" {
	mkca
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=amp-7 -keyout "$BATS_TEST_TMPDIR/k" \
	    -out "$BATS_TEST_TMPDIR/csr" 2>/dev/null
	ossl_sign "$BATS_TEST_TMPDIR/csr" "$BATS_TEST_TMPDIR/c" \
	    "$(S)/ca/ca.pem" "$(S)/ca/ca.key" 20250101000000Z 20260101000000Z \
	    "extendedKeyUsage = serverAuth
subjectAltName = DNS:amp-7"
	run -65 --separate-stderr oct-cert verify <<<"{\"id\":\"amp-7\",\"cert\":{\"cert\":\"$BATS_TEST_TMPDIR/c\",\"key\":\"$BATS_TEST_TMPDIR/k\"}}"
	[ "$(jqo .error.message)" = "certificate expired on 2026-01-01T00:00:00Z" ]
}

@test "verify catches the wrong extended key usage" {
	mkca
	run -65 --separate-stderr sh -c \
	    'oct-cert issue --role client --id c1 | oct-cert verify'
	[ "$(jqo .error.message)" = "certificate lacks extended key usage serverAuth" ]
	run -65 --separate-stderr sh -c 'echo "{\"id\":\"s1\"}" |
	    oct-cert issue --role server | oct-cert verify --role client'
	[ "$(jqo .error.message)" = "certificate lacks extended key usage clientAuth" ]
	[ "$stderr" = "oct-cert: s1: certificate lacks extended key usage clientAuth" ]
}

@test "verify catches a certificate of another CA, a foreign name, a wrong key and an open key" {
	mkca
	OCT_STATE_DIR=$BATS_TEST_TMPDIR/other oct-cert ca >/dev/null
	OCT_STATE_DIR=$BATS_TEST_TMPDIR/other oct-cert issue --role server \
	    --id x >"$BATS_TEST_TMPDIR/r"
	run -65 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r"
	[ "$(jqo .error.message)" = "not signed by the CA $(S)/ca/ca.pem" ]
	# A self-signed certificate with the right name is no better.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=y -days 2 -addext subjectAltName=DNS:y \
	    -addext extendedKeyUsage=serverAuth -keyout "$BATS_TEST_TMPDIR/y.key" \
	    -out "$BATS_TEST_TMPDIR/y.pem" 2>/dev/null
	run -65 --separate-stderr oct-cert verify <<<"{\"id\":\"y\",\"cert\":{\"cert\":\"$BATS_TEST_TMPDIR/y.pem\",\"key\":\"$BATS_TEST_TMPDIR/y.key\"}}"
	[ "$(jqo .error.message)" = "not signed by the CA $(S)/ca/ca.pem" ]
	# A certificate for another appliance.
	oct-cert issue --role server --id amp-1 |
	    jq -c '.id = "amp-2"' >"$BATS_TEST_TMPDIR/r"
	run -65 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r"
	[ "$(jqo .error.message)" = 'certificate has no DNS name "amp-2" in subjectAltName' ]
	jq -c '.id = "amp-1" | .address = "198.18.0.7"' "$BATS_TEST_TMPDIR/r" \
	    >"$BATS_TEST_TMPDIR/r2"
	run -65 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r2"
	[ "$(jqo .error.message)" = "certificate has no IP address 198.18.0.7 in subjectAltName" ]
	# The key of another certificate.
	oct-cert issue --role server --id amp-3 >/dev/null
	jq -c ".id = \"amp-1\" | .cert.key = \"$(S)/certs/amp-3.key\"" \
	    "$BATS_TEST_TMPDIR/r" >"$BATS_TEST_TMPDIR/r3"
	run -65 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r3"
	[ "$(jqo .error.message)" = "$(S)/certs/amp-3.key does not match $(S)/certs/amp-1.pem" ]
	# A key file others can read.
	chmod 640 "$(S)/certs/amp-1.key"
	jq -c '.id = "amp-1"' "$BATS_TEST_TMPDIR/r" >"$BATS_TEST_TMPDIR/r4"
	run -77 --separate-stderr oct-cert verify <"$BATS_TEST_TMPDIR/r4"
	[ "$(jqo .error.code)" = EX_NOPERM ]
	[ "$(jqo .error.message)" = "$(S)/certs/amp-1.key: key file mode 0640 lets group or others in; chmod 600 it" ]
	# A record without a certificate.
	run -65 --separate-stderr oct-cert verify <<<'{"id":"z"}'
	[ "$(jqo .error.message)" = 'record has no string "cert.cert"' ]
}

@test "--renew-before keeps a fresh certificate and renews one that expires soon" {
	mkca
	oct-cert issue --role server <<<'{"id":"amp-1","address":"198.18.0.1"}' \
	    >"$BATS_TEST_TMPDIR/r"
	fp=$(jq -r .cert.sha256 "$BATS_TEST_TMPDIR/r")
	before=$(sums)
	# 30 days left, renew within 7: kept, nothing written.
	run -0 --separate-stderr oct-cert issue --role server --renew-before 7 \
	    <"$BATS_TEST_TMPDIR/r"
	[ "$(jqo .cert.renewed)" = false ]
	[ "$(jqo .cert.sha256)" = "$fp" ]
	[ "$(sums)" = "$before" ]
	# Renew within 60 days: a new certificate and key.
	run -0 --separate-stderr oct-cert issue --role server --renew-before 60 \
	    <"$BATS_TEST_TMPDIR/r"
	[ "$(jqo .cert.renewed)" = true ]
	[ "$(jqo .cert.sha256)" != "$fp" ]
	[ "$(jqo .cert.sha256)" = "$(openssl x509 -in "$(S)/certs/amp-1.pem" \
	    -outform DER | sha256sum | cut -d' ' -f1)" ]
	[ "$(sums)" != "$before" ]
	fp=$(jqo .cert.sha256)
	# A changed address, or an expired certificate, is renewed too.
	run -0 oct-cert issue --role server --renew-before 7 \
	    <<<'{"id":"amp-1","address":"198.18.0.2"}'
	[ "$(jqo .cert.renewed)" = true ]
	openssl x509 -in "$(S)/certs/amp-1.pem" -noout -ext subjectAltName |
	    grep 198.18.0.2
	oct-cert issue --role server --days 0 --id amp-4 >/dev/null
	run -0 oct-cert issue --role server --renew-before 0 --id amp-4
	[ "$(jqo .cert.renewed)" = true ]
	# Without --renew-before, issue always issues and says nothing of it.
	run -0 oct-cert issue --role server --id amp-4
	[ "$(jqo '.cert | has("renewed")')" = false ]
}

@test "a missing CA: each record fails with 66, one line on stderr" {
	run -66 --separate-stderr oct-cert issue --role server <<<'{"id":"a"}'
	assert_json_line
	[ "$(jqo .error.code)" = EX_NOINPUT ]
	[ "$stderr" = "oct-cert: a: no CA in $(S)/ca: run oct-cert ca" ]
	run -66 --separate-stderr oct-cert issue --role client --id controller
	[ "$(jqo .error.code)" = EX_NOINPUT ]
	run -66 --separate-stderr oct-cert verify </dev/null
	assert_output ""
	[ "$stderr" = "oct-cert: no CA in $(S)/ca: run oct-cert ca" ]
	[ ! -e "$(S)/certs" ]
	[ ! -e "$(S)/controller" ]
}

@test "a corrupt CA: 78, one line on stderr, nothing overwritten" {
	mkca
	echo garbage > "$(S)/ca/ca.pem"
	before=$(sums)
	run -78 --separate-stderr oct-cert ca
	assert_output ""
	[ "$stderr" = "oct-cert: $(S)/ca/ca.pem: no PEM certificate in it" ]
	run -78 --separate-stderr oct-cert issue --role server <<<'{"id":"a"}'
	[ "$(jqo .error.code)" = EX_CONFIG ]
	[ "$stderr" = "oct-cert: a: $(S)/ca/ca.pem: no PEM certificate in it" ]
	[ "$(sums)" = "$before" ]
	# A key that is not the certificate's.
	rm -rf "$(S)"
	mkca
	openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$BATS_TEST_TMPDIR/k" 2>/dev/null
	cp "$BATS_TEST_TMPDIR/k" "$(S)/ca/ca.key"
	before=$(sums)
	run -78 --separate-stderr oct-cert ca
	[ "$stderr" = "oct-cert: $(S)/ca/ca.key does not match $(S)/ca/ca.pem" ]
	# A key without its certificate.
	rm "$(S)/ca/ca.pem"
	run -78 --separate-stderr oct-cert ca
	[[ $stderr == "oct-cert: $(S)/ca/ca.key without $(S)/ca/ca.pem: "* ]]
	[ ! -e "$(S)/ca/ca.pem" ]
	cmp "$BATS_TEST_TMPDIR/k" "$(S)/ca/ca.key"
}

@test "an expired CA: 78, nothing issued, nothing overwritten" {
	mkdir -p "$(S)/ca"
	chmod 700 "$(S)" "$(S)/ca"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=old CA" -keyout "$(S)/ca/ca.key" \
	    -out "$BATS_TEST_TMPDIR/csr" 2>/dev/null
	ossl_sign "$BATS_TEST_TMPDIR/csr" "$(S)/ca/ca.pem" "" "$(S)/ca/ca.key" \
	    20200101000000Z 20210101000000Z "basicConstraints = critical,CA:TRUE"
	before=$(sums)
	run -78 --separate-stderr oct-cert ca
	assert_output ""
	[ "$stderr" = "oct-cert: $(S)/ca/ca.pem: the CA expired on 2021-01-01T00:00:00Z" ]
	run -78 --separate-stderr oct-cert issue --role server --id a
	[ "$(jqo .error.code)" = EX_CONFIG ]
	[ "$(sums)" = "$before" ]
}

@test "a CA key readable by others: 77, one line on stderr, nothing changed" {
	mkca
	chmod 644 "$(S)/ca/ca.key"
	before=$(sums)
	run -77 --separate-stderr oct-cert ca
	assert_output ""
	[ "$stderr" = "oct-cert: $(S)/ca/ca.key: key file mode 0644 lets group or others in; chmod 600 it" ]
	run -77 --separate-stderr oct-cert issue --role server <<<'{"id":"a"}'
	[ "$(jqo .error.code)" = EX_NOPERM ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ "$(sums)" = "$before" ]
	[ ! -e "$(S)/certs" ]
	[ "$(mode "$(S)/ca/ca.key")" = 644 ]
}

@test "a malformed line fails 65 and the other records are still issued" {
	mkca
	run -65 --separate-stderr oct-cert issue --role server <<-'EOF'
		{"id":"a1"}
		not json
		{"id":"a2"}
		["an","array"]
		{"id":"a3","id":"dup"}
		{"id":"a4"}
	EOF
	[ "${#lines[@]}" -eq 3 ]
	[ "$(printf '%s\n' "$output" | jq -rs 'map(.id) | join(",")')" = a1,a2,a4 ]
	[ -f "$(S)/certs/a1.pem" ] && [ -f "$(S)/certs/a2.pem" ] &&
	    [ -f "$(S)/certs/a4.pem" ]
	[[ $stderr == *"oct-cert: stdin:2: "* ]]
	[[ $stderr == *"oct-cert: stdin:4: not a JSON object"* ]]
	[[ $stderr == *"oct-cert: stdin:5: duplicate object key"* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 3 ]
}

@test "records without an id, with a bad id or a bad address fail 65; error records pass through" {
	mkca
	run -65 --separate-stderr oct-cert issue --role server <<-'EOF'
		{"lb_id":"lb-1"}
		{"id":42}
		{"id":"../x"}
		{"id":".hidden"}
		{"id":"ok-1","address":"198.18.0.300"}
		{"id":"ok-2","error":{"tool":"oct-boot","code":"EX_TEMPFAIL","message":"m"}}
		{"id":"ok-3"}
	EOF
	[ "${#lines[@]}" -eq 7 ]
	local l=("${lines[@]}")
	[ "$(jq -r .error.message <<<"${l[0]}")" = 'record has no string "id"' ]
	[ "$(jq -r .error.code <<<"${l[1]}")" = EX_DATAERR ]
	[[ $(jq -r .error.message <<<"${l[2]}") == 'id "../x" is not a safe name'* ]]
	[ "$(jq -r .error.code <<<"${l[3]}")" = EX_DATAERR ]
	[ "$(jq -r .error.message <<<"${l[4]}")" = '"address" is not an IPv4 or IPv6 address' ]
	[ "${l[5]}" = '{"id":"ok-2","error":{"tool":"oct-boot","code":"EX_TEMPFAIL","message":"m"}}' ]
	[ "$(jq -r .cert.cert <<<"${l[6]}")" = "$(S)/certs/ok-3.pem" ]
	[ ! -e "$(S)/x.pem" ] && [ ! -e "$(S)/certs/.hidden.pem" ]
	[ ! -e "$(S)/certs/ok-1.pem" ] && [ ! -e "$(S)/certs/ok-2.pem" ]
	run -65 --separate-stderr oct-cert issue --role client --id ../x
	[ "$(jqo .error.code)" = EX_DATAERR ]
	[ "$stderr" = 'oct-cert: ../x: id "../x" is not a safe name (1 to 128 of [A-Za-z0-9._-], no leading dot)' ]
}

@test "an unwritable state directory: 73, one line on stderr" {
	# A regular file in the path stops even root.
	touch "$BATS_TEST_TMPDIR/file"
	OCT_STATE_DIR=$BATS_TEST_TMPDIR/file/state
	run -73 --separate-stderr oct-cert ca
	assert_output ""
	[ "$stderr" = "oct-cert: $BATS_TEST_TMPDIR/file/state: Not a directory" ]
	OCT_STATE_DIR=$BATS_TEST_TMPDIR/state
	mkca
	touch "$(S)/certs"
	before=$(sums)
	run -73 --separate-stderr oct-cert issue --role server --id a
	[ "$(jqo .error.code)" = EX_CANTCREAT ]
	[ "$stderr" = "oct-cert: a: $(S)/certs: Not a directory" ]
	[ "$(sums)" = "$before" ]
}

@test "no key material on stdout or stderr, even with -v -v" {
	mkca
	run -0 oct-cert -v -v issue --role server --id amp-1
	no_secrets
	run -0 oct-cert -v -v issue --role client --renew-before 1 --id amp-1
	no_secrets
	run -0 oct-cert -v show "$(S)/certs/amp-1.pem"
	no_secrets
	run -0 oct-cert -v ca
	no_secrets
	run -1 grep -rl PRIVATE "$(S)" --include='*.pem'
}

@test "the man page examples run" {
	local man=$OCT_TOP/src/oct-cert/oct-cert.1 cmds
	cmds=$(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$man" | sed -n 's/^\$ //p')
	[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 4 ]
	mkdir -p "$(S)/amphorae"
	printf '%s' '{"id":"amp-1","address":"198.18.0.10"}' \
	    >"$(S)/amphorae/amp-1.json"
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr sh -ec "$cmds"
	no_secrets
	[ -f "$(S)/controller/client.pem" ] && [ -f "$(S)/certs/amp-1.pem" ]
}
