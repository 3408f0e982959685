#!/usr/bin/env bash
# Tests of tools/sctp-lab itself, printed as TAP so each case is counted.
# Usage: sctp_lab_test.sh PATH/TO/sctp-lab
set -u
LAB=$(readlink -f -- "${1:?usage: sctp_lab_test.sh PATH/TO/sctp-lab}")
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
# Every run's temporary folder lands in here, which also names this test's
# own user-mode Linux processes (other labs may run at the same time).
mkdir "$scratch/tmp"
export TMPDIR=$scratch/tmp
own_uml() { pgrep -f -- "SCTP_LAB_RUN=$TMPDIR/" >/dev/null; }

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  shift; local line; for line in "$@"; do echo "# $line"; done
}
# check NAME CONDITION-COMMAND... [-- diagnostics]
expect_status() {  # name, expected status, actual status, output file
  if [[ $3 == "$2" ]]; then ok "$1"; else not_ok "$1" "expected exit $2, got $3" "$(tail -n 20 "$4")"; fi
}

# What the host looks like before: nothing the lab does may change it.
snapshot() {
  { ls -A /run; ls -A /run/netns 2>/dev/null; ls -A "$TMPDIR"; ls -A ~/.uml 2>/dev/null;
    own_uml && echo "user-mode Linux still running"; } 2>/dev/null | sort
}
before=$(snapshot)

# 1-3: exit status propagation.
for status in 0 1 42; do
  "$LAB" run -- sh -c "exit $status" > "$scratch/out" 2>&1
  expect_status "exit status $status is propagated" "$status" $? "$scratch/out"
done

# 4: a missing command is reported as such.
"$LAB" run -- /nonexistent/command > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 127 ]] && grep -q 'command not found' "$scratch/out"; then ok "a missing command exits 127 with a message"
else not_ok "a missing command exits 127 with a message" "exit $rc" "$(cat "$scratch/out")"; fi

# 5: the time limit stops a command that outlives it, cleanly and promptly.
start=$(date +%s)
"$LAB" run --timeout 3 -- sleep 60 > "$scratch/out" 2>&1
rc=$? elapsed=$(($(date +%s) - start))
if [[ $rc == 124 ]] && ((elapsed < 30)) && grep -q 'time limit of 3s' "$scratch/out" && ! own_uml; then
  ok "a command outliving --timeout is stopped with exit 124"
else
  not_ok "a command outliving --timeout is stopped with exit 124" "exit $rc after ${elapsed}s" "$(cat "$scratch/out")"
fi

# 6: SIGTERM to sctp-lab (a runner giving up, Ctrl-C) stops the command and
# the lab: exit 143, no user-mode Linux left behind.
"$LAB" run -- sleep 120 > "$scratch/out" 2>&1 &
lab_pid=$!
for _ in $(seq 1 100); do own_uml && break; sleep 0.1; done
sleep 2  # let it boot and start the command
kill -TERM "$lab_pid"
start=$(date +%s)
wait "$lab_pid"
rc=$? elapsed=$(($(date +%s) - start))
if [[ $rc == 143 ]] && ((elapsed < 30)) && ! own_uml && grep -q 'interrupted' "$scratch/out"; then
  ok "SIGTERM stops the command and the lab (exit 143)"
else not_ok "SIGTERM stops the command and the lab (exit 143)" "exit $rc after ${elapsed}s" "$(cat "$scratch/out")"; fi

# 7: stdout and stderr are streamed separately, clean of CR and boot noise,
# whole, and while the command runs (the first line arrives before it ends).
"$LAB" run -- bash -c 'echo first; echo oops >&2; sleep 4; seq 1 20000' \
  > >(while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done > "$scratch/stdout") \
  2> "$scratch/stderr"
