# SPDX-License-Identifier: Apache-2.0
# oct.sh: shell functions the bin/ workflows share.  Sourced, not run.
# shellcheck shell=sh

# oct_die CODE MESSAGE: one line on stderr naming the program, then exit.
oct_die() {
	_code=$1
	shift
	printf '%s: %s\n' "${prog:-oct}" "$*" >&2
	exit "$_code"
}

# oct_warn MESSAGE: one line on stderr naming the program.
oct_warn() {
	printf '%s: %s\n' "${prog:-oct}" "$*" >&2
}

# oct_state_dir: the state directory, found as lib/state.c finds it.
oct_state_dir() {
	if [ -n "${OCT_STATE_DIR:-}" ]; then
		printf '%s\n' "$OCT_STATE_DIR"
	elif [ "$(id -u)" = 0 ]; then
		printf '%s\n' /var/lib/oct
	elif [ -n "${XDG_STATE_HOME:-}" ]; then
		printf '%s/oct\n' "$XDG_STATE_HOME"
	else
		printf '%s/.local/state/oct\n' "$HOME"
	fi
}

# oct_code NAME: the number of an error.code name (EX_TEMPFAIL -> 75).
oct_code() {
	case $1 in
	EX_USAGE) echo 64 ;;
	EX_DATAERR) echo 65 ;;
	EX_NOINPUT) echo 66 ;;
	EX_UNAVAILABLE) echo 69 ;;
	EX_OSERR) echo 71 ;;
	EX_CANTCREAT) echo 73 ;;
	EX_IOERR) echo 74 ;;
	EX_TEMPFAIL) echo 75 ;;
	EX_PROTOCOL) echo 76 ;;
	EX_NOPERM) echo 77 ;;
	EX_CONFIG) echo 78 ;;
	*) echo 70 ;;
	esac
}

# oct_error FILE: true when the record in FILE carries an error (or FILE is
# empty, which is the same to a caller: no usable record came out).
oct_error() {
	[ -s "$1" ] || return 0
	jq -e 'has("error")' "$1" >/dev/null
}

# oct_error_code FILE: the exit code of the error in FILE's record.
oct_error_code() {
	if [ -s "$1" ]; then
		oct_code "$(jq -r '.error.code // "EX_SOFTWARE"' "$1")"
	else
		echo 70
	fi
}

# oct_save FILE: store the record in FILE as amphorae/<id>.json, whole or
# not at all (temporary file, fsync, rename).
oct_save() {
	_dir=$(oct_state_dir)/amphorae
	_id=$(jq -r '.id' "$1")
	(umask 077 && mkdir -p "$_dir")
	_tmp=$(mktemp "$_dir/.$_id.XXXXXX")
	jq -cS . "$1" >"$_tmp" && sync "$_tmp" && mv -f "$_tmp" "$_dir/$_id.json"
}
