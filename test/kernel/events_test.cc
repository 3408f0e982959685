// SCTP notifications provoked with the real kernel and read back parsed, on
// loopback with the lab's default sysctls (net.sctp.auth_enable=0,
// addip_enable=0, reconf_enable=0): COMM_UP with the negotiated stream counts,
// SHUTDOWN_EVENT and SHUTDOWN_COMP, COMM_LOST with the peer's abort cause,
// CANT_STR_ASSOC, RESTART, PEER_ADDR_CHANGE (ADDR_CONFIRMED), SENDER_DRY,
// SEND_FAILED_EVENT and the legacy SEND_FAILED, ADAPTATION_INDICATION,
// PARTIAL_DELIVERY_EVENT and AUTHENTICATION (the no-auth indication). Every
// event read is also checked to render as one line naming it.
//
// Run: tools/sctp-lab run --timeout 240 -- events_test -r cases
// (events_net_test.cc covers what needs sysctls or two namespaces.)
//
// REMOTE_ERROR is not provoked here: a Linux peer never sends an ERROR chunk
// on its own in these flows (it reports problems with ABORT, or answers
// out-of-the-blue packets with ABORT), and crafting one needs a raw-socket
// SCTP stack of our own. The unit tests (test/unit/event_test.cc) cover it
// from byte images built to the uapi layout.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "events_helpers.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/event.h"
#include "netsctp/listener.h"
#include "netsctp/log.h"

using namespace ktest;
using namespace evtest;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::CauseCode;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::SctpConn;

namespace {

std::span<std::byte> Buf(std::vector<std::byte>& v) { return {v.data(), v.size()}; }

// Removes the root qdisc of lo when the test ends, however it ends.
struct LoQdiscGuard {
  ~LoQdiscGuard() { (void)std::system("tc qdisc del dev lo root 2>/dev/null"); }
};

}  // namespace

TEST_CASE("COMM_UP on both sides carries the negotiated stream counts") {
  PairOptions o;
  o.listen_config.init_options.num_ostreams = 4;
  o.listen_config.init_options.max_instreams = 9;
  o.listen_config.events = {EventType::kAssocChange};
  o.dialer.init_options.num_ostreams = 7;
  o.dialer.init_options.max_instreams = 5;
  o.dialer.events = {EventType::kAssocChange};
  Pair p = Connect(o);

  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  auto c = client.ExpectAssoc(AssocChangeState::kCommUp);
  auto s = server.ExpectAssoc(AssocChangeState::kCommUp);
  const auto& cu = *c.As<AssocChangeEvent>();
  const auto& su = *s.As<AssocChangeEvent>();
  // Each side may send on min(own num_ostreams, peer's max_instreams).
  CHECK(cu.outbound_streams == 7);  // min(7, 9)
  CHECK(cu.inbound_streams == 4);   // min(5, 4)
  CHECK(su.outbound_streams == 4);  // min(4, 5)
  CHECK(su.inbound_streams == 7);   // min(9, 7)
  for (const AssocChangeEvent* e : {&cu, &su}) {
    CHECK(e->error == CauseCode::kNone);
    CHECK(e->flags == 0);
    CHECK(e->info.empty());  // Linux 6.1 reports no supported extensions
    CHECK_FALSE(e->Supports(netsctp::AssocExtension::kPr));
    CHECK_FALSE(e->AbortCause().has_value());
  }
  // The same counts and ids as SCTP_STATUS.
  const netsctp::Status cs = MUST(p.client.Status());
  const netsctp::Status ss = MUST(p.server.Status());
  CHECK(cu.assoc_id == cs.assoc_id);
  CHECK(su.assoc_id == ss.assoc_id);
  CHECK(cs.out_streams == cu.outbound_streams);
  CHECK(cs.in_streams == cu.inbound_streams);
  CHECK(ss.out_streams == su.outbound_streams);
  CHECK(ss.in_streams == su.inbound_streams);
  CHECK(c.text.find("outbound=7") != std::string::npos);
  CHECK(c.text.find("inbound=4") != std::string::npos);
  // Exactly one COMM_UP each.
  CHECK(client.Quiet(300ms));
  CHECK(client.Count<AssocChangeEvent>() == 1);
}

