#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Faults (issue #7): what survives an agent killed at random moments, a
# full disk, a haproxy that is missing or fails to start, and a controller
# killed while it saves a record.  Real oct-agent, real haproxy serving
# HTTP from python backends, all on 127.0.0.1; every loop is bounded.
# Each test prints its figures as "# figure: <scenario>: ..." lines;
# tests/bench/faults.sh reruns them with larger counts:
#	FAULTS_KILLS	agent kills during upload + reload (30)
#	FAULTS_FULL	uploads to a full disk (10)
#	FAULTS_HAPROXY	rounds of haproxy failures (3)
#	FAULTS_RECORDS	controller kills during record saves (300)

load helpers
load agent

# Loops count with r, not i: bats's run sets i.

setup() {
	agent_setup
	MNT=
}

teardown() {
	agent_teardown
	[ -z "$MNT" ] || umount -l "$MNT" 2>/dev/null || true
}

# ms: milliseconds since the epoch.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# sleep_ms N: sleep N milliseconds.
sleep_ms() {
	sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# md5 FILE: its md5, hex.
md5() {
	md5sum <"$1" | cut -d' ' -f1
}

# served: the X-Config header of one request through haproxy, or "fail".
served() {
	local h
	h=$(curl -sS --max-time 5 -D - -o /dev/null "http://127.0.0.1:$FE/" |
	    tr -d '\r') || { echo fail; return; }
	case $h in
	"HTTP/1."?" 200"*) ;;
	*) echo fail; return ;;
	esac
	sed -n 's/^x-config: //ip' <<<"$h"
}

# upload LB FILE: PUT FILE as LB's haproxy.cfg; "<status> <body>".
upload() {
	api_code "/1.0/loadbalancer/$AMP/$1/haproxy" -X PUT \
	    --data-binary "@$2"
}

# action LB ACTION: start, stop or reload; "<status> <body>".
action() {
	api_code "/1.0/loadbalancer/$1/$2" -X PUT
}

# versions LB: $T/A.cfg and $T/B.cfg, two configs of LB told apart by the
# X-Config header they add.
versions() {
	local v
	for v in A B; do
		config "$1" "    http-response set-header X-Config $v" \
		    >"$T/$v.cfg"
	done
	MD5_A=$(md5 "$T/A.cfg")
	MD5_B=$(md5 "$T/B.cfg")
}

# version FILE: A or B, whichever FILE holds whole, else "torn".
version() {
	case $(md5 "$1") in
	"$MD5_A") echo A ;;
	"$MD5_B") echo B ;;
	*) echo torn ;;
	esac
}

# temps DIR: afile's temporaries and upload leftovers in DIR.
temps() {
	find "$1" -maxdepth 1 \( -name '*.tmp??????' -o -name '*.new' \) |
	    wc -l
}

# truth LB: a fresh agent says what is on disk: the config and its ETag,
# the listener ACTIVE; a reload then serves the config on disk.
truth() {
	local want
	want=$(version "$BASE/$1/haproxy.cfg")
	api "/1.0/loadbalancer/$1/haproxy" -D "$T/h" -o "$T/got" ||
	    fail "GET haproxy.cfg failed"
	cmp -s "$T/got" "$BASE/$1/haproxy.cfg" ||
	    fail "GET haproxy.cfg differs from the file"
	grep -qi "^etag: $(md5 "$BASE/$1/haproxy.cfg")" "$T/h" ||
	    fail "ETag is not the file's md5: $(cat "$T/h")"
	run -0 api /1.0/listeners
	[ "$(jqo '.[] | [.lb_id, .uuid, .status] | join(" ")')" = \
	    "$1 li-1 ACTIVE" ] || fail "listeners: $output"
	run -0 action "$1" reload
	[ "$output" = "202 {\"message\":\"OK\",\"details\":\"Listener $1 reloaded\"}" ] ||
	    fail "reload: $output"
	[ "$(served)" = "$want" ] || fail "serves $(served), disk has $want"
}

