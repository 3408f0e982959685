// SctpConn against real associations: the data path (streams, PPIDs,
// unordered, pieces and EOR, whole-message reads), negotiated streams, the
// send-side errors, closing (graceful, abort, CloseWrite, CloseRead),
// deadlines and Close from other threads, non-blocking mode, Adopt/Release,
// empty objects, and SIGPIPE.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "alloc_count.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::SctpConn;
using netsctp::SndFlags;
using netsctp::SndInfo;

namespace {

std::span<std::byte> Buf(std::vector<std::byte>& v) { return {v.data(), v.size()}; }

std::string* volatile probe_sink = nullptr;

}  // namespace

TEST_CASE("streams and PPIDs arrive as sent in both directions") {
  Pair p = Connect();
  const std::uint32_t ppids[] = {60, 46, 18, 0xfffffffe, 0, 1, 3, 27, 61, 0x01020304};
  for (int round = 0; round < 2; ++round) {
    for (std::uint16_t sid = 0; sid < 10; ++sid) {
      const std::string msg = "to server sid " + std::to_string(sid) + " round " + std::to_string(round);
      Send(p.client, msg, sid, ppids[sid]);
      Received r = RecvAny(p.server);
      CHECK(r.data == msg);
      CHECK(r.msg.has_info);
      CHECK(r.msg.info.sid == sid);
      CHECK(r.msg.info.ppid == ppids[sid]);  // host order: 60 sent arrives as 60
      CHECK(r.msg.info.ssn == round);
      CHECK_FALSE(r.msg.info.Unordered());
      CHECK(r.msg.Eor());
      CHECK_FALSE(r.msg.Notification());
      CHECK_FALSE(r.msg.ControlTruncated());
    }
  }
  for (std::uint16_t sid = 0; sid < 10; ++sid) {
    const std::string msg = "to client sid " + std::to_string(sid);
    Send(p.server, msg, sid, ppids[9 - sid]);
    Received r = RecvAny(p.client);
    CHECK(r.data == msg);
    CHECK(r.msg.has_info);
    CHECK(r.msg.info.sid == sid);
    CHECK(r.msg.info.ppid == ppids[9 - sid]);
    CHECK(r.msg.info.ssn == 0);
    CHECK(r.msg.Eor());
  }
}

TEST_CASE("hundreds of messages over several streams keep per-stream order") {
  Pair p = Connect();
  MUST(p.client.SetNoDelay(true));
  MUST(p.server.SetNoDelay(true));
  constexpr int kCount = 300;
  // A burst without reading first: all of it fits in the 512 KiB buffers.
  for (int i = 0; i < kCount; ++i) {
    Send(p.client, "m" + std::to_string(i), static_cast<std::uint16_t>(i % 5), static_cast<std::uint32_t>(i));
  }
  std::map<std::uint16_t, int> next_ssn;
  std::map<std::uint16_t, int> last_index;
  int got = 0;
  for (int i = 0; i < kCount; ++i) {
    Received r = RecvAny(p.server);
    REQUIRE(r.msg.has_info);
    REQUIRE(r.data.size() > 1);
    const int index = std::stoi(r.data.substr(1));
    const std::uint16_t sid = r.msg.info.sid;
    CHECK(sid == index % 5);
    CHECK(r.msg.info.ppid == static_cast<std::uint32_t>(index));
    CHECK(r.msg.info.ssn == next_ssn[sid]);
    if (last_index.count(sid) != 0) CHECK(index > last_index[sid]);
    last_index[sid] = index;
    ++next_ssn[sid];
    ++got;
  }
  CHECK(got == kCount);
  // And a ping-pong in the other direction.
  for (int i = 0; i < 100; ++i) {
    Send(p.server, "ping" + std::to_string(i), 1, 60);
    Received r = RecvAny(p.client);
    REQUIRE(r.data == "ping" + std::to_string(i));
    Send(p.client, "pong" + std::to_string(i), 2, 60);
    REQUIRE(RecvAny(p.server).data == "pong" + std::to_string(i));
  }
}

TEST_CASE("ReadMsg and WriteMsg allocate nothing on the heap") {
  Pair p = Connect();
  std::vector<std::byte> buf(4096);
  alignas(cmsghdr) std::array<std::byte, 256> oob{};
  const netsctp::IpAddr to = Ip("127.0.0.1");
  SndInfo info;
  info.sid = 1;
  info.ppid = 60;
  const std::string payload = "no allocation";
  // Warm up (lazily created internals, e.g. the wake-up descriptor).
  Send(p.client, payload, 1, 60);
  (void)RecvAny(p.server);
  // The counter works: a string on the heap counts.
  alloc_count::Start();
  probe_sink = new std::string(200, 'x');  // through a volatile pointer: cannot be elided
  delete probe_sink;
  REQUIRE(alloc_count::Stop() >= 1);
  long n = 0;
  bool ok = true;
  {
    alloc_count::Start();
    for (int i = 0; i < 20; ++i) {
      ok = ok && p.client.WriteMsg(Bytes(payload), info).has_value();
      ok = ok && p.client.WriteMsg(Bytes(payload)).has_value();
      ok = ok && p.client.WriteMsgExt(Bytes(payload), &info, &to).has_value();
      ok = ok && p.client.Write(Bytes(payload)).has_value();
      ok = ok && p.server.ReadMsg(Buf(buf)).has_value();
      ok = ok && p.server.ReadMsgExt(Buf(buf), oob).has_value();
      ok = ok && p.server.ReadFullMsg(Buf(buf)).has_value();
      ok = ok && p.server.Read(Buf(buf)).has_value();
    }
    n = alloc_count::Stop();
  }
  CHECK(ok);
  CHECK(n == 0);
}

TEST_CASE("the unordered flag arrives in RcvInfo") {
  Pair p = Connect();
  Send(p.client, "unordered", 3, 60, SndFlags::kUnordered);
  Received u = RecvAny(p.server);
  CHECK(u.data == "unordered");
  CHECK(u.msg.info.sid == 3);
  CHECK(u.msg.info.ppid == 60);
  CHECK(u.msg.info.Unordered());
  Send(p.client, "ordered", 3, 60);
  Received o = RecvAny(p.server);
  CHECK(o.data == "ordered");
  CHECK_FALSE(o.msg.info.Unordered());
  // The other direction, with SACK_IMMEDIATELY mixed in.
  Send(p.server, "back", 1, 46, SndFlags::kUnordered | SndFlags::kSackImmediately);
  Received b = RecvAny(p.client);
  CHECK(b.data == "back");
  CHECK(b.msg.info.Unordered());
  CHECK(b.msg.info.ppid == 46);
}

