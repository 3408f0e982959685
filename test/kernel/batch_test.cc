// Batched I/O: WriteMsgs (sendmmsg, MSG_MORE bundling) and ReadMsgs
// (recvmmsg) against the kernel: every message delivered once, intact, with
// its own stream, PPID and flags, in order within its stream; partial sends
// and per-message errors as documented; bundling seen in the packet counters.
#include <catch2/catch.hpp>

#include <poll.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "alloc_count.h"
#include "helpers.h"

using namespace ktest;
using netsctp::InMsg;
using netsctp::OutMsg;
using netsctp::SndInfo;

namespace {

// Message i: its index in the first 4 bytes, then a pattern; stream i % 4,
// PPID 1000 + i, every fifth unordered.
struct Batch {
  std::vector<std::string> bodies;
  std::vector<SndInfo> infos;
  std::vector<OutMsg> out;
  Batch(std::size_t count, std::size_t size, std::size_t first = 0) {
    bodies.reserve(count);
    infos.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t i = first + k;
      std::string b = Pattern(size, static_cast<unsigned>(i));
      const auto idx = static_cast<std::uint32_t>(i);
      std::memcpy(b.data(), &idx, sizeof idx);
      bodies.push_back(std::move(b));
      SndInfo info;
      info.sid = static_cast<std::uint16_t>(i % 4);
      info.ppid = 1000 + idx;
      if (i % 5 == 0) info.flags = netsctp::SndFlags::kUnordered;
      infos.push_back(info);
    }
    for (std::size_t k = 0; k < count; ++k) out.push_back({Bytes(bodies[k]), &infos[k]});
  }
};

// Reads `count` data messages with ReadMsgs; checks each against its index
// (body, stream, PPID), order within each ordered stream, none twice. It
// runs on a reader thread, so it records problems instead of asserting
// (Catch's assertions are for the test's own thread): check `problems`
// after the join.
struct Checker {
  std::size_t size;
  std::map<std::uint16_t, std::uint32_t> last_ordered;  // by stream
  std::vector<bool> seen;
  std::vector<std::string> problems;
  std::size_t calls = 0, most_in_one_call = 0;
  Checker(std::size_t total, std::size_t sz) : size(sz), seen(total, false) {}

  std::size_t Seen() const { return static_cast<std::size_t>(std::count(seen.begin(), seen.end(), true)); }

  void ReadAll(netsctp::SctpConn& c, std::size_t count) {
    std::vector<std::vector<std::byte>> bufs(netsctp::kMaxBatch, std::vector<std::byte>(size + 16));
    std::vector<InMsg> in(netsctp::kMaxBatch);
    if (!c.SetReadDeadline(In(20s))) return Problem("SetReadDeadline failed");
    std::size_t got = 0;
    while (got < count && problems.empty()) {
      for (std::size_t i = 0; i < in.size(); ++i) in[i].buf = bufs[i];
      auto n = c.ReadMsgs(in);
      if (!n) return Problem("ReadMsgs after " + std::to_string(got) + ": " + n.error().message());
      if (*n < 1 || *n > in.size()) return Problem("ReadMsgs returned " + std::to_string(*n));
      ++calls;
      most_in_one_call = std::max(most_in_one_call, *n);
      for (std::size_t k = 0; k < *n; ++k) {
        if (in[k].msg.Notification()) continue;
        Check(in[k]);
        ++got;
      }
    }
    (void)c.SetReadDeadline(netsctp::kNoDeadline);
  }

  void Problem(std::string what) { problems.push_back(std::move(what)); }

  void Check(const InMsg& in) {
    const netsctp::Message& m = in.msg;
    std::uint32_t idx = 0;
    if (m.n >= sizeof idx) std::memcpy(&idx, in.buf.data(), sizeof idx);
    const std::string at = "message " + std::to_string(idx) + ": ";
    if (!m.Eor() || m.n != size || !m.has_info || idx >= seen.size()) {
      return Problem(at + "eor " + std::to_string(m.Eor()) + ", " + std::to_string(m.n) + " bytes, info " +
                     std::to_string(m.has_info));
    }
    if (seen[idx]) Problem(at + "twice");
    seen[idx] = true;
    std::string expect = Pattern(size, idx);
    std::memcpy(expect.data(), &idx, sizeof idx);
    if (Text(in.buf.first(m.n)) != expect) Problem(at + "bytes differ");
    if (m.info.sid != idx % 4 || m.info.ppid != 1000 + idx) {
      Problem(at + "sid " + std::to_string(m.info.sid) + " ppid " + std::to_string(m.info.ppid));
    }
    const bool unordered = m.info.Unordered();
    if (unordered != (idx % 5 == 0)) Problem(at + "unordered flag " + std::to_string(unordered));
    if (!unordered) {
      auto it = last_ordered.find(m.info.sid);
      if (it != last_ordered.end() && idx <= it->second) Problem(at + "after " + std::to_string(it->second));
      last_ordered[m.info.sid] = idx;
    }
  }
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const std::string& l : lines) all += l + '\n';
  return all;
}

