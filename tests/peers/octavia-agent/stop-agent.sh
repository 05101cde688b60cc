#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# stop-agent.sh DIR: stop the agent that run-agent.sh PORT DIR started, and
# any haproxy it started, by the pids recorded under DIR (never by name).
set -u

DIR=${1:?usage: stop-agent.sh DIR}
stopped=""
# haproxy pid files: base_path/<lb_id>/<lb_id>.pid and the stand-in's
for pf in "$DIR"/root/var-lib-octavia/*/*.pid "$DIR"/root/run/octpeer-units/*.pid; do
	[ -f "$pf" ] || continue
	while read -r p; do
		if [ -r "/proc/$p/comm" ] && grep -q haproxy "/proc/$p/comm"; then
			kill "$p" 2>/dev/null && stopped="$stopped haproxy:$p"
		fi
	done <"$pf"
done
if [ -f "$DIR/agent.pid" ]; then
	p=$(cat "$DIR/agent.pid")
	if kill -0 "$p" 2>/dev/null; then
		# the agent's own children (gunicorn worker, heartbeat sender)
		kids=$(pgrep -P "$p" || true)
		kill -TERM "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
		fi
		for k in $kids; do
			if kill -0 "$k" 2>/dev/null; then
				kill -KILL "$k" 2>/dev/null
			fi
		done
		stopped="$stopped agent:$p"
	fi
	rm -f -- "$DIR/agent.pid"
fi
if [ -f "$DIR/syslog.pid" ]; then
	p=$(cat "$DIR/syslog.pid")
	if kill -0 "$p" 2>/dev/null && kill "$p" 2>/dev/null; then
		stopped="$stopped syslog-sink:$p"
	fi
	rm -f -- "$DIR/syslog.pid"
fi
echo "stopped:${stopped:- nothing}"
