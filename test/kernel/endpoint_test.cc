// One-to-many endpoints against the real kernel: many associations on one
// socket from netsctp clients, lksctp-tools' sctp_test and sctp_darn;
// messages and replies routed by association id; per-association options and
// events; implicit set-up by sending; Connect; autoclose; shutdown and abort of
// one association; peeloff in the middle of traffic; IPv6 and multi-homing
// (namespaces a and b: sctp-lab run --net a-b --net a-b); misuse.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "helpers.h"
#include "netsctp/assoc.h"
#include "netsctp/endpoint.h"
#include "netsctp/event.h"

using namespace ktest;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::Errc;
using netsctp::EventType;
using netsctp::SctpConn;
using netsctp::SctpEndpoint;

namespace {

// A data message an endpoint read, with its text.
struct Unit {
  netsctp::EndpointMsg m;
  std::string data;
};

// Reads from `ep` until `n` data messages have arrived; events are recorded.
struct Seen {
  std::vector<Unit> data;
  std::vector<std::pair<EventType, std::int32_t>> events;               // type, assoc id
  std::map<std::int32_t, std::vector<AssocChangeState>> assoc_changes;  // per id
  std::map<std::int32_t, netsctp::CauseCode> lost_cause;
  std::map<std::int32_t, std::string> abort_info;  // COMM_LOST's abort cause info
};

void Collect(SctpEndpoint& ep, Seen& seen, std::size_t data, std::chrono::milliseconds timeout = 10s,
             std::function<bool(const Seen&)> done = {}) {
  std::vector<std::byte> buf(1 << 16);
  const auto end = Clock::now() + timeout;
  while (seen.data.size() < data || (done && !done(seen))) {
    INFO("waiting for data " << seen.data.size() << "/" << data);
    REQUIRE(Clock::now() < end);
    MUST(ep.SetReadDeadline(end));
    auto in = ep.ReadMsgOrEvent(buf);
    INFO("endpoint read: " << MessageOf(in));
    REQUIRE(in.has_value());
    if (in->event) {
      seen.events.emplace_back(netsctp::TypeOf(*in->event), in->assoc_id);
      CHECK(in->assoc_id == netsctp::AssocIdOf(*in->event));
      if (auto* ac = std::get_if<AssocChangeEvent>(&*in->event)) {
        seen.assoc_changes[ac->assoc_id].push_back(ac->state);
        if (ac->state == AssocChangeState::kCommLost) {
          seen.lost_cause[ac->assoc_id] = ac->error;
          if (auto cause = ac->AbortCause()) seen.abort_info[ac->assoc_id] = Text(cause->info);
        }
      }
      continue;
    }
    Unit u{*in, Text(std::span(buf).first(in->msg.n))};
    u.m.event.reset();
    seen.data.push_back(std::move(u));
  }
  MUST(ep.SetReadDeadline(netsctp::kNoDeadline));
}

// Reads until association `id` reached `state` (COMM_UP, SHUTDOWN_COMP, ...).
void WaitAssocState(SctpEndpoint& ep, Seen& seen, std::int32_t id, AssocChangeState state) {
  INFO("waiting for " << netsctp::Name(state) << " of association " << id);
  Collect(ep, seen, seen.data.size(), 10s, [&](const Seen& s) {
    auto it = s.assoc_changes.find(id);
    return it != s.assoc_changes.end() && std::count(it->second.begin(), it->second.end(), state) > 0;
  });
}

// The ids of the associations that came up, in order of arrival.
std::vector<std::int32_t> WaitCommUps(SctpEndpoint& ep, Seen& seen, std::size_t n) {
  std::vector<std::int32_t> ids;
  Collect(ep, seen, seen.data.size(), 10s, [&](const Seen& s) {
    ids.clear();
    for (auto [type, id] : s.events) {
      auto it = s.assoc_changes.find(id);
      if (type == EventType::kAssocChange && it != s.assoc_changes.end() &&
          it->second.front() == AssocChangeState::kCommUp &&
          std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(id);
      }
    }
    return ids.size() >= n;
  });
  return ids;
}

netsctp::SndInfo To(std::int32_t id, std::uint16_t sid = 0, std::uint32_t ppid = 0) {
  netsctp::SndInfo info;
  info.assoc_id = id;
  info.sid = sid;
  info.ppid = ppid;
  return info;
}

void Write(SctpEndpoint& ep, std::int32_t id, std::string_view text, std::uint16_t sid = 0, std::uint32_t ppid = 0) {
  auto n = ep.WriteMsg(Bytes(text), To(id, sid, ppid));
  INFO("write to association " << id << ": " << MessageOf(n));
  REQUIRE(n.has_value());
  CHECK(*n == text.size());
}

SctpConn DialEp(const SctpEndpoint& ep, std::string_view host = "127.0.0.1", std::string network = "sctp") {
  netsctp::Dialer d;
  d.timeout = 10s;
  return MUST(d.Dial(network, HostPort(host, ep.Addr().port)));
}

std::int32_t IdOf(const SctpEndpoint& ep, const SctpConn& client, std::string_view host = "127.0.0.1") {
  return MUST(ep.FindAssoc(Ip(host), client.LocalAddr().port));
}

}  // namespace

