#!/usr/bin/env bash
# netsctp as other projects get it: installed (headers, shared library,
# netsctp.pc, the CMake package, tools, man pages, docs) and as a meson
# subproject (dependency('netsctp') through meson.override_dependency).
# Prints TAP.
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

DESTDIR=$scratch/root meson install -C "$build" --quiet --no-rebuild > "$scratch/install.log" 2>&1
result "meson install succeeds" $? "$scratch/install.log"
prefix=$(meson introspect --buildoptions "$build" | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root=$scratch/root$prefix
libdir=$(dirname "$(find "$root" -name 'libnetsctp.so' | head -n 1)")

# 2: installed: headers and netsctp.pc suffice to build and run a consumer.
# PKG_CONFIG_LIBDIR holds netsctp.pc alone, as on a machine without spdlog's
# or libsctp's .pc files: netsctp.pc must not need them, nor pass defines.
(
  set -e
  pc=$(dirname "$(find "$scratch/root" -name netsctp.pc | head -n 1)")
  cflags=$(PKG_CONFIG_LIBDIR=$pc PKG_CONFIG_SYSROOT_DIR=$scratch/root pkg-config --cflags netsctp)
  libs=$(PKG_CONFIG_LIBDIR=$pc PKG_CONFIG_SYSROOT_DIR=$scratch/root pkg-config --libs netsctp)
  echo "cflags: $cflags"; echo "libs: $libs"
  if [[ $cflags == *-D* ]]; then echo "netsctp.pc passes defines to consumers"; exit 1; fi
  # shellcheck disable=SC2086
  c++ -std=c++20 -o "$scratch/consumer" "$src/test/install/consumer.cc" $cflags $libs
  LD_LIBRARY_PATH=$libdir "$scratch/consumer"
) > "$scratch/installed.log" 2>&1
result "an installed netsctp builds a consumer through pkg-config alone" $? "$scratch/installed.log"

# 3: CMake: find_package(netsctp) gives netsctp::netsctp, and the version
# file refuses another major version.
(
  set -e
  mkdir -p "$scratch/cmake-app"
  cp "$src/test/install/consumer.cc" "$scratch/cmake-app/"
  cat > "$scratch/cmake-app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer CXX)
find_package(netsctp ${WANT} REQUIRED)
add_executable(consumer consumer.cc)
target_link_libraries(consumer PRIVATE netsctp::netsctp)
CMAKE
  cmake -S "$scratch/cmake-app" -B "$scratch/cmake-app/build" -DCMAKE_PREFIX_PATH="$root" -DWANT=0.1
  cmake --build "$scratch/cmake-app/build"
  LD_LIBRARY_PATH=$libdir "$scratch/cmake-app/build/consumer"
  if cmake -S "$scratch/cmake-app" -B "$scratch/cmake-app/build1" -DCMAKE_PREFIX_PATH="$root" -DWANT=1.0; then
    echo "find_package(netsctp 1.0) accepted version 0.1"; exit 1
  fi
) > "$scratch/cmake.log" 2>&1
result "an installed netsctp builds a consumer through find_package(netsctp) and netsctp::netsctp" $? \
  "$scratch/cmake.log"

# 4: the installed tools run from the install without LD_LIBRARY_PATH, and
# their man pages and the docs are installed (pages render without groff
# warnings).
(
  set -e
  ldd "$root/bin/sctpcat"
  if ldd "$root/bin/sctpcat" | grep -q 'not found'; then exit 1; fi
  "$root/bin/sctpcat" --version
  for page in sctpcat sctp-lab; do
    f=$root/share/man/man1/$page.1
    [[ -f $f ]] || { echo "$f is missing"; exit 1; }
    warnings=$(groff -man -ww -z "$f" 2>&1)
    [[ -z $warnings ]] || { echo "$page.1: $warnings"; exit 1; }
  done
  for doc in README.md LICENSE CHANGELOG.md docs/README.md docs/api.md docs/guides/getting-started.md; do
    [[ -f $root/share/doc/netsctp/$doc ]] || { echo "share/doc/netsctp/$doc is missing"; exit 1; }
  done
  # The top README is not overwritten by docs/README.md (the index).
  cmp -s "$src/README.md" "$root/share/doc/netsctp/README.md" || { echo "share/doc/netsctp/README.md is not README.md"; exit 1; }
  for doc in meson.build Doxyfile.in doxygen_filter.py man; do
    [[ ! -e $root/share/doc/netsctp/docs/$doc ]] || { echo "share/doc/netsctp/docs/$doc is installed"; exit 1; }
  done
) > "$scratch/tools.log" 2>&1
result "installed tools run without LD_LIBRARY_PATH; man pages and docs are installed" $? "$scratch/tools.log"

# 5: subproject: dependency('netsctp') resolves to the subproject's library.
(
  set -e
  mkdir -p "$scratch/app/subprojects"
  ln -s "$src" "$scratch/app/subprojects/netsctp"
  cp "$src/test/install/consumer.cc" "$scratch/app/"
  cat > "$scratch/app/meson.build" <<'MESON'
project('app', 'cpp', default_options : ['cpp_std=c++20'])
netsctp = dependency('netsctp', fallback : ['netsctp', 'netsctp_dep'], default_options : ['tests=disabled'])
executable('consumer', 'consumer.cc', dependencies : netsctp)
MESON
  meson setup "$scratch/app/build" "$scratch/app" --wrap-mode=forcefallback
  ninja -C "$scratch/app/build"
  "$scratch/app/build/consumer"
) > "$scratch/subproject.log" 2>&1
result "netsctp works as a meson subproject" $? "$scratch/subproject.log"

echo "1..$n"
exit $((failed > 0))