# serve LB FILE: upload FILE, $T/A.cfg or $T/B.cfg, and start LB: it serves
# FILE.
serve() {
	run -0 upload "$1" "$2"
	assert_output '202 {"message":"OK"}'
	run -0 action "$1" start
	assert_output --partial '202 {"message":"OK","details":"Configuration file is valid'
	[ "$(served)" = "$(version "$2")" ] || fail "serves $(served), not $2"
}

# json_error CODE MESSAGE: $output is "CODE {"message": MESSAGE, ...}";
# the details go to $T/details.
json_error() {
	[ "${output%% *}" = "$1" ] &&
	    jq -r .message <<<"${output#* }" | grep -qxF "$2" ||
	    fail "want $1 \"$2\", got: $output"
	jq -r '.details // ""' <<<"${output#* }" >"$T/details"
}

@test "faults: kill -9 of the agent during upload + reload: a whole config, serving, told truly" {
	n=${FAULTS_KILLS:-30}
	backends
	start_agent
	versions lb-1
	serve lb-1 "$T/A.cfg"
	# How long an upload and a reload take (the least of three): half
	# the kills fall during the upload, half anywhere in upload + reload
	# and a little after.
	up_ms=999999 all_ms=999999
	for v in B A B; do
		t0=$(ms)
		run -0 upload lb-1 "$T/$v.cfg"
		t1=$(ms)
		run -0 action lb-1 reload
		t2=$(ms)
		[ $((t1 - t0)) -gt "$up_ms" ] || up_ms=$((t1 - t0))
		[ $((t2 - t0)) -gt "$all_ms" ] || all_ms=$((t2 - t0))
	done
	[ "$(served)" = B ]
	uploaded=0 reloaded=0 changed=0 left=0
	for r in $(seq "$n"); do
		old=$(version "$BASE/lb-1/haproxy.cfg")
		if [ "$old" = A ]; then new=B; else new=A; fi
		{
			upload lb-1 "$T/$new.cfg"
			action lb-1 reload
		} >"$T/op" 2>/dev/null &
		client=$!
		if [ $((r % 2)) = 1 ]; then
			sleep_ms $((RANDOM % (up_ms + 1)))
		else
			sleep_ms $((RANDOM % (all_ms + all_ms / 4 + 1)))
		fi
		kill -9 "$APID"
		wait "$APID" 2>/dev/null || true
		wait "$client" || true
		grep -q '^202 {"message":"OK"}$' "$T/op" &&
		    uploaded=$((uploaded + 1))
		grep -q 'reloaded' "$T/op" && reloaded=$((reloaded + 1))
		got=$(version "$BASE/lb-1/haproxy.cfg")
		[ "$got" = "$old" ] || [ "$got" = "$new" ] ||
		    fail "kill $r: haproxy.cfg is $got (was $old, sent $new)"
		[ "$got" = "$old" ] || changed=$((changed + 1))
		left=$((left + $(temps "$BASE/lb-1")))
		s=$(served)
		[ "$s" = A ] || [ "$s" = B ] || fail "kill $r: haproxy serves: $s"
		run_agent
		[ "$(temps "$BASE/lb-1")" = 0 ] ||
		    fail "kill $r: the restarted agent left $(ls "$BASE/lb-1")"
		truth lb-1
	done
	figure agent-kill "$n kills (upload $up_ms ms, + reload $all_ms ms), $uploaded uploads and $reloaded reloads answered before the kill, $changed configs replaced, 0 torn, $left unfinished files removed by the restarted agent, $n restarts told the truth, 0 errors"
}

