#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian/Ubuntu machine, then runs the whole suite.
# Usage: npm run test:all [-- <jest arguments>]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(postgresql redis-server etcd-server docker.io iptables docker-registry git openssh-client openssl busybox-static chromium curl wrk nginx libnginx-mod-http-lua iproute2)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "Node.js 20 or newer is needed (https://nodejs.org or your distribution's nodejs package)" >&2
  exit 1
fi

# The Docker engine: there is no systemd here, so start dockerd in the background when it is not answering.
if ! docker info >/dev/null 2>&1; then
  echo "==> starting dockerd"
  as_root sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd.log" >&2; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "==> typecheck"
npm run --silent typecheck

# What `npm start` runs, built once before the tests: the platform-process tests and the footprint
# bench start it, and building it while tests read dist/ would race them.
echo "==> build"
npm run --silent build

echo "==> tests"
reports="$(mktemp -d)"
status=0
npm test --silent -- --ci --json --outputFile="$reports/main.json" "$@" || status=$?
# Tests that stop shared components (the Docker daemon) run afterwards, alone.
if [ "$#" -eq 0 ]; then
  echo "==> disruptive tests"
  npm run --silent test:disruptive -- --ci --json --outputFile="$reports/disruptive.json" || status=$?
  # A Swarm of three engines in network namespaces (root), alone: about 3 minutes.
  echo "==> multi-host tests"
  npm run --silent test:multihost -- --ci --json --outputFile="$reports/multihost.json" || status=$?
fi
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
  }
  console.log(`jest: ${passed} passed, ${failed} failed`);
' "$reports" || echo "jest wrote no report (it failed before running the tests)"
rm -rf "$reports"
exit "$status"
