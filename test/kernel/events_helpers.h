// Shared helpers of the event kernel tests (events_test.cc, events_net_test.cc):
// an EventReader that reads a connection with ReadMsgOrEvent, keeps every
// event together with the bytes it views, checks that every event's ToString
// is one line naming the event, and waits for the event a test expects while
// logging everything else it read (shown by Catch when a check fails).
//
// Like helpers.h, everything here asserts and must run on the test's thread.
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "helpers.h"
#include "netsctp/conn.h"
#include "netsctp/event.h"

namespace evtest {

using namespace std::chrono_literals;
using ktest::Clock;
using ktest::In;

// One event read from a connection, with the buffer its views point into.
struct OwnedEvent {
  std::shared_ptr<std::vector<std::byte>> bytes;  // the notification's own bytes
  netsctp::Event ev;
  std::string text;  // ToString(ev)

  template <typename T>
  const T* As() const noexcept {
    return std::get_if<T>(&ev);
  }
};

// Checks what a user relies on in ToString: one line, starting with the
// event's uapi name (and, for ASSOC_CHANGE / PEER_ADDR_CHANGE, naming the state).
inline void CheckToString(const netsctp::Event& ev, const std::string& text) {
  INFO("ToString: " << text);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  const std::string_view name = netsctp::Name(netsctp::TypeOf(ev));
  CHECK_FALSE(name.empty());
  CHECK(text.rfind(std::string(name), 0) == 0);
  if (const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&ev)) {
    CHECK(text.find(std::string(netsctp::Name(ac->state))) != std::string::npos);
  }
  if (const auto* pa = std::get_if<netsctp::PeerAddrChangeEvent>(&ev)) {
    CHECK(text.find(std::string(netsctp::Name(pa->state))) != std::string::npos);
    CHECK(text.find(pa->addr.String()) != std::string::npos);
  }
  // The stream form is the same text.
  std::ostringstream os;
  os << ev;
  CHECK(os.str() == text);
}

// Reads one connection through ReadMsgOrEvent and keeps a log of every unit.
class EventReader {
 public:
  EventReader(netsctp::SctpConn& conn, std::string name) : conn_(&conn), name_(std::move(name)) {}

  // The next unit within `timeout`: an event (returned), or data (recorded in
  // data() and skipped when `skip_data`). nullopt on timeout, end of stream
  // or any other error (recorded in last_error()).
  std::optional<OwnedEvent> Next(std::chrono::milliseconds timeout = 10s, bool skip_data = true) {
    const auto end = Clock::now() + timeout;
    for (int i = 0; i < 10000; ++i) {
      auto buf = std::make_shared<std::vector<std::byte>>(256 * 1024);
      if (auto r = conn_->SetReadDeadline(end); !r) {
        last_error_ = r.error().code();
        log_.push_back("SetReadDeadline: " + r.error().message());
        return std::nullopt;
      }
      auto in = conn_->ReadMsgOrEvent(*buf);
      (void)conn_->SetReadDeadline(netsctp::kNoDeadline);
      if (!in) {
        last_error_ = in.error().code();
        log_.push_back("error: " + in.error().message());
        return std::nullopt;
      }
      if (!in->IsEvent()) {
        data_.push_back(ktest::Text(std::span<const std::byte>(buf->data(), in->msg.n)));
        data_info_.push_back(in->msg);
        log_.push_back("data " + std::to_string(in->msg.n) + " bytes sid " + std::to_string(in->msg.info.sid));
        if (skip_data) continue;
        return std::nullopt;
      }
      // A notification must come whole and flagged.
      CHECK(in->msg.Notification());
      CHECK(in->msg.Eor());
      OwnedEvent e{std::move(buf), *in->event, netsctp::ToString(*in->event)};
      CheckToString(e.ev, e.text);
      log_.push_back(e.text);
      events_.push_back(e);
      return e;
    }
    return std::nullopt;
  }

