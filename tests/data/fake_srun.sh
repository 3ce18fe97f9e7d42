#!/bin/sh
# Stands in for srun in the unit tests of SlurmRunner, which need no cluster: runs the
# command after "--" right here, as the node --nodelist names. The real srun, on a
# real cluster, is tested by tests/e2e/slurm_test.sh.
node=
while [ $# -gt 0 ]; do
    case $1 in
    --nodelist=*) node=${1#--nodelist=} ;;
    --) shift; break ;;
    esac
    shift
done
echo "$node $$" >>"${FAKE_SRUN_LOG:-/dev/null}"
# As slurmstepd does where the caller's directory is missing on the node.
[ -z "${FAKE_SRUN_CWD:-}" ] || cd "$FAKE_SRUN_CWD" || exit 1
SLURMD_NODENAME=$node SLURM_JOB_ID=7 SLURM_STEP_ID=0 exec "$@"
