#!/bin/sh
# Installs everything k8ts needs on Debian 12, as root: the system parts from
# Debian's packages, then the npm packages (which bring the pinned Node.js 24).
# Safe to run again. Distro services are not started: k8ts and its tests start
# their own containerd and etcd with private state and sockets.
set -eu
cd "$(dirname "$(readlink -f "$0")")/.."

packages="ca-certificates git iproute2 iptables etcd-server etcd-client containerd runc containernetworking-plugins docker-registry skopeo apache2-utils busybox-static"
command -v npm >/dev/null 2>&1 || packages="$packages nodejs npm"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "install: apt-get install$missing"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' own daemons (etcd, containerd, registry) from starting.
  policy=/usr/sbin/policy-rc.d
  added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  [ -z "$added_policy" ] || rm -f "$policy"
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install: done ($(node_modules/.bin/node --version))"
