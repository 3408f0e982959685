// ngap_client: an NGAP-style client (a gNB's side of N2) on Asio coroutines
// over netsctp/asio.h; the peer of ngap_server.
//
// It dials the AMF, waits for COMM_UP, runs NG Setup on stream 0, then drives
// several UEs, each on its own stream: InitialUEMessage, answered with a
// DownlinkNASTransport on the same stream; UplinkNASTransport, answered with
// a UEContextReleaseCommand. Every answer is checked (procedure, UE id,
// stream, PPID 60). It then shuts the association down and waits for
// SHUTDOWN_COMP. The dial and every wait are bounded by a timer (an
// awaitable-operators race), so a silent peer makes it fail, not hang.
//
//   ngap_client [--ues N] [ADDRESS]     (ADDRESS 127.0.0.1:38412, N 8)
//
// Exit status 0 when every answer was right and the association ended cleanly.
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ngap_codec.h"
#include "netsctp/asio.h"
#include "netsctp/netsctp.h"

namespace {

using namespace asio::experimental::awaitable_operators;
using netsctp::AsioConn;
using netsctp::AssocChangeEvent;
using netsctp::AssocChangeState;
using netsctp::EventType;
using netsctp::MsgOrEvent;
using netsctp::SndInfo;
using std::chrono::seconds;

using namespace ngap;


constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

// A failed check: ends the run with a message and exit status 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Gnb {
 public:
  Gnb(asio::io_context& ctx, int ues) : ctx_(ctx), conn_(ctx.get_executor()), ues_(ues) {}

  asio::awaitable<void> Run(std::string address) {
    netsctp::Dialer d;
    d.events = {EventType::kAssocChange, EventType::kShutdown};
    d.init_options.num_ostreams = static_cast<std::uint16_t>(ues_ + 1);  // stream 0 + one per UE
    d.init_options.max_instreams = static_cast<std::uint16_t>(ues_ + 1);
    asio::steady_timer timer(ctx_);
    timer.expires_after(seconds(10));
    // as_tuple: a failed dial must end the race too (|| waits for the first
    // operation that does not throw).
    auto dialed = co_await (conn_.async_connect(d, "sctp", address, kNoThrow) || timer.async_wait(kNoThrow));
    if (dialed.index() == 1) throw Failure("dial " + address + ": timed out");
    if (auto [ec] = std::get<0>(dialed); ec) throw Failure("dial " + address + ": " + ec.message());
    std::printf("gnb: connected to %s\n", conn_.next_layer().RemoteAddr().String().c_str());
    // The association's life cycle comes as events; data may flow after COMM_UP.
    co_await Expect(AssocChangeState::kCommUp);

    std::string out;
    Encode(out, kInitiating, kNgSetup, 0, "gNB-7");
    co_await Send(0, out);
    Pdu setup = co_await NextPdu(0);
    if (setup.type != kSuccessful || setup.procedure != kNgSetup) throw Failure("NG Setup: unexpected answer");
    std::printf("gnb: NG Setup done with \"%.*s\"\n", static_cast<int>(setup.text.size()), setup.text.data());

    // UE-associated signalling: all UEs at once, each on its own stream.
    for (auto [send, expect] : {std::pair{kInitialUeMessage, kDownlinkNasTransport},
                                std::pair{kUplinkNasTransport, kUeContextRelease}}) {
      for (int ue = 1; ue <= ues_; ++ue) {
        Encode(out, kInitiating, send, UeId(ue), "nas");
        co_await Send(static_cast<std::uint16_t>(ue), out);
      }
      std::vector<bool> answered(static_cast<std::size_t>(ues_) + 1);
      for (int k = 0; k < ues_; ++k) {
        Pdu p = co_await NextPdu(-1);
        const int ue = static_cast<int>(last_sid_);
        if (ue < 1 || ue > ues_ || p.ue != UeId(ue) || p.procedure != expect || answered[static_cast<std::size_t>(ue)])
          throw Failure("UE answer on stream " + std::to_string(last_sid_) + " for UE id " + std::to_string(p.ue) +
                        ", procedure " + std::to_string(p.procedure) + ": wrong");
        answered[static_cast<std::size_t>(ue)] = true;
      }
      std::printf("gnb: %d UEs answered (procedure %d), each on its own stream\n", ues_, static_cast<int>(expect));
    }

    // Graceful end: our SHUTDOWN, then SHUTDOWN_COMP and end of stream.
    (void)conn_.next_layer().CloseWrite();
    co_await Expect(AssocChangeState::kShutdownComp);
    auto [ec, in] = co_await conn_.async_read_msg(buf_, asio::experimental::as_tuple(asio::use_awaitable));
    if (ec != netsctp::Errc::kEndOfStream) throw Failure("after SHUTDOWN_COMP: " + ec.message());
    std::printf("gnb: association shut down\n");
  }

