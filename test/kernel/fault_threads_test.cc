// One connection used from several threads, as conn.h allows (one reader and
// one writer at a time, Close and deadlines from any thread): a reader and a
// writer thread on each end exchanging thousands of checked messages in both
// directions; Close from a third thread while a reader waits for data and a
// writer waits on a full send buffer; read and write deadlines changed from
// another thread while both calls wait.
//
// Run: tools/sctp-lab run --timeout 110 -- fault_threads_test -r cases
//
// Catch2 v2 assertions are not thread-safe: worker threads only record what
// they saw (counts, the first error as text, times) and the test thread
// asserts after joining them. Every blocking call is bounded by a deadline,
// so a lost wake-up fails the test instead of hanging it.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "checked_msg.h"
#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/listener.h"

using namespace ktest;
using netsctp::Errc;
using netsctp::SctpConn;
using netsctp::SndInfo;

namespace {

// ---- checked messages (checked_msg.h)

using checked::InfoOf;
using checked::InOrder;
using checked::kHeaderSize;
using checked::MakeMsg;
using checked::SizeOf;

// ---- worker threads

// What a writer thread did: how many messages WriteMsg accepted, the error
// that stopped it, and when it returned.
struct WriterLog {
  std::atomic<std::uint32_t> written{0};
  std::uint32_t slow = 0;  // writes that took 2 ms or more (they most likely waited for room)
  std::atomic<bool> done{false};
  std::error_code error;
  std::string error_text;
  Clock::time_point ended;
};

// Writes messages first..n-1 of `tag` (sizes as SizeOf); stops at the first
// error. Touches only `log` and `c` (no assertions).
void WriteAll(SctpConn& c, std::uint32_t tag, std::uint32_t n, std::uint16_t streams, std::size_t base,
              std::size_t spread, WriterLog& log, std::uint32_t first = 0) {
  std::vector<std::byte> msg;
  for (std::uint32_t seq = first; seq < n; ++seq) {
    MakeMsg(msg, tag, seq, streams, SizeOf(seq, base, spread));
    const auto t0 = Clock::now();
    auto r = c.WriteMsg(msg, InfoOf(tag, seq, streams));
    if (Clock::now() - t0 >= 2ms) ++log.slow;
    if (!r) {
      log.error = r.error().code();
      log.error_text = "write " + std::to_string(seq) + ": " + r.error().message();
      break;
    }
    if (*r != msg.size()) {
      log.error_text = "write " + std::to_string(seq) + " took " + std::to_string(*r) + " bytes";
      break;
    }
    log.written.fetch_add(1, std::memory_order_release);
  }
  log.ended = Clock::now();
  log.done.store(true, std::memory_order_release);
}

struct ReaderLog {
  std::atomic<bool> done{false};
  std::error_code error;
  std::string error_text;  // the read error, or what was wrong with a message
  std::uint32_t count = 0;
  bool complete = false;
  Clock::time_point ended;
};

// Reads until `n` messages of `tag` arrived or a read fails; checks each.
void ReadAll(SctpConn& c, std::uint32_t tag, std::uint32_t n, std::uint16_t streams, ReaderLog& log) {
  InOrder in(tag, streams);
  std::vector<std::byte> buf(65536);
  while (in.count() < n) {
    auto r = c.ReadMsgOrEvent(buf);
    if (!r) {
      log.error = r.error().code();
      log.error_text = "read after " + std::to_string(in.count()) + " messages: " + r.error().message();
      break;
    }
    if (r->IsEvent()) continue;  // none subscribed, but an event is not data either way
    if (std::string e = in.Take(std::span<const std::byte>(buf.data(), r->msg.n), r->msg); !e.empty()) {
      log.error_text = e;
      break;
    }
  }
  log.count = in.count();
  log.complete = in.Complete(n);
  log.ended = Clock::now();
  log.done.store(true, std::memory_order_release);
}

long long MsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// A pair whose client has a small send buffer and whose server advertises a
// small receive window, so that a client writer blocks soon once the server
// stops reading.
PairOptions SmallWindow(std::uint16_t streams) {
  PairOptions o;
  o.dialer.init_options.num_ostreams = streams;
  o.dialer.init_options.max_instreams = streams;
  o.dialer.init_options.socket_write_buffer_size = 16 * 1024;
  o.listen_config.init_options.num_ostreams = streams;
  o.listen_config.init_options.max_instreams = streams;
  o.listen_config.init_options.socket_read_buffer_size = 16 * 1024;
  return o;
}

// A reader waiting for data that never comes and a writer blocked on a full
// send buffer, both on `c`, both without deadlines.
struct BlockedPair {
  WriterLog wlog;
  ReaderLog rlog;
  std::thread writer;
  std::thread reader;

