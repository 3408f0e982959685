#!/usr/bin/env bash
# Tests of the qemu back end of tools/sctp-lab (sctp-lab run --qemu), printed
# as TAP. Each boot costs 10-20 s under TCG, so each boot checks several things.
# Usage: sctp_lab_qemu_test.sh PATH/TO/sctp-lab
set -u
LAB=$(readlink -f -- "${1:?usage: sctp_lab_qemu_test.sh PATH/TO/sctp-lab}")
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
# Every run's folder lands in here, which also names this test's own qemu
# processes (other labs may run at the same time).
mkdir "$scratch/tmp"
export TMPDIR=$scratch/tmp
own_qemu() { pgrep -f -- "SCTP_LAB_RUN=$TMPDIR/" >/dev/null; }

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  shift; local line; for line in "$@"; do echo "# $line"; done
}
check() {  # name, condition status (0 = pass), diagnostics...
  local name=$1 st=$2; shift 2
  if ((st == 0)); then ok "$name"; else not_ok "$name" "$@"; fi
}

if ! "$LAB" probe 2>/dev/null | grep -q '^qemu lab: *qemu'; then
  echo "1..0 # SKIP the qemu lab is not available (qemu-system-x86 busybox-static cpio)"
  exit 0
fi
# The kernel download is not part of any test's time.
"$LAB" kernel fetch 6.1 > /dev/null || { echo "Bail out! cannot fetch the 6.1 kernel"; exit 1; }
"$LAB" kernel fetch 6.12 > /dev/null || { echo "Bail out! cannot fetch the 6.12 kernel"; exit 1; }

snapshot() {
  { ls -A "$TMPDIR"; own_qemu && echo "qemu still running"; } 2>/dev/null | sort
}
before=$(snapshot)

# perl's Socket module is in Debian's essential perl-base: an SCTP
# association over loopback (family 4 or 6).
sctp_pair='
use Socket qw(:DEFAULT inet_pton);
my ($host, $family) = @ARGV; my $fam = $family eq "6" ? AF_INET6 : AF_INET;
my $sa = sub { $family eq "6" ? pack_sockaddr_in6($_[0], inet_pton($fam, $host)) : pack_sockaddr_in($_[0], inet_aton($host)) };
socket(my $l, $fam, SOCK_STREAM, 132) or die "socket: $!\n";
bind($l, $sa->(0)) or die "bind: $!\n"; listen($l, 4) or die "listen: $!\n";
my $port = $family eq "6" ? (unpack_sockaddr_in6(getsockname($l)))[0] : (unpack_sockaddr_in(getsockname($l)))[0];
if (fork() == 0) { accept(my $c, $l) or die "accept: $!\n"; my $b; sysread($c, $b, 64); syswrite($c, "pong:$b"); sleep 1; exit 0; }
socket(my $s, $fam, SOCK_STREAM, 132) or die "socket: $!\n";
connect($s, $sa->($port)) or die "connect: $!\n"; syswrite($s, "ping"); my $r; sysread($s, $r, 64); print "$r\n"; wait;
'