 private:
  static std::uint32_t UeId(int ue) { return 0x10000u + static_cast<std::uint32_t>(ue); }

  asio::awaitable<void> Send(std::uint16_t sid, const std::string& m) {
    SndInfo info;
    info.sid = sid;
    info.ppid = kNgapPpid;
    co_await conn_.async_write_msg(Bytes(m), info, asio::use_awaitable);
  }

  // The next data message or event, within 10 s; logs events.
  asio::awaitable<MsgOrEvent> Next() {
    asio::steady_timer timer(ctx_);
    timer.expires_after(seconds(10));
    auto r = co_await (conn_.async_read_msg(buf_, kNoThrow) || timer.async_wait(kNoThrow));
    if (r.index() == 1) throw Failure("no message within 10 s");
    auto [ec, in] = std::get<0>(r);
    if (ec) throw Failure("read: " + ec.message());
    if (in.IsEvent()) {
      if (const auto* ac = std::get_if<AssocChangeEvent>(&*in.event)) {
        switch (ac->state) {
          case AssocChangeState::kCommUp: std::printf("gnb: COMM_UP\n"); break;
          case AssocChangeState::kShutdownComp: std::printf("gnb: SHUTDOWN_COMP\n"); break;
          case AssocChangeState::kCommLost: throw Failure("COMM_LOST: the AMF is gone");
          case AssocChangeState::kRestart: throw Failure("RESTART: the AMF restarted, its state is gone");
          default: std::printf("gnb: %s\n", netsctp::ToString(*ac).c_str());
        }
      } else {
        std::printf("gnb: %s\n", netsctp::ToString(*in.event).c_str());
      }
    }
    co_return in;
  }

  asio::awaitable<void> Expect(AssocChangeState want) {
    for (;;) {
      MsgOrEvent in = co_await Next();
      if (!in.IsEvent()) throw Failure("data while waiting for an association event");
      const auto* ac = std::get_if<AssocChangeEvent>(&*in.event);
      if (ac && ac->state == want) co_return;
    }
  }

  // The next NGAP message (events in between are logged); `sid` >= 0 checks its stream.
  asio::awaitable<Pdu> NextPdu(int sid) {
    for (;;) {
      MsgOrEvent in = co_await Next();
      if (in.IsEvent()) continue;
      Pdu p;
      if (in.msg.info.ppid != kNgapPpid || !Decode(std::span<const std::byte>(buf_).first(in.msg.n), p))
        throw Failure("not an NGAP message");
      if (sid >= 0 && in.msg.info.sid != sid) throw Failure("answer on stream " + std::to_string(in.msg.info.sid));
      last_sid_ = in.msg.info.sid;
      co_return p;
    }
  }

  asio::io_context& ctx_;
  AsioConn conn_;
  int ues_;
  std::array<std::byte, 2048> buf_{};
  std::uint16_t last_sid_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:38412";
  int ues = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--ues" && i + 1 < argc) {
      ues = std::atoi(argv[++i]);
    } else if (!a.empty() && a[0] != '-') {
      address = a;
    } else {
      std::fprintf(stderr, "usage: ngap_client [--ues N] [ADDRESS]\n");
      return 2;
    }
  }
  if (ues < 1 || ues > 1000) {
    std::fprintf(stderr, "ngap_client: --ues must be 1..1000\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  asio::io_context ctx(1);
  Gnb gnb(ctx, ues);
  int status = 1;
  asio::co_spawn(ctx, gnb.Run(address), [&](std::exception_ptr e) {
    if (!e) {
      status = 0;
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "gnb: %s\n", x.what());
    }
  });
  ctx.run();
  std::printf("gnb: %s\n", status == 0 ? "all checks passed" : "FAILED");
  return status;
}