  BlockedPair(SctpConn& c, std::uint32_t tag, std::uint16_t streams) : conn(&c) {
    // 4 KiB messages; a few dozen fill the buffers, 1000 are never reached.
    writer = std::thread([&c, tag, streams, this] { WriteAll(c, tag, 1000, streams, 4096, 1, wlog); });
    // Nobody sends to `c`: the read waits until something ends it.
    reader = std::thread([&c, streams, this] { ReadAll(c, 99, 1, streams, rlog); });
  }
  // When the test fails half way, ends both calls before joining: a past
  // deadline, and Close if that did not do it.
  ~BlockedPair() {
    Stop();
    Join();
  }
  void Stop() {
    if (Done()) return;
    (void)conn->SetDeadline(Clock::now() - 1s);
    const auto end = Clock::now() + 3s;
    while (!Done() && Clock::now() < end) std::this_thread::sleep_for(10ms);
    if (!Done()) (void)conn->Close();
  }
  bool Done() const { return wlog.done.load() && rlog.done.load(); }
  // Joins both threads, or gives up after `timeout` (then Stop()s them):
  // false when they had to be stopped.
  bool JoinWithin(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    while (!Done() && Clock::now() < end) std::this_thread::sleep_for(10ms);
    const bool done = Done();
    reader_in_time = rlog.done.load();
    writer_in_time = wlog.done.load();
    Stop();
    Join();
    return done;
  }
  SctpConn* conn;
  bool reader_in_time = false;  // as JoinWithin found them
  bool writer_in_time = false;
  void Join() {
    if (writer.joinable()) writer.join();
    if (reader.joinable()) reader.join();
  }

  // Waits until the writer has made no progress for `still` (it is blocked);
  // false when it ended or kept going until `timeout`.
  bool WaitWriterBlocked(std::chrono::milliseconds still = 500ms, std::chrono::milliseconds timeout = 20s) {
    const auto end = Clock::now() + timeout;
    std::uint32_t last = wlog.written.load(std::memory_order_acquire);
    auto since = Clock::now();
    while (Clock::now() < end && !wlog.done.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(50ms);
      const std::uint32_t now = wlog.written.load(std::memory_order_acquire);
      if (now != last) {
        last = now;
        since = Clock::now();
      } else if (now > 0 && Clock::now() - since >= still) {
        return true;
      }
    }
    return false;
  }
};

// The messages 0..n-1 of a BlockedPair writer (4 KiB each), read whole by `c`.
void ExpectWritten(SctpConn& c, std::uint32_t tag, std::uint32_t n, std::uint16_t streams) {
  ReaderLog log;
  MUST(c.SetReadDeadline(In(30s)));
  ReadAll(c, tag, n, streams, log);
  MUST(c.SetReadDeadline(netsctp::kNoDeadline));
  INFO(log.error_text);
  CHECK(log.error_text.empty());
  CHECK(log.complete);
}

}  // namespace

