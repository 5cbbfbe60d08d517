#!/usr/bin/env bash
# slurm-local.sh — bring up a real single-node SLURM cluster on this machine.
#
#   scripts/slurm-local.sh start    install (if needed) and start munged, slurmctld, slurmd
#   scripts/slurm-local.sh stop     stop the daemons this script started
#   scripts/slurm-local.sh status   print sinfo; exit 0 if the cluster answers, 1 otherwise
#
# Meant for CI / dev containers on Debian (root, no systemd). All state, logs,
# pid files and the job-completion log live in ${SLURM_LOCAL_DIR:-/tmp/genoflow-slurm}.
# The config is also written to /etc/slurm/slurm.conf (where Debian's SLURM
# looks by default), so plain `sbatch`/`squeue`/`scontrol` work without SLURM_CONF.
#
# Environment:
#   SLURM_LOCAL_DIR       state dir (default /tmp/genoflow-slurm)
#   SLURM_LOCAL_NODENAME  node name (default: `hostname -s`; slurmd must match it)
#   SLURM_LOCAL_TIMEOUT   seconds to wait for the node to become idle (default 60)
#   SLURM_LOCAL_CPUS      CPUs the node offers (default: nproc); more than the machine has
#                         lets more short jobs overlap their start-up (the tests' fan-outs)
#   SLURM_LOCAL_CRED_EXPIRE  AuthInfo cred_expire; a requeued job stays PENDING
#                         (Reason=BeginTime) this long before it can rerun (default 10)
#
# Job completion records: $SLURM_LOCAL_DIR/jobcomp.txt (jobcomp/filetxt).
# `stop` only stops the daemons; running job steps (slurmstepd) are left alone,
# exactly as on a real slurmd restart, and are re-attached by the next `start`.
set -euo pipefail

DIR="${SLURM_LOCAL_DIR:-/tmp/genoflow-slurm}"
CONF_ETC=/etc/slurm/slurm.conf
CONF_LOCAL="$DIR/slurm.conf"
TIMEOUT="${SLURM_LOCAL_TIMEOUT:-60}"
CRED_EXPIRE="${SLURM_LOCAL_CRED_EXPIRE:-10}"

MUNGE_KEY=/etc/munge/munge.key
MUNGE_RUN=/run/munge
MUNGE_PIDFILE_SYS="$MUNGE_RUN/munged.pid"

CTLD_PID="$DIR/slurmctld.pid"
SLURMD_PID="$DIR/slurmd.pid"
MUNGE_PID="$DIR/munged.pid" # only written when *we* started munged