TEST_CASE("CloseWrite: the peer gets the data, SHUTDOWN_EVENT, then both get SHUTDOWN_COMP and end of stream") {
  PairOptions o;
  o.listen_config.events = {EventType::kAssocChange, EventType::kShutdown};
  o.dialer.events = {EventType::kAssocChange, EventType::kShutdown};
  Pair p = Connect(o);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  (void)client.ExpectAssoc(AssocChangeState::kCommUp);
  (void)server.ExpectAssoc(AssocChangeState::kCommUp);
  const std::int32_t cid = AssocId(p.client);
  const std::int32_t sid = AssocId(p.server);

  Send(p.client, "last words", 1, 60);
  MUST(p.client.CloseWrite());

  auto sh = server.Expect<netsctp::ShutdownEvent>();
  CHECK(sh.As<netsctp::ShutdownEvent>()->assoc_id == sid);
  CHECK(sh.As<netsctp::ShutdownEvent>()->flags == 0);
  // The data sent before the shutdown came first.
  REQUIRE(server.data().size() == 1);
  CHECK(server.data()[0] == "last words");
  CHECK(server.data_info()[0].info.sid == 1);
  CHECK(server.data_info()[0].info.ppid == 60);

  auto scomp = server.ExpectAssoc(AssocChangeState::kShutdownComp);
  auto ccomp = client.ExpectAssoc(AssocChangeState::kShutdownComp);
  CHECK(scomp.As<AssocChangeEvent>()->assoc_id == sid);
  CHECK(ccomp.As<AssocChangeEvent>()->assoc_id == cid);
  for (const auto* e : {scomp.As<AssocChangeEvent>(), ccomp.As<AssocChangeEvent>()}) {
    CHECK(e->error == CauseCode::kNone);
    CHECK(e->info.empty());
    CHECK(e->outbound_streams == 0);  // Linux reports stream counts only on COMM_UP and RESTART
    CHECK(e->inbound_streams == 0);
  }
  // Then end of stream on the side that received the SHUTDOWN.
  CHECK(server.End() == Errc::kEndOfStream);
  // The side that shut down never gets SHUTDOWN_EVENT, and once SHUTDOWN_COMP
  // is read its reads must end too rather than wait (a blocking recvmsg says
  // ENOTCONN here; poll() never reports this socket readable).
  const std::error_code cend = client.End();
  INFO("client read after SHUTDOWN_COMP: " << Catch::StringMaker<std::error_code>::convert(cend));
  CHECK((cend == Errc::kEndOfStream || cend == std::errc::not_connected));
  CHECK(client.Count<netsctp::ShutdownEvent>() == 0);
  CHECK(server.Count<netsctp::ShutdownEvent>() == 1);
}

TEST_CASE("a peer's abort (SetLinger(0) + Close): COMM_LOST with the user-abort cause") {
  PairOptions o;
  o.dialer.events = {EventType::kAssocChange};
  Pair p = Connect(o);
  EventReader client(p.client, "client");
  (void)client.ExpectAssoc(AssocChangeState::kCommUp);
  const std::int32_t cid = AssocId(p.client);

  MUST(p.server.SetLinger(0));
  MUST(p.server.Close());

  auto lost = client.ExpectAssoc(AssocChangeState::kCommLost);
  const auto& ev = *lost.As<AssocChangeEvent>();
  CHECK(ev.assoc_id == cid);
  CHECK(ev.outbound_streams == 0);
  CHECK(ev.inbound_streams == 0);
  CHECK(ev.error == CauseCode::kUserAbort);  // cause 12, converted from wire order
  CHECK(static_cast<std::uint16_t>(ev.error) == 12);
  // info holds the ABORT chunk's body: one User-Initiated Abort cause with no
  // reason (4 bytes: code 12, length 4).
  CHECK(ev.info.size() == 4);
  auto cause = ev.AbortCause();
  REQUIRE(cause.has_value());
  CHECK(cause->code == CauseCode::kUserAbort);
  CHECK(cause->info.empty());
  CHECK(lost.text.find("COMM_LOST") != std::string::npos);
  CHECK(lost.text.find("USER_ABORT") != std::string::npos);
  // The association is gone: reads fail now.
  CHECK(client.End() == std::errc::connection_reset);
}