TEST_CASE("an endpoint serves several netsctp clients; messages and replies are routed by association id") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  REQUIRE(ep.Addr().port != 0);
  std::vector<SctpConn> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(DialEp(ep));
  for (int j = 0; j < 5; ++j) {
    for (int i = 0; i < 3; ++i) {
      Send(clients[static_cast<std::size_t>(i)], "c" + std::to_string(i) + "-m" + std::to_string(j), static_cast<std::uint16_t>(i + 1),
           static_cast<std::uint32_t>(60 + i));
    }
  }
  Seen seen;
  Collect(ep, seen, 15);
  std::map<std::int32_t, std::vector<std::string>> by_assoc;
  for (const Unit& u : seen.data) {
    REQUIRE(u.m.msg.has_info);
    CHECK(u.m.assoc_id == u.m.msg.info.assoc_id);
    CHECK(u.m.from == Ip("127.0.0.1"));
    const int i = u.data[1] - '0';
    CHECK(u.m.msg.info.sid == i + 1);
    CHECK(u.m.msg.info.ppid == static_cast<std::uint32_t>(60 + i));
    CHECK(u.m.port == clients[static_cast<std::size_t>(i)].LocalAddr().port);
    by_assoc[u.m.assoc_id].push_back(u.data);
  }
  REQUIRE(by_assoc.size() == 3);
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 3; ++i) {
    const std::int32_t id = IdOf(ep, clients[static_cast<std::size_t>(i)]);
    ids.push_back(id);
    std::vector<std::string> want;
    for (int j = 0; j < 5; ++j) want.push_back("c" + std::to_string(i) + "-m" + std::to_string(j));
    CHECK(by_assoc[id] == want);
    // Its COMM_UP came first, with the same id.
    REQUIRE(seen.assoc_changes.count(id) == 1);
    CHECK(seen.assoc_changes[id].front() == AssocChangeState::kCommUp);
  }
  auto listed = MUST(ep.Assocs());
  std::sort(listed.begin(), listed.end());
  std::vector<std::int32_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  CHECK(listed == sorted);

  for (int i = 0; i < 3; ++i) Write(ep, ids[static_cast<std::size_t>(i)], "reply-" + std::to_string(i), 2, 99);
  for (int i = 0; i < 3; ++i) {
    Received r = Recv(clients[static_cast<std::size_t>(i)]);
    CHECK(r.data == "reply-" + std::to_string(i));
    CHECK(r.msg.info.sid == 2);
    CHECK(r.msg.info.ppid == 99);
  }
}

TEST_CASE("lksctp-tools' one-to-many sctp_test and sctp_darn clients beside a netsctp client, each its own association") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  const std::string port = std::to_string(ep.Addr().port);
  const std::string test_out = TempPath("ep-sctp_test.out");
  const std::string darn_in = TempPath("ep-darn.in");
  const std::string darn_out = TempPath("ep-darn.out");
  {
    std::ofstream f(darn_in);
    f << "hello from darn\n";
  }
  INFO("needs sctp_test and sctp_darn (Debian package lksctp-tools)");
  // sctp_test: 10 one-byte messages (test case 0) from its own one-to-many socket.
  Child test({"sctp_test", "-H", "127.0.0.1", "-P", "0", "-h", "127.0.0.1", "-p", port, "-s", "-c", "0", "-x", "10"},
             test_out);
  Child darn({"sctp_darn", "-H", "127.0.0.1", "-h", "127.0.0.1", "-p", port, "-s"}, darn_out, darn_in);
  REQUIRE(test.pid() > 0);
  REQUIRE(darn.pid() > 0);
  SctpConn mine = DialEp(ep);
  Send(mine, "hello from netsctp", 3, 46);
  Seen seen;
  std::map<std::int32_t, std::vector<std::string>> by_assoc;
  std::int32_t darn_id = 0, mine_id = 0;
  Collect(ep, seen, 12, 20s, [&](const Seen& s) {
    by_assoc.clear();
    for (const Unit& u : s.data) by_assoc[u.m.assoc_id].push_back(u.data);
    return by_assoc.size() >= 3;
  });
  INFO("sctp_test output:\n" << ReadFile(test_out) << "\nsctp_darn output:\n" << ReadFile(darn_out));
  for (auto& [id, msgs] : by_assoc) {
    if (msgs.front().rfind("hello from darn", 0) == 0) darn_id = id;
    if (msgs.front() == "hello from netsctp") mine_id = id;
  }
  CHECK(darn_id != 0);
  CHECK(mine_id == IdOf(ep, mine));
  REQUIRE(by_assoc.size() == 3);
  for (auto& [id, msgs] : by_assoc) {
    if (id == darn_id || id == mine_id) continue;
    // sctp_test's association: one-byte messages only.
    CHECK(msgs.size() >= 1);
    for (const std::string& m : msgs) CHECK(m.size() == 1);
  }
  // The reply reaches the netsctp client only.
  Write(ep, mine_id, "back", 3, 46);
  CHECK(Recv(mine).data == "back");
  std::remove(darn_in.c_str());
  std::remove(darn_out.c_str());
  std::remove(test_out.c_str());
}