rc=$?
sleep 1
first_t=$(awk '$2 == "first" {print $1}' "$scratch/stdout")
last_t=$(awk '$2 == "20000" {print $1}' "$scratch/stdout")
if [[ $rc == 0 && $(cut -d' ' -f2- "$scratch/stdout" | head -n 1) == first ]] &&
   cmp -s <(cut -d' ' -f2- "$scratch/stdout" | tail -n +2) <(seq 1 20000) &&
   [[ $(cat "$scratch/stderr") == oops ]] && ! grep -q $'\r' "$scratch/stdout" "$scratch/stderr" &&
   [[ -n $first_t && -n $last_t ]] && ((last_t - first_t >= 3)); then
  ok "output is streamed live, complete, stdout and stderr apart"
else
  not_ok "output is streamed live, complete, stdout and stderr apart" "exit $rc, first at $first_t, last at $last_t" \
    "stdout head: $(head -n 3 "$scratch/stdout" | tr '\n' '|')" "stderr: $(head -c 300 "$scratch/stderr" | tr '\r\n' '^|')"
fi

# 8: --verbose shows the kernel's boot log on stderr, never on stdout.
"$LAB" run --uml -v -- echo payload > "$scratch/stdout" 2> "$scratch/stderr"
rc=$?
if [[ $rc == 0 && $(cat "$scratch/stdout") == payload ]] && grep -q 'Linux version' "$scratch/stderr" &&
   ! grep -q $'\r' "$scratch/stderr"; then
  ok "--verbose shows the boot log on stderr only"
else not_ok "--verbose shows the boot log on stderr only" "exit $rc" "stdout: $(head -c 300 "$scratch/stdout")" \
  "stderr: $(head -n 5 "$scratch/stderr" | tr '\n' '|')"; fi

# 9: the environment and the current directory reach the command.
mkdir -p "$scratch/dir with space"
(cd "$scratch/dir with space" && LABTEST_VAR='a "quoted" value; $x' \
  "$LAB" run -- bash -c 'printf "%s|%s|%s" "$PWD" "$LABTEST_VAR" "$SCTP_LAB"') > "$scratch/out" 2>&1
lab_kind=$("$LAB" run -- bash -c 'echo $SCTP_LAB' 2>/dev/null)
if [[ $(cat "$scratch/out") == "$scratch/dir with space|a \"quoted\" value; \$x|$lab_kind" ]]; then
  ok "the current directory and environment are kept"
else
  not_ok "the current directory and environment are kept" "got: $(cat "$scratch/out")"
fi

# 10: real kernel SCTP inside: a listen/connect/send/receive over loopback
# (perl's Socket module is in Debian's essential perl-base).
sctp_pair='
use Socket qw(:DEFAULT inet_pton);
my ($host, $family) = @ARGV;
socket(my $l, $family eq "6" ? AF_INET6 : AF_INET, SOCK_STREAM, 132) or die "socket: $!\n";
my $packed = $family eq "6" ? pack_sockaddr_in6(0, inet_pton(AF_INET6, $host)) : pack_sockaddr_in(0, inet_aton($host));
bind($l, $packed) or die "bind: $!\n"; listen($l, 4) or die "listen: $!\n";
my $port = $family eq "6" ? (unpack_sockaddr_in6(getsockname($l)))[0] : (unpack_sockaddr_in(getsockname($l)))[0];
if (fork() == 0) {
  accept(my $c, $l) or die "accept: $!\n"; my $b; sysread($c, $b, 64); syswrite($c, "pong:$b"); sleep 1; exit 0;
}
socket(my $s, $family eq "6" ? AF_INET6 : AF_INET, SOCK_STREAM, 132) or die "socket: $!\n";
my $to = $family eq "6" ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $host)) : pack_sockaddr_in($port, inet_aton($host));
connect($s, $to) or die "connect: $!\n"; syswrite($s, "ping"); my $r; sysread($s, $r, 64); print "$r\n"; wait;
'
"$LAB" run -- perl -e "$sctp_pair" 127.0.0.1 4 > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 0 && $(cat "$scratch/out") == pong:ping ]]; then ok "an SCTP association over 127.0.0.1 works in the lab"
else not_ok "an SCTP association over 127.0.0.1 works in the lab" "exit $rc" "$(cat "$scratch/out")"; fi