TEST_CASE("a message larger than the read buffer arrives in pieces, EOR only on the last") {
  Pair p = Connect();
  const std::string big = Pattern(10000, 1);
  Send(p.client, big, 4, 60);
  Send(p.client, "next", 5, 61);
  std::string got;
  int pieces = 0;
  std::vector<std::byte> buf(1000);
  MUST(p.server.SetReadDeadline(In(10s)));
  for (;;) {
    netsctp::Message m = MUST(p.server.ReadMsg(Buf(buf)));
    ++pieces;
    REQUIRE_FALSE(m.Notification());
    CHECK(m.n > 0);
    CHECK(m.n <= buf.size());
    got += Text(std::span<const std::byte>(buf.data(), m.n));
    CHECK(m.has_info);
    CHECK(m.info.sid == 4);
    CHECK(m.info.ppid == 60);
    if (m.Eor()) break;
    REQUIRE(pieces < 200);
  }
  CHECK(pieces >= 10);
  CHECK(got == big);
  // The next message starts cleanly.
  Received n = RecvAny(p.server);
  CHECK(n.data == "next");
  CHECK(n.msg.info.sid == 5);
  CHECK(n.msg.info.ppid == 61);
  CHECK(n.msg.Eor());
}

TEST_CASE("ReadFullMsg reassembles a message and rejects one above its bound") {
  Pair p = Connect();
  std::vector<std::byte> buf(256 * 1024);
  SECTION("a message that fits is returned whole") {
    const std::string big = Pattern(200000, 2);  // several 64 KiB chunks on loopback
    Send(p.client, big, 2, 46);
    MUST(p.server.SetReadDeadline(In(10s)));
    netsctp::Message m = MUST(p.server.ReadFullMsg(Buf(buf)));
    CHECK(m.n == big.size());
    CHECK(m.Eor());
    CHECK(m.has_info);
    CHECK(m.info.sid == 2);
    CHECK(m.info.ppid == 46);
    CHECK(Text(std::span<const std::byte>(buf.data(), m.n)) == big);
  }
  SECTION("a message above the bound: kMessageTooLarge, then the next message intact") {
    Send(p.client, Pattern(5000, 3), 1, 60);
    Send(p.client, "after", 7, 62);
    std::vector<std::byte> small(1000);
    MUST(p.server.SetReadDeadline(In(10s)));
    auto r = p.server.ReadFullMsg(Buf(small));
    REQUIRE_FALSE(r.has_value());
    CHECK(ErrOf(r) == Errc::kMessageTooLarge);
    netsctp::Message m = MUST(p.server.ReadFullMsg(Buf(small)));
    CHECK(Text(std::span<const std::byte>(small.data(), m.n)) == "after");
    CHECK(m.info.sid == 7);
    CHECK(m.info.ppid == 62);
    CHECK(m.Eor());
  }
  SECTION("exactly the bound fits") {
    Send(p.client, Pattern(1000, 4), 0, 1);
    std::vector<std::byte> exact(1000);
    MUST(p.server.SetReadDeadline(In(10s)));
    netsctp::Message m = MUST(p.server.ReadFullMsg(Buf(exact)));
    CHECK(m.n == 1000);
    CHECK(Text(std::span<const std::byte>(exact.data(), m.n)) == Pattern(1000, 4));
  }
}

TEST_CASE("InitOptions are negotiated: Status shows the minimum of both sides") {
  PairOptions o;
  o.dialer.init_options.num_ostreams = 5;
  o.dialer.init_options.max_instreams = 7;
  o.listen_config.init_options.num_ostreams = 20;
  o.listen_config.init_options.max_instreams = 3;
  Pair p = Connect(o);
  netsctp::Status c = MUST(p.client.Status());
  CHECK(c.state == netsctp::AssocState::kEstablished);
  CHECK(c.out_streams == 3);  // min(5 wanted, 3 accepted by the server)
  CHECK(c.in_streams == 7);   // min(20 offered by the server, 7 accepted)
  CHECK(c.fragmentation_point > 0);
  CHECK(c.rwnd > 0);
  CHECK(c.primary.addr == Ip("127.0.0.1"));
  CHECK(c.primary.port == p.port);
  CHECK(c.primary.state == netsctp::PathState::kActive);
  netsctp::Status s = MUST(p.server.Status());
  CHECK(s.state == netsctp::AssocState::kEstablished);
  CHECK(s.out_streams == 7);
  CHECK(s.in_streams == 3);
  CHECK(s.primary.addr == Ip("127.0.0.1"));
  CHECK(s.primary.port == p.client.LocalAddr().port);

  SECTION("a stream id at or above the negotiated count fails with EINVAL, and the association still works") {
    SndInfo info;
    info.sid = 3;
    auto r = p.client.WriteMsg(Bytes("too far"), info);
    CHECK(ErrOf(r) == std::errc::invalid_argument);
    // The error says which stream and how many there are.
    CHECK_THAT(MessageOf(r), Catch::Contains("stream 3 of 3 negotiated (streams 0-2)"));
    info.sid = 65535;
    r = p.client.WriteMsg(Bytes("much too far"), info);
    CHECK(ErrOf(r) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(r), Catch::Contains("stream 65535 of 3"));
    // The same through a batch, and through Write with a default stream beyond the count.
    const netsctp::OutMsg batch[] = {{Bytes("batched too far"), &info}};
    CHECK_THAT(MessageOf(p.client.WriteMsgs(batch)), Catch::Contains("stream 65535 of 3"));
    SndInfo far_default;
    far_default.sid = 5;
    MUST(p.client.SetDefaultSndInfo(far_default));
    CHECK_THAT(MessageOf(p.client.Write(Bytes("default too far"))), Catch::Contains("stream 5 of 3"));
    MUST(p.client.SetDefaultSndInfo(SndInfo{}));
    Send(p.client, "on the last stream", 2, 60);
    Received got = RecvAny(p.server);
    CHECK(got.data == "on the last stream");  // nothing of the failed sends arrived
    CHECK(got.msg.info.sid == 2);
    // The server may use its 7 outbound streams.
    Send(p.server, "sid 6", 6, 60);
    CHECK(RecvAny(p.client).msg.info.sid == 6);
    info.sid = 7;
    auto s7 = p.server.WriteMsg(Bytes("x"), info);
    CHECK(ErrOf(s7) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(s7), Catch::Contains("stream 7 of 7 negotiated (streams 0-6)"));
  }
}

TEST_CASE("send flags and sizes the kernel rejects fail cleanly") {
  Pair p = Connect();
  SECTION("kEof and kAbort are rejected on one-to-one sockets") {
    SndInfo info;
    info.flags = SndFlags::kEof;
    auto eof = p.client.WriteMsg(Bytes("eof"), info);
    CHECK(ErrOf(eof) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(eof), Catch::Contains("flag EOF is not allowed on a one-to-one socket"));
    info.flags = SndFlags::kAbort;
    auto abort = p.client.WriteMsg(Bytes("abort"), info);
    CHECK(ErrOf(abort) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(abort), Catch::Contains("flag ABORT is not allowed on a one-to-one socket"));
  }
  SECTION("a zero-length message is rejected, and the error says so") {
    auto r = p.client.WriteMsg(std::span<const std::byte>{});
    CHECK(ErrOf(r) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(r), Catch::Contains("empty message"));
    SndInfo info;
    info.sid = 1;
    CHECK_THAT(MessageOf(p.client.WriteMsg(std::span<const std::byte>{}, info)), Catch::Contains("empty message"));
  }
  SECTION("an unknown PR policy is named") {
    SndInfo info;
    info.pr = netsctp::PrInfo{static_cast<netsctp::PrPolicy>(0x40), 1};
    auto r = p.client.WriteMsg(Bytes("pr"), info);
    CHECK(ErrOf(r) == std::errc::invalid_argument);
    CHECK_THAT(MessageOf(r), Catch::Contains("unknown PR policy 64"));
  }
  SECTION("a message larger than the send buffer fails with EMSGSIZE") {
    MUST(p.client.SetWriteBufferSize(32 * 1024));
    const int wbuf = MUST(p.client.WriteBufferSize());
    REQUIRE(wbuf < 200000);
    const std::string big = Pattern(200000);
    CHECK(ErrOf(p.client.WriteMsg(Bytes(big))) == std::errc::message_size);
  }
  // Whatever failed, the association carries the next message.
  Send(p.client, "still fine", 1, 60);
  Received r = RecvAny(p.server);
  CHECK(r.data == "still fine");
  CHECK(r.msg.info.sid == 1);
}