TEST_CASE("per-association options on an endpoint: each association keeps its own, Defaults() set the next ones") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  SctpConn a = DialEp(ep);
  SctpConn b = DialEp(ep);
  Seen seen;
  WaitCommUps(ep, seen, 2);
  const std::int32_t ida = IdOf(ep, a), idb = IdOf(ep, b);
  REQUIRE(ida != idb);
  const netsctp::AssocOptions oa = MUST(ep.Assoc(ida));
  const netsctp::AssocOptions ob = MUST(ep.Assoc(idb));
  CHECK(oa.AssocId() == ida);

  MUST(oa.SetRtoInfo({1000, 200, 3000}));
  MUST(ob.SetRtoInfo({1500, 300, 4000}));
  CHECK(MUST(oa.GetRtoInfo()) == netsctp::RtoInfo{1000, 200, 3000});
  CHECK(MUST(ob.GetRtoInfo()) == netsctp::RtoInfo{1500, 300, 4000});

  const netsctp::Status sa = MUST(oa.Status());
  CHECK(sa.assoc_id == ida);
  CHECK(sa.state == netsctp::AssocState::kEstablished);
  CHECK(sa.primary.port == a.LocalAddr().port);
  const auto paths = MUST(ob.GetPeerAddrInfos());
  REQUIRE(paths.size() == 1);
  CHECK(paths[0].assoc_id == idb);
  CHECK(paths[0].port == b.LocalAddr().port);
  CHECK(paths[0].state == netsctp::PathState::kActive);

  netsctp::PathParams hb;
  hb.heartbeat_interval = 5000;
  MUST(ob.SetPathParams(hb));
  CHECK(MUST(ob.GetPathParams()).heartbeat_interval == 5000);
  CHECK(MUST(oa.GetPathParams()).heartbeat_interval != 5000);

  netsctp::SndInfo def;
  def.sid = 2;
  def.ppid = 7;
  MUST(ob.SetDefaultSndInfo(def));
  const netsctp::SndInfo got = MUST(ob.GetDefaultSndInfo());
  CHECK(got.sid == 2);
  CHECK(got.ppid == 7);
  CHECK(MUST(oa.GetDefaultSndInfo()).ppid == 0);

  // Each association's context shows in the RcvInfo of its own messages.
  MUST(oa.SetContext(111));
  MUST(ob.SetContext(222));
  CHECK(MUST(oa.GetContext()) == 111);
  Send(a, "from-a");
  Send(b, "from-b");
  Collect(ep, seen, 2);
  for (const Unit& u : seen.data) {
    CHECK(u.m.msg.info.context == (u.data == "from-a" ? 111u : 222u));
    CHECK(u.m.assoc_id == (u.data == "from-a" ? ida : idb));
  }

  // Subscriptions per association: a no longer reports the peer's SHUTDOWN, b does.
  MUST(oa.Unsubscribe({EventType::kShutdown}));
  MUST(a.Close());
  MUST(b.Close());
  WaitAssocState(ep, seen, ida, AssocChangeState::kShutdownComp);
  WaitAssocState(ep, seen, idb, AssocChangeState::kShutdownComp);
  const auto shutdowns = [&](std::int32_t id) {
    return std::count(seen.events.begin(), seen.events.end(), std::make_pair(EventType::kShutdown, id));
  };
  CHECK(shutdowns(ida) == 0);
  CHECK(shutdowns(idb) == 1);

  // Defaults: the next association starts with them, the endpoint's own stay.
  // Whole multiples of 100 ms: Linux keeps RTOs in clock ticks, so a value
  // between ticks reads back rounded (250 ms is 252 with HZ=250).
  MUST(ep.Defaults().SetRtoInfo({2000, 300, 5000}));
  SctpConn c = DialEp(ep);
  WaitCommUps(ep, seen, 3);
  CHECK(MUST(MUST(ep.Assoc(IdOf(ep, c))).GetRtoInfo()) == netsctp::RtoInfo{2000, 300, 5000});
}