TEST_CASE("a reader and a writer thread on each end exchange thousands of checked messages both ways") {
  constexpr std::uint16_t kStreams = 8;
  constexpr std::uint32_t kN = 3000;
  PairOptions o;
  // Buffers small enough that writers wait for room now and then. (Much
  // smaller ones make the kernel's window updates, not the threads, set the
  // pace: 32 KiB took 20 times longer in the lab.)
  for (netsctp::InitOptions* io : {&o.dialer.init_options, &o.listen_config.init_options}) {
    io->num_ostreams = kStreams;
    io->max_instreams = kStreams;
    io->socket_read_buffer_size = 128 * 1024;
    io->socket_write_buffer_size = 128 * 1024;
  }
  Pair p = Connect(o);
  // Bounds every call of the exchange: a lost wake-up fails, never hangs.
  MUST(p.client.SetDeadline(In(90s)));
  MUST(p.server.SetDeadline(In(90s)));

  WriterLog cw, sw;
  ReaderLog cr, sr;
  const auto t0 = Clock::now();
  {
    std::thread client_writer([&] { WriteAll(p.client, 1, kN, kStreams, kHeaderSize, 1500, cw); });
    std::thread client_reader([&] { ReadAll(p.client, 2, kN, kStreams, cr); });
    std::thread server_writer([&] { WriteAll(p.server, 2, kN, kStreams, kHeaderSize, 1500, sw); });
    std::thread server_reader([&] { ReadAll(p.server, 1, kN, kStreams, sr); });
    client_writer.join();
    client_reader.join();
    server_writer.join();
    server_reader.join();
  }
  const auto ms = MsSince(t0);
  std::printf("# %u messages each way, 4 threads on 2 connections: %lld ms; slow writes %u and %u\n", kN, ms,
              cw.slow, sw.slow);
  std::fflush(stdout);
  INFO("client writer: " << cw.error_text);
  INFO("server writer: " << sw.error_text);
  INFO("client reader: " << cr.error_text);
  INFO("server reader: " << sr.error_text);
  CHECK(cw.written == kN);
  CHECK(sw.written == kN);
  CHECK(cr.count == kN);
  CHECK(sr.count == kN);
  CHECK(cr.complete);
  CHECK(sr.complete);
  CHECK(ms < 80000);
  // Nothing more than what was sent: the next read waits (until its deadline).
  MUST(p.server.SetReadDeadline(In(200ms)));
  CHECK(ReadError(p.server) == Errc::kTimeout);
}

TEST_CASE("Close from a third thread wakes a waiting reader and a writer blocked on a full buffer with kClosed") {
  constexpr std::uint16_t kStreams = 4;
  Pair p = Connect(SmallWindow(kStreams));
  const std::uint32_t tag = 7;
  std::uint32_t written = 0;
  {
    BlockedPair b(p.client, tag, kStreams);
    REQUIRE(b.WaitWriterBlocked());
    REQUIRE_FALSE(b.rlog.done.load());
    written = b.wlog.written.load();
    const auto t_close = Clock::now();
    const bool closed_ok = p.client.Close().has_value();
    const auto close_ms = MsSince(t_close);
    REQUIRE(b.JoinWithin(10s));
    const long long writer_ms = MsBetween(t_close, b.wlog.ended);
    const long long reader_ms = MsBetween(t_close, b.rlog.ended);
    std::printf("# Close with a blocked reader and writer: Close %lld ms, writer woke after %lld ms, reader after %lld ms\n",
                close_ms, writer_ms, reader_ms);
    std::fflush(stdout);
    INFO("writer: " << b.wlog.error_text << "; reader: " << b.rlog.error_text);
    CHECK(closed_ok);
    CHECK(b.wlog.error == Errc::kClosed);
    CHECK(b.rlog.error == Errc::kClosed);
    CHECK(b.wlog.written == written);  // the woken write sent nothing
    CHECK(close_ms < 3000);
    CHECK(writer_ms < 3000);
    CHECK(reader_ms < 3000);
  }
  CHECK(p.client.fd() == -1);
  // Everything WriteMsg accepted before the Close still reaches the peer, in
  // order, then the association ends gracefully.
  ExpectWritten(p.server, tag, written, kStreams);
  CHECK(ReadError(p.server) == Errc::kEndOfStream);
}

