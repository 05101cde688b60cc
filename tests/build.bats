#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The build's own contract: make install lays out programs, workflows, man
# pages and the unit; installed workflows find their shell library; make
# deps does nothing when every package is there.

load helpers

@test "make install puts programs, workflows, lib/oct.sh, man pages and the unit under DESTDIR" {
	d=$BATS_TEST_TMPDIR/root
	# The variant under test, so that nothing is relinked.
	san=
	[ "${OCT_VARIANT:-std}" != san ] || san=1
	run -0 make -C "$OCT_TOP" --no-print-directory -s install \
	    DESTDIR="$d" PREFIX=/usr SANITIZE="$san"
	for p in oct-agent oct-boot oct-cert oct-config oct-destroy oct-wait \
	    oct-lb-create oct-lb-delete oct-health-sweep oct-lb-failover \
	    oct-demo; do
		[ -x "$d/usr/bin/$p" ] || fail "no $p"
	done
	[ -f "$d/usr/lib/oct/oct.sh" ]
	[ -f "$d/usr/share/man/man1/oct-cert.1" ]
	[ -f "$d/usr/share/man/man8/oct-agent.8" ]
	# The workflows' pages, beside them in bin/, go to man1 only.
	for p in oct-lb-create oct-lb-delete oct-health-sweep oct-lb-failover \
	    oct-demo; do
		[ -f "$d/usr/share/man/man1/$p.1" ] || fail "no man page $p.1"
		[ ! -e "$d/usr/bin/$p.1" ] || fail "$p.1 installed as a program"
	done
	[ -f "$d/usr/lib/systemd/system/oct-agent.service" ]
	# An installed workflow finds its library beside it.
	run -0 "$d/usr/bin/oct-lb-create" -h
	assert_output --partial "usage: oct-lb-create"
	run -0 "$d/usr/bin/oct-cert" --version
}

@test "make deps installs nothing when every package is there" {
	run -0 make -C "$OCT_TOP" --no-print-directory deps
	refute_output --partial installing
}

@test "every program answers -h on stdout with exit 0, and misuse with 64 and an empty stdout" {
	for p in oct-agent oct-boot oct-cert oct-config oct-destroy oct-wait \
	    oct-lb-create oct-lb-delete oct-health-sweep oct-lb-failover \
	    oct-demo; do
		run --separate-stderr -0 "$p" -h
		assert_output --partial "usage: $p"
		run --separate-stderr -64 "$p" --no-such-option
		[ -z "$output" ] || fail "$p wrote to stdout on misuse: $output"
	done
}