TEST_CASE("Read and Write carry plain bytes on stream 0") {
  Pair p = Connect();
  CHECK(MUST(p.client.Write(Bytes("hello server"))) == 12);
  std::vector<std::byte> buf(100);
  MUST(p.server.SetReadDeadline(In(10s)));
  const std::size_t n = MUST(p.server.Read(Buf(buf)));
  CHECK(Text(std::span<const std::byte>(buf.data(), n)) == "hello server");
  CHECK(MUST(p.server.Write(Bytes("hello client"))) == 12);
  Received r = RecvAny(p.client);
  CHECK(r.data == "hello client");
  CHECK(r.msg.info.sid == 0);
  CHECK(r.msg.info.ppid == 0);
  // End of stream through Read.
  MUST(p.client.CloseWrite());
  MUST(p.server.SetReadDeadline(In(10s)));
  auto eos = p.server.Read(Buf(buf));
  CHECK(ErrOf(eos) == Errc::kEndOfStream);
}

TEST_CASE("DefaultSndInfo is used when WriteMsg or Write get no info") {
  Pair p = Connect();
  SndInfo def;
  def.sid = 3;
  def.ppid = 60;
  def.flags = SndFlags::kUnordered;
  def.context = 99;
  MUST(p.client.SetDefaultSndInfo(def));
  SndInfo back = MUST(p.client.GetDefaultSndInfo());
  CHECK(back.sid == 3);
  CHECK(back.ppid == 60);  // host order both ways
  CHECK(back.flags == SndFlags::kUnordered);
  CHECK(back.context == 99);
  CHECK(MUST(p.client.WriteMsg(Bytes("default"))) == 7);
  Received r = RecvAny(p.server);
  CHECK(r.data == "default");
  CHECK(r.msg.info.sid == 3);
  CHECK(r.msg.info.ppid == 60);
  CHECK(r.msg.info.Unordered());
  CHECK(MUST(p.client.Write(Bytes("plain"))) == 5);
  r = RecvAny(p.server);
  CHECK(r.data == "plain");
  CHECK(r.msg.info.sid == 3);
  CHECK(r.msg.info.ppid == 60);
  // Explicit info still wins.
  Send(p.client, "explicit", 1, 46);
  r = RecvAny(p.server);
  CHECK(r.msg.info.sid == 1);
  CHECK(r.msg.info.ppid == 46);
  CHECK_FALSE(r.msg.info.Unordered());
}

TEST_CASE("SetContext: RcvInfo.context shows the receiver's SCTP_CONTEXT") {
  Pair p = Connect();
  CHECK(MUST(p.server.GetContext()) == 0);
  MUST(p.server.SetContext(0xabcd1234));
  CHECK(MUST(p.server.GetContext()) == 0xabcd1234);
  Send(p.client, "ctx", 1, 60);
  Received r = RecvAny(p.server);
  CHECK(r.msg.info.context == 0xabcd1234);
  // The sender's own context does not travel.
  MUST(p.client.SetContext(7));
  CHECK(MUST(p.client.GetContext()) == 7);
  Send(p.server, "ctx back", 1, 60);
  CHECK(RecvAny(p.client).msg.info.context == 7);
  Send(p.client, "again", 1, 60);
  CHECK(RecvAny(p.server).msg.info.context == 0xabcd1234);
}

TEST_CASE("ReadMsgExt decodes RcvInfo from the caller's buffer and reports CTRUNC") {
  Pair p = Connect();
  std::vector<std::byte> buf(1000);
  SECTION("room for the ancillary data") {
    alignas(cmsghdr) std::array<std::byte, CMSG_SPACE(sizeof(sctp_rcvinfo)) + 64> oob{};
    Send(p.client, "ext", 6, 60);
    MUST(p.server.SetReadDeadline(In(10s)));
    netsctp::Message m = MUST(p.server.ReadMsgExt(Buf(buf), oob));
    CHECK(Text(std::span<const std::byte>(buf.data(), m.n)) == "ext");
    CHECK(m.has_info);
    CHECK(m.info.sid == 6);
    CHECK(m.info.ppid == 60);
    CHECK_FALSE(m.ControlTruncated());
    CHECK(m.Eor());
  }
  SECTION("an ancillary buffer too small: kCtrunc, data intact") {
    alignas(cmsghdr) std::array<std::byte, 8> oob{};
    Send(p.client, "truncated control", 6, 60);
    MUST(p.server.SetReadDeadline(In(10s)));
    netsctp::Message m = MUST(p.server.ReadMsgExt(Buf(buf), oob));
    CHECK(Text(std::span<const std::byte>(buf.data(), m.n)) == "truncated control");
    CHECK(m.ControlTruncated());
    CHECK_FALSE(m.has_info);
  }
}

TEST_CASE("a notification travels through ReadMsg flagged, bytes intact") {
  Pair p = Connect();
  // Subscribe with the generic option, so this test does not depend on event.h.
  sctp_event ev{};
  ev.se_type = SCTP_SENDER_DRY_EVENT;
  ev.se_on = 1;
  MUST(netsctp::SetOption(p.client.fd(), IPPROTO_SCTP, SCTP_EVENT, ev));
  // SENDER_DRY fires at once when nothing is queued.
  Received r = RecvAny(p.client);
  REQUIRE(r.msg.Notification());
  CHECK_FALSE(r.msg.has_info);
  CHECK(r.msg.Eor());
  REQUIRE(r.data.size() == sizeof(sctp_sender_dry_event));
  sctp_sender_dry_event dry{};
  std::memcpy(&dry, r.data.data(), sizeof dry);
  CHECK(dry.sender_dry_type == SCTP_SENDER_DRY_EVENT);
  CHECK(dry.sender_dry_length == sizeof(sctp_sender_dry_event));
  // Data after it is still data.
  Send(p.server, "data", 1, 60);
  Received d = RecvAny(p.client);
  CHECK_FALSE(d.msg.Notification());
  CHECK(d.data == "data");
  // ReadFullMsg returns a notification whole, flagged.
  Send(p.client, "x", 0, 0);  // the queue drains once the peer SACKs it: another SENDER_DRY
  std::vector<std::byte> buf(4096);
  MUST(p.client.SetReadDeadline(In(10s)));
  netsctp::Message m = MUST(p.client.ReadFullMsg(buf));
  CHECK(m.Notification());
  CHECK(m.n == sizeof(sctp_sender_dry_event));
}

