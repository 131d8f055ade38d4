# Shared by scripts/*: Debian packages, the build, and a private MariaDB.
# Source it; it sets ROOT to the checkout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages the project builds, tests and runs with.
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libmysqlcppconn-dev libgoogle-glog-dev libgflags-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev libjwt-dev
  libboost-dev libcurl4-openssl-dev
  mariadb-server mariadb-client openssl
  clang libclang-rt-14-dev
)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the given Debian packages (apt, by name); nothing if none.
install_packages() {
  [ $# -eq 0 ] && return 0
  log "installing: $*"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Installs whichever of PACKAGES is missing.
ensure_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  install_packages ${missing[@]+"${missing[@]}"}
}

# What only the tests need, for the Kubernetes manifest checks: kubectl
# (`kubectl kustomize`; Debian's kubernetes-client unless some kubectl is
# there), Node.js and npm (unless there), and the checks' npm packages
# (tests/k8s/package-lock.json, from the npm registry); for the storefront's
# browser test, Debian's Chromium with a Korean font, and playwright-core
# (tests/browser/package-lock.json; it drives /usr/bin/chromium and
# downloads no browser of its own).
ensure_test_tools() {
  local missing=()
  command -v kubectl >/dev/null || missing+=(kubernetes-client)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v nginx >/dev/null || missing+=(nginx-core)   # the TLS/HTTP2 edge test
  dpkg-query -W -f='${Status}' fonts-nanum 2>/dev/null | grep -q "install ok installed" ||
    missing+=(fonts-nanum)
  install_packages ${missing[@]+"${missing[@]}"}
  local dir
  for dir in k8s browser; do
    if [ ! -d "$ROOT/tests/$dir/node_modules" ]; then
      log "npm ci in tests/$dir"
      npm ci --prefix "$ROOT/tests/$dir" --no-audit --no-fund --loglevel=error
    fi
  done
}

# build_project DIR BUILD_TYPE [extra cmake args...] [-- ninja targets...]
build_project() {
  local dir="$1" type="$2"
  shift 2
  local cmake_args=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; targets=("$@"); }
  log "building ($type) in $dir ${targets[*]:-}"
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${cmake_args[@]}" >/dev/null
  ninja -C "$dir" "${targets[@]}" >/dev/null || ninja -C "$dir" "${targets[@]}"   # rerun to show errors
}

# True if process $1 is running. A killed process whose parent is gone can
# linger as a zombie, which `kill -0` still reports as alive.
alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# True if pid file $1 names a running process.
pidfile_alive() { [ -f "$1" ] && alive "$(cat "$1")"; }