# 11: --uml forces user-mode Linux, whatever the host kernel.
"$LAB" run --uml -- bash -c 'echo $SCTP_LAB; uname -r' > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 0 && $(head -n 1 "$scratch/out") == uml && $(tail -n 1 "$scratch/out") != "$(uname -r)" ]]; then
  ok "--uml runs the command in user-mode Linux"
else not_ok "--uml runs the command in user-mode Linux" "exit $rc" "$(cat "$scratch/out")"; fi

# 12: a topology: two namespaces joined by two links, an association across
# namespaces over link 1 and IPv6 on link 2, a cut link, an impairment, sysctls.
"$LAB" run --uml --net a-b --net a-b --sysctl net.sctp.reconf_enable=1 -- bash -c '
  set -e
  lab() { "'"$LAB"'" "$@"; }
  b1=$(lab net addr b 1); b2=$(lab net addr b 2 -6)
  [ "$b1" = 192.0.2.2 ] || { echo "link 1 address of b is $b1"; exit 1; }
  [ "$b2" = 2001:db8:2::2 ] || { echo "link 2 address of b is $b2"; exit 1; }
  lab net exec b cat /proc/sys/net/sctp/reconf_enable | grep -qx 1 || { echo "sysctl not applied in b"; exit 1; }
  serve() { lab net exec b perl -e '"'"'
    use Socket qw(:DEFAULT inet_pton); my ($h, $f) = @ARGV; my $fam = $f eq "6" ? AF_INET6 : AF_INET;
    socket(my $l, $fam, SOCK_STREAM, 132) or die "socket: $!\n";
    bind($l, $f eq "6" ? pack_sockaddr_in6(7000, inet_pton($fam, $h)) : pack_sockaddr_in(7000, inet_aton($h))) or die "bind: $!\n";
    listen($l, 2) or die; accept(my $c, $l) or die; my $b; sysread($c, $b, 64); syswrite($c, "got:$b"); sleep 1;
  '"'"' "$@"; }
  call() { lab net exec a perl -e '"'"'
    use Socket qw(:DEFAULT inet_pton); my ($h, $f) = @ARGV; my $fam = $f eq "6" ? AF_INET6 : AF_INET;
    socket(my $s, $fam, SOCK_STREAM, 132) or die "socket: $!\n";
    connect($s, $f eq "6" ? pack_sockaddr_in6(7000, inet_pton($fam, $h)) : pack_sockaddr_in(7000, inet_aton($h))) or die "connect: $!\n";
    syswrite($s, "hello"); my $r; sysread($s, $r, 64); print "$r\n";
  '"'"' "$@"; }
  serve "$b1" 4 & sleep 0.5; [ "$(call "$b1" 4)" = got:hello ]; wait
  serve "$b2" 6 & sleep 0.5; [ "$(call "$b2" 6)" = got:hello ]; wait
  lab net exec a ping -c 1 -W 2 "$b1" >/dev/null || { echo "link 1 does not carry traffic"; exit 1; }
  lab net down 1
  ! lab net exec a ping -c 1 -W 1 "$b1" >/dev/null 2>&1 || { echo "link 1 still up"; exit 1; }
  lab net up 1
  lab net exec a ping -c 1 -W 2 "$b1" >/dev/null || { echo "link 1 not restored"; exit 1; }
  lab net impair 2 delay 50ms
  lab net exec a tc qdisc show dev v2 | grep -q "delay 50ms" || { echo "no netem on link 2"; exit 1; }
  lab net impair 2 off
  echo topology-ok
' > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 0 && $(tail -n 1 "$scratch/out") == topology-ok ]]; then
  ok "topology: association across two namespaces, link down, netem, sysctl"
else not_ok "topology: association across two namespaces, link down, netem, sysctl" "exit $rc" "$(cat "$scratch/out")"; fi

# 13: natively, --net and --sysctl run in private namespaces: the topology
# works and neither /run nor the host's sysctls change (the native back end is
# forced here so that this runs on hosts without SCTP too; it needs root).
host_forward=$(cat /proc/sys/net/ipv4/ip_forward)
want=$((1 - host_forward))
SCTP_LAB_FORCE_NATIVE=1 "$LAB" run --net a-b --sysctl "net.ipv4.ip_forward=$want" -- bash -c '
  set -e
  lab() { "'"$LAB"'" "$@"; }
  [ "$SCTP_LAB" = native ]
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = '"$want"' ] || { echo "sysctl not applied"; exit 1; }
  lab net exec a ping -c 1 -W 2 "$(lab net addr b 1)" >/dev/null || { echo "no path a -> b"; exit 1; }
  echo native-ok
' > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 0 && $(tail -n 1 "$scratch/out") == native-ok && $(cat /proc/sys/net/ipv4/ip_forward) == "$host_forward" ]]; then
  ok "native --net/--sysctl use private namespaces and leave the host alone"
else not_ok "native --net/--sysctl use private namespaces and leave the host alone" "exit $rc" "$(cat "$scratch/out")"; fi

# 14: bad usage is refused with a message naming the mistake, before any boot.
"$LAB" run --net a-a -- true > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 125 ]] && grep -q "joins a namespace to itself" "$scratch/out"; then ok "a bad topology is refused clearly"
else not_ok "a bad topology is refused clearly" "exit $rc" "$(cat "$scratch/out")"; fi
"$LAB" net create a-b > "$scratch/out" 2>&1
rc=$?
if [[ $rc == 125 ]] && grep -q "only inside a lab run" "$scratch/out"; then ok "'net' outside a lab refuses to touch the host"
else not_ok "'net' outside a lab refuses to touch the host" "exit $rc" "$(cat "$scratch/out")"; fi