TEST_CASE("SetNoDelay, SetDisableFragments and GetOption/SetOption reach the socket") {
  Pair p = Connect();
  MUST(p.client.SetNoDelay(true));
  CHECK(MUST(netsctp::GetOption<int>(p.client.fd(), IPPROTO_SCTP, SCTP_NODELAY)) == 1);
  MUST(p.client.SetNoDelay(false));
  CHECK(MUST(netsctp::GetOption<int>(p.client.fd(), IPPROTO_SCTP, SCTP_NODELAY)) == 0);
  MUST(netsctp::SetOption(p.client.fd(), IPPROTO_SCTP, SCTP_NODELAY, 1));
  CHECK(MUST(netsctp::GetOption<int>(p.client.fd(), IPPROTO_SCTP, SCTP_NODELAY)) == 1);
  // A size that does not match the option's: kTruncated, unless allowed shorter.
  CHECK(ErrOf(netsctp::GetOption<std::uint64_t>(p.client.fd(), SOL_SOCKET, SO_RCVBUF)) == Errc::kTruncated);
  CHECK(netsctp::GetOption<std::uint64_t>(p.client.fd(), SOL_SOCKET, SO_RCVBUF, 0, true).has_value());
  // A failing option keeps its errno.
  CHECK(ErrOf(netsctp::GetOption<int>(p.client.fd(), IPPROTO_SCTP, 9999)) == std::errc::no_protocol_option);

  MUST(p.client.SetDisableFragments(true));
  CHECK(MUST(netsctp::GetOption<int>(p.client.fd(), IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS)) == 1);
  const netsctp::Status st = MUST(p.client.Status());
  const std::string big = Pattern(st.fragmentation_point + 1000);
  REQUIRE(big.size() < 512 * 1024);
  CHECK(ErrOf(p.client.WriteMsg(Bytes(big))) == std::errc::message_size);
  MUST(p.client.SetDisableFragments(false));
  CHECK(MUST(netsctp::GetOption<int>(p.client.fd(), IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS)) == 0);
  CHECK(MUST(p.client.WriteMsg(Bytes(big))) == big.size());
  CHECK(Recv(p.server).data == big);
}

TEST_CASE("buffer sizes: InitOptions defaults, getters and setters") {
  Pair p = Connect();
  // InitOptions asks for 512 KiB (the kernel reports at least that).
  CHECK(MUST(p.client.ReadBufferSize()) >= 512 * 1024);
  CHECK(MUST(p.client.WriteBufferSize()) >= 512 * 1024);
  CHECK(MUST(p.server.ReadBufferSize()) >= 512 * 1024);
  MUST(p.client.SetReadBufferSize(64 * 1024));
  MUST(p.client.SetWriteBufferSize(48 * 1024));
  const int r = MUST(p.client.ReadBufferSize());
  const int w = MUST(p.client.WriteBufferSize());
  CHECK(r >= 64 * 1024);
  CHECK(r < 512 * 1024);
  CHECK(w >= 48 * 1024);
  CHECK(w < 512 * 1024);
  CHECK(r == MUST(netsctp::GetOption<int>(p.client.fd(), SOL_SOCKET, SO_RCVBUF)));
  CHECK(w == MUST(netsctp::GetOption<int>(p.client.fd(), SOL_SOCKET, SO_SNDBUF)));

  SECTION("InitOptions with other sizes") {
    PairOptions o;
    o.dialer.init_options.socket_read_buffer_size = 100 * 1024;
    o.dialer.init_options.socket_write_buffer_size = 40 * 1024;
    Pair q = Connect(o);
    const int qr = MUST(q.client.ReadBufferSize());
    const int qw = MUST(q.client.WriteBufferSize());
    CHECK(qr >= 100 * 1024);
    CHECK(qr < 512 * 1024);
    CHECK(qw >= 40 * 1024);
    CHECK(qw < 512 * 1024);
  }
}

TEST_CASE("SetLinger(0) then Close aborts: the peer's read fails with ECONNRESET") {
  Pair p = Connect();
  MUST(p.client.SetLinger(0));
  const linger l = MUST(netsctp::GetOption<linger>(p.client.fd(), SOL_SOCKET, SO_LINGER));
  CHECK(l.l_onoff == 1);
  CHECK(l.l_linger == 0);
  MUST(p.client.Close());
  CHECK_FALSE(p.client.IsOpen());
  CHECK(ReadError(p.server) == std::errc::connection_reset);
}

TEST_CASE("SetLinger: positive and negative values reach SO_LINGER") {
  Pair p = Connect();
  MUST(p.client.SetLinger(3));
  linger l = MUST(netsctp::GetOption<linger>(p.client.fd(), SOL_SOCKET, SO_LINGER));
  CHECK(l.l_onoff == 1);
  CHECK(l.l_linger == 3);
  MUST(p.client.SetLinger(-1));
  l = MUST(netsctp::GetOption<linger>(p.client.fd(), SOL_SOCKET, SO_LINGER));
  CHECK(l.l_onoff == 0);
  // With linger 3 Close is graceful: the data arrives, then end of stream.
  MUST(p.client.SetLinger(3));
  Send(p.client, "last words", 1, 60);
  MUST(p.client.Close());
  CHECK(Recv(p.server).data == "last words");
  CHECK(ReadError(p.server) == Errc::kEndOfStream);
}

TEST_CASE("Close is graceful by default: the peer reads the data, then end of stream") {
  Pair p = Connect();
  Send(p.client, "bye", 2, 60);
  MUST(p.client.Close());
  Received r = Recv(p.server);
  CHECK(r.data == "bye");
  CHECK(r.msg.info.sid == 2);
  CHECK(ReadError(p.server) == Errc::kEndOfStream);
  // Writing after the peer shut down fails (EPIPE) without killing the process.
  auto w = p.server.WriteMsg(Bytes("too late"));
  CHECK_FALSE(w.has_value());
}

TEST_CASE("Close with unread data aborts the association") {
  Pair p = Connect();
  Send(p.client, "never read", 1, 60);
  REQUIRE(Readable(p.server.fd(), 5s));
  MUST(p.server.Close());
  CHECK(ReadError(p.client) == std::errc::connection_reset);
}

TEST_CASE("CloseWrite starts a shutdown: the peer reads the data, then end of stream") {
  Pair p = Connect();
  Send(p.client, "last", 3, 60);
  MUST(p.client.CloseWrite());
  // The client may no longer send.
  CHECK(ErrOf(p.client.WriteMsg(Bytes("after shutdown"))) == std::errc::broken_pipe);
  Received r = Recv(p.server);
  CHECK(r.data == "last");
  CHECK(ReadError(p.server) == Errc::kEndOfStream);
  // SCTP has no half-close: the whole association ends, and a read on the
  // client must say so rather than wait forever (a blocking recvmsg gives
  // ENOTCONN here; poll() never reports the closed socket readable).
  const auto t0 = Clock::now();
  const std::error_code cerr = ReadError(p.client, 5s);
  INFO("client read after CloseWrite: " << Catch::StringMaker<std::error_code>::convert(cerr) << " after "
                                        << MsSince(t0) << " ms");
  CHECK((cerr == Errc::kEndOfStream || cerr == std::errc::not_connected));
}