TEST_CASE("a dial to a port with no listener: CANT_STR_ASSOC on the dialing socket") {
  std::uint16_t port = 0;
  {
    netsctp::SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
    port = l.Addr().port;
    MUST(l.Close());
  }
  REQUIRE(port != 0);
  // The Dialer closes its socket when the dial fails, and the notification
  // would go with it. The control hook runs on that socket before connect, so
  // it keeps a duplicate of the descriptor: the socket, and the notification
  // queued on it, outlive the failed dial, and the duplicate is read below.
  int kept = -1;
  netsctp::Dialer d;
  d.timeout = 5s;
  d.events = {EventType::kAssocChange};
  d.control = [&kept](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    kept = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (kept < 0) return netsctp::SystemError(errno, "dup");
    return {};
  };
  auto r = d.Dial("sctp", HostPort("127.0.0.1", port));
  REQUIRE_FALSE(r.has_value());
  CHECK(ErrOf(r) == std::errc::connection_refused);
  REQUIRE(kept >= 0);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{kept};

  // The socket never had an association, so SctpConn::Adopt (which reads the
  // peer's addresses) does not apply: read it with recvmsg and ParseEvent.
  REQUIRE(Readable(kept, 5000ms));
  std::array<std::byte, 4096> buf;
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const ssize_t n = ::recvmsg(kept, &msg, MSG_DONTWAIT);
  REQUIRE(n > 0);
  CHECK((msg.msg_flags & MSG_NOTIFICATION) != 0);
  CHECK((msg.msg_flags & MSG_EOR) != 0);
  auto ev = netsctp::ParseEvent(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n)));
  REQUIRE(ev.has_value());
  const std::string text = netsctp::ToString(*ev);
  INFO(text);
  CheckToString(*ev, text);
  const auto* ac = std::get_if<AssocChangeEvent>(&*ev);
  REQUIRE(ac != nullptr);
  CHECK(ac->state == AssocChangeState::kCantStrAssoc);
  // The listener-less port answers INIT with an ABORT that has no cause.
  CHECK(ac->error == CauseCode::kNone);
  CHECK(ac->outbound_streams == 0);
  CHECK(ac->inbound_streams == 0);
  CHECK(ac->info.empty());
  CHECK_FALSE(ac->AbortCause().has_value());
  CHECK(text.find("CANT_STR_ASSOC") != std::string::npos);
}

TEST_CASE("RESTART: a peer that comes back on the same address and port while the association lives") {
  PrivateNetwork();  // the test drops every packet on lo for a moment
  PairOptions o;
  o.listen_config.events = {EventType::kAssocChange};
  o.listen_config.init_options.num_ostreams = 6;
  o.listen_config.init_options.max_instreams = 8;
  o.dialer.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "127.0.0.1:0"));
  o.dialer.events = {EventType::kAssocChange};
  Pair p = Connect(o);
  EventReader server(p.server, "server");
  (void)server.ExpectAssoc(AssocChangeState::kCommUp);
  const std::int32_t sid = AssocId(p.server);
  const std::uint16_t client_port = p.client.LocalAddr().port;
  REQUIRE(client_port != 0);
  Send(p.client, "before", 0, 1);
  CHECK(Recv(p.server).data == "before");

  // The client vanishes without the server hearing of it: its ABORT is
  // dropped on lo (a crash, or a reboot of the peer host, looks the same).
  {
    LoQdiscGuard guard;
    Sh("tc qdisc add dev lo root netem loss 100%");
    MUST(p.client.SetLinger(0));
    MUST(p.client.Close());
    std::this_thread::sleep_for(100ms);
  }
  CHECK(MUST(p.server.Status()).state == netsctp::AssocState::kEstablished);

  // It comes back from the same address and port with other stream counts.
  netsctp::Dialer again;
  again.timeout = 10s;
  again.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "127.0.0.1:" + std::to_string(client_port)));
  again.init_options.num_ostreams = 5;
  again.init_options.max_instreams = 3;
  again.events = {EventType::kAssocChange};
  SctpConn client2 = MUST(again.Dial("sctp", HostPort("127.0.0.1", p.port)));
  REQUIRE(client2.LocalAddr().port == client_port);
  EventReader c2(client2, "client2");

  auto restart = server.ExpectAssoc(AssocChangeState::kRestart);
  const auto& ev = *restart.As<AssocChangeEvent>();
  CHECK(ev.assoc_id == sid);  // the same association, restarted
  CHECK(ev.error == CauseCode::kNone);
  CHECK(ev.outbound_streams == 3);  // min(6, 3)
  CHECK(ev.inbound_streams == 5);   // min(8, 5)
  CHECK(ev.info.empty());
  CHECK(restart.text.find("RESTART") != std::string::npos);
  auto up = c2.ExpectAssoc(AssocChangeState::kCommUp);
  CHECK(up.As<AssocChangeEvent>()->outbound_streams == 5);
  CHECK(up.As<AssocChangeEvent>()->inbound_streams == 3);

  // The restarted association is the old server connection: no new accept,
  // and data from the new client arrives on it.
  MUST(p.listener.SetDeadline(In(300ms)));
  CHECK(ErrOf(p.listener.Accept()) == Errc::kTimeout);
  Send(client2, "after restart", 2, 7);
  Received r = Recv(p.server);
  CHECK(r.data == "after restart");
  CHECK(r.msg.info.sid == 2);
  CHECK(r.msg.info.ssn == 0);  // the restart reset the stream sequence numbers
  // (SCTP_STATUS is not compared with the event: Linux 6.1 keeps the old
  // association's stream counts in SCTP_STATUS after a restart, here 6 and 8,
  // while the RESTART event reports the newly negotiated 3 and 5.)
}