@test "faults: an agent killed during haproxy -c: the restarted one removes the unfinished files, keeps the rest" {
	backends
	# haproxy -c that waits while $T/slow exists: the kill lands in it.
	cat >"$T/slowhaproxy" <<EOF
#!/bin/sh
case " \$* " in *" -c "*) while [ -e "$T/slow" ]; do sleep 0.1; done ;; esac
exec $(command -v haproxy) "\$@"
EOF
	chmod +x "$T/slowhaproxy"
	start_agent --haproxy-cmd "$T/slowhaproxy"
	versions lb-1
	serve lb-1 "$T/A.cfg"
	run -0 api_code /1.0/loadbalancer/lb-1/certificates/c.pem -X PUT \
	    --data-binary "@$SCERT"
	touch "$T/slow"
	upload lb-1 "$T/B.cfg" >/dev/null 2>&1 &
	client=$!
	for i in $(seq 100); do
		[ -e "$BASE/lb-1/haproxy.cfg.new" ] && break
		sleep 0.05
	done
	[ -e "$BASE/lb-1/haproxy.cfg.new" ]
	kill -9 "$APID"
	wait "$APID" 2>/dev/null || true
	wait "$client" || true
	rm "$T/slow"
	# A kill inside afile_write leaves its temporary: the window is too
	# short to hit on purpose, so lay some as it would.
	for f in lb-1/haproxy.cfg.new.tmpAb12Cd lb-1/servers-state.tmpXy34Zw \
	    certs/lb-1/c.pem.tmpQw56Er haproxy-default-user-group.conf.tmp0aB1cD; do
		echo partial >"$BASE/$f"
	done
	(cd "$BASE" && find . | sort) >"$T/before"
	run_agent --haproxy-cmd "$T/slowhaproxy"
	(cd "$BASE" && find . | sort) >"$T/after"
	# Removed, and nothing else: comm lists what is only in "before".
	run -0 comm -3 "$T/before" "$T/after"
	assert_output "$(printf '%s\n' ./certs/lb-1/c.pem.tmpQw56Er \
	    ./haproxy-default-user-group.conf.tmp0aB1cD ./lb-1/haproxy.cfg.new \
	    ./lb-1/haproxy.cfg.new.tmpAb12Cd ./lb-1/servers-state.tmpXy34Zw)"
	[ "$(version "$BASE/lb-1/haproxy.cfg")" = A ]
	grep -q 'unfinished files removed' "$T/agent.log"
	truth lb-1
	run -0 upload lb-1 "$T/B.cfg"
	assert_output '202 {"message":"OK"}'
	run -0 action lb-1 reload
	[ "$(served)" = B ]
	figure agent-sweep "1 kill during haproxy -c: haproxy.cfg.new and 4 temporaries removed by the restarted agent, the rest kept, the old config serving"
}

# fill DIR PAGES: fill the file system of DIR, then free PAGES pages.
fill() {
	dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
	truncate -s "-$(($2 * 4096))" "$1/fill"
}

@test "faults: a full disk: uploads get a JSON 500 naming it, the old config serves, an upload after space is freed works" {
	n=${FAULTS_FULL:-10}
	mkdir -p "$BASE"
	mount -t tmpfs -o size=2m,mode=0700 tmpfs "$BASE" 2>"$T/mount.err" ||
	    skip "cannot mount a tmpfs: $(cat "$T/mount.err")"
	MNT=$BASE
	backends
	start_agent
	versions lb-1
	# B grows to 88 KiB of comments: a write to a disk with fewer free
	# pages stops half way, the worst case for the file on disk.
	for i in $(seq 2000); do
		echo "# padding line $i of a large configuration"
	done >>"$T/B.cfg"
	MD5_B=$(md5 "$T/B.cfg")
	serve lb-1 "$T/A.cfg"
	refused=0 least=99 most=0
	for r in $(seq "$n"); do
		free=$((RANDOM % 20))
		[ "$free" -gt "$least" ] || least=$free
		[ "$free" -lt "$most" ] || most=$free
		fill "$BASE" "$free"
		run -0 upload lb-1 "$T/B.cfg"
		[ "$output" = '500 {"message":"Error updating haproxy configuration","details":"No space left on device"}' ] ||
		    fail "upload $r with $free pages free: $output"
		refused=$((refused + 1))
		[ "$(version "$BASE/lb-1/haproxy.cfg")" = A ]
		[ "$(temps "$BASE/lb-1")" = 0 ] ||
		    fail "upload $r left $(ls "$BASE/lb-1")"
		[ "$(served)" = A ]
		# Every other round, the agent restarts on the full disk.
		if [ $((r % 2)) = 0 ]; then
			fill "$BASE" 0
			kill "$APID"
			wait "$APID" || true
			run_agent || fail "the agent does not start on a full disk"
		fi
		truth lb-1
		rm "$BASE/fill"
	done
	run -0 upload lb-1 "$T/B.cfg"
	assert_output '202 {"message":"OK"}'
	run -0 action lb-1 reload
	[ "$(served)" = B ]
	[ "$(version "$BASE/lb-1/haproxy.cfg")" = B ]
	figure full-disk "$n uploads to a full disk ($least to $most pages of 4 KiB free, the upload needs 22), $refused refused with 500 \"No space left on device\", $((n / 2)) agent restarts on it, 0 torn, the old config served throughout, 0 errors"
}

