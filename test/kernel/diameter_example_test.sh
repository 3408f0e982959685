#!/usr/bin/env bash
# The Diameter example (examples/diameter_cer.cc) against a real Diameter
# server, freeDiameter (Debian package freediameter), in the lab's
# two-namespace topology: freeDiameterd in namespace b on its own address
# (freeDiameter ignores loopback addresses), the client in namespace a.
# Everything freeDiameter needs is made here, in a scratch folder: a
# self-signed certificate named after its Diameter identity (its
# configuration requires TLS_Cred even when no peer uses TLS), DH parameters
# (a named group, so that it does not generate them at start), a
# configuration (SCTP only, IPv4 only, listening on b's address of link 1)
# and the acl_wl extension's whitelist, which lets client.example.net in
# without TLS (ALLOW_IPSEC: its protection is left to the network).
# Checked: the whitelisted client gets a CEA with Result-Code 2001 from
# server.example.net and leaves with DPR/DPA, exit status 0; a client with an
# unknown identity gets DIAMETER_UNKNOWN_PEER (3010) and exit status 1.
# Prints TAP. A missing freeDiameterd fails the test (never skipped).
# Usage (through the lab):
#   tools/sctp-lab run --net a-b -- diameter_example_test.sh DIAMETER_CER
set -u
CER=$(readlink -f -- "${1:?usage: diameter_example_test.sh DIAMETER_CER}")
LAB=${SCTP_LAB_TOOL:-}
n=0 failed=0 started=$SECONDS
check() {  # name, condition status, diagnostics file...
  n=$((n + 1))
  local name=$1 status=$2; shift 2
  echo "# $((SECONDS - started)) s"; started=$SECONDS
  if [[ $status == 0 ]]; then echo "ok $n - $name"; return; fi
  failed=$((failed + 1)); echo "not ok $n - $name"
  local f; for f in "$@"; do sed "s|^|# $(basename "$f"): |" "$f" | tail -n 25; done
}
bail() {  # a missing prerequisite: one failed test, then stop
  check "$1" 1
  echo "1..$n"
  exit 1
}
[[ -n $LAB ]] && "$LAB" net addr b 1 >/dev/null 2>&1 ||
  bail "the lab topology: run through tools/sctp-lab run --net a-b"
command -v freeDiameterd >/dev/null ||
  bail "freeDiameterd is installed (Debian package freediameter; tools/setup installs it)"
[[ -f /usr/lib/freeDiameter/acl_wl.fdx ]] ||
  bail "freeDiameter's acl_wl extension is installed (/usr/lib/freeDiameter/acl_wl.fdx, Debian freediameter-extensions)"
command -v openssl >/dev/null || bail "openssl is installed (Debian package openssl)"

scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf -- "$scratch"' EXIT
server_addr=$("$LAB" net addr b 1)
fd_log=$scratch/freeDiameterd.log

# Credentials and configuration. Paths are absolute: freeDiameter reads a
# relative extension configuration from /etc/freeDiameter.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=server.example.net \
  -keyout "$scratch/server.key" -out "$scratch/server.pem" > "$scratch/openssl.log" 2>&1 &&
  openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$scratch/dh.pem" >> "$scratch/openssl.log" 2>&1
[[ $? == 0 ]] || bail "certificate and DH parameters made with openssl"
echo 'ALLOW_IPSEC client.example.net' > "$scratch/acl_wl.conf"
cat > "$scratch/freeDiameter.conf" <<EOF
Identity = "server.example.net";
Realm = "example.net";
Port = 3868;
ListenOn = "$server_addr";
No_TCP;
No_IPv6;
SCTP_streams = 10;
TLS_Cred = "$scratch/server.pem", "$scratch/server.key";
TLS_CA = "$scratch/server.pem";
TLS_DH_File = "$scratch/dh.pem";
LoadExtension = "acl_wl.fdx" : "$scratch/acl_wl.conf";
EOF

# 1: the daemon starts and listens on SCTP port 3868 of namespace b.
"$LAB" net exec b freeDiameterd -c "$scratch/freeDiameter.conf" > "$fd_log" 2>&1 &
until=$((SECONDS + 20))
while ((SECONDS <= until)) && ! "$LAB" net exec b cat /proc/net/sctp/eps | awk '$6 == 3868 {f = 1} END {exit !f}'; do
  sleep 0.2
done
"$LAB" net exec b cat /proc/net/sctp/eps | awk '$6 == 3868 {f = 1} END {exit !f}'
check "freeDiameterd listens on SCTP $server_addr:3868" $? "$fd_log"

# 2: the capabilities exchange succeeds.
timeout 30 "$LAB" net exec a "$CER" --host client.example.net --realm example.net "$server_addr:3868" \
  > "$scratch/ok.out" 2> "$scratch/ok.err"
rc=$?
sed 's|^|# |' "$scratch/ok.out"
[[ $rc == 0 ]] &&
  grep -q '^CEA: Result-Code 2001 (DIAMETER_SUCCESS), Origin-Host server.example.net, Origin-Realm example.net' \
    "$scratch/ok.out" &&
  grep -q '^DPA: Result-Code 2001' "$scratch/ok.out" &&
  grep -q "Connected to 'client.example.net'" "$fd_log"
check "diameter_cer gets a CEA with Result-Code 2001 from freeDiameter, then DPR/DPA; exit status 0" $? \
  "$scratch/ok.out" "$scratch/ok.err" "$fd_log"

# 3: an identity freeDiameter does not know is refused, and the example says so.
timeout 30 "$LAB" net exec a "$CER" --host stranger.example.org "$server_addr:3868" \
  > "$scratch/unknown.out" 2> "$scratch/unknown.err"
rc=$?
sed 's|^|# |' "$scratch/unknown.out"
[[ $rc == 1 ]] && grep -q '^CEA: Result-Code 3010 (DIAMETER_UNKNOWN_PEER), Origin-Host server.example.net' \
  "$scratch/unknown.out"
check "an unknown Origin-Host gets DIAMETER_UNKNOWN_PEER (3010); exit status 1" $? \
  "$scratch/unknown.out" "$scratch/unknown.err" "$fd_log"

echo "1..$n"
exit $((failed > 0))
