// netsctp against an outside implementation: lksctp-tools' sctp_darn.
// sctp_darn prints the stream and PPID of every message it receives; it
// prints the PPID as it sits in memory (network order), so 46 shows as
// htonl(46) read as a host integer (771751936 on little-endian machines).
// A PPID that arrives as plain 46 would mean netsctp forgot the conversion.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::SctpConn;

namespace {

struct DarnMessage {
  long stream = -1;
  unsigned long ppid = 0;
  unsigned long length = 0;  // DATA(n)
  std::string data;          // as printed: sctp_darn drops the last byte (the newline of a line)
};

// Parses sctp_darn's "SNDRCV" blocks: sinfo_stream, sinfo_ppid, then "DATA(n):  payload".
// sctp_darn prints n-1 bytes of the payload (it expects lines), so tests send lines.
std::vector<DarnMessage> ParseDarn(const std::string& out) {
  std::vector<DarnMessage> msgs;
  std::istringstream in(out);
  std::string line;
  DarnMessage cur;
  bool open = false;
  while (std::getline(in, line)) {
    if (line.rfind("SNDRCV", 0) == 0) {
      cur = DarnMessage{};
      open = true;
    } else if (open && line.find("sinfo_stream") != std::string::npos) {
      cur.stream = std::stol(line.substr(line.find("sinfo_stream") + 12));
    } else if (open && line.find("sinfo_ppid") != std::string::npos) {
      cur.ppid = std::stoul(line.substr(line.find("sinfo_ppid") + 10));
    } else if (open && line.rfind("DATA(", 0) == 0) {
      cur.length = std::stoul(line.substr(5));
      const auto colon = line.find(':');
      cur.data = colon == std::string::npos ? "" : line.substr(colon + 1);
      cur.data.erase(0, cur.data.find_first_not_of(' '));
      msgs.push_back(cur);
      open = false;
    }
  }
  return msgs;
}

std::uint16_t FreePort() {
  netsctp::SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  MUST(l.Close());
  return port;
}

}  // namespace

TEST_CASE("sctp_darn receives netsctp's streams and PPIDs in network order") {
  const std::uint16_t port = FreePort();
  const std::string out = TempPath("darn-listen.out");
  Child darn({"stdbuf", "-oL", "sctp_darn", "-H", "127.0.0.1", "-P", std::to_string(port), "-l"}, out);
  INFO("needs sctp_darn (Debian package lksctp-tools) and stdbuf (coreutils)");
  REQUIRE(darn.pid() > 0);
  // Dial until sctp_darn is up.
  netsctp::Dialer d;
  d.timeout = 5s;
  SctpConn c;
  const auto end = Clock::now() + 10s;
  for (;;) {
    auto r = d.Dial("sctp", HostPort("127.0.0.1", port));
    if (r) {
      c = std::move(*r);
      break;
    }
    INFO("dial: " << r.error().message() << "; sctp_darn output: " << ReadFile(out));
    REQUIRE(darn.Running());
    REQUIRE(Clock::now() < end);
    std::this_thread::sleep_for(100ms);
  }
  Send(c, "diameter-on-1\n", 1, 46);
  Send(c, "ngap-on-2\n", 2, 60);
  Send(c, "s1ap-on-1\n", 1, 18);
  MUST(c.Close());  // graceful: sctp_darn reports SHUTDOWN_COMP after the data
  const bool done = WaitFor(out, "SHUTDOWN_COMP", 10s);
  darn.Stop();
  const std::string text = ReadFile(out);
  INFO("sctp_darn output:\n" << text);
  CHECK(done);
  const std::vector<DarnMessage> msgs = ParseDarn(text);
  REQUIRE(msgs.size() == 3);
  CHECK(msgs[0].stream == 1);
  CHECK(msgs[0].ppid == htonl(46));  // 771751936 on little-endian
  CHECK(msgs[0].data == "diameter-on-1");
  CHECK(msgs[0].length == 14);
  CHECK(msgs[1].stream == 2);
  CHECK(msgs[1].ppid == htonl(60));
  CHECK(msgs[1].data == "ngap-on-2");
  CHECK(msgs[1].length == 10);
  CHECK(msgs[2].stream == 1);
  CHECK(msgs[2].ppid == htonl(18));
  CHECK(msgs[2].data == "s1ap-on-1");
  CHECK(msgs[2].length == 10);
  std::remove(out.c_str());
}

TEST_CASE("a netsctp listener receives what sctp_darn sends") {
  netsctp::SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  const std::string in = TempPath("darn-send.in");
  {
    std::ofstream f(in);
    f << "hello from darn\n";
  }
  const std::string out = TempPath("darn-send.out");
  Child darn({"sctp_darn", "-H", "127.0.0.1", "-h", "127.0.0.1", "-p", std::to_string(port), "-s"}, out, in);
  INFO("needs sctp_darn (Debian package lksctp-tools)");
  REQUIRE(darn.pid() > 0);
  MUST(l.SetDeadline(In(10s)));
  auto accepted = l.Accept();
  INFO("sctp_darn output:\n" << ReadFile(out));
  REQUIRE(accepted.has_value());
  SctpConn s = std::move(*accepted);
  Received r = Recv(s);
  CHECK(r.data.rfind("hello from darn", 0) == 0);
  CHECK(r.msg.info.sid == 0);
  CHECK(r.msg.info.ppid == 0);
  CHECK(s.RemoteAddr().port != 0);
  CHECK(HasHost(s.RemoteAddr(), "127.0.0.1"));
  std::remove(in.c_str());
  std::remove(out.c_str());
}