TEST_CASE("events per association: SHUTDOWN_COMP and COMM_LOST name the right id while the others go on") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  std::vector<SctpConn> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(DialEp(ep));
  Seen seen;
  WaitCommUps(ep, seen, 3);
  std::vector<std::int32_t> ids;
  for (auto& c : clients) ids.push_back(IdOf(ep, c));

  MUST(clients[0].Close());  // graceful
  WaitAssocState(ep, seen, ids[0], AssocChangeState::kShutdownComp);
  MUST(clients[1].SetLinger(0));
  MUST(clients[1].Close());  // ABORT
  WaitAssocState(ep, seen, ids[1], AssocChangeState::kCommLost);
  CHECK(seen.lost_cause[ids[1]] == netsctp::CauseCode::kUserAbort);
  for (std::int32_t id : {ids[0], ids[1]}) CHECK(seen.assoc_changes[id].size() == 2);  // COMM_UP and the end
  CHECK(seen.assoc_changes[ids[2]] == std::vector<AssocChangeState>{AssocChangeState::kCommUp});

  Send(clients[2], "still here");
  Collect(ep, seen, 1);
  CHECK(seen.data.back().data == "still here");
  CHECK(seen.data.back().m.assoc_id == ids[2]);
  Write(ep, ids[2], "yes");
  CHECK(Recv(clients[2]).data == "yes");
  CHECK(MUST(ep.Assocs()) == std::vector<std::int32_t>{ids[2]});
}

TEST_CASE("Shutdown and Abort of one association; the abort reason reaches the peer; the others go on") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  netsctp::EndpointConfig dial_only;
  dial_only.listen = false;
  SctpEndpoint peer = MUST(dial_only.Open("sctp4", "127.0.0.1:0"));
  SctpConn c0 = DialEp(ep);
  SctpConn c1 = DialEp(ep);
  const std::int32_t peer_side = MUST(peer.Connect(ep.Addr()));
  Seen seen, peer_seen;
  WaitCommUps(ep, seen, 3);
  WaitAssocState(peer, peer_seen, peer_side, AssocChangeState::kCommUp);
  const std::int32_t id0 = IdOf(ep, c0);
  const std::int32_t id_peer = MUST(ep.FindAssoc(Ip("127.0.0.1"), peer.Addr().port));

  MUST(ep.Shutdown(id0));
  CHECK(ReadError(c0) == Errc::kEndOfStream);
  WaitAssocState(ep, seen, id0, AssocChangeState::kShutdownComp);

  MUST(ep.Abort(id_peer, Bytes("overload, try later")));
  WaitAssocState(peer, peer_seen, peer_side, AssocChangeState::kCommLost);
  CHECK(peer_seen.lost_cause[peer_side] == netsctp::CauseCode::kUserAbort);
  CHECK(peer_seen.abort_info[peer_side] == "overload, try later");
  CHECK(MUST(peer.Assocs()).empty());

  Send(c1, "c1 goes on");
  Collect(ep, seen, 1);
  CHECK(seen.data.back().m.assoc_id == IdOf(ep, c1));
  CHECK(MUST(ep.Assocs()) == std::vector<std::int32_t>{IdOf(ep, c1)});
}