TEST_CASE("multi-homed loopback: PEER_ADDR_CHANGE ADDR_CONFIRMED for the extra path on both sides") {
  PairOptions o;
  o.listen_address = "127.0.0.1/127.0.0.2:0";
  o.listen_config.control = ShortRto();
  o.listen_config.events = {EventType::kPeerAddrChange};
  // Only 127.0.0.1 is dialed: the client learns 127.0.0.2 from the INIT-ACK,
  // unconfirmed. (Linux treats every address given to connectx as confirmed
  // and reports nothing for it, RFC 9260 5.4.)
  o.dial_hosts = "127.0.0.1";
  o.dialer.local_addr = MUST(netsctp::ResolveSctpAddr("sctp", "127.0.0.1/127.0.0.2:0"));
  o.dialer.control = ShortRto();
  o.dialer.events = {EventType::kPeerAddrChange};
  Pair p = Connect(o);
  const std::uint16_t cport = p.client.LocalAddr().port;
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  using netsctp::PeerAddrChangeEvent;
  using netsctp::PeerAddrState;
  const auto confirmed = [](const char* host) {
    return [h = std::string(host)](const PeerAddrChangeEvent& e) {
      return e.state == PeerAddrState::kConfirmed && e.addr.String() == h;
    };
  };
  // 127.0.0.1 is confirmed by the handshake itself, without an event;
  // 127.0.0.2 by a heartbeat.
  auto c = client.Expect<PeerAddrChangeEvent>(confirmed("127.0.0.2"), 10s);
  auto s = server.Expect<PeerAddrChangeEvent>(confirmed("127.0.0.2"), 10s);
  const auto& ce = *c.As<PeerAddrChangeEvent>();
  const auto& se = *s.As<PeerAddrChangeEvent>();
  CHECK(ce.port == p.port);
  CHECK(se.port == cport);
  CHECK(ce.assoc_id == AssocId(p.client));
  CHECK(se.assoc_id == AssocId(p.server));
  CHECK(ce.Address().String() == HostPort("127.0.0.2", p.port));
  CHECK(se.Address().String() == HostPort("127.0.0.2", cport));
  for (const auto* e : {&ce, &se}) {
    CHECK(e->addr.Is4());
    CHECK(e->error == SCTP_HEARTBEAT_SUCCESS);  // confirmed by a heartbeat
    CHECK(e->flags == 0);
  }
  // And the kernel agrees that the path is active now.
  CHECK(MUST(p.client.GetPeerAddrInfo(Ip("127.0.0.2"))).state == netsctp::PathState::kActive);
}

TEST_CASE("SENDER_DRY fires on subscription when nothing is queued, again after acknowledged data, not once unsubscribed") {
  Pair p = Connect();
  EventReader client(p.client, "client");
  const std::int32_t cid = AssocId(p.client);
  // Not subscribed yet: nothing.
  CHECK(client.Quiet(200ms));

  MUST(p.client.Subscribe({EventType::kSenderDry}));
  auto dry = client.Next(2s);
  REQUIRE(dry);
  REQUIRE(dry->As<netsctp::SenderDryEvent>() != nullptr);
  CHECK(dry->As<netsctp::SenderDryEvent>()->assoc_id == cid);
  CHECK(dry->As<netsctp::SenderDryEvent>()->flags == 0);
  CHECK(dry->text.rfind("SENDER_DRY_EVENT", 0) == 0);

  // Data acknowledged by the peer empties the queue again.
  Send(p.client, "payload", 0, 9);
  CHECK(Recv(p.server).data == "payload");
  auto again = client.Expect<netsctp::SenderDryEvent>(5s);
  CHECK(again.As<netsctp::SenderDryEvent>()->assoc_id == cid);

  MUST(p.client.Unsubscribe({EventType::kSenderDry}));
  Send(p.client, "more", 0, 9);
  CHECK(Recv(p.server).data == "more");
  CHECK(client.Quiet(1s));  // the SACK comes within 200 ms
}

