#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# down.sh - stop everything up.sh started, using only its pid files in
# $REALNOVA_ROOT/run.  Each pid gets SIGTERM; since up.sh started every service
# with setsid, the pid is also a process-group id, and whatever is left in that
# group (uwsgi workers, oslo.service workers, erlang helpers) then gets SIGKILL.
# --purge also deletes the state (databases, keys, logs) under $REALNOVA_ROOT.
set -uo pipefail
ROOT=${REALNOVA_ROOT:-/tmp/oct-nova}
RUN=$ROOT/run
rc=0
gone() { # not running, or only a zombie waiting for init to reap it
  local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0; [ -z "$st" ] || [ "${st:0:1}" = Z ]; }
stop() {
  local name=$1 f=$RUN/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if ! gone "$pid"; then
    local t0=$SECONDS
    # the service's own shutdown first (uwsgi master, oslo.service parent and
    # beam each take their children down), then the whole group by force
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 150); do gone "$pid" && break; sleep 0.1; done
    if ! gone "$pid"; then echo "[down.sh] $name (pid $pid) still up after SIGTERM, sending SIGKILL to its group" >&2; fi
    kill -KILL -- "-$pid" 2>/dev/null   # leftovers in the group (workers, erl helpers)
    for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
    if ! gone "$pid"; then echo "[down.sh] could not stop $name (pid $pid)" >&2; rc=1; return; fi
    echo "[down.sh] stopped $name (pid $pid, $((SECONDS-t0)) s)" >&2
  fi
  rm -f "$f"
}
# API/worker services in parallel (each shuts down gracefully, several seconds apiece),
# then the message broker and the database they were using
fail=$(mktemp)
for s in nova-api nova-compute nova-scheduler nova-conductor neutron-agent neutron glance placement keystone; do
  ( stop "$s"; [ $rc -eq 0 ] || echo "$s" >> "$fail" ) &
done
wait
[ -s "$fail" ] && rc=1; rm -f "$fail"
for s in rabbitmq epmd mariadb; do stop "$s"; done
rm -f "$RUN/rabbitmq-beam.pid" "$ROOT/state/.ready"
if [ "${1:-}" = "--purge" ] && [ $rc -eq 0 ]; then
  rm -rf "${ROOT:?}/state" "${ROOT:?}/log" "${ROOT:?}/run" "${ROOT:?}/etc" "${ROOT:?}/bin"
  echo "[down.sh] purged state under $ROOT" >&2
fi
exit $rc