TEST_CASE("associations started by Connect and implicitly by SendTo") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  netsctp::EndpointConfig dial_only;
  dial_only.listen = false;
  SctpEndpoint sender = MUST(dial_only.Open("sctp4", "127.0.0.1:0"));
  Seen seen, sender_seen;

  // Implicit: the first message starts the association and travels with it.
  netsctp::SndInfo info;
  info.sid = 1;
  info.ppid = 46;
  CHECK(MUST(sender.SendTo(Bytes("first"), ep.Addr(), &info)) == 5);
  Collect(ep, seen, 1);
  const Unit first = seen.data.back();
  CHECK(first.data == "first");
  CHECK(first.m.msg.info.sid == 1);
  CHECK(first.m.msg.info.ppid == 46);
  CHECK(first.m.port == sender.Addr().port);
  const std::int32_t at_sender = MUST(sender.FindAssoc(Ip("127.0.0.1"), ep.Addr().port));
  WaitAssocState(sender, sender_seen, at_sender, AssocChangeState::kCommUp);
  // The same destination: the same association (text sends as SctpConn's).
  CHECK(MUST(sender.SendTo("second", ep.Addr())) == 6);
  Collect(ep, seen, 2);
  CHECK(seen.data.back().m.assoc_id == first.m.assoc_id);
  CHECK(MUST(sender.Assocs()).size() == 1);
  Write(ep, first.m.assoc_id, "answer");
  Collect(sender, sender_seen, 1);
  CHECK(sender_seen.data.back().data == "answer");
  CHECK(sender_seen.data.back().m.assoc_id == at_sender);

  // Connect: the id at once; a write before COMM_UP is queued and delivered.
  SctpEndpoint other = MUST(dial_only.Open("sctp4", "127.0.0.1:0"));
  Seen other_seen;
  const std::int32_t id = MUST(other.Connect(ep.Addr()));
  CHECK(id > 0);
  CHECK(MUST(other.WriteMsg(std::string("early"), To(id))) == 5);
  WaitAssocState(other, other_seen, id, AssocChangeState::kCommUp);
  Collect(ep, seen, 3);
  CHECK(seen.data.back().data == "early");
  CHECK(seen.data.back().m.port == other.Addr().port);
}

TEST_CASE("autoclose shuts idle associations down") {
  netsctp::EndpointConfig cfg;
  cfg.autoclose = 1s;
  SctpEndpoint ep = MUST(cfg.Open("sctp4", "127.0.0.1:0"));
  CHECK(MUST(ep.Autoclose()) == 1s);
  SctpConn c = DialEp(ep);
  Send(c, "once");
  Seen seen;
  Collect(ep, seen, 1);
  const std::int32_t id = seen.data.back().m.assoc_id;
  const auto t0 = Clock::now();
  CHECK(ReadError(c, 10s) == Errc::kEndOfStream);
  CHECK(MsSince(t0) >= 500);
  WaitAssocState(ep, seen, id, AssocChangeState::kShutdownComp);
  MUST(ep.SetAutoclose(0s));
  CHECK(MUST(ep.Autoclose()) == 0s);
}

TEST_CASE("PeelOff in the middle of traffic: nothing lost, options and subscriptions kept, the others served") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  SctpConn a = DialEp(ep);
  SctpConn b = DialEp(ep);
  Seen seen;
  WaitCommUps(ep, seen, 2);
  const std::int32_t ida = IdOf(ep, a), idb = IdOf(ep, b);
  for (int i = 0; i < 10; ++i) Send(a, "a-" + std::to_string(i));
  Collect(ep, seen, 4);  // some read by the endpoint, the rest still queued there
  MUST(MUST(ep.Assoc(ida)).SetContext(77));

  SctpConn peeled = MUST(ep.PeelOff(ida));
  CHECK(CloseOnExec(peeled.fd()));
  CHECK(NonBlocking(peeled.fd()));
  CHECK(peeled.RemoteAddr().port == a.LocalAddr().port);
  CHECK(MUST(peeled.GetContext()) == 77);
  CHECK(MUST(ep.Assocs()) == std::vector<std::int32_t>{idb});
  for (int i = 10; i < 20; ++i) Send(a, "a-" + std::to_string(i));

  // Every message of a arrives exactly once, in order: first on the endpoint,
  // then (queued ones move with the association) on the peeled connection.
  std::vector<std::string> got;
  for (const Unit& u : seen.data) got.push_back(u.data);
  while (got.size() < 20) {
    Received r = Recv(peeled);
    got.push_back(r.data);
    CHECK(r.msg.info.context == 77);
  }
  std::vector<std::string> want;
  for (int i = 0; i < 20; ++i) want.push_back("a-" + std::to_string(i));
  CHECK(got == want);

  // Both directions on the peeled connection; the endpoint serves b meanwhile.
  Send(peeled, "to-a");
  CHECK(Recv(a).data == "to-a");
  Send(b, "b-1");
  Collect(ep, seen, 5);
  CHECK(seen.data.back().data == "b-1");
  CHECK(seen.data.back().m.assoc_id == idb);
  Write(ep, idb, "to-b");
  CHECK(Recv(b).data == "to-b");

  // The subscriptions came along: a's SHUTDOWN reaches the peeled connection.
  MUST(a.Close());
  std::vector<std::byte> buf(4096);
  bool shutdown_event = false;
  for (;;) {
    MUST(peeled.SetReadDeadline(In(10s)));
    auto in = peeled.ReadMsgOrEvent(buf);
    if (!in) {
      CHECK(in.error() == Errc::kEndOfStream);
      break;
    }
    if (in->event && netsctp::TypeOf(*in->event) == EventType::kShutdown) shutdown_event = true;
  }
  CHECK(shutdown_event);
}