namespace {

constexpr std::uint32_t kContextBase = 0xC0DE0000;
constexpr std::size_t kFillSize = 1000;

// Message i of the send-failed test: its index in the first bytes, then a pattern.
std::string FillMessage(std::size_t i) {
  std::string s = "msg" + std::to_string(i) + ":";
  return s + Pattern(kFillSize - s.size(), static_cast<unsigned>(i));
}

struct Filled {
  std::size_t written = 0;  // messages 0..written-1 were accepted by WriteMsg
};

// Writes 1000-byte messages (stream 2, PPID 60, context kContextBase + i)
// until the send buffer stays full: the peer reads nothing.
Filled FillSendWindow(SctpConn& c) {
  MUST(c.SetNonBlocking(true));
  Filled f;
  int stalls = 0;
  while (f.written < 5000 && stalls < 3) {
    netsctp::SndInfo info;
    info.sid = 2;
    info.ppid = 60;
    info.context = kContextBase + static_cast<std::uint32_t>(f.written);
    const std::string m = FillMessage(f.written);
    auto r = c.WriteMsg(Bytes(m), info);
    if (r) {
      REQUIRE(*r == m.size());
      ++f.written;
      stalls = 0;
      continue;
    }
    REQUIRE(ErrOf(r) == std::errc::resource_unavailable_try_again);
    ++stalls;
    std::this_thread::sleep_for(300ms);
  }
  MUST(c.SetNonBlocking(false));
  return f;
}

}  // namespace

TEST_CASE("SEND_FAILED_EVENT returns each undelivered message with its send info when the peer aborts") {
  PairOptions o;
  o.listen_config.init_options.socket_read_buffer_size = 4096;  // a small window that the server never reads
  o.dialer.init_options.socket_write_buffer_size = 32768;
  o.dialer.events = {EventType::kAssocChange, EventType::kSendFailedEvent};
  Pair p = Connect(o);
  EventReader client(p.client, "client");
  (void)client.ExpectAssoc(AssocChangeState::kCommUp);
  const std::int32_t cid = AssocId(p.client);

  const Filled f = FillSendWindow(p.client);
  INFO("messages written: " << f.written);
  REQUIRE(f.written > 0);
  REQUIRE(f.written < 5000);
  const netsctp::Status before = MUST(p.client.Status());
  INFO("unacked " << before.unack_data << " pending " << before.pending_data);
  REQUIRE(before.unack_data + before.pending_data > 0);

  MUST(p.server.SetLinger(0));
  MUST(p.server.Close());

  (void)client.ExpectAssoc(AssocChangeState::kCommLost);
  // Then one SEND_FAILED_EVENT per message still queued.
  while (client.Next(2s)) {
  }
  std::vector<std::uint32_t> contexts;
  for (const OwnedEvent& e : client.events()) {
    const auto* sf = e.As<netsctp::SendFailedEvent>();
    if (sf == nullptr) continue;
    INFO(e.text);
    CHECK((sf->flags == netsctp::SendFailedFlags::kDataUnsent || sf->flags == netsctp::SendFailedFlags::kDataSent));
    CHECK(sf->Cause() == CauseCode::kUserAbort);  // the reason the association ended
    CHECK(sf->snd_info.sid == 2);
    CHECK(sf->snd_info.ppid == 60);  // host order
    CHECK(sf->assoc_id == cid);
    REQUIRE(sf->snd_info.context >= kContextBase);
    const std::size_t i = sf->snd_info.context - kContextBase;
    REQUIRE(i < f.written);
    // The whole message, byte for byte (one DATA chunk each).
    CHECK(sf->Frag() == netsctp::DataFragFlags::kNotFrag);
    CHECK(Text(sf->data) == FillMessage(i));
    contexts.push_back(sf->snd_info.context);
  }
  REQUIRE_FALSE(contexts.empty());
  // The undelivered messages are the newest ones, in order, up to the last written.
  for (std::size_t k = 1; k < contexts.size(); ++k) CHECK(contexts[k] == contexts[k - 1] + 1);
  CHECK(contexts.back() == kContextBase + f.written - 1);
  // Not subscribed to the legacy form: none of it.
  CHECK(client.Count<netsctp::LegacySendFailedEvent>() == 0);
}

