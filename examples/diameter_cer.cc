// diameter_cer: a Diameter client's first exchange over SCTP. It dials a
// Diameter peer, sends a Capabilities-Exchange-Request (CER), reads the
// answer (CEA) and prints its Result-Code and Origin-Host, then leaves
// politely with a Disconnect-Peer-Request (DPR) and its answer.
//
//   diameter_cer [--host FQDN] [--realm REALM] [--app ID] ADDRESS
//     ADDRESS  the peer, "h1/h2:port" (Diameter's port is 3868)
//     --host   our Origin-Host (default client.example.net)
//     --realm  our Origin-Realm (default example.net)
//     --app    the Auth-Application-Id we advertise (default 4, Credit-Control)
//
// Exit status 0 only when the CEA says DIAMETER_SUCCESS (2001).
//
// What a user must know about Diameter over SCTP (RFC 6733):
// - Every message carries PPID 46 (Diameter in clear text). The capabilities
//   exchange is the first message of a connection and goes on stream 0; later
//   requests may use any stream the association offers. (freeDiameter 1.2.1
//   answers with PPID 0: check the bytes, not the PPID.)
// - Either side sends Device-Watchdog-Requests once the connection is open;
//   they must be answered, or the peer drops the connection.
// - This client offers no TLS (Inband-Security-Id 0): the peer must accept it
//   without (freeDiameter: the acl_wl extension with ALLOW_IPSEC, see
//   test/kernel/diameter_example_test.sh), or it answers 3010/5017.
// - The peer checks our identity (Origin-Host, Origin-Realm) against its
//   own list of peers: an unknown one gets DIAMETER_UNKNOWN_PEER (3010).
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diameter_codec.h"
#include "netsctp/netsctp.h"