# dead LB: LB's haproxy is not running and nothing says it is: no pid file
# of a live process, its listener OFFLINE, no haproxy counted.
dead() {
	local p
	if [ -f "$BASE/$1/haproxy.pid" ]; then
		p=$(head -n 1 "$BASE/$1/haproxy.pid")
		if [ -d "/proc/$p" ] && ! grep -q '^[^)]*) Z' "/proc/$p/stat"; then
			fail "the pid file names a live process $p"
		fi
	fi
	run -0 api /1.0/listeners
	[ "$(jqo '.[] | [.lb_id, .status] | join(" ")')" = "$1 OFFLINE" ] ||
	    fail "listeners: $output"
	run -0 api /1.0/details
	[ "$(jqo .haproxy_count)" = 0 ] || fail "details: $output"
}

# busy_port: a port of 127.0.0.1 that another process listens on: $BUSY.
busy_port() {
	BUSY=$(free_port)
	python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(600)' "$BUSY" &
	PIDS+=("$!")
	for i in $(seq 50); do
		(exec 4<>"/dev/tcp/127.0.0.1/$BUSY") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

@test "faults: haproxy missing: uploads and reloads get a JSON 500 naming it at once, the running config serves; a start fails cleanly; back, it starts" {
	n=${FAULTS_HAPROXY:-3}
	backends
	# A copy of haproxy that can go missing, as in a package upgrade gone
	# wrong: the agent runs it, and the master executes it again on a
	# reload.
	mkdir "$T/bin"
	cp "$(command -v haproxy)" "$T/bin/haproxy"
	start_agent --haproxy-cmd "$T/bin/haproxy"
	versions lb-1
	serve lb-1 "$T/A.cfg"
	cur=A errors=0 slowest=0
	gone="$T/bin/haproxy: No such file or directory"
	for r in $(seq "$n"); do
		if [ "$cur" = A ]; then new=B; else new=A; fi
		master=$(head -n 1 "$BASE/lb-1/haproxy.pid")
		mv "$T/bin/haproxy" "$T/bin/haproxy.away"
		# An upload: haproxy -c did not run, which says nothing of the
		# config: a 500, and nothing kept of it.
		run -0 upload lb-1 "$T/$new.cfg"
		[ "$output" = "500 {\"message\":\"Error updating haproxy configuration\",\"details\":\"$gone\\n\"}" ] ||
		    fail "upload $r: $output"
		[ "$(version "$BASE/lb-1/haproxy.cfg")" = "$cur" ]
		[ ! -e "$BASE/lb-1/haproxy.cfg.new" ]
		[ ! -e "$BASE/lb-1/haproxy.cfg.new-failed" ]
		[ "$(served)" = "$cur" ]
		# A reload: refused at once, the master left as it was.
		t0=$(ms)
		run -0 action lb-1 reload
		[ "$output" = "500 {\"message\":\"Error reloading haproxy\",\"details\":\"$gone\"}" ] ||
		    fail "reload $r: $output"
		t=$(($(ms) - t0))
		[ "$t" -lt 5000 ] || fail "reload $r took $t ms"
		[ "$t" -lt "$slowest" ] || slowest=$t
		[ "$(served)" = "$cur" ]
		mv "$T/bin/haproxy.away" "$T/bin/haproxy"
		run -0 action lb-1 reload
		assert_output '202 {"message":"OK","details":"Listener lb-1 reloaded"}'
		[ "$(head -n 1 "$BASE/lb-1/haproxy.pid")" = "$master" ]
		# A start: a 500 saying why, and nothing claims to run.
		mv "$T/bin/haproxy" "$T/bin/haproxy.away"
		run -0 action lb-1 stop
		run -0 action lb-1 start
		[ "$output" = "500 {\"message\":\"Error starting haproxy\",\"details\":\"$gone\\n\"}" ] ||
		    fail "start $r: $output"
		dead lb-1
		errors=$((errors + 3))
		mv "$T/bin/haproxy.away" "$T/bin/haproxy"
		run -0 action lb-1 start
		assert_output --partial '202'
		[ "$(served)" = "$cur" ]
		run -0 upload lb-1 "$T/$new.cfg"
		assert_output '202 {"message":"OK"}'
		truth lb-1
		cur=$new
	done
	figure haproxy-missing "$n rounds: $errors uploads, reloads and starts without haproxy answered 500 naming it (reloads in at most $slowest ms, the master untouched), the running config served throughout, $n starts once it was back, 0 errors"
}

@test "faults: haproxy exits 1 at start: a JSON 500 with its message, no pid file, OFFLINE; then a start works" {
	n=${FAULTS_HAPROXY:-3}
	backends
	# haproxy checks and versions as usual, but fails to run while
	# $T/fail exists.
	cat >"$T/stub" <<EOF
#!/bin/sh
case " \$* " in
*" -c "*|*" -v "*) ;;
*) if [ -e "$T/fail" ]; then echo "stub: cannot start" >&2; exit 1; fi ;;
esac
exec $(command -v haproxy) "\$@"
EOF
	chmod +x "$T/stub"
	start_agent --haproxy-cmd "$T/stub"
	versions lb-1
	run -0 upload lb-1 "$T/A.cfg"
	for r in $(seq "$n"); do
		touch "$T/fail"
		run -0 action lb-1 start
		[ "$output" = '500 {"message":"Error starting haproxy","details":"stub: cannot start\n"}' ] ||
		    fail "start $r: $output"
		dead lb-1
		# reload becomes start when haproxy is not running
		run -0 action lb-1 reload
		[ "$output" = '500 {"message":"Error starting haproxy","details":"stub: cannot start\n"}' ] ||
		    fail "reload $r: $output"
		dead lb-1
		rm "$T/fail"
		run -0 action lb-1 start
		assert_output --partial '202'
		truth lb-1
		run -0 action lb-1 stop
	done
	figure haproxy-exit1 "$n rounds: $((2 * n)) starts of a haproxy that exits 1 answered 500 with its message, no pid file, OFFLINE; $n starts after, 0 errors"
}