TEST_CASE("ReadFullMsg drains a notification larger than its buffer, and the next one reads whole") {
  PairOptions o;
  o.listen_config.init_options.socket_read_buffer_size = 4096;
  o.dialer.init_options.socket_write_buffer_size = 32768;
  o.dialer.events = {EventType::kAssocChange, EventType::kSendFailedEvent};
  Pair p = Connect(o);
  EventReader client(p.client, "client");
  (void)client.ExpectAssoc(AssocChangeState::kCommUp);
  const Filled f = FillSendWindow(p.client);
  REQUIRE(f.written > 1);
  MUST(p.server.SetLinger(0));
  MUST(p.server.Close());
  (void)client.ExpectAssoc(AssocChangeState::kCommLost);

  // Each SEND_FAILED_EVENT carries a 1000-byte message: far more than 64 bytes.
  MUST(p.client.SetReadDeadline(std::chrono::steady_clock::now() + 5s));
  std::vector<std::byte> small(64);
  auto too_big = p.client.ReadFullMsg(Buf(small));
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error() == Errc::kMessageTooLarge);
  // The rest of that notification was drained: the next read is the next
  // notification from its first byte, and it parses.
  std::vector<std::byte> big(4096);
  auto next = p.client.ReadMsgOrEvent(Buf(big));
  REQUIRE(next.has_value());
  REQUIRE(next->IsEvent());
  const auto* sf = std::get_if<netsctp::SendFailedEvent>(&*next->event);
  REQUIRE(sf != nullptr);
  REQUIRE(sf->snd_info.context > kContextBase);  // not the first undelivered one: that was dropped
  CHECK(Text(sf->data) == FillMessage(sf->snd_info.context - kContextBase));
}

TEST_CASE("legacy SEND_FAILED returns each undelivered message with its sndrcvinfo when the peer aborts") {
  PairOptions o;
  o.listen_config.init_options.socket_read_buffer_size = 4096;
  o.dialer.init_options.socket_write_buffer_size = 32768;
  o.dialer.events = {EventType::kAssocChange, EventType::kSendFailed};
  Pair p = Connect(o);
  EventReader client(p.client, "client");
  (void)client.ExpectAssoc(AssocChangeState::kCommUp);
  const std::int32_t cid = AssocId(p.client);
  const Filled f = FillSendWindow(p.client);
  INFO("messages written: " << f.written);
  REQUIRE(f.written > 0);

  MUST(p.server.SetLinger(0));
  MUST(p.server.Close());
  (void)client.ExpectAssoc(AssocChangeState::kCommLost);
  while (client.Next(2s)) {
  }
  std::size_t seen = 0;
  for (const OwnedEvent& e : client.events()) {
    const auto* sf = e.As<netsctp::LegacySendFailedEvent>();
    if (sf == nullptr) continue;
    INFO(e.text);
    ++seen;
    CHECK(sf->Cause() == CauseCode::kUserAbort);
    CHECK(sf->info.stream == 2);
    CHECK(sf->info.ppid == 60);
    CHECK(sf->assoc_id == cid);
    REQUIRE(sf->info.context >= kContextBase);
    const std::size_t i = sf->info.context - kContextBase;
    REQUIRE(i < f.written);
    CHECK(Text(sf->data) == FillMessage(i));
  }
  CHECK(seen > 0);
  CHECK(client.Count<netsctp::SendFailedEvent>() == 0);
}

TEST_CASE("ADAPTATION_INDICATION: each side sees the value the other set in InitOptions") {
  PairOptions o;
  o.listen_config.init_options.adaptation_indication_enabled = true;
  o.listen_config.init_options.adaptation_indication = 0x01020304;
  o.listen_config.events = {EventType::kAdaptationIndication};
  o.dialer.init_options.adaptation_indication_enabled = true;
  o.dialer.init_options.adaptation_indication = 0xA1B2C3D4;
  o.dialer.events = {EventType::kAdaptationIndication};
  Pair p = Connect(o);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  auto c = client.Expect<netsctp::AdaptationEvent>(5s);
  auto s = server.Expect<netsctp::AdaptationEvent>(5s);
  CHECK(c.As<netsctp::AdaptationEvent>()->adaptation_ind == 0x01020304u);  // host order
  CHECK(s.As<netsctp::AdaptationEvent>()->adaptation_ind == 0xA1B2C3D4u);
  CHECK(c.As<netsctp::AdaptationEvent>()->assoc_id == AssocId(p.client));
  CHECK(s.As<netsctp::AdaptationEvent>()->assoc_id == AssocId(p.server));
  CHECK(c.text.find("0x01020304") != std::string::npos);

  // A client that sets none: the server hears of none.
  PairOptions plain;
  plain.listen_config.events = {EventType::kAdaptationIndication};
  Pair q = Connect(plain);
  EventReader server2(q.server, "server2");
  CHECK(server2.Quiet(500ms));
}