TEST_CASE("CloseRead: reads end at once, writes still go through") {
  Pair p = Connect();
  MUST(p.client.CloseRead());
  const auto t0 = Clock::now();
  CHECK(ReadError(p.client, 3s) == Errc::kEndOfStream);
  CHECK(MsSince(t0) < 2000);
  Send(p.client, "still sending", 1, 60);
  CHECK(Recv(p.server).data == "still sending");
}

TEST_CASE("a deadline in the past fails at once, even when data is ready") {
  Pair p = Connect();
  Send(p.client, "ready", 1, 60);
  REQUIRE(Readable(p.server.fd(), 5s));
  std::vector<std::byte> buf(100);
  MUST(p.server.SetReadDeadline(Clock::now() - 1s));
  auto t0 = Clock::now();
  CHECK(ErrOf(p.server.ReadMsg(Buf(buf))) == Errc::kTimeout);
  CHECK(ErrOf(p.server.ReadFullMsg(Buf(buf))) == Errc::kTimeout);
  CHECK(ErrOf(p.server.Read(Buf(buf))) == Errc::kTimeout);
  CHECK(MsSince(t0) < 500);
  // The data is still there once the deadline is lifted.
  MUST(p.server.SetReadDeadline(netsctp::kNoDeadline));
  netsctp::Message m = MUST(p.server.ReadMsg(Buf(buf)));
  CHECK(Text(std::span<const std::byte>(buf.data(), m.n)) == "ready");

  // Write side: SetWriteDeadline, then SetDeadline (both directions).
  MUST(p.client.SetWriteDeadline(Clock::now() - 1ms));
  t0 = Clock::now();
  CHECK(ErrOf(p.client.WriteMsg(Bytes("late"))) == Errc::kTimeout);
  CHECK(ErrOf(p.client.Write(Bytes("late"))) == Errc::kTimeout);
  CHECK(MsSince(t0) < 500);
  MUST(p.client.SetWriteDeadline(netsctp::kNoDeadline));
  Send(p.client, "on time", 1, 60);
  CHECK(RecvAny(p.server).data == "on time");

  MUST(p.client.SetDeadline(Clock::now() - 1s));
  CHECK(ErrOf(p.client.WriteMsg(Bytes("late"))) == Errc::kTimeout);
  CHECK(ErrOf(p.client.ReadMsg(Buf(buf))) == Errc::kTimeout);
  MUST(p.client.SetDeadline(netsctp::kNoDeadline));
  Send(p.client, "fine again", 1, 60);
  CHECK(RecvAny(p.server).data == "fine again");
}

TEST_CASE("a future read deadline times out a blocked read; the connection stays usable") {
  Pair p = Connect();
  std::vector<std::byte> buf(100);
  MUST(p.server.SetReadDeadline(In(300ms)));
  const auto t0 = Clock::now();
  auto r = p.server.ReadMsg(Buf(buf));
  const auto ms = MsSince(t0);
  CHECK(ErrOf(r) == Errc::kTimeout);
  CHECK(ErrOf(r) == std::errc::timed_out);  // portable code can test for timeouts
  CHECK(ms >= 250);
  CHECK(ms < 3000);
  // A timeout does not break the association.
  MUST(p.server.SetReadDeadline(netsctp::kNoDeadline));
  Send(p.client, "after timeout", 1, 60);
  CHECK(RecvAny(p.server).data == "after timeout");
}

TEST_CASE("a deadline changed from another thread while a read waits takes effect") {
  Pair p = Connect();
  std::vector<std::byte> buf(100);
  SECTION("shortened: none -> 100 ms from now") {
    MUST(p.server.SetReadDeadline(netsctp::kNoDeadline));
    std::atomic<bool> set_ok{false};
    std::thread t([&] {
      std::this_thread::sleep_for(300ms);
      set_ok = p.server.SetReadDeadline(In(100ms)).has_value();
    });
    const auto t0 = Clock::now();
    auto r = p.server.ReadMsg(Buf(buf));
    const auto ms = MsSince(t0);
    t.join();
    CHECK(set_ok);
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(ms >= 350);
    CHECK(ms < 3000);
  }
  SECTION("extended: 300 ms -> 1500 ms") {
    MUST(p.server.SetReadDeadline(In(300ms)));
    std::atomic<bool> set_ok{false};
    std::thread t([&] {
      std::this_thread::sleep_for(100ms);
      set_ok = p.server.SetReadDeadline(In(1400ms)).has_value();
    });
    const auto t0 = Clock::now();
    auto r = p.server.ReadMsg(Buf(buf));
    const auto ms = MsSince(t0);
    t.join();
    CHECK(set_ok);
    CHECK(ErrOf(r) == Errc::kTimeout);
    CHECK(ms >= 1300);
    CHECK(ms < 5000);
  }
  SECTION("lifted from another thread, then data arrives") {
    MUST(p.server.SetReadDeadline(In(500ms)));
    std::thread t([&] {
      std::this_thread::sleep_for(100ms);
      (void)p.server.SetReadDeadline(netsctp::kNoDeadline);
      std::this_thread::sleep_for(800ms);
      (void)p.client.WriteMsg(Bytes("late but welcome"));
    });
    auto r = p.server.ReadMsg(Buf(buf));
    t.join();
    REQUIRE(r.has_value());
    CHECK(Text(std::span<const std::byte>(buf.data(), r->n)) == "late but welcome");
  }
}

TEST_CASE("Close from another thread wakes a blocked ReadMsg with kClosed") {
  Pair p = Connect();
  std::vector<std::byte> buf(100);
  std::atomic<bool> closed_ok{false};
  std::thread t([&] {
    std::this_thread::sleep_for(300ms);
    closed_ok = p.server.Close().has_value();
  });
  const auto t0 = Clock::now();
  auto r = p.server.ReadMsg(Buf(buf));
  const auto ms = MsSince(t0);
  t.join();
  CHECK(closed_ok);
  CHECK(ErrOf(r) == Errc::kClosed);
  CHECK(ms >= 250);
  CHECK(ms < 3000);
  CHECK(p.server.fd() == -1);
  CHECK(ErrOf(p.server.ReadMsg(Buf(buf))) == std::errc::bad_file_descriptor);
  // The peer sees the association end.
  CHECK(ReadError(p.client) == Errc::kEndOfStream);
}

namespace {

// Writes 4 KiB messages until a write fails; returns how many went through
// and the error of the failing write.
std::pair<int, std::error_code> FillSendBuffer(SctpConn& c, std::chrono::milliseconds per_write_deadline,
                                               long long* last_ms = nullptr) {
  const std::string chunk = Pattern(4096);
  for (int i = 0; i < 5000; ++i) {
    if (per_write_deadline.count() > 0) MUST(c.SetWriteDeadline(In(per_write_deadline)));
    const auto t0 = Clock::now();
    auto r = c.WriteMsg(Bytes(chunk));
    if (last_ms != nullptr) *last_ms = MsSince(t0);
    if (!r) return {i, r.error().code()};
  }
  return {5000, {}};
}

PairOptions SmallBuffers() {
  PairOptions o;
  o.dialer.init_options.socket_write_buffer_size = 16 * 1024;
  o.dialer.init_options.socket_read_buffer_size = 16 * 1024;
  o.listen_config.init_options.socket_read_buffer_size = 16 * 1024;
  o.listen_config.init_options.socket_write_buffer_size = 16 * 1024;
  return o;
}

}  // namespace