// Catch's report of a Checker, on the test's thread.
#define CHECK_CLEAN(check)                \
  do {                                    \
    INFO(Joined((check).problems));       \
    CHECK((check).problems.empty());      \
  } while (false)

PairOptions Streams(std::uint16_t n) {
  PairOptions o;
  o.dialer.init_options.num_ostreams = n;
  o.dialer.init_options.max_instreams = n;
  o.listen_config.init_options.num_ostreams = n;
  o.listen_config.init_options.max_instreams = n;
  return o;
}

std::uint64_t DataChunksOut(const netsctp::SctpConn& c) {
  const netsctp::AssocStats s = MUST(c.Options().Stats());
  return s.ordered_chunks_out + s.unordered_chunks_out;
}

}  // namespace

TEST_CASE("WriteMsgs and ReadMsgs deliver every message intact, with its own stream, PPID and flags") {
  Pair p = Connect(Streams(4));
  MUST(p.client.SetNoDelay(true));
  for (const std::size_t size : {std::size_t{64}, std::size_t{1024}, std::size_t{20000}}) {
    INFO("size " << size);
    constexpr std::size_t kCount = 150;  // more than two batches: crosses kMaxBatch
    Batch b(kCount, size);
    Checker check(kCount, size);
    std::thread reader([&] { check.ReadAll(p.server, kCount); });
    const std::size_t sent = MUST(p.client.WriteMsgs(b.out));
    reader.join();
    CHECK(sent == kCount);
    CHECK_CLEAN(check);
    CHECK(check.Seen() == kCount);
  }
}

TEST_CASE("ReadMsgs returns what is queued in one call, and waits for the first") {
  Pair p = Connect(Streams(4));
  constexpr std::size_t kCount = 40;
  Batch b(kCount, 100);
  REQUIRE(MUST(p.client.WriteMsgs(b.out)) == kCount);
  // Let them all arrive, then one call takes several.
  std::this_thread::sleep_for(300ms);
  Checker check(kCount, 100);
  check.ReadAll(p.server, kCount);
  CHECK_CLEAN(check);
  INFO("calls " << check.calls);
  CHECK(check.most_in_one_call > 1);
  CHECK(check.calls < kCount);
  // Nothing queued: ReadMsgs waits (here until its deadline).
  std::vector<std::byte> buf(200);
  std::vector<InMsg> in(4);
  for (auto& m : in) m.buf = buf;
  MUST(p.server.SetReadDeadline(In(200ms)));
  CHECK(ErrOf(p.server.ReadMsgs(in)) == netsctp::Errc::kTimeout);
  MUST(p.server.SetReadDeadline(netsctp::kNoDeadline));
  // Blocked without a deadline, woken by Close.
  std::thread closer([&] {
    std::this_thread::sleep_for(200ms);
    MUST(p.server.Close());
  });
  CHECK(ErrOf(p.server.ReadMsgs(in)) == netsctp::Errc::kClosed);
  closer.join();
}

TEST_CASE("WriteMsgs bundles small messages into few packets; single writes do not") {
  Pair p = Connect(Streams(4));
  MUST(p.client.SetNoDelay(true));
  constexpr std::size_t kCount = 640;  // ten batches of 64 B messages
  auto packets = [&] { return MUST(p.client.Options().Stats()).packets_out; };
  (void)packets();  // the counters are cumulative; maxrto resets on read
  // One WriteMsg per message, NODELAY: a packet per message or close to it.
  const std::uint64_t p0 = packets(), c0 = DataChunksOut(p.client);
  {
    Batch b(kCount, 64);
    Checker check(kCount, 64);
    std::thread reader([&] { check.ReadAll(p.server, kCount); });
    for (const OutMsg& m : b.out) MUST(p.client.WriteMsg(m.data, m.info));
    reader.join();
    CHECK_CLEAN(check);
  }
  const std::uint64_t single_packets = packets() - p0, single_chunks = DataChunksOut(p.client) - c0;
  // The same messages batched.
  const std::uint64_t p1 = packets(), c1 = DataChunksOut(p.client);
  {
    Batch b(kCount, 64);
    Checker check(kCount, 64);
    std::thread reader([&] { check.ReadAll(p.server, kCount); });
    for (std::size_t i = 0; i < kCount; i += 64) {
      CHECK(MUST(p.client.WriteMsgs(std::span(b.out).subspan(i, 64))) == 64);
    }
    reader.join();
    CHECK_CLEAN(check);
  }
  const std::uint64_t batch_packets = packets() - p1, batch_chunks = DataChunksOut(p.client) - c1;
  std::printf("# %zu messages of 64 B: single writes %llu packets for %llu DATA chunks; WriteMsgs %llu packets "
              "for %llu (packets include SACKs and other control)\n",
              kCount, static_cast<unsigned long long>(single_packets), static_cast<unsigned long long>(single_chunks),
              static_cast<unsigned long long>(batch_packets), static_cast<unsigned long long>(batch_chunks));
  std::fflush(stdout);
  CHECK(single_chunks == kCount);
  CHECK(batch_chunks == kCount);
  CHECK(batch_packets * 4 < single_packets);  // bundled: many DATA chunks per packet
}

