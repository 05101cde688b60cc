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

# oct_config_tls DIRS ARG...: oct-config ARG... with a --tls-dir for each
# directory in DIRS, a JSON array (a record's tls_dirs).
oct_config_tls() {
	_dirs=$1
	shift
	_n=$(printf '%s' "$_dirs" | jq -r 'length') ||
	    oct_die 65 "tls_dirs: not a JSON array"
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		set -- "$@" --tls-dir "$(printf '%s' "$_dirs" |
		    jq -r --argjson i "$_i" '.[$i]')"
		_i=$((_i + 1))
	done
	oct-config "$@"
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

# oct_ident NAME VALUE [CODE]: exit CODE (default 64) unless VALUE is a
# safe name for a file of the state directory (lib/ident.c's rule: letters,
# digits, ".", "_", "-", not starting with ".", at most 128 characters).
oct_ident() {
	case $2 in
	''|.*|*[!A-Za-z0-9._-]*) oct_die "${3:-64}" "$1: not a valid id: $2" ;;
	esac
	[ "${#2}" -le 128 ] ||
	    oct_die "${3:-64}" "$1: longer than 128 characters: $2"
}

# oct_save FILE: store the record in FILE as amphorae/<id>.json, whole or
# not at all (temporary file, fsync, rename); exit 73 when it cannot.
oct_save() {
	_dir=$(oct_state_dir)/amphorae
	_id=$(jq -r '.id' "$1") || oct_die 65 "$1: not a JSON record"
	oct_ident "record id" "$_id" 65
	(umask 077 && mkdir -p "$_dir") || oct_die 73 "$_dir: cannot create"
	# Named as afile's are: never "*.json", swept by the next C save.
	_tmp=$(mktemp "$_dir/$_id.json.tmpXXXXXX") ||
	    oct_die 73 "$_dir/$_id.json: cannot save the record"
	if ! { jq -cS . "$1" >"$_tmp" && sync "$_tmp" &&
	    mv -f "$_tmp" "$_dir/$_id.json"; }; then
		rm -f "$_tmp"
		oct_die 73 "$_dir/$_id.json: cannot save the record"
	fi
}

# oct_number NAME VALUE MIN MAX: exit 64 unless VALUE is a whole number in
# MIN..MAX.
oct_number() {
	case $2 in
	''|*[!0-9]*) oct_die 64 "$1: not a number: $2" ;;
	esac
	if [ "${#2}" -gt 9 ] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		oct_die 64 "$1: $2 not in $3..$4"
	fi
}

# oct_lock [SECONDS]: take the state directory's fleet lock (fd 9), which
# a sweep, a failover and a delete hold, waiting at most SECONDS (default
# 0), or exit 75.  A child of the holder (OCT_LOCKED is the state
# directory) has it already.
oct_lock() {
	_state=$(oct_state_dir)
	[ "${OCT_LOCKED:-}" != "$_state" ] || return 0
	(umask 077 && mkdir -p "$_state") || oct_die 73 "$_state: cannot create"
	exec 9>>"$_state/.sweep.lock"
	flock -w "${1:-0}" 9 ||
	    oct_die 75 "a sweep, failover or delete runs (lock $_state/.sweep.lock)"
	OCT_LOCKED=$_state
	export OCT_LOCKED
}

# oct_step NAME OUT CMD...: one stage of a workflow: CMD reads the record
# in the file $last and writes its record to OUT.  Each tool exits non-zero
# exactly when its record failed, with that record's code, so the status
# says it all: on a failure, print what the stage wrote, say which stage
# failed, and exit with its status (70 when it wrote nothing and said 0).
# Else $last becomes OUT, and the stage's time goes to stderr.
oct_step() {
	_name=$1 _out=$2
	shift 2
	_t0=$(date +%s%3N)
	_rc=0
	"$@" <"$last" >"$_out" || _rc=$?
	[ "$_rc" != 0 ] || [ -s "$_out" ] || _rc=70
	if [ "$_rc" != 0 ]; then
		[ ! -s "$_out" ] || cat "$_out"
		oct_warn "$_name failed"
		exit "$_rc"
	fi
	last=$_out
	_ms=$(($(date +%s%3N) - _t0))
	printf '%s: %s done in %d.%02d s\n' "${prog:-oct}" "$_name" \
	    $((_ms / 1000)) $((_ms % 1000 / 10)) >&2
}
