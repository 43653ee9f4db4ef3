#!/usr/bin/env bash
# Two "hosts" for an Open MPI job on one machine: network namespaces NAME-a and NAME-b joined by a veth pair, with
# namespace-local link-local addresses (169.254.77.1 and .2: nothing else is reachable from either), and mpirun in
# NAME-a starting one rank in each, talking TCP only, as on two machines. The namespaces are removed afterwards,
# whatever happens. Needs root (CAP_NET_ADMIN) and iproute2; exits with mpirun's status.
#
#   tools/mpi-two-hosts.sh NAME COMMAND [ARGS...]
#   e.g. tools/mpi-two-hosts.sh dfm dotnet src/DeepFM.Cli/bin/Release/net10.0/DeepFM.Cli.dll mpi-check collectives
#
# mpirun reaches the second "host" through this script as its rsh agent (instead of ssh): called as
# `mpi-two-hosts.sh --rsh HOST COMMAND`, it runs COMMAND in the namespace that owns HOST's address.
set -euo pipefail

if [ "${1:-}" = "--rsh" ]; then
  host=$2; shift 2
  case "$host" in
    169.254.77.1) ns="$DEEPFM_NETNS-a" ;;
    169.254.77.2) ns="$DEEPFM_NETNS-b" ;;
    *) echo "mpi-two-hosts.sh: unknown host $host" >&2; exit 1 ;;
  esac
  exec ip netns exec "$ns" /bin/sh -c "$*"
fi

[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND [ARGS...]" >&2; exit 2; }
name=$1; shift
export DEEPFM_NETNS=$name
self=$(readlink -f "$0")
mpirun=$(command -v mpirun.openmpi || command -v mpirun) || { echo "mpi-two-hosts.sh: Open MPI's mpirun not found" >&2; exit 2; }
work=$(mktemp -d)
cleanup() {
  ip netns del "$name-a" 2>/dev/null || true   # deleting a namespace deletes its end of the veth pair, and so the pair
  ip netns del "$name-b" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$name-a"
ip netns add "$name-b"
# Created inside the first namespace, so the host's own interfaces never see the pair.
ip -n "$name-a" link add veth-a type veth peer name veth-b netns "$name-b"
ip -n "$name-a" addr add 169.254.77.1/24 dev veth-a
ip -n "$name-b" addr add 169.254.77.2/24 dev veth-b
for ns in "$name-a" "$name-b"; do ip -n "$ns" link set lo up; done
ip -n "$name-a" link set veth-a up
ip -n "$name-b" link set veth-b up
printf '169.254.77.1 slots=1\n169.254.77.2 slots=1\n' >"$work/hosts"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 TERM=dumb
set +e
ip netns exec "$name-a" "$mpirun" -np 2 --hostfile "$work/hosts" --mca plm_rsh_agent "$self --rsh" \
  --mca btl tcp,self --mca btl_tcp_if_include 169.254.77.0/24 --mca oob_tcp_if_include 169.254.77.0/24 \
  -x TERM -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM -x DOTNET_CLI_TELEMETRY_OPTOUT \
  "$@"
status=$?
set -e
exit $status