TEST_CASE("a write deadline ends a write blocked on a full send buffer") {
  Pair p = Connect(SmallBuffers());
  long long last_ms = 0;
  auto [sent, err] = FillSendBuffer(p.client, 400ms, &last_ms);
  CHECK(err == Errc::kTimeout);
  CHECK(sent > 0);
  CHECK(sent < 5000);
  CHECK(last_ms >= 350);
  CHECK(last_ms < 3000);
  // Once the peer reads, writing works again and everything sent arrives in order.
  MUST(p.client.SetWriteDeadline(netsctp::kNoDeadline));
  std::atomic<bool> wrote{false};
  std::thread t([&] { wrote = p.client.WriteMsg(Bytes("after the jam")).has_value(); });
  for (int i = 0; i < sent; ++i) {
    Received r = Recv(p.server);
    REQUIRE(r.data == Pattern(4096));
  }
  Received last = Recv(p.server);
  t.join();
  CHECK(wrote);
  CHECK(last.data == "after the jam");
}

TEST_CASE("Close from another thread wakes a WriteMsg blocked on a full send buffer") {
  Pair p = Connect(SmallBuffers());
  auto [sent, err] = FillSendBuffer(p.client, 300ms);
  REQUIRE(err == Errc::kTimeout);
  MUST(p.client.SetWriteDeadline(netsctp::kNoDeadline));
  std::atomic<bool> closed_ok{false};
  std::thread t([&] {
    std::this_thread::sleep_for(300ms);
    closed_ok = p.client.Close().has_value();
  });
  const auto t0 = Clock::now();
  auto r = p.client.WriteMsg(Bytes(Pattern(4096)));
  const auto ms = MsSince(t0);
  t.join();
  CHECK(closed_ok);
  CHECK(ErrOf(r) == Errc::kClosed);
  CHECK(ms >= 250);
  CHECK(ms < 3000);
  (void)sent;
}

TEST_CASE("non-blocking mode returns EAGAIN as a value") {
  Pair p = Connect(SmallBuffers());
  std::vector<std::byte> buf(100);
  MUST(p.server.SetNonBlocking(true));
  const auto t0 = Clock::now();
  CHECK(ErrOf(p.server.ReadMsg(Buf(buf))) == std::errc::resource_unavailable_try_again);
  CHECK(MsSince(t0) < 500);
  Send(p.client, "nb", 1, 60);
  REQUIRE(Readable(p.server.fd(), 5s));
  netsctp::Message m = MUST(p.server.ReadMsg(Buf(buf)));
  CHECK(Text(std::span<const std::byte>(buf.data(), m.n)) == "nb");
  // Back to blocking: the read waits (until its deadline).
  MUST(p.server.SetNonBlocking(false));
  MUST(p.server.SetReadDeadline(In(300ms)));
  const auto t1 = Clock::now();
  CHECK(ErrOf(p.server.ReadMsg(Buf(buf))) == Errc::kTimeout);
  CHECK(MsSince(t1) >= 250);
  // Writes: EAGAIN once the send buffer is full, never a block.
  MUST(p.client.SetNonBlocking(true));
  auto [sent, err] = FillSendBuffer(p.client, 0ms);
  CHECK(err == std::errc::resource_unavailable_try_again);
  CHECK(sent > 0);
  // The descriptor follows the mode: non-blocking for those who poll it,
  // blocking where reads sleep in the kernel.
  CHECK(NonBlocking(p.client.fd()));
  CHECK_FALSE(NonBlocking(p.server.fd()));
}

TEST_CASE("no SIGPIPE: writing after the peer aborted fails with EPIPE or ECONNRESET") {
  struct sigaction sa {};
  REQUIRE(::sigaction(SIGPIPE, nullptr, &sa) == 0);
  REQUIRE(sa.sa_handler == SIG_DFL);  // a SIGPIPE would kill this process
  Pair p = Connect();
  MUST(p.server.SetLinger(0));
  MUST(p.server.Close());
  std::error_code err;
  for (int i = 0; i < 200 && !err; ++i) {
    auto r = p.client.WriteMsg(Bytes("into the void"));
    if (!r) err = r.error().code();
    else std::this_thread::sleep_for(10ms);
  }
  INFO("write error: " << Catch::StringMaker<std::error_code>::convert(err));
  CHECK((err == std::errc::broken_pipe || err == std::errc::connection_reset));
  // Again, and through Write: still an error value, still alive.
  auto w = p.client.Write(Bytes("again"));
  CHECK_FALSE(w.has_value());
  CHECK((ErrOf(w) == std::errc::broken_pipe || ErrOf(w) == std::errc::connection_reset));
}

TEST_CASE("descriptors are close-on-exec; connections in blocking mode are blocking") {
  Pair p = Connect();
  CHECK(CloseOnExec(p.listener.fd()));
  CHECK(CloseOnExec(p.client.fd()));
  CHECK(CloseOnExec(p.server.fd()));
  CHECK(NonBlocking(p.listener.fd()));
  // Blocking reads sleep inside recvmsg; every other call passes MSG_DONTWAIT.
  CHECK_FALSE(NonBlocking(p.client.fd()));
  CHECK_FALSE(NonBlocking(p.server.fd()));
}

TEST_CASE("Release and Adopt round trip") {
  Pair p = Connect();
  const netsctp::SctpAddr remote = p.client.RemoteAddr();
  const netsctp::SctpAddr local = p.client.LocalAddr();
  const int fd = p.client.Release();
  REQUIRE(fd >= 0);
  CHECK(p.client.fd() == -1);
  CHECK_FALSE(p.client.IsOpen());
  CHECK(p.client.Release() == -1);
  CHECK(ErrOf(p.client.WriteMsg(Bytes("x"))) == std::errc::bad_file_descriptor);
  // Still open, still non-blocking, still connected.
  CHECK(FdOpen(fd));
  CHECK(NonBlocking(fd));
  SctpConn c = MUST(SctpConn::Adopt(fd));
  CHECK(c.fd() == fd);
  CHECK(c.RemoteAddr() == remote);
  CHECK(c.LocalAddr().port == local.port);
  CHECK(CloseOnExec(fd));
  Send(c, "adopted", 2, 60);
  Received r = RecvAny(p.server);
  CHECK(r.data == "adopted");
  CHECK(r.msg.info.sid == 2);
  Send(p.server, "to adopted", 3, 61);
  Received back = RecvAny(c);
  CHECK(back.data == "to adopted");
  CHECK(back.msg.has_info);
  CHECK(back.msg.info.ppid == 61);
}