  // Reads until an event of type T for which `pred` holds; nullopt when none
  // came within `timeout`. Other events and data are logged and skipped.
  template <typename T>
  std::optional<OwnedEvent> WaitFor(std::function<bool(const T&)> pred, std::chrono::milliseconds timeout = 10s) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (left <= 0ms) break;
      auto e = Next(left);
      if (!e) break;
      if (const T* t = e->As<T>(); t != nullptr && pred(*t)) return e;
    }
    return std::nullopt;
  }

  // WaitFor that fails the test (with everything read so far) when no
  // matching event arrives: the shorthand for WaitFor + REQUIRE.
  template <typename T>
  OwnedEvent Expect(std::function<bool(const T&)> pred, std::chrono::milliseconds timeout = 10s) {
    auto e = WaitFor<T>(std::move(pred), timeout);
    if (!e) FAIL("no matching " << netsctp::Name(T::kType) << " within " << timeout.count() << " ms; " << Log());
    return std::move(*e);
  }
  template <typename T>
  OwnedEvent Expect(std::chrono::milliseconds timeout = 10s) {
    return Expect<T>([](const T&) { return true; }, timeout);
  }
  OwnedEvent ExpectAssoc(netsctp::AssocChangeState s, std::chrono::milliseconds timeout = 10s) {
    auto e = WaitForAssoc(s, timeout);
    if (!e) FAIL("no ASSOC_CHANGE " << netsctp::Name(s) << " within " << timeout.count() << " ms; " << Log());
    return std::move(*e);
  }
  template <typename T>
  std::optional<OwnedEvent> WaitFor(std::chrono::milliseconds timeout = 10s) {
    return WaitFor<T>([](const T&) { return true; }, timeout);
  }
  std::optional<OwnedEvent> WaitForAssoc(netsctp::AssocChangeState s, std::chrono::milliseconds timeout = 10s) {
    return WaitFor<netsctp::AssocChangeEvent>([s](const netsctp::AssocChangeEvent& e) { return e.state == s; },
                                              timeout);
  }

  // True when nothing at all (no event, no data) arrives within `wait`;
  // otherwise the log goes with the caller's next assertion.
  bool Quiet(std::chrono::milliseconds wait) {
    if (!Next(wait, false) && last_error_ == netsctp::Errc::kTimeout) return true;
    UNSCOPED_INFO("expected nothing within " << wait.count() << " ms; " << Log());
    return false;
  }

  // The error that ends reading (timeout, end of stream, reset, ...), after
  // skipping any events and data still queued; kTimeout when `timeout` passed.
  std::error_code End(std::chrono::milliseconds timeout = 5s) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (!Next(std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()))) return last_error_;
    }
    return netsctp::make_error_code(netsctp::Errc::kTimeout);
  }

  // Every event read so far, in order.
  const std::vector<OwnedEvent>& events() const noexcept { return events_; }
  template <typename T>
  std::size_t Count() const {
    std::size_t n = 0;
    for (const auto& e : events_)
      if (e.As<T>() != nullptr) ++n;
    return n;
  }
  const std::vector<std::string>& data() const noexcept { return data_; }
  const std::vector<netsctp::Message>& data_info() const noexcept { return data_info_; }
  std::error_code last_error() const noexcept { return last_error_; }

  // "name read:" and one line per unit read so far, for failure messages.
  std::string Log() const {
    std::string s = name_ + " read:";
    for (const auto& l : log_) s += "\n  " + l;
    return s;
  }

 private:
  netsctp::SctpConn* conn_;
  std::string name_;
  std::vector<OwnedEvent> events_;
  std::vector<std::string> data_;
  std::vector<netsctp::Message> data_info_;
  std::vector<std::string> log_;
  std::error_code last_error_;
};

// A sysctl's value as text, "" when unreadable ("net.sctp.auth_enable").
inline std::string Sysctl(std::string name) {
  for (char& c : name)
    if (c == '.') c = '/';
  std::ifstream f("/proc/sys/" + name);
  std::string v;
  f >> v;
  return v;
}

// Fails the test unless the sysctl has `want`: the binary then ran with the
// wrong `sctp-lab run` options.
inline void RequireSysctl(const std::string& name, const std::string& want) {
  INFO("this binary needs sctp-lab run --sysctl " << name << '=' << want);
  REQUIRE(Sysctl(name) == want);
}

// The association id as Status reports it.
inline std::int32_t AssocId(netsctp::SctpConn& c) { return MUST(c.Status()).assoc_id; }

// A control hook that sets short RTO bounds (ms) on the socket.
inline netsctp::ControlHook ShortRto(std::uint32_t initial = 200, std::uint32_t min = 100, std::uint32_t max = 400) {
  return [=](std::string_view, std::string_view, int fd) -> netsctp::Result<void> {
    sctp_rtoinfo rto{};
    rto.srto_initial = initial;
    rto.srto_min = min;
    rto.srto_max = max;
    return netsctp::SetOption(fd, IPPROTO_SCTP, SCTP_RTOINFO, rto);
  };
}

}  // namespace evtest
