#!/usr/bin/env bash
# The Debian source package (debian/): dpkg-buildpackage builds libnetsctp0,
# libnetsctp-dev and netsctp-tools from a copy of the sources, lintian finds
# no error in them, each package holds what it should, and the unpacked
# packages build and run a consumer through pkg-config. Prints TAP.
# Usage: debian_test.sh SOURCE_DIR
set -u
src=$(readlink -f -- "$1")
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
n=0 failed=0
result() {  # name, status, log file
  n=$((n + 1))
  if [[ $2 == 0 ]]; then echo "ok $n - $1"
  else failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$3" | tail -n 30; fi
}

# The sources as a release tarball would hold them: tracked and new files,
# never a build directory.
mkdir -p "$scratch/netsctp"
if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
  git -C "$src" ls-files -z --cached --others --exclude-standard |
    (cd "$src" && tar --null -T - -cf -) | tar -C "$scratch/netsctp" -xf -
else
  cp -a "$src/." "$scratch/netsctp/"
fi

# 1: the three binary packages build.
(cd "$scratch/netsctp" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
  > "$scratch/build.log" 2>&1
result "dpkg-buildpackage builds the binary packages" $? "$scratch/build.log"

# 2: lintian: no errors (warnings are printed, not fatal).
lintian --fail-on error "$scratch"/netsctp_*.changes > "$scratch/lintian.log" 2>&1
status=$?
sed 's/^/# lintian: /' "$scratch/lintian.log"
result "lintian reports no errors" $status "$scratch/lintian.log"

# 3: each package holds its part.
(
  set -e
  has() {  # package, path pattern
    dpkg-deb -c "$scratch/$1"_*.deb | awk '{print $6}' | grep -E -q "$2" || { echo "$1 lacks $2"; exit 1; }
  }
  has libnetsctp0 '/libnetsctp\.so\.0(\.|$)'
  has libnetsctp-dev '/usr/include/netsctp/conn\.h$'
  has libnetsctp-dev '/libnetsctp\.so$'
  has libnetsctp-dev '/pkgconfig/netsctp\.pc$'
  has libnetsctp-dev '/cmake/netsctp/netsctpConfig\.cmake$'
  has netsctp-tools '/usr/bin/sctpcat$'
  has netsctp-tools '/usr/bin/sctp-lab$'
  has netsctp-tools '/man1/sctpcat\.1\.gz$'
  dpkg-deb -f "$scratch"/libnetsctp-dev_*.deb Depends | grep -q 'libnetsctp0 (= '
) > "$scratch/contents.log" 2>&1
result "libnetsctp0, libnetsctp-dev and netsctp-tools hold their files" $? "$scratch/contents.log"

# 4: the unpacked packages serve a consumer through pkg-config.
(
  set -e
  for deb in "$scratch"/libnetsctp0_*.deb "$scratch"/libnetsctp-dev_*.deb "$scratch"/netsctp-tools_*.deb; do
    dpkg-deb -x "$deb" "$scratch/root"
  done
  pc=$(dirname "$(find "$scratch/root" -name netsctp.pc)")
  flags=$(PKG_CONFIG_LIBDIR=$pc PKG_CONFIG_SYSROOT_DIR=$scratch/root pkg-config --cflags --libs netsctp)
  # shellcheck disable=SC2086
  c++ -std=c++20 -o "$scratch/consumer" "$src/test/install/consumer.cc" $flags
  LD_LIBRARY_PATH=$(dirname "$(find "$scratch/root" -name 'libnetsctp.so.0')") "$scratch/consumer"
  "$scratch/root/usr/bin/sctpcat" --version
) > "$scratch/consumer.log" 2>&1
result "the packaged library builds and runs a consumer; the packaged sctpcat runs" $? "$scratch/consumer.log"

echo "1..$n"
exit $((failed > 0))