TEST_CASE("Adopt takes a plain socket made elsewhere and sets it up") {
  netsctp::SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  const std::uint16_t port = l.Addr().port;
  const int fd = ::socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);  // blocking, no CLOEXEC, no RCVINFO
  REQUIRE(fd >= 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin) == 0);
  SctpConn c = MUST(SctpConn::Adopt(fd));
  CHECK_FALSE(NonBlocking(fd));  // its reads sleep in the kernel
  CHECK(CloseOnExec(fd));
  CHECK(c.RemoteAddr().port == port);
  CHECK(HasHost(c.RemoteAddr(), "127.0.0.1"));
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  Send(s, "hello adopted", 4, 60);
  Received r = RecvAny(c);
  CHECK(r.data == "hello adopted");
  CHECK(r.msg.has_info);  // SCTP_RECVRCVINFO was turned on
  CHECK(r.msg.info.sid == 4);
  CHECK(r.msg.info.ppid == 60);
}

TEST_CASE("Adopt refuses what is not an SCTP socket and leaves it open") {
  CHECK_FALSE(SctpConn::Adopt(-1).has_value());
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  auto r = SctpConn::Adopt(pipefd[0]);
  CHECK_FALSE(r.has_value());
  CHECK(FdOpen(pipefd[0]));
  ::close(pipefd[0]);
  ::close(pipefd[1]);
  const int tcp = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  REQUIRE(tcp >= 0);
  auto t = SctpConn::Adopt(tcp);
  CHECK_FALSE(t.has_value());
  CHECK(FdOpen(tcp));
  ::close(tcp);
}

namespace {

// Every call of an empty SctpConn fails with bad_file_descriptor.
void CheckEmpty(SctpConn& c) {
  CHECK(c.fd() == -1);
  CHECK_FALSE(c.IsOpen());
  CHECK(c.Release() == -1);
  const auto ebadf = std::errc::bad_file_descriptor;
  std::vector<std::byte> buf(16);
  std::array<std::byte, 64> oob{};
  SndInfo info;
  const netsctp::IpAddr ip = Ip("127.0.0.1");
  netsctp::SctpAddr addr;
  addr.ip_addrs.push_back(ip);
  CHECK(ErrOf(c.Read(Buf(buf))) == ebadf);
  CHECK(ErrOf(c.Write(Bytes("x"))) == ebadf);
  CHECK(ErrOf(c.ReadMsg(Buf(buf))) == ebadf);
  CHECK(ErrOf(c.ReadMsgExt(Buf(buf), oob)) == ebadf);
  CHECK(ErrOf(c.ReadFullMsg(Buf(buf))) == ebadf);
  CHECK(ErrOf(c.WriteMsg(Bytes("x"))) == ebadf);
  CHECK(ErrOf(c.WriteMsg(Bytes("x"), info)) == ebadf);
  CHECK(ErrOf(c.WriteMsgExt(Bytes("x"), &info, &ip)) == ebadf);
  CHECK(ErrOf(c.RefreshRemoteAddr()) == ebadf);
  CHECK(ErrOf(c.BindAdd("127.0.0.2")) == ebadf);
  CHECK(ErrOf(c.BindAdd(addr)) == ebadf);
  CHECK(ErrOf(c.BindRemove("127.0.0.2")) == ebadf);
  CHECK(ErrOf(c.BindRemove(addr)) == ebadf);
  CHECK(ErrOf(c.SetDeadline(In(1s))) == ebadf);
  CHECK(ErrOf(c.SetReadDeadline(In(1s))) == ebadf);
  CHECK(ErrOf(c.SetWriteDeadline(In(1s))) == ebadf);
  CHECK(ErrOf(c.SetNonBlocking(true)) == ebadf);
  CHECK(ErrOf(c.SetNoDelay(true)) == ebadf);
  CHECK(ErrOf(c.SetDisableFragments(true)) == ebadf);
  CHECK(ErrOf(c.SetLinger(0)) == ebadf);
  CHECK(ErrOf(c.ReadBufferSize()) == ebadf);
  CHECK(ErrOf(c.WriteBufferSize()) == ebadf);
  CHECK(ErrOf(c.SetReadBufferSize(65536)) == ebadf);
  CHECK(ErrOf(c.SetWriteBufferSize(65536)) == ebadf);
  CHECK(ErrOf(c.Status()) == ebadf);
  CHECK(ErrOf(c.Subscribe(std::span<const netsctp::EventType>{})) == ebadf);
  CHECK(ErrOf(c.Unsubscribe(std::span<const netsctp::EventType>{})) == ebadf);
  CHECK(ErrOf(c.GetRtoInfo()) == ebadf);
  CHECK(ErrOf(c.SetRtoInfo(netsctp::RtoInfo{100, 100, 1000})) == ebadf);
  CHECK(ErrOf(c.GetAssocParams()) == ebadf);
  CHECK(ErrOf(c.SetAssocParams(netsctp::AssocParams{})) == ebadf);
  CHECK(ErrOf(c.GetPathParams()) == ebadf);
  CHECK(ErrOf(c.GetPathParams(&ip)) == ebadf);
  CHECK(ErrOf(c.SetPathParams(netsctp::PathParams{})) == ebadf);
  CHECK(ErrOf(c.GetPrimaryAddr()) == ebadf);
  CHECK(ErrOf(c.SetPrimaryAddr(ip)) == ebadf);
  CHECK(ErrOf(c.GetPeerAddrInfo(ip)) == ebadf);
  CHECK(ErrOf(c.GetPeerAddrInfos()) == ebadf);
  CHECK(ErrOf(c.GetDefaultSndInfo()) == ebadf);
  CHECK(ErrOf(c.SetDefaultSndInfo(info)) == ebadf);
  CHECK(ErrOf(c.SetContext(1)) == ebadf);
  CHECK(ErrOf(c.GetContext()) == ebadf);
  CHECK(ErrOf(c.CloseRead()) == ebadf);
  CHECK(ErrOf(c.CloseWrite()) == ebadf);
  CHECK(ErrOf(c.Close()) == ebadf);
}

}  // namespace

TEST_CASE("empty, moved-from and closed connections answer every call with EBADF") {
  SECTION("default-constructed") {
    SctpConn c;
    CheckEmpty(c);
    CHECK(c.LocalAddr().ip_addrs.empty());
    CHECK(c.RemoteAddr().ip_addrs.empty());
  }
  SECTION("moved-from, by construction and by assignment") {
    Pair p = Connect();
    SctpConn moved(std::move(p.client));
    CheckEmpty(p.client);
    CHECK(moved.IsOpen());
    SctpConn assigned;
    assigned = std::move(p.server);
    CheckEmpty(p.server);
    // The targets work.
    Send(moved, "via moved", 1, 60);
    CHECK(RecvAny(assigned).data == "via moved");
    CHECK(assigned.RemoteAddr().port == moved.LocalAddr().port);
    // Move-assigning over an open connection closes it: the peer sees the end.
    Pair q = Connect();
    q.client = std::move(moved);
    CHECK(ReadError(q.server) == Errc::kEndOfStream);
  }
  SECTION("closed") {
    Pair p = Connect();
    MUST(p.client.Close());
    CheckEmpty(p.client);
  }
}