namespace {

constexpr std::size_t kBigSize = 200000;
constexpr std::uint16_t kBigSid = 3;

// A pair where the server is in partial delivery of a 200 KB message on
// stream 3: its receive buffer is far smaller than the message and its
// partial delivery point small, so the kernel hands over the first part
// before the rest can even be sent.
Pair PartialDeliveryPair() {
  PairOptions o;
  o.listen_config.init_options.socket_read_buffer_size = 16384;
  o.listen_config.events = {EventType::kPartialDelivery, EventType::kAssocChange};
  o.dialer.init_options.socket_write_buffer_size = 512 * 1024;
  Pair p = Connect(o);
  const std::uint32_t pd_point = 1024;
  MUST(netsctp::SetOption(p.server.fd(), IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, pd_point));
  // COMM_UP first, so that only the message and the abort's events remain.
  EventReader server(p.server, "server");
  (void)server.ExpectAssoc(AssocChangeState::kCommUp);
  Send(p.client, "small one first", kBigSid, 5);  // gives the big message SSN 1
  REQUIRE(Recv(p.server).data == "small one first");
  MUST(p.client.SetWriteDeadline(In(10s)));  // the message fits in the send buffer: no wait expected
  Send(p.client, Pattern(kBigSize, 9), kBigSid, 77);
  MUST(p.client.SetWriteDeadline(netsctp::kNoDeadline));
  return p;
}

}  // namespace

TEST_CASE("PARTIAL_DELIVERY_EVENT aborted when the sender aborts in the middle of a large message") {
  Pair p = PartialDeliveryPair();
  const std::int32_t sid = AssocId(p.server);
  const std::string big = Pattern(kBigSize, 9);
  std::vector<std::byte> small(1000);
  // The first piece, without EOR: partial delivery is under way.
  MUST(p.server.SetReadDeadline(In(5s)));
  netsctp::Message first = MUST(p.server.ReadMsg(Buf(small)));
  REQUIRE_FALSE(first.Notification());
  REQUIRE_FALSE(first.Eor());
  CHECK(first.info.sid == kBigSid);
  CHECK(first.info.ssn == 1);
  CHECK(first.info.ppid == 77);
  std::string got = Text(std::span<const std::byte>(small.data(), first.n));

  MUST(p.client.SetLinger(0));
  MUST(p.client.Close());

  // What was already delivered of the message may still be read (never with
  // EOR), then the event says the message will never be completed.
  std::optional<netsctp::Message> note;
  for (int i = 0; i < 1000 && !note; ++i) {
    MUST(p.server.SetReadDeadline(In(5s)));
    netsctp::Message m = MUST(p.server.ReadMsg(Buf(small)));
    if (m.Notification()) {
      note = m;
      break;
    }
    CHECK_FALSE(m.Eor());
    got += Text(std::span<const std::byte>(small.data(), m.n));
  }
  REQUIRE(note);
  INFO("partial data read: " << got.size() << " of " << big.size() << " bytes");
  CHECK(got.size() < big.size());
  CHECK((got == big.substr(0, got.size())));
  // A notification this small fits in 1000 bytes: one read, with EOR.
  REQUIRE(note->Eor());
  auto ev = netsctp::ParseEvent(std::span<const std::byte>(small.data(), note->n));
  REQUIRE(ev.has_value());
  const std::string text = netsctp::ToString(*ev);
  INFO(text);
  CheckToString(*ev, text);
  const auto* pd = std::get_if<netsctp::PartialDeliveryEvent>(&*ev);
  REQUIRE(pd != nullptr);
  CHECK(pd->indication == netsctp::PartialDeliveryIndication::kAborted);
  CHECK(pd->assoc_id == sid);
  CHECK(pd->flags == 0);
  CHECK(text.find("ABORTED") != std::string::npos);
  // Without I-DATA (message interleaving, off by default), Linux 6.1 does not
  // say which message was aborted: sctp_ulpq_abort_pd() passes stream 0 and
  // sequence 0 (only the interleaving path, sctp_intl_stream_abort_pd(),
  // fills them in). The message was on stream 3 with SSN 1.
  CHECK(pd->stream == 0);
  CHECK(pd->seq == 0);
  // Then the association is lost.
  EventReader server(p.server, "server");
  auto lost = server.ExpectAssoc(AssocChangeState::kCommLost, 5s);
  CHECK(lost.As<AssocChangeEvent>()->error == CauseCode::kUserAbort);
  CHECK(lost.As<AssocChangeEvent>()->assoc_id == sid);
}