TEST_CASE("a peeled-off connection ends a blocked read when the peer aborts; Adopt takes a peeled socket") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  SctpConn a = DialEp(ep);
  Seen seen;
  WaitCommUps(ep, seen, 1);
  SctpConn peeled = MUST(ep.PeelOff(IdOf(ep, a)));
  // Adopt: the raw descriptor of a peeled socket is a one-to-one SCTP socket.
  const int raw = peeled.Release();
  peeled = MUST(SctpConn::Adopt(raw));
  CHECK(ErrOf(SctpConn::Adopt(ep.fd())) == std::errc::not_supported);

  netsctp::Result<std::size_t> r = std::errc::operation_in_progress;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::vector<std::byte> buf(1024);
    r = peeled.Read(buf);
    done = true;
  });
  std::this_thread::sleep_for(200ms);
  CHECK_FALSE(done.load());
  MUST(a.SetLinger(0));
  MUST(a.Close());
  const auto end = Clock::now() + 10s;
  while (!done && Clock::now() < end) std::this_thread::sleep_for(20ms);
  if (!done) MUST(peeled.Close());  // unblock it, then fail below
  reader.join();
  CHECK(ErrOf(r) == std::errc::connection_reset);
  pollfd p{peeled.fd(), POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 1);
  CHECK((p.revents & POLLHUP) != 0);

  // A graceful end, with no ASSOC_CHANGE subscription to announce it (Linux
  // gives a peeled socket no other sign): a blocked read still ends.
  SctpConn b = DialEp(ep);
  WaitCommUps(ep, seen, 2);
  const std::int32_t idb = IdOf(ep, b);
  MUST(MUST(ep.Assoc(idb)).Unsubscribe({EventType::kAssocChange, EventType::kShutdown}));
  SctpConn quiet = MUST(ep.PeelOff(idb));
  done = false;
  std::thread reader2([&] {
    std::vector<std::byte> buf(1024);
    r = quiet.Read(buf);
    done = true;
  });
  std::this_thread::sleep_for(200ms);
  MUST(b.Close());
  const auto end2 = Clock::now() + 10s;
  while (!done && Clock::now() < end2) std::this_thread::sleep_for(20ms);
  if (!done) MUST(quiet.Close());
  reader2.join();
  CHECK(ErrOf(r) == Errc::kEndOfStream);
  CHECK(ErrOf(quiet.Alive()) == Errc::kEndOfStream);
}