TEST_CASE("ReadFullMsg keeps a message's first pieces across EAGAIN and deadlines: nothing is lost") {
  // A small receive buffer makes large messages arrive in pieces, so a read
  // often finds the rest of its message not there yet.
  PairOptions o;
  o.listen_config.init_options.socket_read_buffer_size = 32 * 1024;
  Pair p = Connect(o);
  constexpr int kMessages = 3;
  constexpr std::size_t kSize = 300000;
  std::thread writer([&] {
    for (int i = 0; i < kMessages; ++i) {
      netsctp::SndInfo info;
      info.sid = static_cast<std::uint16_t>(i + 1);
      info.ppid = 46;
      if (!p.client.WriteMsg(Bytes(Pattern(kSize, static_cast<unsigned>(i))), info)) return;
    }
    (void)p.client.WriteMsg(Bytes("after"));
  });
  std::vector<std::byte> buf(1 << 20);
  std::vector<std::string> got;
  int waits = 0;
  const auto t0 = Clock::now();
  SECTION("non-blocking ReadMsgOrEvent") {
    MUST(p.server.SetNonBlocking(true));
    while (got.size() < kMessages + 1 && MsSince(t0) < 30000) {
      auto in = p.server.ReadMsgOrEvent(Buf(buf));
      if (!in && in.error() == std::errc::resource_unavailable_try_again) {
        ++waits;
        REQUIRE(Readable(p.server.fd(), 10s));
        continue;
      }
      REQUIRE(in.has_value());
      if (in->IsEvent()) continue;
      got.push_back(Text(std::span<const std::byte>(buf.data(), in->msg.n)));
    }
  }
  SECTION("blocking ReadFullMsg with short deadlines") {
    while (got.size() < kMessages + 1 && MsSince(t0) < 30000) {
      MUST(p.server.SetReadDeadline(In(2ms)));
      auto m = p.server.ReadFullMsg(Buf(buf));
      if (!m && m.error() == Errc::kTimeout) {
        ++waits;
        continue;
      }
      REQUIRE(m.has_value());
      if (m->Notification()) continue;
      got.push_back(Text(std::span<const std::byte>(buf.data(), m->n)));
    }
  }
  // Out of time (a slow lab): the writer may be blocked on a full window.
  // Closing its end wakes it, so that the join cannot hang.
  if (got.size() < kMessages + 1) (void)p.client.Close();
  writer.join();
  INFO("reads that had to wait: " << waits);
  REQUIRE(got.size() == kMessages + 1);
  for (int i = 0; i < kMessages; ++i) {
    CHECK(got[static_cast<std::size_t>(i)].size() == kSize);
    const bool intact = got[static_cast<std::size_t>(i)] == Pattern(kSize, static_cast<unsigned>(i));
    CHECK(intact);  // (not the 300 KB strings themselves in a failure report)
  }
  CHECK(got[kMessages] == "after");
  CHECK(waits > 0);  // the case this test is about did happen
}

TEST_CASE("a message too large for ReadFullMsg's buffer is reported once, even when draining it meets EAGAIN") {
  PairOptions o;
  o.listen_config.init_options.socket_read_buffer_size = 32 * 1024;
  Pair p = Connect(o);
  std::thread writer([&] {
    if (p.client.WriteMsg(Bytes(Pattern(300000)))) (void)p.client.WriteMsg(Bytes("next"));
  });
  MUST(p.server.SetNonBlocking(true));
  std::vector<std::byte> buf(64 * 1024);
  std::vector<std::string> outcomes;
  const auto t0 = Clock::now();
  while (outcomes.size() < 2 && MsSince(t0) < 30000) {
    auto m = p.server.ReadFullMsg(Buf(buf));
    if (!m && m.error() == std::errc::resource_unavailable_try_again) {
      REQUIRE(Readable(p.server.fd(), 10s));
      continue;
    }
    if (!m) {
      outcomes.push_back(m.error() == Errc::kMessageTooLarge ? "too large" : m.error().message());
    } else if (!m->Notification()) {
      outcomes.push_back(Text(std::span<const std::byte>(buf.data(), m->n)));
    }
  }
  if (outcomes.size() < 2) (void)p.client.Close();  // see above: the join must not hang
  writer.join();
  CHECK(outcomes == std::vector<std::string>{"too large", "next"});
}

TEST_CASE("conveniences: text and byte ranges are sent as they are; Message.data is exactly the message") {
  Pair p = Connect();
  netsctp::SndInfo info;
  info.sid = 2;
  info.ppid = 60;
  // A literal goes without its NUL; std::string, vector<char>, array<uint8_t> as their bytes.
  CHECK(MUST(p.client.WriteMsg("literal", info)) == 7);
  CHECK(MUST(p.client.WriteMsg(std::string("std::string"), &info)) == 11);
  const std::vector<char> chars{'v', 'e', 'c'};
  CHECK(MUST(p.client.WriteMsg(chars)) == 3);
  const std::array<std::uint8_t, 2> octets{0x00, 0xff};
  CHECK(MUST(p.client.Write(octets)) == 2);
  CHECK(MUST(p.client.Write("plain")) == 5);

  std::vector<std::byte> buf(1000);
  MUST(p.server.SetReadDeadlineAfter(10s));
  auto m = MUST(p.server.ReadMsg(buf));
  CHECK(m.Text() == "literal");
  CHECK(m.data.data() == buf.data());
  CHECK(m.data.size() == 7);
  CHECK(m.info.sid == 2);
  CHECK(m.info.ppid == 60);
  m = MUST(p.server.ReadFullMsg(buf));
  CHECK(m.Text() == "std::string");
  CHECK(m.info.sid == 2);
  std::array<netsctp::InMsg, 3> batch{};
  std::array<std::array<std::byte, 100>, 3> bufs{};
  for (std::size_t k = 0; k < batch.size(); ++k) batch[k].buf = bufs[k];
  std::size_t got = 0;
  while (got < batch.size()) {
    got += MUST(p.server.ReadMsgs(std::span(batch).subspan(got)));
  }
  CHECK(batch[0].msg.Text() == "vec");
  CHECK(batch[0].msg.info.sid == 0);
  REQUIRE(batch[1].msg.data.size() == 2);
  CHECK(batch[1].msg.data[0] == std::byte{0x00});
  CHECK(batch[1].msg.data[1] == std::byte{0xff});
  CHECK(batch[1].msg.data.data() == bufs[1].data());
  CHECK(batch[2].msg.Text() == "plain");
}

TEST_CASE("relative deadlines: SetReadDeadlineAfter times a read out, and stays until changed") {
  Pair p = Connect();
  std::vector<std::byte> buf(100);
  MUST(p.server.SetReadDeadlineAfter(300ms));
  const auto t0 = Clock::now();
  CHECK(ErrOf(p.server.ReadMsg(buf)) == Errc::kTimeout);
  CHECK(MsSince(t0) >= 250);
  // The deadline is a point in time: it has passed, so the next read fails at once.
  const auto t1 = Clock::now();
  CHECK(ErrOf(p.server.ReadMsg(buf)) == Errc::kTimeout);
  CHECK(MsSince(t1) < 250);
  MUST(p.server.SetDeadlineAfter(10s));
  Send(p.client, "in time");
  CHECK(MUST(p.server.ReadMsg(buf)).Text() == "in time");
  MUST(p.client.SetWriteDeadlineAfter(-1s));  // in the past: a write that would block fails at once
  MUST(p.client.SetWriteDeadlineAfter(10s));
  CHECK(MUST(p.client.WriteMsg("after")) == 5);
}