@test "faults: a config that passes haproxy -c but cannot bind: start and reload get a JSON 500, no half-state, a valid one starts" {
	n=${FAULTS_HAPROXY:-3}
	backends
	start_agent
	versions lb-1
	busy_port
	sed "s/bind 127.0.0.1:$FE\$/bind 127.0.0.1:$BUSY/" "$T/B.cfg" >"$T/busy.cfg"
	grep -q ":$BUSY\$" "$T/busy.cfg"
	for r in $(seq "$n"); do
		# Start: haproxy says why; nothing runs or claims to.
		run -0 upload lb-1 "$T/busy.cfg"
		assert_output '202 {"message":"OK"}'
		run -0 action lb-1 start
		json_error 500 "Error starting haproxy"
		grep -qF "cannot bind socket (Address already in use) for [127.0.0.1:$BUSY]" \
		    "$T/details"
		dead lb-1
		# A valid one starts.
		serve lb-1 "$T/A.cfg"
		# Reload: the running workers keep serving.
		run -0 upload lb-1 "$T/busy.cfg"
		run -0 action lb-1 reload
		assert_output '500 {"message":"Error reloading haproxy","details":"haproxy refused the new configuration, now haproxy.cfg.reload-failed; the previous workers keep serving theirs, back in haproxy.cfg"}'
		[ "$(served)" = A ]
		run -0 api /1.0/listeners
		[ "$(jqo '.[] | .status')" = ACTIVE ]
		# What the agent says it runs is what serves: a controller
		# comparing ETags pushes again (and is told again).
		[ "$(version "$BASE/lb-1/haproxy.cfg")" = A ]
		cmp "$T/busy.cfg" "$BASE/lb-1/haproxy.cfg.reload-failed"
		truth lb-1
		run -0 upload lb-1 "$T/B.cfg"
		truth lb-1
		run -0 action lb-1 stop
	done
	figure haproxy-bind "$n rounds: $n starts and $n reloads of a config whose port another process holds answered 500 (start: haproxy's \"Address already in use\"; reload: the previous workers kept serving, their config back in place), $n valid starts and reloads after, 0 errors"
}

