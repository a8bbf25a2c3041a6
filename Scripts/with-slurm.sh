#!/usr/bin/env bash
# Runs COMMAND with a throw-away single-node Slurm cluster on this machine, then stops it.
#
#   Scripts/with-slurm.sh COMMAND [ARGS…]
#
# Everything lives in a temporary folder: a munge key and munged (its own socket), and
# slurmctld + slurmd from Debian's slurm-wlm, configured by a generated slurm.conf: this host
# as the one node with all its CPUs, free loopback ports, ProctrackType=proctrack/pgid,
# TaskPlugin=task/none (no cgroups needed), no accounting (sacct answers "disabled"; finished
# jobs stay visible to scontrol for MinJobAge), KillWait=5 (SIGTERM, then SIGKILL 5 s later).
# COMMAND sees SLURM_CONF (so sbatch/squeue/scancel find the cluster) and REIDKD_TEST_SLURM=1.
#
# When the cluster cannot start (slurm-wlm or munge missing, a daemon failing), this prints
# "with-slurm: skipped: REASON" and runs COMMAND without it: the tests that need Slurm then
# skip, each saying why. Exit status: COMMAND's.
set -u
say() { echo "with-slurm: $*" >&2; }
skip() { say "skipped: $1"; unset REIDKD_TEST_SLURM; exec "${cmd[@]}"; }
cmd=("$@")

for p in munged slurmctld slurmd sbatch; do
  command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || skip "$p is not installed (Debian packages slurm-wlm and munge)"
done
PATH="$PATH:/usr/sbin"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/reidkd-slurm.XXXXXX")
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chmod 700 "$tmp/munge"
user=$(id -un)
host=$(hostname -s)
cpus=$(nproc)

stop() {
  # Jobs still queued or running die with the cluster.
  [ -s "$tmp/slurmctld.pid" ] && scancel --quiet --user="$user" 2>/dev/null && sleep 1
  for f in "$tmp/slurmd.pid" "$tmp/slurmctld.pid" "$tmp/munge/pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  sleep 0.5
  rm -rf "$tmp"
}

dd if=/dev/urandom of="$tmp/munge/key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/key"
if ! munged --force --socket="$tmp/munge/socket" --key-file="$tmp/munge/key" --pid-file="$tmp/munge/pid" \
     --log-file="$tmp/munge/log" --seed-file="$tmp/munge/seed" 2>"$tmp/munge/err"; then
  reason="munged did not start: $(tail -1 "$tmp/munge/err")"; stop; skip "$reason"
fi

port=$(( 20000 + RANDOM % 30000 ))
cat >"$tmp/slurm.conf" <<CONF
ClusterName=reidkdtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
if ! slurmctld -i 2>"$tmp/log/ctld.err"; then reason="slurmctld did not start: $(tail -1 "$tmp/log/ctld.err")"; stop; skip "$reason"; fi
if ! slurmd -N "$host" 2>"$tmp/log/d.err"; then reason="slurmd did not start: $(tail -1 "$tmp/log/d.err")"; stop; skip "$reason"; fi
trap stop EXIT
trap 'exit 130' INT TERM
ready=""
for i in $(seq 1 100); do
  if sinfo -h -o %t 2>/dev/null | grep -qx idle; then ready=1; break; fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  reason="the node did not come up: $(sinfo -h -o '%t %E' 2>&1 | head -1); $(tail -1 "$tmp/log/slurmctld.log" 2>/dev/null)"
  trap - EXIT; stop; skip "$reason"
fi
export REIDKD_TEST_SLURM=1
say "Slurm $(sinfo -V | awk '{print $2}') on $host ($cpus CPUs, $tmp)"
"${cmd[@]}"
