#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The man pages of the shell workflows in bin/: each script has its page
# beside it, bin/<name>.1, whose SYNOPSIS says what the script's usage line
# says.  Needs mandoc only: no root, no network.

load helpers

# synopsis PAGE: the SYNOPSIS of PAGE as mandoc renders it, without
# overstrikes, on one line with single spaces.
synopsis() {
	mandoc -Tascii "$1" | sed 's/.\x08//g' |
	    awk '/^SYNOPSIS$/ { on = 1; next } on && /^[^ \t]/ { exit } on' |
	    tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# workflows: the shell scripts of bin/ (the built programs are not).
workflows() {
	local f
	for f in "$OCT_TOP"/bin/*; do
		case $f in *.[18]) continue ;; esac
		[ "$(head -c 2 "$f")" = '#!' ] && printf '%s\n' "$f"
	done
}

@test "every bin/ workflow has a man page whose SYNOPSIS is its usage line" {
	local f name page usage syn n=0
	while IFS= read -r f; do
		n=$((n + 1))
		name=$(basename "$f")
		page=$f.1
		[ -f "$page" ] || fail "$name: no man page bin/$name.1"
		usage=$("$f" -h | tr -s ' \t' '  ')
		usage=${usage#usage: }
		syn=$(synopsis "$page")
		[ -n "$syn" ] || fail "$name: no SYNOPSIS in $page"
		[ "$syn" = "$usage" ] ||
		    fail "$name: man page SYNOPSIS and usage line differ:
  man:   $syn
  usage: $usage"
	done < <(workflows)
	# The five of issue #6, at least.
	[ "$n" -ge 5 ] || fail "only $n workflows found in $OCT_TOP/bin"
}

@test "every bin/ man page is for a workflow there and lints clean" {
	local m
	for m in "$OCT_TOP"/bin/*.1; do
		[ -f "${m%.1}" ] || fail "$m: no script ${m%.1}"
		run -0 mandoc -Tlint -W warning "$m"
	done
}