@test "faults: haproxy dies after it detached (chroot to a missing directory): a start or reload fails at once, no pid file of the dead master" {
	n=${FAULTS_HAPROXY:-3}
	backends
	start_agent
	versions lb-1
	sed 's#^global$#global\n    chroot /nonexistent#' "$T/A.cfg" >"$T/chroot.cfg"
	slowest=0
	for r in $(seq "$n"); do
		run -0 upload lb-1 "$T/chroot.cfg"
		assert_output '202 {"message":"OK"}'
		t0=$(ms)
		run -0 action lb-1 start
		t=$(($(ms) - t0))
		json_error 500 "Error starting haproxy"
		[ "$(head -n 1 "$T/details")" = "haproxy exited" ]
		grep -qF 'Cannot chroot(/nonexistent)' "$T/details"
		[ "$t" -lt 10000 ] || fail "start $r took $t ms"
		[ "$t" -lt "$slowest" ] || slowest=$t
		[ ! -e "$BASE/lb-1/haproxy.pid" ]
		dead lb-1
		serve lb-1 "$T/A.cfg"
		# A reload too: haproxy 2.6 calls the new worker loaded before
		# it chroots, so the old ones stop, the new one fails and the
		# master exits (haproxy -c cannot tell).  The agent says so at
		# once and nothing claims to run.
		run -0 upload lb-1 "$T/chroot.cfg"
		run -0 action lb-1 reload
		json_error 500 "Error reloading haproxy"
		[ "$(cat "$T/details")" = "haproxy exited" ]
		[ ! -e "$BASE/lb-1/haproxy.pid" ]
		dead lb-1
		serve lb-1 "$T/B.cfg"
		truth lb-1
		run -0 action lb-1 stop
	done
	figure haproxy-dies "$n starts of a haproxy that died after detaching answered 500 with its alert in at most $slowest ms, no pid file left; $n reloads of it (haproxy stops serving) answered 500 \"haproxy exited\", no pid file left; $((2 * n)) valid starts after, 0 errors"
}

@test "faults: a controller killed while it saves a record leaves the old one or the new one, never torn; its temporaries are swept" {
	n=${FAULTS_RECORDS:-300}
	sk=${OCT_BENCH_DIR:-$OCT_TOP/build/std/bench}/statekill
	[ -x "$sk" ] || fail "$sk: not built (make benchtools)"
	run -0 --separate-stderr "$sk" -n "$n" "$T/st"
	figure record-kill "$output"
}
