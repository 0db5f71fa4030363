#!/usr/bin/env bash
# A Docker Swarm of three engines on this one machine, for development and the multi-host tests:
# each engine is its own "host" (a network namespace with its own address on a bridge, its own
# hostname, data root, exec root and socket); engine 0 is the manager, 1 and 2 are workers.
#
#   scripts/swarm-cluster.sh up   [STATE_DIR]   start it (prints the manager's DOCKER_HOST)
#   scripts/swarm-cluster.sh down [STATE_DIR]   stop every engine by PID and remove all it made
#   scripts/swarm-cluster.sh stop-node N [STATE_DIR]    stop engine N (a node loss)
#   scripts/swarm-cluster.sh cut-node N          cut node N off the network (its link down: a partition)
#
# DEISW_ID (0-9, default 0) picks the cluster: bridge deisw-br<ID> at 10.214.<ID>.1/24, namespaces
# deisw-<ID>-n<i>, engine i at 10.214.<ID>.1<i>. Engines trust any registry on 10.214.<ID>.0/24 over
# plain HTTP: run the platform registry on 10.214.<ID>.1. Needs root, iproute2, nsenter, unshare,
# iptables and docker.io. Nothing is pulled from anywhere.
set -euo pipefail

ACTION=${1:-}
case "$ACTION" in
  up | down) STATE=${2:-/tmp/deisw-cluster-${DEISW_ID:-0}} ;;
  stop-node) NODE=${2:?node number}; STATE=${3:-/tmp/deisw-cluster-${DEISW_ID:-0}} ;;
  cut-node) NODE=${2:?node number} ;;
  *) echo "usage: $0 up|down [STATE_DIR] | stop-node N [STATE_DIR] | cut-node N" >&2; exit 2 ;;
esac
ID=${DEISW_ID:-0}
[[ "$ID" =~ ^[0-9]$ ]] || { echo "DEISW_ID must be 0-9" >&2; exit 2; }
NODES=${DEISW_NODES:-3}
BRIDGE=deisw-br$ID
NET=10.214.$ID
HOST_IP=$NET.1
START_TIMEOUT=${DEISW_START_TIMEOUT:-60}
RULE=(FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "deisw-$ID" -j ACCEPT)

ns() { echo "deisw-$ID-n$1"; }
addr() { echo "$NET.1$1"; }
sock() { echo "$STATE/n$1/docker.sock"; }
engine() { local i=$1; shift; docker -H "unix://$(sock "$i")" "$@"; }

# Stops the engines given by number at once (SIGTERM: each stops its containers), SIGKILL after START_TIMEOUT.
stop_engines() {
  local pids=() i pid
  for i in "$@"; do
    [[ -f $STATE/n$i/dockerd.pid ]] || continue
    pid=$(cat "$STATE/n$i/dockerd.pid")
    [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 $((START_TIMEOUT * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  done
  for i in "$@"; do rm -f "$STATE/n$i/dockerd.pid"; done
}

down() {
  stop_engines $(seq 0 $((NODES - 1)))
  for ((i = NODES - 1; i >= 0; i--)); do
    # Processes the engine left (a containerd-shim of a killed engine): their PIDs are in its exec root.
    if [[ -d $STATE/n$i/exec ]]; then
      for pidfile in $(find "$STATE/n$i/exec" -name '*.pid' 2>/dev/null); do
        pid=$(cat "$pidfile" 2>/dev/null || true)
        [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null || true
      done
    fi
  done
  # Mounts the engines made under the state dir (overlay layers, netns files, shm), deepest first.
  if [[ -d $STATE ]]; then
    awk -v s="$(realpath "$STATE")/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
  fi
  for ((i = 0; i < NODES; i++)); do
    ip netns del "$(ns "$i")" 2>/dev/null || true
    ip link del "deisw-$ID-h$i" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  while iptables -C "${RULE[@]}" 2>/dev/null; do iptables -D "${RULE[@]}"; done
  rm -rf "$STATE"
}

start_engine() {
  local i=$1 dir="$STATE/n$1"
  mkdir -p "$dir/data" "$dir/exec"
  # Its own network and hostname (Swarm names nodes by hostname); the host's mounts and cgroups.
  nsenter --net="/var/run/netns/$(ns "$i")" unshare --uts sh -c 'hostname "$0"; exec "$@"' "deisw-n$i" \
    dockerd --data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$(sock "$i")" --pidfile "$dir/dockerd.pid" \
    --bip "10.214.$((20 + ID * 3 + i)).1/24" --default-address-pool "base=10.214.$((50 + ID * 3 + i)).0/24,size=27" \
    --insecure-registry "$NET.0/24" --storage-driver overlay2 --cgroup-parent "deisw-$ID-n$i" \
    --log-level warn >"$dir/dockerd.log" 2>&1 &
  disown
}

wait_engine() {
  local i=$1
  for _ in $(seq 1 $((START_TIMEOUT * 10))); do
    engine "$i" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "engine $i did not answer within ${START_TIMEOUT}s; its log:" >&2
  tail -20 "$STATE/n$i/dockerd.log" >&2
  return 1
}

up() {
  [[ $(id -u) == 0 ]] || { echo "needs root" >&2; exit 1; }
  if ip link show "$BRIDGE" >/dev/null 2>&1; then echo "$BRIDGE exists: run '$0 down' first" >&2; exit 1; fi
  mkdir -p "$STATE"
  trap 'echo "start failed; tearing down" >&2; down' ERR
  ip link add "$BRIDGE" type bridge
  ip addr add "$HOST_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # With br_netfilter loaded (Docker loads it) bridged frames pass the host's FORWARD chain, whose
  # policy Docker sets to DROP: let the nodes reach each other.
  iptables -I "${RULE[@]}"
  for ((i = 0; i < NODES; i++)); do
    ip netns add "$(ns "$i")"
    ip link add "deisw-$ID-h$i" type veth peer name eth0 netns "$(ns "$i")"
    ip link set "deisw-$ID-h$i" master "$BRIDGE" up
    nsenter --net="/var/run/netns/$(ns "$i")" sh -c "ip link set lo up && ip addr add $(addr "$i")/24 dev eth0 && ip link set eth0 up && ip route add default via $HOST_IP"
    start_engine "$i"
  done
  for ((i = 0; i < NODES; i++)); do wait_engine "$i"; done
  engine 0 swarm init --advertise-addr "$(addr 0)" --listen-addr "$(addr 0):2377" \
    --dispatcher-heartbeat "${DEISW_HEARTBEAT:-2s}" --default-addr-pool 10.214.128.0/17 --default-addr-pool-mask-length 24 >/dev/null
  local token
  token=$(engine 0 swarm join-token -q worker)
  for ((i = 1; i < NODES; i++)); do
    engine "$i" swarm join --token "$token" --advertise-addr "$(addr "$i")" --listen-addr "$(addr "$i"):2377" "$(addr 0):2377" >/dev/null
  done
  for ((i = 0; i < NODES; i++)); do
    local id
    id=$(engine "$i" info --format '{{.Swarm.NodeID}}')
    engine 0 node update --label-add "node=n$i" --label-add "role=$([[ $i == 0 ]] && echo manager || echo worker)" "$id" >/dev/null
  done
  trap - ERR
  echo "DOCKER_HOST=unix://$(sock 0)"
  echo "REGISTRY_ADDRESS=$HOST_IP"
}

case "$ACTION" in
  up) up ;;
  down) down ;;
  stop-node) stop_engines "$NODE" ;;
  cut-node) ip link set "deisw-$ID-h$NODE" down ;;
esac
