#!/usr/bin/env bash
# Every benchmark, one after another, as README's table is measured: run it from a clean clone on
# an otherwise idle machine (`npm run bench:all`). Each bench's output goes to its own file under
# BENCH_OUT (default: a new temporary folder); a bench that fails does not stop the others, and the
# summary at the end lists every line that compares a figure with its goal.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${BENCH_OUT:-$(mktemp -d -t deis-bench-XXXXXX)}"
mkdir -p "$out"
# Every bench/<name>/run.ts (as the smoke test finds them), and bench:redeploy again on the nginx engine.
benches=()
for run in bench/*/run.ts; do benches+=("$(basename "$(dirname "$run")")"); done
benches+=(redeploy-nginx)
echo "==> benches into $out ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
status=0
for bench in "${benches[@]}"; do
  name="$bench" env=()
  if [[ "$bench" == redeploy-nginx ]]; then name=redeploy env=(DEIS_ROUTER_ENGINE=nginx); fi
  echo "==> $bench (load $(cut -d' ' -f1 /proc/loadavg))"
  started=$SECONDS
  if env "${env[@]}" node_modules/.bin/tsx "bench/$name/run.ts" >"$out/$bench.log" 2>&1; then
    echo "    done in $((SECONDS - started)) s"
  else
    echo "    FAILED (exit $?) after $((SECONDS - started)) s: see $out/$bench.log"
    status=1
  fi
done
echo "==> figures against their goals"
for bench in "${benches[@]}"; do
  grep -iE "vs goal|goal" "$out/$bench.log" | sed "s/^/$bench: /" | head -40
done
exit "$status"