namespace {

using namespace std::chrono_literals;

const char* ResultName(std::uint32_t code) {
  switch (code) {
    case 2001: return "DIAMETER_SUCCESS";
    case 3008: return "DIAMETER_INVALID_HDR_BITS";
    case 3009: return "DIAMETER_INVALID_AVP_BITS";
    case 3010: return "DIAMETER_UNKNOWN_PEER";
    case 5004: return "DIAMETER_INVALID_AVP_VALUE";
    case 5005: return "DIAMETER_MISSING_AVP";
    case 5010: return "DIAMETER_NO_COMMON_APPLICATION";
    case 5017: return "DIAMETER_NO_COMMON_SECURITY";
    default: return code / 1000 == 2 ? "success" : "failure";
  }
}

// What we need from an answer.
struct Answer {
  std::uint32_t result_code = 0;  // 0: absent
  std::string origin_host, origin_realm, product, error_message;
};

// Our identity, sent in every message.
struct Identity {
  std::string host, realm;
};

// Sends `request` on stream 0 and reads messages until its answer (same
// command, same identifiers); fills `out`. A Device-Watchdog-Request that
// arrives meanwhile is answered (a peer may send one as soon as the
// connection is open). False with a message on stderr when the association
// fails, nothing comes within 10 s, or the reply is malformed.
bool Exchange(netsctp::SctpConn& conn, const Identity& me, diameter::Writer& request, const diameter::Header& req,
              Answer& out) {
  const netsctp::SndInfo info{.sid = 0, .ppid = diameter::kPpid};
  if (auto w = conn.WriteMsg(request.Bytes(), info); !w) {
    std::fprintf(stderr, "diameter_cer: send: %s\n", w.error().message().c_str());
    return false;
  }
  (void)conn.SetReadDeadline(std::chrono::steady_clock::now() + 10s);
  std::array<std::byte, 8192> buf;
  for (;;) {
    auto m = conn.ReadFullMsg(buf);  // one whole Diameter message per SCTP message
    if (!m) {
      std::fprintf(stderr, "diameter_cer: waiting for the answer to command %u: %s\n", req.command,
                   m.error().message().c_str());
      return false;
    }
    if (m->Notification()) continue;
    auto r = diameter::Reader::Parse(std::span(buf).first(m->n));
    if (!r) {
      std::fprintf(stderr, "diameter_cer: a malformed Diameter message (%zu bytes)\n", m->n);
      return false;
    }
    const diameter::Header& h = r->header;
    if (h.IsRequest() && h.command == diameter::kDeviceWatchdog) {
      // The answer: same command and identifiers, R bit clear.
      diameter::Writer dwa(h.command, 0, h.application_id, h.hop_by_hop, h.end_to_end);
      dwa.AddU32(diameter::kResultCode, diameter::kMandatory, diameter::kSuccess);
      dwa.AddText(diameter::kOriginHost, diameter::kMandatory, me.host);
      dwa.AddText(diameter::kOriginRealm, diameter::kMandatory, me.realm);
      if (auto w = conn.WriteMsg(dwa.Bytes(), info); !w) {
        std::fprintf(stderr, "diameter_cer: send DWA: %s\n", w.error().message().c_str());
        return false;
      }
      std::printf("answered a Device-Watchdog-Request\n");
      continue;
    }
    if (h.IsRequest() || h.command != req.command || h.hop_by_hop != req.hop_by_hop ||
        h.end_to_end != req.end_to_end) {
      std::printf("ignored: command %u%s\n", h.command, h.IsRequest() ? " request" : " answer");
      continue;
    }
    std::printf("answer to command %u: %zu bytes on stream %u, ppid %u%s\n", h.command, m->n, m->info.sid,
                m->info.ppid, (h.flags & diameter::kError) ? ", E bit set" : "");
    diameter::Avp avp;
    while (r->Next(avp)) {
      switch (avp.code) {
        case diameter::kResultCode: out.result_code = avp.U32().value_or(0); break;
        case diameter::kOriginHost: out.origin_host = avp.Text(); break;
        case diameter::kOriginRealm: out.origin_realm = avp.Text(); break;
        case diameter::kProductName: out.product = avp.Text(); break;
        case diameter::kErrorMessage: out.error_message = avp.Text(); break;
        default: break;
      }
    }
    if (r->Malformed()) {
      std::fprintf(stderr, "diameter_cer: a malformed AVP in the answer\n");
      return false;
    }
    return true;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Identity me{"client.example.net", "example.net"};
  std::string address;
  std::uint32_t app = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--host" && i + 1 < argc) {
      me.host = argv[++i];
    } else if (a == "--realm" && i + 1 < argc) {
      me.realm = argv[++i];
    } else if (a == "--app" && i + 1 < argc) {
      app = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (!a.empty() && a[0] != '-' && address.empty()) {
      address = a;
    } else {
      std::fprintf(stderr, "usage: diameter_cer [--host FQDN] [--realm REALM] [--app ID] ADDRESS\n");
      return 2;
    }
  }
  if (address.empty()) {
    std::fprintf(stderr, "usage: diameter_cer [--host FQDN] [--realm REALM] [--app ID] ADDRESS\n");
    return 2;
  }

  netsctp::Dialer dialer;
  dialer.timeout = 10s;
  auto conn = dialer.Dial("sctp", address);
  if (!conn) {
    std::fprintf(stderr, "diameter_cer: %s\n", conn.error().message().c_str());
    return 1;
  }
  std::printf("connected %s -> %s\n", conn->LocalAddr().String().c_str(), conn->RemoteAddr().String().c_str());

  // Hop-by-Hop: any value unique on this connection; End-to-End: the low 12
  // bits of the time in the high bits, random low bits (RFC 6733 3).
  std::mt19937 rng(std::random_device{}());
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  diameter::Header cer{diameter::kRequest, diameter::kCapabilitiesExchange, 0, static_cast<std::uint32_t>(rng()),
                       (now & 0xfff) << 20 | (static_cast<std::uint32_t>(rng()) & 0xfffff)};
  diameter::Writer w(cer.command, cer.flags, cer.application_id, cer.hop_by_hop, cer.end_to_end);
  const auto m = diameter::kMandatory;
  w.AddText(diameter::kOriginHost, m, me.host);
  w.AddText(diameter::kOriginRealm, m, me.realm);
  // Our addresses as the association uses them (every local address when the
  // dial bound none). Loopback ones mean nothing to a remote peer: they are
  // left out unless there is no other (the CER needs at least one).
  const std::vector<netsctp::IpAddr>& local = conn->LocalAddr().ip_addrs;
  int addresses = 0;
  for (const netsctp::IpAddr& ip : local) {
    if (ip.IsUnspecified() || ip.IsLoopback()) continue;
    w.AddAddress(diameter::kHostIpAddress, m, ip.Bytes());
    ++addresses;
  }
  if (addresses == 0 && !local.empty()) w.AddAddress(diameter::kHostIpAddress, m, local.front().Bytes());
  w.AddU32(diameter::kVendorId, m, 0);  // an IANA enterprise number; 0 for none
  w.AddText(diameter::kProductName, 0, "netsctp diameter_cer");
  w.AddU32(diameter::kOriginStateId, m, now);  // changes on every restart of the client
  w.AddU32(diameter::kAuthApplicationId, m, app);
  w.AddU32(diameter::kInbandSecurityId, m, 0);  // NO_INBAND_SECURITY

  Answer cea;
  if (!Exchange(*conn, me, w, cer, cea)) return 1;
  std::printf("CEA: Result-Code %u (%s), Origin-Host %s, Origin-Realm %s, Product-Name \"%s\"\n", cea.result_code,
              ResultName(cea.result_code), cea.origin_host.c_str(), cea.origin_realm.c_str(), cea.product.c_str());
  if (!cea.error_message.empty()) std::printf("CEA: Error-Message \"%s\"\n", cea.error_message.c_str());
  if (cea.result_code != diameter::kSuccess) return 1;  // the peer closes the connection itself

  // Leave: DPR with Disconnect-Cause DO_NOT_WANT_TO_TALK_TO_YOU (2); the peer
  // answers, then the association is shut down.
  diameter::Header dpr{diameter::kRequest, diameter::kDisconnectPeer, 0, cer.hop_by_hop + 1, cer.end_to_end + 1};
  diameter::Writer d(dpr.command, dpr.flags, dpr.application_id, dpr.hop_by_hop, dpr.end_to_end);
  d.AddText(diameter::kOriginHost, m, me.host);
  d.AddText(diameter::kOriginRealm, m, me.realm);
  d.AddU32(diameter::kDisconnectCause, m, 2);
  Answer dpa;
  if (Exchange(*conn, me, d, dpr, dpa)) {
    std::printf("DPA: Result-Code %u (%s)\n", dpa.result_code, ResultName(dpa.result_code));
  }
  (void)conn->Close();
  return 0;
}