# 16: probe tells the truth about this kernel.
"$LAB" probe > "$scratch/out" 2>&1
rc=$?
if perl -MSocket -e 'socket(my $s, AF_INET, SOCK_STREAM, 132) or exit 1' 2>/dev/null; then native=yes; else native=no; fi
if [[ $rc == 0 ]] && grep -q "^native SCTP: $native" "$scratch/out" && grep -q 'net.sctp.rto_min  *[0-9]' "$scratch/out"; then
  ok "probe reports native SCTP=$native and the lab's net.sctp settings"
else not_ok "probe reports native SCTP=$native and the lab's net.sctp settings" "exit $rc" "$(cat "$scratch/out")"; fi

# 17: with no user-mode Linux and no native SCTP (and no qemu, the last
# resort), a clear message naming the package.
if [[ $native == no ]]; then
  SCTP_LAB_UML_KERNEL=/nonexistent/linux.uml SCTP_LAB_QEMU=/nonexistent/qemu "$LAB" run -- true > "$scratch/out" 2>&1
  rc=$?
  if [[ $rc == 125 ]] && grep -q 'install the Debian package user-mode-linux' "$scratch/out"; then
    ok "no lab available: exit 125 naming the package to install"
  else not_ok "no lab available: exit 125 naming the package to install" "exit $rc" "$(cat "$scratch/out")"; fi
else
  SCTP_LAB_UML_KERNEL=/nonexistent/linux.uml "$LAB" run --uml -- true > "$scratch/out" 2>&1
  rc=$?
  if [[ $rc == 125 ]] && grep -q 'user-mode-linux' "$scratch/out"; then ok "--uml without user-mode Linux: exit 125 naming the package"
  else not_ok "--uml without user-mode Linux: exit 125 naming the package" "exit $rc" "$(cat "$scratch/out")"; fi
fi

# 18: nothing was left behind on the host.
sleep 1
after=$(snapshot)
if [[ $before == "$after" ]]; then ok "nothing is left behind in /run, TMPDIR, ~/.uml or the process table"
else not_ok "nothing is left behind in /run, TMPDIR, ~/.uml or the process table" "$(diff <(echo "$before") <(echo "$after"))"; fi

echo "1..$n"
exit $((failed > 0))