TEST_CASE("misuse on an endpoint: clear errors, nothing lost") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  SctpConn a = DialEp(ep);
  SctpConn gone = DialEp(ep);
  Seen seen;
  WaitCommUps(ep, seen, 2);
  const std::int32_t ida = IdOf(ep, a), id_gone = IdOf(ep, gone);
  const std::int32_t unknown = 0x7fff0000;

  auto w = ep.WriteMsg(Bytes("x"), To(unknown));
  CHECK(ErrOf(w) == Errc::kUnknownAssoc);
  CHECK_THAT(MessageOf(w), Catch::Contains("association 2147418112"));
  CHECK(ErrOf(ep.Assoc(unknown)) == Errc::kUnknownAssoc);
  CHECK(ErrOf(ep.PeelOff(unknown)) == Errc::kUnknownAssoc);
  CHECK(ErrOf(ep.Shutdown(unknown)) == Errc::kUnknownAssoc);
  CHECK(ErrOf(ep.Abort(unknown)) == Errc::kUnknownAssoc);
  CHECK(ErrOf(ep.FindAssoc(Ip("127.0.0.1"), 9)) == Errc::kUnknownAssoc);

  // An association that has ended is unknown from then on.
  MUST(gone.Close());
  WaitAssocState(ep, seen, id_gone, AssocChangeState::kShutdownComp);
  CHECK(ErrOf(ep.PeelOff(id_gone)) == Errc::kUnknownAssoc);
  CHECK(ErrOf(ep.WriteMsg(Bytes("x"), To(id_gone))) == Errc::kUnknownAssoc);
  CHECK(ErrOf(ep.Assoc(id_gone)) == Errc::kUnknownAssoc);

  // A destination that is not one of the association's addresses.
  auto to = ep.WriteMsgTo(Bytes("x"), To(ida), Ip("127.0.0.2"));
  CHECK(ErrOf(to) == Errc::kNoSuitableAddress);
  CHECK_THAT(MessageOf(to), Catch::Contains("127.0.0.2"));
  // ... and one that is.
  CHECK(MUST(ep.WriteMsgTo(Bytes("via path"), To(ida), Ip("127.0.0.1"))) == 8);
  CHECK(Recv(a).data == "via path");

  auto far = ep.WriteMsg(Bytes("x"), To(ida, 100));
  CHECK(ErrOf(far) == std::errc::invalid_argument);  // stream >= outbound: named, with the association
  const auto outbound = MUST(MUST(ep.Assoc(ida)).Status()).out_streams;
  CHECK_THAT(MessageOf(far), Catch::Contains("association " + std::to_string(ida)) &&
                                 Catch::Contains("stream 100 of " + std::to_string(outbound) + " negotiated"));
  auto empty = ep.WriteMsg(std::span<const std::byte>{}, To(ida));
  CHECK(ErrOf(empty) == std::errc::invalid_argument);
  CHECK_THAT(MessageOf(empty), Catch::Contains("empty message"));
  netsctp::SctpAddr no_port{{Ip("127.0.0.1")}, 0};
  CHECK(ErrOf(ep.SendTo(Bytes("x"), no_port)) == Errc::kBadPort);
  CHECK(ErrOf(ep.SendTo(Bytes("x"), netsctp::SctpAddr{{}, 5})) == Errc::kNoSuitableAddress);
  netsctp::SctpAddr v6{{Ip("::1")}, 5};
  CHECK(ErrOf(ep.SendTo(Bytes("x"), v6)) == Errc::kNoSuitableAddress);  // an IPv4 endpoint
  CHECK(ErrOf(ep.SetAutoclose(-1s)) == std::errc::invalid_argument);

  // Nothing was lost or sent by mistake: a's traffic goes on, in order.
  Send(a, "after");
  Collect(ep, seen, 1);
  CHECK(seen.data.back().data == "after");
  CHECK(seen.data.back().m.assoc_id == ida);
  CHECK(MUST(ep.Assocs()) == std::vector<std::int32_t>{ida});

  MUST(ep.Close());
  CHECK(ErrOf(ep.WriteMsg(Bytes("x"), To(ida))) == std::errc::bad_file_descriptor);
  CHECK(ErrOf(ep.Assocs()) == std::errc::bad_file_descriptor);
}

TEST_CASE("a non-blocking endpoint: EAGAIN, readiness, deadlines, Close wakes a blocked read") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp4", "127.0.0.1:0"));
  std::vector<std::byte> buf(1024);
  MUST(ep.SetNonBlocking(true));
  CHECK(ErrOf(ep.ReadMsg(buf)) == std::errc::resource_unavailable_try_again);
  SctpConn c = DialEp(ep);
  Send(c, "ping");
  int data = 0;
  const auto end = Clock::now() + 10s;
  while (data == 0 && Clock::now() < end) {
    pollfd p{ep.fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    for (;;) {
      auto in = ep.ReadMsgOrEvent(buf);
      if (!in) {
        CHECK(in.error() == std::errc::resource_unavailable_try_again);
        break;
      }
      if (!in->IsEvent()) {
        CHECK(Text(std::span(buf).first(in->msg.n)) == "ping");
        ++data;
      }
    }
  }
  CHECK(data == 1);

  MUST(ep.SetNonBlocking(false));
  MUST(ep.SetReadDeadline(In(200ms)));
  CHECK(ErrOf(ep.ReadMsg(buf)) == Errc::kTimeout);
  MUST(ep.SetReadDeadline(netsctp::kNoDeadline));
  netsctp::Result<netsctp::EndpointMsg> r = std::errc::operation_in_progress;
  std::thread reader([&] { r = ep.ReadMsg(buf); });
  std::this_thread::sleep_for(200ms);
  MUST(ep.Close());
  reader.join();
  CHECK(ErrOf(r) == Errc::kClosed);
}

