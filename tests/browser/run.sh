#!/usr/bin/env bash
# Browser checks of ecoute in headless Chromium (see run.mjs): installs what is missing
# (Chromium from Debian, the npm packages), builds the binary, then runs the checks.
#
#   bash tests/browser/run.sh
#
# Honours CARGO_TARGET_DIR (and any target-dir in cargo's config), ECOUTE_BIN (a binary to use
# instead of building one), DATABASE_URL (unset: the embedded cluster in .ecoute/),
# CHROMIUM_PATH (default /usr/bin/chromium) and ONLY (run only the checks whose name contains it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$CHROMIUM_PATH" != /usr/bin/chromium ]; then
    echo "browser tests: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
    exit 1
  fi
  echo "browser tests: installing Chromium (Debian package)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "browser tests: need root (or sudo) to apt-get install chromium" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi

command -v node >/dev/null 2>&1 || { echo "browser tests: node (>= 20) is required" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "browser tests: node >= 20 is required (found $(node --version))" >&2
  exit 1
fi

# npm packages: install when missing, or when the lock file changed since the last install.
if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  if [ -f "$here/package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund)
  else
    (cd "$here" && npm install --no-audit --no-fund)
  fi
fi

# The test-only OpenID provider's packages (tests/oidc), as the integration tests install them.
if [ ! -f "$root/tests/oidc/node_modules/oidc-provider/package.json" ]; then
  (cd "$root/tests/oidc" && npm ci --no-audit --no-fund)
fi

# The binary: build it where cargo puts it (CARGO_TARGET_DIR, cargo config, or ./target),
# unless the caller gives one in ECOUTE_BIN.
if [ -z "${ECOUTE_BIN:-}" ]; then
  cargo build --bin ecoute
  target_dir="$(cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
  export ECOUTE_BIN="$target_dir/debug/ecoute"
fi
[ -x "$ECOUTE_BIN" ] || { echo "browser tests: no binary at $ECOUTE_BIN" >&2; exit 1; }

exec node "$here/run.mjs"