log() { printf '[slurm-local] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root"; }

# pid from file if the process is alive (and, optionally, is the named program)
live_pid() {
  local file="$1" name="${2:-}" pid
  [ -s "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -n "$name" ] && [ -r "/proc/$pid/comm" ]; then
    [ "$(cat "/proc/$pid/comm")" = "$name" ] || return 1
  fi
  echo "$pid"
}

munge_works() { command -v munge >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
cluster_answers() { command -v sinfo >/dev/null && timeout 10 sinfo -h -o %T >/dev/null 2>&1; }
node_state() { timeout 10 sinfo -h -N -o %T 2>/dev/null | head -n1; }

node_name() {
  if [ -n "${SLURM_LOCAL_NODENAME:-}" ]; then echo "$SLURM_LOCAL_NODENAME"; else hostname -s; fi
}

# ---------------------------------------------------------------- install ----
install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
     && command -v munged >/dev/null && command -v sbatch >/dev/null; then
    return 0
  fi
  log "installing slurm-wlm and munge via apt-get (may wait for the dpkg lock)..."
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends slurm-wlm munge >&2
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
    || die "slurm-wlm/munge installation did not provide slurmctld/slurmd/munged"
}

# ------------------------------------------------------------------ munge ----
start_munge() {
  if munge_works; then
    log "munged already running and working"
    return 0
  fi
  id munge >/dev/null 2>&1 || die "no 'munge' user (is the munge package installed?)"

  install -d -m 0700 -o munge -g munge /etc/munge
  if [ ! -s "$MUNGE_KEY" ]; then
    log "creating munge key $MUNGE_KEY"
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$MUNGE_KEY" --force >&2
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
  fi
  chown munge:munge "$MUNGE_KEY"
  chmod 0400 "$MUNGE_KEY"
  install -d -m 0755 -o munge -g munge "$MUNGE_RUN"
  install -d -m 0700 -o munge -g munge /var/log/munge
  install -d -m 0711 -o munge -g munge /var/lib/munge

  # a stale socket/pid from a killed munged makes a new one refuse to start
  if [ -s "$MUNGE_PIDFILE_SYS" ] && ! live_pid "$MUNGE_PIDFILE_SYS" munged >/dev/null; then
    rm -f "$MUNGE_PIDFILE_SYS" "$MUNGE_RUN/munge.socket.2" "$MUNGE_RUN/munge.socket.2.lock"
  fi

  log "starting munged (as user munge)"
  if command -v runuser >/dev/null; then
    runuser -u munge -- /usr/sbin/munged >&2 || true
  else
    su -s /bin/sh munge -c /usr/sbin/munged >&2 || true
  fi
  local i
  for i in $(seq 1 50); do munge_works && break; sleep 0.2; done
  if ! munge_works; then
    log "munged as user munge failed; retrying as root with --force"
    /usr/sbin/munged --force >&2 || true
    for i in $(seq 1 50); do munge_works && break; sleep 0.2; done
  fi
  munge_works || die "munged did not come up (see /var/log/munge/munged.log)"
  local pid
  pid="$(live_pid "$MUNGE_PIDFILE_SYS" munged)" || die "munged is up but $MUNGE_PIDFILE_SYS has no live pid"
  echo "$pid" >"$MUNGE_PID"
  log "munged running (pid $pid)"
}

# ------------------------------------------------------------ slurm.conf ----
write_conf() {
  local node cpus mem_kb mem_mb real
  node="$(node_name)"
  cpus="${SLURM_LOCAL_CPUS:-$(nproc)}"
  mem_kb="$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
  mem_mb=$((mem_kb / 1024))
  real=$((mem_mb - mem_mb / 20 - 256)) # 5% + 256 MB margin so slurmd never reports "Low RealMemory"
  [ "$real" -ge 1 ] || real=1

  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" /etc/slurm
  cat >"$CONF_LOCAL.tmp" <<EOF
# generated by scripts/slurm-local.sh — single-node local cluster
ClusterName=genoflow
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s)
AuthInfo=cred_expire=${CRED_EXPIRE}
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/pgid
TaskPlugin=task/none
ReturnToService=2
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=2,sched_min_interval=100000,batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MaxArraySize=10001
MaxJobCount=100000
MinJobAge=30
KillWait=5
InactiveLimit=0
SlurmdTimeout=300
SlurmctldTimeout=120
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# trust the CPUs given here over what slurmd counts (SLURM_LOCAL_CPUS may offer more)
SlurmdParameters=config_overrides
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${real} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF_LOCAL.tmp" "$CONF_LOCAL"
  # daemons and clients all read the same file: /etc/slurm/slurm.conf
  if [ -e "$CONF_ETC" ] && ! grep -q 'generated by scripts/slurm-local.sh' "$CONF_ETC"; then
    log "replacing existing $CONF_ETC (backup: $CONF_ETC.bak-slurm-local)"
    cp -p "$CONF_ETC" "$CONF_ETC.bak-slurm-local"
  fi
  cp "$CONF_LOCAL" "$CONF_ETC.tmp"
  mv "$CONF_ETC.tmp" "$CONF_ETC"
}

# --------------------------------------------------------------- daemons ----
wait_idle() {
  local node deadline st resumed=0
  node="$(node_name)"
  deadline=$((SECONDS + TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    st="$(node_state || true)"
    case "$st" in
      idle|mixed|allocated|completing)
        log "node $node is $st"
        return 0 ;;
      down|drained|draining|drain|fail|failing)
        # '*' suffix (not responding) excluded: wait for slurmd to register first
        if [ "$resumed" -eq 0 ]; then
          log "node $node is $st; resuming"
          scontrol update nodename="$node" state=resume >&2 || true
          resumed=1
        fi ;;
    esac
    sleep 1
  done
  log "node state after ${TIMEOUT}s: '${st:-<no answer>}'"
  sinfo -N -l >&2 || true
  log "--- tail $DIR/log/slurmctld.log"; tail -n 20 "$DIR/log/slurmctld.log" >&2 2>/dev/null || true
  log "--- tail $DIR/log/slurmd.log"; tail -n 20 "$DIR/log/slurmd.log" >&2 2>/dev/null || true
  die "node did not become idle"
}

do_start() {
  need_root
  local t0=$SECONDS
  if live_pid "$CTLD_PID" slurmctld >/dev/null && live_pid "$SLURMD_PID" slurmd >/dev/null \
     && munge_works && cluster_answers; then
    log "already running (slurmctld pid $(cat "$CTLD_PID"), slurmd pid $(cat "$SLURMD_PID"))"
    sinfo >&2 || true
    return 0
  fi

  install_packages
  mkdir -p "$DIR"
  start_munge
  write_conf

  if live_pid "$CTLD_PID" slurmctld >/dev/null; then
    log "slurmctld already running; reconfiguring"
    scontrol reconfigure >&2 || true
  else
    log "starting slurmctld"
    rm -f "$CTLD_PID"
    /usr/sbin/slurmctld -f "$CONF_ETC" >&2 || die "slurmctld failed to start (see $DIR/log/slurmctld.log)"
  fi
  local i
  for i in $(seq 1 100); do cluster_answers && break; sleep 0.2; done
  cluster_answers || { tail -n 30 "$DIR/log/slurmctld.log" >&2 2>/dev/null || true; die "slurmctld not answering"; }

  if ! live_pid "$SLURMD_PID" slurmd >/dev/null; then
    log "starting slurmd (node $(node_name))"
    rm -f "$SLURMD_PID"
    /usr/sbin/slurmd -f "$CONF_ETC" -N "$(node_name)" >&2 || die "slurmd failed to start (see $DIR/log/slurmd.log)"
  fi
  for i in $(seq 1 50); do live_pid "$SLURMD_PID" slurmd >/dev/null && break; sleep 0.2; done
  live_pid "$CTLD_PID" slurmctld >/dev/null || die "slurmctld died (see $DIR/log/slurmctld.log)"
  live_pid "$SLURMD_PID" slurmd >/dev/null || { tail -n 30 "$DIR/log/slurmd.log" >&2 2>/dev/null || true; die "slurmd died"; }

  wait_idle
  log "cluster up in $((SECONDS - t0))s (state dir $DIR, jobcomp $DIR/jobcomp.txt)"
  sinfo >&2 || true
}

stop_one() {
  local file="$1" name="$2" pid i
  if pid="$(live_pid "$file" "$name")"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not exit after 30s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for i in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
  fi
  rm -f "$file"
}

do_stop() {
  need_root
  stop_one "$SLURMD_PID" slurmd
  stop_one "$CTLD_PID" slurmctld
  stop_one "$MUNGE_PID" munged # only if this script started it
  log "stopped"
}

do_status() {
  if cluster_answers; then
    sinfo
    return 0
  fi
  echo "slurm-local: cluster not answering" >&2
  return 1
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
