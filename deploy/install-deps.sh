#!/usr/bin/env bash
# Installs what mobgw needs to build and test, from the distribution only:
# DPDK 22.11 (libdpdk-dev, dpdk, dpdk-dev), clang/libclang for bindgen,
# pkg-config, libpcap, network tools, tshark, python3 + scapy/prometheus_client,
# and the rustfmt/clippy components.
#
# Idempotent and non-interactive: it checks what is missing and only then runs
# `apt-get update` (once) and installs. Works as root, or via sudo otherwise;
# fine with CI=true and no stdin. One line per step; non-zero exit with a
# message on failure.
set -Eeuo pipefail

export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a

APT_PACKAGES=(
  libdpdk-dev dpdk dpdk-dev clang libclang-dev pkg-config libpcap-dev
  iproute2 iputils-ping ethtool tshark python3 python3-pip
)
PY_MODULES=(scapy:scapy prometheus_client:prometheus_client matplotlib:matplotlib) # import-name:pip-name
RUST_COMPONENTS=(rustfmt:fmt clippy:clippy)                  # component:cargo-subcommand
DPDK_MIN=22.11

step() { printf '[install-deps] %s\n' "$*"; }
die() { printf '[install-deps] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  SUDO=()
fi
need_root() {
  if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
    die "need root (or sudo) to install: $*"
  fi
}

# --- Debian packages -------------------------------------------------------
is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian/Ubuntu only"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  step "apt: all ${#APT_PACKAGES[@]} packages already installed"
else
  need_root "${missing[*]}"
  if printf '%s\n' "${missing[@]}" | grep -qx tshark; then
    step "debconf: pre-answering wireshark-common/install-setuid=false"
    echo "wireshark-common wireshark-common/install-setuid boolean false" \
      | "${SUDO[@]}" debconf-set-selections \
      || die "debconf-set-selections failed"
  fi
  step "apt-get update"
  "${SUDO[@]}" apt-get update -q </dev/null >/dev/null || die "apt-get update failed"
  step "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null >/dev/null || die "apt-get install ${missing[*]} failed"
fi

# --- DPDK sanity -----------------------------------------------------------
ver=$(pkg-config --modversion libdpdk 2>/dev/null) || die "pkg-config cannot find libdpdk (libdpdk-dev)"
pkg-config --atleast-version="$DPDK_MIN" libdpdk || die "DPDK $ver is older than $DPDK_MIN"
step "dpdk: libdpdk $ver found by pkg-config"

# --- Python modules (for the python3 on PATH, e.g. pyenv) ------------------
PY=$(command -v python3) || die "python3 not on PATH"
py_missing=()
for m in "${PY_MODULES[@]}"; do
  "$PY" -c "import ${m%%:*}" >/dev/null 2>&1 || py_missing+=("${m##*:}")
done
if [ ${#py_missing[@]} -eq 0 ]; then
  step "python: scapy and prometheus_client already importable by $PY"
else
  step "pip install ${py_missing[*]} for $PY"
  "$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip --upgrade >/dev/null 2>&1 \
    || die "pip is not available for $PY"
  pip_log=$(mktemp)
  if ! "$PY" -m pip install -q --disable-pip-version-check "${py_missing[@]}" </dev/null >"$pip_log" 2>&1; then
    if grep -q externally-managed "$pip_log"; then
      step "pip: externally managed interpreter, retrying with --break-system-packages"
      "$PY" -m pip install -q --disable-pip-version-check --break-system-packages \
        "${py_missing[@]}" </dev/null >"$pip_log" 2>&1 \
        || { cat "$pip_log" >&2; rm -f "$pip_log"; die "pip install ${py_missing[*]} failed"; }
    else
      cat "$pip_log" >&2; rm -f "$pip_log"; die "pip install ${py_missing[*]} failed"
    fi
  fi
  rm -f "$pip_log"
  for m in "${PY_MODULES[@]}"; do
    "$PY" -c "import ${m%%:*}" >/dev/null 2>&1 || die "${m%%:*} still not importable by $PY"
  done
fi

# --- Rust components -------------------------------------------------------
for c in "${RUST_COMPONENTS[@]}"; do
  comp=${c%%:*} sub=${c##*:}
  if cargo "$sub" --version >/dev/null 2>&1; then
    step "rust: $comp present"
  elif command -v rustup >/dev/null 2>&1; then
    step "rustup component add $comp"
    rustup component add "$comp" </dev/null >/dev/null 2>&1 || die "rustup component add $comp failed"
  else
    die "cargo $sub is missing and rustup is not available to add $comp"
  fi
done

step "done"