# Boot 1 (default kernel 6.1): exit status, stdout and stderr apart and live,
# environment and directory, the read-only host, a writable TMPDIR, SCTP.
mkdir -p "$scratch/dir with space"
(cd "$scratch/dir with space" && LABTEST_VAR='a "quoted" value; $x' "$LAB" run --qemu -- bash -c '
  echo first; echo oops >&2
  printf "env:%s|%s|%s|%s\n" "$PWD" "$LABTEST_VAR" "$SCTP_LAB" "${SCTP_LAB_ICOUNT:-unset}"
  echo "kernel:$(uname -r)"
  touch /etc/sctp-lab-written 2>/dev/null && echo "host:writable" || echo "host:read-only"
  echo data > "$PWD/written" && echo "tmp:writable"
  echo data > "$TMPDIR/f" && [ "$(cat "$TMPDIR/f")" = data ] && echo "tmpdir:writable"
  echo "sctp:$(perl -e "$1" 127.0.0.1 4 2>&1)"
  echo "sctp6:$(perl -e "$1" ::1 6 2>&1)"
  sleep 4; seq 1 5000; exit 42' _ "$sctp_pair") \
  > >(while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done > "$scratch/stdout") \
  2> "$scratch/stderr"
rc=$?
sleep 1
cut -d' ' -f2- "$scratch/stdout" > "$scratch/out"
check "exit status 42 is propagated" $(( rc != 42 )) "exit $rc" "$(tail -n 20 "$scratch/stderr")"
first_t=$(awk '$2 == "first" {print $1}' "$scratch/stdout")
last_t=$(awk '$2 == "5000" {print $1}' "$scratch/stdout")
[[ $(head -n 1 "$scratch/out") == first && $(grep -c . "$scratch/stderr") == 1 && $(cat "$scratch/stderr") == oops ]] &&
  cmp -s <(tail -n 5000 "$scratch/out") <(seq 1 5000) && ! grep -q $'\r' "$scratch/stdout" "$scratch/stderr" &&
  [[ -n $first_t && -n $last_t ]] && ((last_t - first_t >= 3))
check "output is streamed live, complete, stdout and stderr apart, no CR" $? \
  "first at $first_t, last at $last_t" "stdout head: $(head -n 3 "$scratch/out" | tr '\n' '|')" \
  "stderr: $(head -c 300 "$scratch/stderr" | tr '\r\n' '^|')"
grep -qxF "env:$scratch/dir with space|a \"quoted\" value; \$x|qemu|unset" "$scratch/out"
check "directory and environment are kept, SCTP_LAB=qemu" $? "$(grep '^env:' "$scratch/out")"
grep -qx 'host:read-only' "$scratch/out" && grep -qx 'tmpdir:writable' "$scratch/out" &&
  grep -qx 'tmp:writable' "$scratch/out" && [[ ! -e $scratch/dir\ with\ space/written && ! -e /etc/sctp-lab-written ]]
check "the host is read-only inside; TMPDIR and /tmp are writable, and /tmp writes stay inside" $? \
  "$(grep -E '^(host|tmpdir|tmp):' "$scratch/out")"
grep -qx 'kernel:6\.1\..*-amd64' "$scratch/out" && grep -qx 'sctp:pong:ping' "$scratch/out" && grep -qx 'sctp6:pong:ping' "$scratch/out"
check "kernel 6.1 by default; SCTP over 127.0.0.1 and ::1" $? "$(grep -E '^(kernel|sctp)' "$scratch/out")"

# Boot 2: a missing command exits 127; -v shows the boot log on stderr only.
"$LAB" run --qemu -v -- /nonexistent/command > "$scratch/stdout" 2> "$scratch/stderr"
rc=$?
[[ $rc == 127 && ! -s $scratch/stdout ]] && grep -q 'command not found' "$scratch/stderr" &&
  grep -q 'Linux version' "$scratch/stderr" && ! grep -q $'\r' "$scratch/stderr"
check "a missing command exits 127; -v shows the boot log on stderr" $? "exit $rc" \
  "stdout: $(head -c 200 "$scratch/stdout")" "stderr: $(tail -n 5 "$scratch/stderr" | tr '\n' '|')"

# Boot 3: the time limit stops the virtual machine: 124, no qemu left.
start=$(date +%s)
"$LAB" run --qemu --timeout 25 -- sleep 300 > "$scratch/out" 2>&1
rc=$? elapsed=$(($(date +%s) - start))
[[ $rc == 124 ]] && ((elapsed < 45)) && grep -q 'time limit of 25s' "$scratch/out" && ! own_qemu
check "a command outliving --timeout is stopped with exit 124, no qemu left" $? "exit $rc after ${elapsed}s" "$(cat "$scratch/out")"

# Boot 4: SIGTERM to sctp-lab stops qemu: 143.
"$LAB" run --qemu -- sleep 300 > "$scratch/out" 2>&1 &
lab_pid=$!
for _ in $(seq 1 100); do own_qemu && break; sleep 0.1; done
sleep 3
kill -TERM "$lab_pid"
start=$(date +%s)
wait "$lab_pid"
rc=$? elapsed=$(($(date +%s) - start))
sleep 0.5
[[ $rc == 143 ]] && ((elapsed < 20)) && ! own_qemu && grep -q 'interrupted' "$scratch/out"
check "SIGTERM stops qemu (exit 143)" $? "exit $rc after ${elapsed}s" "$(cat "$scratch/out")"

# Boot 5: --kernel 6.12 with a topology and a sysctl: an association across
# namespaces on link 1, IPv6 on link 2, a link cut, netem, checksctp.
"$LAB" run --kernel 6.12 --net a-b --net a-b --sysctl net.sctp.reconf_enable=1 -- bash -c '
  set -e
  lab() { "'"$LAB"'" "$@"; }
  case $(uname -r) in 6.12.*-amd64) ;; *) echo "kernel $(uname -r)"; exit 1 ;; esac
  [ "$SCTP_LAB" = qemu ]
  if command -v checksctp >/dev/null; then checksctp 2>&1 | grep -q "SCTP supported" || { echo "checksctp: $(checksctp 2>&1)"; exit 1; }; fi
  b1=$(lab net addr b 1); b2=$(lab net addr b 2 -6)
  lab net exec b cat /proc/sys/net/sctp/reconf_enable | grep -qx 1 || { echo "sysctl not applied in b"; exit 1; }
  serve() { lab net exec b perl -e '"'"'
    use Socket qw(:DEFAULT inet_pton); my ($h, $f) = @ARGV; my $fam = $f eq "6" ? AF_INET6 : AF_INET;
    socket(my $l, $fam, SOCK_STREAM, 132) or die "socket: $!\n";
    bind($l, $f eq "6" ? pack_sockaddr_in6(7000, inet_pton($fam, $h)) : pack_sockaddr_in(7000, inet_aton($h))) or die "bind: $!\n";
    listen($l, 2) or die; accept(my $c, $l) or die; my $b; sysread($c, $b, 64); syswrite($c, "got:$b"); sleep 1;
  '"'"' "$@"; }
  call() { lab net exec a perl -e '"'"'
    use Socket qw(:DEFAULT inet_pton); my ($h, $f) = @ARGV; my $fam = $f eq "6" ? AF_INET6 : AF_INET;
    my $to = $f eq "6" ? pack_sockaddr_in6(7000, inet_pton($fam, $h)) : pack_sockaddr_in(7000, inet_aton($h));
    my $s;  # the server may still be starting on a busy host: try for 10 s, a new socket each time
    for my $try (1 .. 40) {
      socket($s, $fam, SOCK_STREAM, 132) or die "socket: $!\n";
      last if connect($s, $to);
      die "connect: $!\n" if $try == 40;
      close($s); select(undef, undef, undef, 0.25);
    }
    syswrite($s, "hello"); my $r; sysread($s, $r, 64); print "$r\n";
  '"'"' "$@"; }
  serve "$b1" 4 & sleep 1; [ "$(call "$b1" 4)" = got:hello ]; wait
  serve "$b2" 6 & sleep 1; [ "$(call "$b2" 6)" = got:hello ]; wait
  lab net down 1
  ! lab net exec a ping -c 1 -W 1 "$b1" >/dev/null 2>&1 || { echo "link 1 still up"; exit 1; }
  lab net up 1
  lab net impair 2 delay 50ms
  lab net exec a tc qdisc show dev v2 | grep -q "delay 50ms" || { echo "no netem on link 2"; exit 1; }
  echo topology-ok
' > "$scratch/out" 2>&1
rc=$?
[[ $rc == 0 && $(tail -n 1 "$scratch/out") == topology-ok ]]
check "--kernel 6.12: SCTP, topology across namespaces, link down, netem, sysctl" $? "exit $rc" "$(tail -n 20 "$scratch/out")"

# Boots 6 and 7: --icount sets SCTP_LAB_ICOUNT=1 and makes the guest clock an
# instruction count: the same work measures the same in two boots.
measure='use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
my $t = clock_gettime(CLOCK_MONOTONIC); my $x = 0; $x += $_ % 7 for 1 .. 300000;
printf "%d\n", (clock_gettime(CLOCK_MONOTONIC) - $t) * 1e9;'
for i in 1 2; do
  "$LAB" run --icount -- bash -c 'echo "icount:${SCTP_LAB_ICOUNT:-unset}"; perl -e "$1"' _ "$measure" > "$scratch/icount$i" 2>&1
  echo "rc:$?" >> "$scratch/icount$i"
done
a=$(sed -n 2p "$scratch/icount1") b=$(sed -n 2p "$scratch/icount2")
grep -qx 'icount:1' "$scratch/icount1" && grep -qx 'rc:0' "$scratch/icount1" && grep -qx 'rc:0' "$scratch/icount2" &&
  [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && ((a > 0 && (a > b ? a - b : b - a) * 100 < a))
check "--icount: SCTP_LAB_ICOUNT=1 and the clock repeats within 1% between boots ($a vs $b ns)" $? \
  "$(cat "$scratch/icount1" "$scratch/icount2" | head -n 20)"

# Bad usage is refused before any boot.
"$LAB" run --uml --kernel 6.12 -- true > "$scratch/out" 2>&1
rc=$?
[[ $rc == 125 ]] && grep -q 'need the qemu lab' "$scratch/out"
check "--kernel with --uml is refused" $? "exit $rc" "$(cat "$scratch/out")"
"$LAB" run --kernel 6.1.0-1-cloud-amd64 -- true > "$scratch/out" 2>&1
rc=$?
[[ $rc == 125 ]] && grep -q 'generic Debian kernel' "$scratch/out"
check "a cloud kernel is refused" $? "exit $rc" "$(cat "$scratch/out")"

# Nothing was left behind.
sleep 1
after=$(snapshot)
[[ $before == "$after" ]]
check "nothing is left behind in TMPDIR or the process table" $? "$(diff <(echo "$before") <(echo "$after"))"

echo "1..$n"
exit $((failed > 0))