TEST_CASE("a WriteMsgs that stops part way says how many went; a call with the rest says why") {
  PairOptions o = Streams(4);
  o.listen_config.init_options.socket_read_buffer_size = 16 * 1024;  // the peer's window fills
  o.dialer.init_options.socket_write_buffer_size = 16 * 1024;
  Pair p = Connect(o);
  SECTION("a message on a stream beyond the negotiated count") {
    Batch b(10, 64);
    SndInfo bad = b.infos[6];
    bad.sid = 9;  // 4 streams negotiated
    b.out[6].info = &bad;
    const std::size_t sent = MUST(p.client.WriteMsgs(b.out));
    CHECK(sent == 6);
    auto rest = p.client.WriteMsgs(std::span(b.out).subspan(sent));
    REQUIRE_FALSE(rest.has_value());
    CHECK(ErrOf(rest) == std::errc::invalid_argument);
    // The rest without the bad one: all but message 6 arrive.
    REQUIRE(MUST(p.client.WriteMsgs(std::span(b.out).subspan(7))) == 3);
    Checker check(10, 64);
    check.seen[6] = true;  // never sent
    check.ReadAll(p.server, 9);
    CHECK_CLEAN(check);
    CHECK(check.Seen() == 10);
  }
  SECTION("non-blocking, the send buffer fills") {
    MUST(p.client.SetNonBlocking(true));
    constexpr std::size_t kCount = 200;
    Batch b(kCount, 1000);
    std::size_t sent = MUST(p.client.WriteMsgs(b.out));
    CHECK(sent < kCount);  // 200 KB do not fit a 16 KiB buffer
    Checker check(kCount, 1000);
    std::thread reader([&] { check.ReadAll(p.server, kCount); });
    while (sent < kCount) {
      auto n = p.client.WriteMsgs(std::span(b.out).subspan(sent));
      if (!n) {
        REQUIRE(ErrOf(n) == std::errc::resource_unavailable_try_again);
        pollfd pfd{p.client.fd(), POLLOUT, 0};
        REQUIRE(::poll(&pfd, 1, 10000) == 1);
        continue;
      }
      sent += *n;
    }
    reader.join();
    CHECK_CLEAN(check);
    CHECK(check.Seen() == kCount);
  }
}

TEST_CASE("ReadMsgs: a message longer than its buffer continues in the next entry; the end comes after the data") {
  Pair p = Connect();
  MUST(p.server.Subscribe({netsctp::EventType::kShutdown}));
  const std::string big = Pattern(3000, 7);
  Send(p.client, big, 0, 1);
  Send(p.client, "last", 0, 2);
  MUST(p.client.CloseWrite());
  std::this_thread::sleep_for(300ms);
  std::vector<std::vector<std::byte>> bufs(8, std::vector<std::byte>(1024));
  std::vector<InMsg> in(8);
  for (std::size_t i = 0; i < in.size(); ++i) in[i].buf = bufs[i];
  std::string assembled, last;
  bool shutdown_event = false;
  MUST(p.server.SetReadDeadline(In(10s)));
  for (;;) {
    auto n = p.server.ReadMsgs(in);
    if (!n) {
      CHECK(ErrOf(n) == netsctp::Errc::kEndOfStream);
      break;
    }
    for (std::size_t k = 0; k < *n; ++k) {
      const netsctp::Message& m = in[k].msg;
      if (m.Notification()) {
        shutdown_event = true;
        continue;
      }
      const std::string piece = Text(in[k].buf.first(m.n));
      if (m.info.ppid == 1) {
        assembled += piece;
        CHECK(m.Eor() == (assembled.size() == big.size()));
      } else {
        last = piece;
      }
    }
  }
  CHECK(assembled == big);
  CHECK(last == "last");
  CHECK(shutdown_event);
}

TEST_CASE("WriteMsgs and ReadMsgs allocate nothing") {
  Pair p = Connect(Streams(4));
  Batch b(64, 64);
  std::vector<std::vector<std::byte>> bufs(64, std::vector<std::byte>(128));
  std::vector<InMsg> in(64);
  for (std::size_t i = 0; i < in.size(); ++i) in[i].buf = bufs[i];
  for (int round = 0; round < 3; ++round) {
    alloc_count::Start();
    const auto sent = p.client.WriteMsgs(b.out);
    const long write_allocs = alloc_count::Stop();
    REQUIRE(sent.has_value());
    REQUIRE(*sent == 64);
    std::size_t got = 0;
    long read_allocs = 0;
    while (got < 64) {
      alloc_count::Start();
      const auto n = p.server.ReadMsgs(in);
      read_allocs += alloc_count::Stop();
      REQUIRE(n.has_value());
      got += *n;
    }
    CHECK(write_allocs == 0);
    CHECK(read_allocs == 0);
  }
}
