#!/usr/bin/env bash
# A single-node SLURM on this machine, from Debian's packages, for the SLURM tests.
#
#   tests/slurm/cluster.sh start    install (as root, if missing), configure, start; wait idle
#   tests/slurm/cluster.sh status   sinfo and squeue
#   tests/slurm/cluster.sh stop     stop slurmd, slurmctld and munged
#
# Idempotent: `start` on a running cluster only checks that the node is idle. No systemd
# is needed: munged, slurmctld and slurmd are started directly. Without slurmdbd there is
# no sacct: the profile queries job states with squeue, and MinJobAge keeps finished jobs
# visible to squeue for an hour.
set -euo pipefail

CONF_DIR=/etc/slurm
LOG_DIR=/var/log/slurm
PACKAGES=(munge slurm-client slurmctld slurmd)

log() { echo "cluster.sh: $*" >&2; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        log "SLURM is not installed; as root run: apt-get install ${PACKAGES[*]}"
        exit 1
    fi
    log "installing ${PACKAGES[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        return
    fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown -R munge:munge /run/munge /var/lib/munge /var/log/munge /etc/munge
    chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
    munge -n | unmunge >/dev/null
}

write_config() {
    local host node_line memory_mb
    host=$(hostname -s)
    # slurmd -C prints this node's real layout: "NodeName=... CPUs=2 Boards=1 ... RealMemory=..."
    node_line=$(slurmd -C | head -n 1)
    memory_mb=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")
    memory_mb=$((memory_mb * 9 / 10)) # the whole of it drains the node
    node_line=$(sed "s/RealMemory=[0-9]*/RealMemory=$memory_mb/" <<<"$node_line")
    mkdir -p "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
    cat >"$CONF_DIR/slurm.conf" <<EOF
# Written by spikesweep's tests/slurm/cluster.sh: a single-node test cluster.
ClusterName=spikesweep
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=3600
DefMemPerCPU=1000
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

node_state() { sinfo -h -N -o %T 2>/dev/null | head -n 1; }

start() {
    install_packages
    start_munge
    if [ "$(node_state)" = idle ] || [ "$(node_state)" = mixed ] || [ "$(node_state)" = allocated ]; then
        log "already running: node $(node_state)"
        return
    fi
    write_config
    pgrep -x slurmctld >/dev/null || slurmctld -c
    pgrep -x slurmd >/dev/null || slurmd
    for _ in $(seq 60); do
        case "$(node_state)" in
        idle) log "node idle"; return ;;
        down* | drain*) scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
        esac
        sleep 1
    done
    log "node not idle after 60 s: $(node_state); see $LOG_DIR"
    exit 1
}

stop() {
    pkill -x slurmd || true
    pkill -x slurmctld || true
    pkill -x munged || true
    log "stopped"
}

status() {
    sinfo
    squeue
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
