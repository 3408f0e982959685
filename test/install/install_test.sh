#!/usr/bin/env bash
# netsctp as other projects get it: installed (headers, shared library,
# netsctp.pc) and as a meson subproject (dependency('netsctp') through
# meson.override_dependency). Prints TAP.
# Usage: install_test.sh SOURCE_DIR BUILD_DIR
set -u
src=$(readlink -f -- "$1")
build=$(readlink -f -- "$2")
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
n=0 failed=0
result() {  # name, status, log file
  n=$((n + 1))
  if [[ $2 == 0 ]]; then echo "ok $n - $1"
  else failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$3" | tail -n 30; fi
}

# 1: installed: headers and netsctp.pc suffice to build and run a consumer.
(
  set -e
  DESTDIR=$scratch/root meson install -C "$build" --quiet --no-rebuild
  pc=$(dirname "$(find "$scratch/root" -name netsctp.pc | head -n 1)")
  flags=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$scratch/root pkg-config --cflags --libs netsctp)
  # shellcheck disable=SC2086
  c++ -std=c++20 -o "$scratch/consumer" "$src/test/install/consumer.cc" $flags
  LD_LIBRARY_PATH=$(dirname "$(find "$scratch/root" -name 'libnetsctp.so' | head -n 1)") "$scratch/consumer"
) > "$scratch/installed.log" 2>&1
result "an installed netsctp builds a consumer through pkg-config" $? "$scratch/installed.log"

# 2: subproject: dependency('netsctp') resolves to the subproject's library.
(
  set -e
  mkdir -p "$scratch/app/subprojects"
  ln -s "$src" "$scratch/app/subprojects/netsctp"
  cp "$src/test/install/consumer.cc" "$scratch/app/"
  cat > "$scratch/app/meson.build" <<'MESON'
project('app', 'cpp', default_options : ['cpp_std=c++20'])
netsctp = dependency('netsctp', fallback : ['netsctp', 'netsctp_dep'], default_options : ['tests=false'])
executable('consumer', 'consumer.cc', dependencies : netsctp)
MESON
  meson setup "$scratch/app/build" "$scratch/app" --wrap-mode=forcefallback
  ninja -C "$scratch/app/build"
  "$scratch/app/build/consumer"
) > "$scratch/subproject.log" 2>&1
result "netsctp works as a meson subproject" $? "$scratch/subproject.log"

echo "1..$n"
exit $((failed > 0))