TEST_CASE("IPv6 and dual-stack endpoints") {
  SctpEndpoint ep6 = MUST(netsctp::OpenEndpoint("sctp6", "[::1]:0"));
  SctpConn c6 = DialEp(ep6, "[::1]", "sctp6");
  Send(c6, "over v6");
  Seen seen;
  Collect(ep6, seen, 1);
  CHECK(seen.data.back().data == "over v6");
  CHECK(seen.data.back().m.from == Ip("::1"));
  Write(ep6, seen.data.back().m.assoc_id, "v6 back");
  CHECK(Recv(c6).data == "v6 back");

  // A dual-stack endpoint reports an IPv4 peer as IPv4.
  SctpEndpoint dual = MUST(netsctp::OpenEndpoint("sctp", ":0"));
  SctpConn c4 = DialEp(dual, "127.0.0.1", "sctp4");
  Send(c4, "over v4");
  Seen dual_seen;
  Collect(dual, dual_seen, 1);
  CHECK(dual_seen.data.back().m.from == Ip("127.0.0.1"));
  CHECK(MUST(dual.FindAssoc(Ip("127.0.0.1"), c4.LocalAddr().port)) == dual_seen.data.back().m.assoc_id);
  // SendTo an IPv4 destination from the dual-stack endpoint.
  netsctp::SctpListener l = MUST(netsctp::Listen("sctp4", "127.0.0.1:0"));
  MUST(dual.SendTo(Bytes("implicit v4"), l.Addr()));
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  CHECK(Recv(s).data == "implicit v4");
}

TEST_CASE("multi-homed endpoint between namespaces: both paths per association, WriteMsgTo, primary, SendTo both") {
  RequireTopology();
  const std::string ep_addrs = "192.0.2.2/198.51.100.2";
  SctpEndpoint ep = MUST(InNetns("b", [&] { return netsctp::OpenEndpoint("sctp4", ep_addrs + ":0"); }));
  CHECK(ep.Addr().ip_addrs.size() == 2);
  netsctp::Dialer d;
  d.timeout = 10s;
  d.local_addr = MUST(netsctp::ResolveSctpAddr("sctp4", "192.0.2.1/198.51.100.1:0"));
  SctpConn c = MUST(InNetns("a", [&] { return d.Dial("sctp4", HostPort(ep_addrs, ep.Addr().port)); }));
  Seen seen;
  WaitCommUps(ep, seen, 1);
  const std::int32_t id = MUST(ep.FindAssoc(Ip("192.0.2.1"), c.LocalAddr().port));
  CHECK(MUST(ep.FindAssoc(Ip("198.51.100.1"), c.LocalAddr().port)) == id);
  const netsctp::AssocOptions o = MUST(ep.Assoc(id));
  CHECK(MUST(o.PeerAddrs()).ip_addrs.size() == 2);
  const auto paths = MUST(o.GetPeerAddrInfos());
  REQUIRE(paths.size() == 2);
  for (const auto& p : paths) CHECK(p.assoc_id == id);

  CHECK(MUST(ep.WriteMsgTo(Bytes("via second path"), To(id), Ip("198.51.100.1"))) == 15);
  CHECK(Recv(c).data == "via second path");
  MUST(o.SetPrimaryAddr(Ip("198.51.100.1")));
  CHECK(MUST(o.GetPrimaryAddr()) == Ip("198.51.100.1"));
  Write(ep, id, "on the new primary");
  CHECK(Recv(c).data == "on the new primary");

  // SendTo a multi-homed destination: one new association to both addresses.
  netsctp::ListenConfig lc;
  netsctp::SctpListener l = MUST(InNetns("a", [&] { return lc.Listen("sctp4", "192.0.2.1/198.51.100.1:0"); }));
  netsctp::SctpAddr dest = l.Addr();
  MUST(ep.SendTo(Bytes("to both"), dest));
  MUST(l.SetDeadline(In(10s)));
  SctpConn s = MUST(l.Accept());
  CHECK(Recv(s).data == "to both");
  const std::int32_t id2 = MUST(ep.FindAssoc(Ip("192.0.2.1"), dest.port));
  CHECK(MUST(MUST(ep.Assoc(id2)).PeerAddrs()).ip_addrs.size() == 2);
}

TEST_CASE("Connect from an endpoint bound to IPv6 only to an IPv4 peer fails at once, saying why") {
  SctpEndpoint ep = MUST(netsctp::OpenEndpoint("sctp", "[::1]:0"));
  const auto t0 = Clock::now();
  auto id = ep.Connect("127.0.0.1:3868");
  INFO(MessageOf(id));
  CHECK(ErrOf(id) == Errc::kNoSuitableAddress);
  CHECK(MessageOf(id).find("[::1]") != std::string::npos);
  CHECK(MessageOf(id).find("127.0.0.1:3868") != std::string::npos);
  CHECK(MsSince(t0) < 1000);
}