TEST_CASE("ReadMsgOrEvent during an aborted partial delivery returns the PARTIAL_DELIVERY event, never its bytes as data") {
  Pair p = PartialDeliveryPair();
  const std::string big = Pattern(kBigSize, 9);
  // Let the kernel start handing the message over (partial delivery), then abort.
  REQUIRE(Readable(p.server.fd(), 5000ms));
  std::this_thread::sleep_for(200ms);
  MUST(p.client.SetLinger(0));
  MUST(p.client.Close());

  EventReader server(p.server, "server");
  auto pd = server.WaitFor<netsctp::PartialDeliveryEvent>(5s);
  // Whatever data came out is a prefix of the message and has no EOR: the
  // message was never completed. A notification's bytes glued to the end of
  // the partial data (and the event lost) would break both.
  for (std::size_t i = 0; i < server.data().size(); ++i) {
    const std::string& d = server.data()[i];
    INFO("data unit " << i << ": " << d.size() << " bytes, EOR " << server.data_info()[i].Eor());
    CHECK(d.size() < big.size());
    CHECK((d == big.substr(0, std::min(d.size(), big.size()))));
    CHECK_FALSE(server.data_info()[i].Eor());
  }
  CHECK(pd.has_value());
}

TEST_CASE("AUTHENTICATION: with auth disabled, both sides get the no-auth indication at start") {
  RequireSysctl("net.sctp.auth_enable", "0");
  // The server side subscribes on the listener after listen (inherited by
  // the accepted connection), the client on the Dialer.
  netsctp::SctpListener l = MUST(netsctp::Listen("sctp", "127.0.0.1:0"));
  MUST(l.Subscribe({EventType::kAuthentication}));
  PairOptions o;
  o.dialer.events = {EventType::kAuthentication};
  Pair p = ConnectTo(std::move(l), o);
  EventReader client(p.client, "client");
  EventReader server(p.server, "server");
  auto c = client.Expect<netsctp::AuthenticationEvent>(5s);
  auto s = server.Expect<netsctp::AuthenticationEvent>(5s);
  CHECK(c.As<netsctp::AuthenticationEvent>()->assoc_id == AssocId(p.client));
  CHECK(s.As<netsctp::AuthenticationEvent>()->assoc_id == AssocId(p.server));
  for (const auto* e : {c.As<netsctp::AuthenticationEvent>(), s.As<netsctp::AuthenticationEvent>()}) {
    CHECK(e->indication == netsctp::AuthIndication::kNoAuth);
    CHECK(e->keynumber == 0);
    CHECK(e->altkeynumber == 0);
    CHECK(e->flags == 0);
  }
  CHECK(c.text.find("NO_AUTH") != std::string::npos);
  // Only one, at start.
  CHECK(client.Quiet(300ms));
  CHECK(client.Count<netsctp::AuthenticationEvent>() == 1);
}

TEST_CASE("decoded notifications are logged at debug level through the library logger") {
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("%l %v");
  netsctp::SetLogger(logger);
  struct Restore {
    ~Restore() { netsctp::SetLogger(nullptr); }
  } restore;

  PairOptions o;
  o.dialer.events = {EventType::kAssocChange};
  Pair p = Connect(o);
  std::vector<std::byte> buf(1024);
  MUST(p.client.SetReadDeadline(std::chrono::steady_clock::now() + 5s));
  auto m = p.client.ReadMsg(Buf(buf));  // the raw read, no parsing asked for
  REQUIRE(m.has_value());
  REQUIRE(m->Notification());
  logger->flush();
  const std::string text = log.str();
  INFO(text);
  CHECK(text.find("debug notification ASSOC_CHANGE COMM_UP") != std::string::npos);
  CHECK(text.find("debug connect sctp") != std::string::npos);  // lifecycle too
}