TEST_CASE("read and write deadlines changed from another thread reach the calls already waiting") {
  constexpr std::uint16_t kStreams = 4;
  Pair p = Connect(SmallWindow(kStreams));
  const std::uint32_t tag = 9;
  std::uint32_t written = 0;
  {
    BlockedPair b(p.client, tag, kStreams);
    REQUIRE(b.WaitWriterBlocked());
    REQUIRE_FALSE(b.rlog.done.load());
    // Different deadlines for the two directions: each call must end by its own.
    const auto t0 = Clock::now();
    MUST(p.client.SetReadDeadline(t0 + 300ms));
    MUST(p.client.SetWriteDeadline(t0 + 1200ms));
    const bool reader_was_done = b.rlog.done.load();  // not yet: 300 ms are far
    const bool in_time = b.JoinWithin(10s);
    INFO("reader ended in time: " << b.reader_in_time << ", writer: " << b.writer_in_time);
    INFO("writer: " << b.wlog.error_text << " after " << MsBetween(t0, b.wlog.ended) << " ms; reader: " << b.rlog.error_text);
    CHECK_FALSE(reader_was_done);
    REQUIRE(in_time);
    written = b.wlog.written.load();
    const long long reader_ms = MsBetween(t0, b.rlog.ended);
    const long long writer_ms = MsBetween(t0, b.wlog.ended);
    std::printf("# deadlines set from another thread: read (300 ms) ended after %lld ms, write (1200 ms) after %lld ms\n",
                reader_ms, writer_ms);
    std::fflush(stdout);
    INFO("writer: " << b.wlog.error_text << "; reader: " << b.rlog.error_text);
    CHECK(b.rlog.error == Errc::kTimeout);
    CHECK(b.wlog.error == Errc::kTimeout);
    CHECK(reader_ms >= 280);
    CHECK(reader_ms < 2500);
    CHECK(writer_ms >= 1180);  // the read deadline did not end the write
    CHECK(writer_ms < 4000);
  }
  // A deadline extended from another thread: the write waits the longer time.
  {
    MUST(p.client.SetWriteDeadline(In(300ms)));
    WriterLog w;
    const auto t0 = Clock::now();
    std::thread t([&] { WriteAll(p.client, 10, 1, kStreams, 4096, 1, w); });
    std::this_thread::sleep_for(100ms);
    MUST(p.client.SetWriteDeadline(t0 + 1500ms));
    t.join();
    const long long ms = MsBetween(t0, w.ended);
    INFO(w.error_text);
    CHECK(w.error == Errc::kTimeout);
    CHECK(ms >= 1450);
    CHECK(ms < 4500);
  }
  // The connection is intact: with the deadlines lifted, everything written
  // arrives in order and the write that timed out can be sent again.
  MUST(p.client.SetDeadline(netsctp::kNoDeadline));
  WriterLog again;
  std::thread late([&] { WriteAll(p.client, tag, written + 1, kStreams, 4096, 1, again, written); });
  ExpectWritten(p.server, tag, written + 1, kStreams);
  late.join();
  CHECK(again.error_text.empty());
  // And the other way: the reader's side still reads.
  std::vector<std::byte> msg;
  MakeMsg(msg, 11, 0, kStreams, 200);
  MUST(p.server.WriteMsg(msg, InfoOf(11, 0, kStreams)));
  ReaderLog back;
  MUST(p.client.SetReadDeadline(In(10s)));
  ReadAll(p.client, 11, 1, kStreams, back);
  INFO(back.error_text);
  CHECK(back.complete);
}

TEST_CASE("SetDeadline in the past from another thread ends a waiting read and a blocked write at once") {
  constexpr std::uint16_t kStreams = 4;
  Pair p = Connect(SmallWindow(kStreams));
  BlockedPair b(p.client, 12, kStreams);
  REQUIRE(b.WaitWriterBlocked());
  REQUIRE_FALSE(b.rlog.done.load());
  const auto t0 = Clock::now();
  MUST(p.client.SetDeadline(t0 - 1s));
  const bool in_time = b.JoinWithin(10s);
  INFO("reader ended in time: " << b.reader_in_time << ", writer: " << b.writer_in_time);
  REQUIRE(in_time);
  INFO("writer: " << b.wlog.error_text << "; reader: " << b.rlog.error_text);
  CHECK(b.rlog.error == Errc::kTimeout);
  CHECK(b.wlog.error == Errc::kTimeout);
  CHECK(MsBetween(t0, b.rlog.ended) < 2000);
  CHECK(MsBetween(t0, b.wlog.ended) < 2000);
}
