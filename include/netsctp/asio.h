// netsctp/asio.h: AsioConn, AsioAcceptor and AsioEndpoint, netsctp under an
// Asio executor.
//
// A thin, header-only layer over netsctp's non-blocking core for programs
// built on standalone Asio (1.22 or later, Debian's libasio-dev). It adds no
// thread and no second implementation: every operation first tries the
// netsctp call (SctpConn::ReadMsgOrEvent, WriteMsg, SctpListener::Accept,
// SctpConn::FinishConnect; SctpEndpoint::ReadMsgOrEvent, WriteMsg, SendTo)
// in non-blocking mode, which succeeds without waiting most of the time, and
// only on EAGAIN waits for readiness with Asio's reactor
// (posix::stream_descriptor::async_wait), then tries again. AsioConn serves
// one association (one-to-one socket), AsioAcceptor accepts them, and
// AsioEndpoint serves a one-to-many socket whose reads say which
// association they belong to and whose writes name one.
//
//   asio::awaitable<void> Echo(netsctp::AsioConn conn) {
//     std::array<std::byte, 65536> buf;
//     for (;;) {
//       netsctp::MsgOrEvent in = co_await conn.async_read_msg(buf, asio::use_awaitable);
//       if (in.IsEvent()) continue;
//       netsctp::SndInfo back{.sid = in.msg.info.sid, .ppid = in.msg.info.ppid};
//       co_await conn.async_write_msg(std::span(buf).first(in.msg.n), back, asio::use_awaitable);
//     }
//   }
//
// With an AsioEndpoint the same loop serves every association at once: the
// reply names the association the message came from
// (SndInfo::assoc_id = EndpointMsg::assoc_id).
//
// Asio conventions: objects are bound to an executor (get_executor()), the
// descriptor is native_handle(), operations are async_* and take any
// completion token (a callback, asio::use_awaitable, asio::use_future,
// asio::experimental::deferred, ...); handlers get a std::error_code first
// (in standalone Asio, asio::error_code is std::error_code). An operation
// never calls its handler from inside the initiating call: an immediate
// result is posted to the handler's executor. netsctp errors arrive as their
// error_code (the Error's context text is dropped): std::errc values for
// errno, netsctp::Errc for the library's conditions (Errc::kEndOfStream, ...).
//
// Cancellation: every operation supports per-operation cancellation through
// its cancellation slot (asio::bind_cancellation_slot, the awaitable
// operators' ||, parallel groups), of any type (terminal, partial, total).
// An operation still waiting completes with asio::error::operation_aborted
// and has consumed nothing: the object stays usable. An operation whose
// readiness has already arrived may complete normally instead. cancel()
// aborts every waiting operation of the object; close() cancels them, then
// closes. async_connect is the exception: a cancelled connect abandons the
// association being set up and leaves the object closed.
//
// Coroutines with clang and libstdc++: Asio 1.22 looks for the Coroutines TS
// there and does not see C++20 coroutines; define ASIO_HAS_CO_AWAIT=1 and ASIO_HAS_STD_COROUTINE=1 (the meson
// build does, as asio_dep). The adapter itself does not need coroutines.
//
// Descriptor ownership: netsctp owns the descriptor. Asio only watches it
// through a stream_descriptor that is always released (never closed) before
// netsctp closes it, so the descriptor is closed exactly once.
//
// Cost: one stream_descriptor per object (its epoll registration: no extra
// descriptor), no allocation of ours per operation (async_send_to holds its
// destination: a copy allocates, a moved-in SctpAddr does not); Asio allocates an
// operation only when one has to wait or complete through its executor, from
// its per-thread recycling allocator (the handler's associated allocator).
// See "Asio and coroutines" in docs/event-loops.md.
//
// Partial delivery: when the kernel hands a large message over in pieces and
// the rest is not there yet, SctpConn (or SctpEndpoint) keeps the part read
// so far and the retry after the wait goes on from it (also after a
// cancellation: the next read completes the message); only that rare case
// copies and allocates.
//
// Thread safety: as for Asio's own I/O objects: distinct objects are safe,
// a shared object is unsafe (use one strand or one thread per object). One
// read and one write may be outstanding at the same time; an object must
// outlive its outstanding operations.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "netsctp/addr.h"
#include "netsctp/conn.h"
#include "netsctp/dialer.h"
#include "netsctp/endpoint.h"
#include "netsctp/error.h"
#include "netsctp/info.h"
#include "netsctp/listener.h"
#include "netsctp/result.h"

namespace netsctp {

static_assert(std::is_same_v<::asio::error_code, std::error_code>,
              "netsctp/asio.h needs standalone Asio with std::error_code");

namespace asio_detail {

inline bool WouldBlock(const Error& e) noexcept { return e == std::errc::resource_unavailable_try_again; }

inline std::error_code Aborted() noexcept { return ::asio::error::operation_aborted; }

// The shape every operation shares: try, wait on EAGAIN, try again; finish
// through the executor when the first try already succeeded, so the handler
// never runs inside the initiating call. `Try` returns true when it has a
// result (stored in the op), false to wait.
template <typename Op>
struct Loop {
  template <typename Self>
  static void Run(Op& op, Self& self, std::error_code ec, bool posted) {
    if (posted) return op.Finish(self);
    if (!op.started) {
      op.started = true;
      // The op decides when it is done, so any cancellation type may abort
      // a wait: nothing has been consumed while waiting.
      self.reset_cancellation_state(::asio::enable_total_cancellation());
    } else {
      op.waited = true;
      if (ec) return op.Fail(self, ec);
      if (!op.StillOpen()) return op.Fail(self, Aborted());  // closed while the wake-up was queued
    }
    if (self.get_cancellation_state().cancelled() != ::asio::cancellation_type::none) return op.Fail(self, Aborted());
    if (!op.Try()) return op.Wait(std::move(self));
    if (op.waited) return op.Finish(self);
    // Immediate result: complete through the executor (the op is re-entered
    // with posted = true).
    op.post_pending = true;
    auto ex = op.IoExecutor();
    ::asio::post(ex, std::move(self));
  }
};

// A read or a write: `call()` is the netsctp call (returning Result<Value>),
// tried again after each wait for `wait` readiness on `desc`. One template
// serves AsioConn and AsioEndpoint; `owner->is_open()` tells whether the
// object was closed while a wake-up was queued. `call` is invoked once per
// try, so it must not consume what it captured.
template <typename Owner, typename Value, typename Call>
struct IoOp {
  Owner* owner;
  ::asio::posix::stream_descriptor* desc;
  ::asio::posix::stream_descriptor::wait_type wait;
  Call call;
  bool started = false, waited = false, post_pending = false;
  std::error_code ec{};
  Value out{};

  bool StillOpen() const noexcept { return owner->is_open(); }
  ::asio::any_io_executor IoExecutor() const { return desc->get_executor(); }
  bool Try() {
    auto r = call();
    if (r) {
      out = std::move(*r);
      return true;
    }
    if (WouldBlock(r.error())) return false;
    ec = r.error().code();
    return true;
  }
  template <typename Self>
  void Wait(Self&& self) {
    desc->async_wait(wait, std::move(self));
  }
  template <typename Self>
  void Fail(Self& self, std::error_code e) {
    self.complete(e, Value{});
  }
  template <typename Self>
  void Finish(Self& self) {
    if (ec) return self.complete(ec, Value{});
    self.complete(std::error_code{}, std::move(out));
  }
  template <typename Self>
  void operator()(Self& self, std::error_code e = {}) {
    Loop<IoOp>::Run(*this, self, e, post_pending);
  }
};

// Starts an IoOp with completion signature void(std::error_code, Value);
// `Token` is given explicitly, as the initiating function received it.
template <typename Value, typename Token, typename Owner, typename Call>
auto StartIo(Owner* owner, ::asio::posix::stream_descriptor& desc, ::asio::posix::stream_descriptor::wait_type wait,
             Call call, Token& token) {
  return ::asio::async_compose<Token, void(std::error_code, Value)>(
      IoOp<Owner, Value, Call>{owner, &desc, wait, std::move(call)}, token, desc);
}

}  // namespace asio_detail

class AsioAcceptor;

// One SCTP association (an SctpConn) served through an Asio executor.
// Empty after default construction, close(), release() or a move; then every
// operation completes with std::errc::bad_file_descriptor.
class AsioConn {
 public:
  using executor_type = ::asio::any_io_executor;

  // An empty connection bound to `ex` (connect it with async_connect).
  explicit AsioConn(const executor_type& ex) : desc_(ex) {}
  template <typename ExecutionContext,
            typename = std::enable_if_t<std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>>>
  explicit AsioConn(ExecutionContext& ctx) : desc_(ctx) {}

  // Takes `conn` (connected, e.g. from SctpListener::Accept or a blocking
  // Dial) and serves it through `ex`: the connection is put in non-blocking
  // mode and its descriptor registered with Asio's reactor. Errors: EBADF for
  // an empty `conn`, the reactor's (ENOMEM, ENOSPC past fs.epoll.max_user_watches);
  // `conn` is closed on error.
  static Result<AsioConn> Wrap(const executor_type& ex, SctpConn conn) {
    AsioConn c(ex);
    if (auto r = c.Assign(std::move(conn)); !r) return r.error();
    return c;
  }

  AsioConn(AsioConn&&) noexcept = default;
  AsioConn& operator=(AsioConn&& other) noexcept {
    if (this != &other) {
      (void)close();
      desc_ = std::move(other.desc_);  // empty now: nothing of ours is closed by it
      conn_ = std::move(other.conn_);
    }
    return *this;
  }
  AsioConn(const AsioConn&) = delete;
  AsioConn& operator=(const AsioConn&) = delete;
  // close(), ignoring errors.
  ~AsioConn() { (void)close(); }

  executor_type get_executor() noexcept { return desc_.get_executor(); }
  // The descriptor, -1 when empty.
  int native_handle() const noexcept { return conn_.fd(); }
  bool is_open() const noexcept { return conn_.IsOpen(); }
  // The SctpConn underneath, for options, addresses and status. Its blocking
  // mode must stay on (SetNonBlocking(true)); do not Close or Release it
  // directly (use close() and release()).
  SctpConn& next_layer() noexcept { return conn_; }
  const SctpConn& next_layer() const noexcept { return conn_; }

  // Reads the next whole message or event into `buf`, as
  // SctpConn::ReadMsgOrEvent. Handler: void(std::error_code, MsgOrEvent);
  // an Event holds views into `buf`, which must stay valid until the handler
  // has run. Errors: those of ReadMsgOrEvent (Errc::kEndOfStream after a
  // graceful end, ECONNRESET after an abort, ETIMEDOUT after COMM_LOST,
  // Errc::kMessageTooLarge, ...), operation_aborted when cancelled or closed.
  template <typename Token>
  auto async_read_msg(std::span<std::byte> buf, Token&& token) {
    return asio_detail::StartIo<MsgOrEvent, Token>(
        this, desc_, ::asio::posix::stream_descriptor::wait_read,
        [c = this, buf] { return c->conn_.ReadMsgOrEvent(buf); }, token);
  }

  // Sends `buf` as one message with `info` (stream, PPID, flags), as
  // SctpConn::WriteMsg. `buf` must stay valid until the handler has run.
  // Handler: void(std::error_code, std::size_t bytes). Errors: those of
  // WriteMsg (EINVAL for a stream out of range, EMSGSIZE, EPIPE, the end's
  // reason), operation_aborted when cancelled or closed.
  template <typename Token>
  auto async_write_msg(std::span<const std::byte> buf, const SndInfo& info, Token&& token) {
    return asio_detail::StartIo<std::size_t, Token>(
        this, desc_, ::asio::posix::stream_descriptor::wait_write,
        [c = this, buf, info] { return c->conn_.WriteMsg(buf, info); }, token);
  }
  // The same with the default send info (stream 0 unless SetDefaultSndInfo).
  template <typename Token>
  auto async_write_msg(std::span<const std::byte> buf, Token&& token) {
    return asio_detail::StartIo<std::size_t, Token>(
        this, desc_, ::asio::posix::stream_descriptor::wait_write,
        [c = this, buf] { return c->conn_.WriteMsg(buf); }, token);
  }

  // Dials `address` with `dialer` (Dialer::DialStart), waits for the
  // association without blocking, and completes it (FinishConnect). A
  // connection this object held is closed first. Handler:
  // void(std::error_code). Errors: those of DialStart and FinishConnect
  // (ECONNREFUSED, ETIMEDOUT once the INIT retries ran out, address errors),
  // operation_aborted when cancelled; on any error the object is left empty.
  // `dialer.timeout` and `deadline` do not apply: bound the wait with a timer
  // (see "Asio and coroutines" in docs/event-loops.md) or InitOptions::max_attempts.
  template <typename Token>
  auto async_connect(const Dialer& dialer, std::string_view network, std::string_view address, Token&& token) {
    return ::asio::async_compose<Token, void(std::error_code)>(
        ConnectOp{this, dialer, std::string(network), std::string(address)}, token, desc_);
  }

  // Aborts every waiting operation (operation_aborted); the connection stays usable.
  void cancel() noexcept {
    std::error_code ignored;
    desc_.cancel(ignored);
  }

  // Cancels the waiting operations, then closes the connection as
  // SctpConn::Close (graceful SHUTDOWN, or ABORT with linger 0) and returns
  // its result. Empty afterwards.
  Result<void> close() noexcept {
    ReleaseDescriptor();  // first, even when the SctpConn was closed directly
    if (!conn_.IsOpen()) return Result<void>();
    return conn_.Close();
  }

  // Cancels the waiting operations and gives back the SctpConn, still open
  // and still in non-blocking mode. Empty afterwards.
  SctpConn release() noexcept {
    ReleaseDescriptor();
    return std::move(conn_);
  }

 private:
  friend class AsioAcceptor;

  Result<void> Assign(SctpConn conn) {
    if (!conn.IsOpen()) return std::errc::bad_file_descriptor;
    if (auto r = conn.SetNonBlocking(true); !r) return r.error();
    std::error_code ec;
    desc_.assign(conn.fd(), ec);
    if (ec) return ec;  // `conn` closes it on its way out
    conn_ = std::move(conn);
    return Result<void>();
  }

  // Hands the descriptor back from Asio without closing it (cancels its waits).
  void ReleaseDescriptor() noexcept {
    if (desc_.is_open()) (void)desc_.release();
  }

  struct ConnectOp {
    AsioConn* c;
    Dialer dialer;
    std::string network, address;
    bool started = false, waited = false, post_pending = false, dialed = false;
    std::error_code ec{};

    // Until the dial has started there is nothing to be closed under us.
    bool StillOpen() const noexcept { return c->conn_.IsOpen(); }
    executor_type IoExecutor() const { return c->desc_.get_executor(); }
    bool Try() {
      if (!dialed) {
        dialed = true;
        (void)c->close();
        auto conn = dialer.DialStart(network, address);
        if (!conn) return Done(conn.error().code());
        if (auto r = c->Assign(std::move(*conn)); !r) return Done(r.error().code());
      }
      auto r = c->conn_.FinishConnect();
      if (r) return true;
      if (asio_detail::WouldBlock(r.error())) return false;
      return Done(r.error().code());
    }
    bool Done(std::error_code e) {
      ec = e;
      (void)c->close();
      return true;
    }
    template <typename Self>
    void Wait(Self&& self) {
      c->desc_.async_wait(::asio::posix::stream_descriptor::wait_write, std::move(self));
    }
    template <typename Self>
    void Fail(Self& self, std::error_code e) {
      // A connect abandoned half way leaves nothing behind.
      (void)c->close();
      self.complete(e);
    }
    template <typename Self>
    void Finish(Self& self) {
      self.complete(ec);
    }
    template <typename Self>
    void operator()(Self& self, std::error_code e = {}) {
      asio_detail::Loop<ConnectOp>::Run(*this, self, e, post_pending);
    }
  };

  // Declared first, destroyed last: the descriptor is released before the
  // SctpConn closes it (see ~AsioConn and close()).
  SctpConn conn_;
  ::asio::posix::stream_descriptor desc_;
};

// An SctpListener served through an Asio executor.
class AsioAcceptor {
 public:
  using executor_type = ::asio::any_io_executor;

  explicit AsioAcceptor(const executor_type& ex) : desc_(ex) {}

  // Takes `listener` and serves it through `ex` (non-blocking mode, reactor
  // registration). Errors as AsioConn::Wrap; `listener` is closed on error.
  static Result<AsioAcceptor> Wrap(const executor_type& ex, SctpListener listener) {
    AsioAcceptor a(ex);
    if (listener.fd() < 0) return std::errc::bad_file_descriptor;
    if (auto r = listener.SetNonBlocking(true); !r) return r.error();
    std::error_code ec;
    a.desc_.assign(listener.fd(), ec);
    if (ec) return ec;
    a.listener_ = std::move(listener);
    return a;
  }

  AsioAcceptor(AsioAcceptor&&) noexcept = default;
  AsioAcceptor& operator=(AsioAcceptor&& other) noexcept {
    if (this != &other) {
      (void)close();
      desc_ = std::move(other.desc_);
      listener_ = std::move(other.listener_);
    }
    return *this;
  }
  AsioAcceptor(const AsioAcceptor&) = delete;
  AsioAcceptor& operator=(const AsioAcceptor&) = delete;
  ~AsioAcceptor() { (void)close(); }

  executor_type get_executor() noexcept { return desc_.get_executor(); }
  int native_handle() const noexcept { return listener_.fd(); }
  bool is_open() const noexcept { return listener_.fd() >= 0; }
  SctpListener& next_layer() noexcept { return listener_; }

  // Accepts the next association as an AsioConn bound to this acceptor's
  // executor. Handler: void(std::error_code, AsioConn). Errors: those of
  // SctpListener::Accept (EMFILE, ENFILE, ...), operation_aborted when
  // cancelled or closed.
  template <typename Token>
  auto async_accept(Token&& token) {
    return ::asio::async_compose<Token, void(std::error_code, AsioConn)>(AcceptOp{this}, token, desc_);
  }

  void cancel() noexcept {
    std::error_code ignored;
    desc_.cancel(ignored);
  }
  // Cancels the waiting accepts and stops listening; accepted connections stay open.
  Result<void> close() noexcept {
    if (desc_.is_open()) (void)desc_.release();
    if (listener_.fd() < 0) return Result<void>();
    return listener_.Close();
  }

 private:
  struct AcceptOp {
    AsioAcceptor* a;
    bool started = false, waited = false, post_pending = false;
    std::error_code ec{};
    std::optional<AsioConn> out{};

    bool StillOpen() const noexcept { return a->listener_.fd() >= 0; }
    executor_type IoExecutor() const { return a->desc_.get_executor(); }
    bool Try() {
      auto r = a->listener_.Accept();
      if (!r) {
        if (asio_detail::WouldBlock(r.error())) return false;
        ec = r.error().code();
        return true;
      }
      auto c = AsioConn::Wrap(a->desc_.get_executor(), std::move(*r));
      if (!c) {
        ec = c.error().code();
        return true;
      }
      out.emplace(std::move(*c));
      return true;
    }
    template <typename Self>
    void Wait(Self&& self) {
      a->desc_.async_wait(::asio::posix::stream_descriptor::wait_read, std::move(self));
    }
    template <typename Self>
    void Fail(Self& self, std::error_code e) {
      self.complete(e, AsioConn(a->desc_.get_executor()));
    }
    template <typename Self>
    void Finish(Self& self) {
      if (ec || !out) return Fail(self, ec);
      AsioConn c = std::move(*out);
      out.reset();
      self.complete(std::error_code{}, std::move(c));
    }
    template <typename Self>
    void operator()(Self& self, std::error_code e = {}) {
      asio_detail::Loop<AcceptOp>::Run(*this, self, e, post_pending);
    }
  };

  SctpListener listener_;
  ::asio::posix::stream_descriptor desc_;
};

// An SctpEndpoint (one-to-many: any number of associations on one socket)
// served through an Asio executor. The operations that do not wait
// (Connect, FindAssoc, Assoc(id), PeelOff, Shutdown, Abort, BindAdd, ...)
// are the SctpEndpoint's, through endpoint(). Empty after construction from
// an executor alone, close(), release() or a move; then every operation
// completes with std::errc::bad_file_descriptor.
class AsioEndpoint {
 public:
  using executor_type = ::asio::any_io_executor;

  // An empty endpoint bound to `ex` or `ctx`.
  explicit AsioEndpoint(const executor_type& ex) : desc_(ex) {}
  template <typename ExecutionContext,
            typename = std::enable_if_t<std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>>>
  explicit AsioEndpoint(ExecutionContext& ctx) : desc_(ctx) {}

  // Takes `ep` and serves it through `ex` (or `ctx`'s executor): the
  // endpoint is put in non-blocking mode and its descriptor registered with
  // Asio's reactor. A factory rather than a constructor because the
  // registration can fail. Errors: EBADF for an empty `ep`, the reactor's
  // (ENOMEM, ENOSPC past fs.epoll.max_user_watches); `ep` is closed on error.
  static Result<AsioEndpoint> Wrap(const executor_type& ex, SctpEndpoint ep) {
    AsioEndpoint e(ex);
    if (!ep.IsOpen()) return std::errc::bad_file_descriptor;
    if (auto r = ep.SetNonBlocking(true); !r) return r.error();
    std::error_code ec;
    e.desc_.assign(ep.fd(), ec);
    if (ec) return ec;  // `ep` closes it on its way out
    e.ep_ = std::move(ep);
    return e;
  }
  template <typename ExecutionContext,
            typename = std::enable_if_t<std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>>>
  static Result<AsioEndpoint> Wrap(ExecutionContext& ctx, SctpEndpoint ep) {
    return Wrap(executor_type(ctx.get_executor()), std::move(ep));
  }

  AsioEndpoint(AsioEndpoint&&) noexcept = default;
  AsioEndpoint& operator=(AsioEndpoint&& other) noexcept {
    if (this != &other) {
      (void)close();
      desc_ = std::move(other.desc_);  // empty now: nothing of ours is closed by it
      ep_ = std::move(other.ep_);
    }
    return *this;
  }
  AsioEndpoint(const AsioEndpoint&) = delete;
  AsioEndpoint& operator=(const AsioEndpoint&) = delete;
  // close(), ignoring errors.
  ~AsioEndpoint() { (void)close(); }

  executor_type get_executor() noexcept { return desc_.get_executor(); }
  // The descriptor, -1 when empty.
  int native_handle() const noexcept { return ep_.fd(); }
  bool is_open() const noexcept { return ep_.IsOpen(); }
  // The SctpEndpoint underneath. Keep it in non-blocking mode; do not Close
  // or Release it directly (use close() and release()).
  SctpEndpoint& endpoint() noexcept { return ep_; }
  const SctpEndpoint& endpoint() const noexcept { return ep_; }

  // Reads the next whole message or event of any association into `buf`, as
  // SctpEndpoint::ReadMsgOrEvent: EndpointMsg::assoc_id says which
  // association, `from`/`port` which peer address. Handler:
  // void(std::error_code, EndpointMsg); an event holds views into `buf`,
  // which must stay valid until the handler has run. Errors: those of
  // ReadMsgOrEvent (Errc::kMessageTooLarge, ...), operation_aborted when
  // cancelled or closed. An endpoint never ends: associations ending show as
  // events (ASSOC_CHANGE, SHUTDOWN), not as errors.
  template <typename Token>
  auto async_read_msg(std::span<std::byte> buf, Token&& token) {
    return asio_detail::StartIo<EndpointMsg, Token>(
        this, desc_, ::asio::posix::stream_descriptor::wait_read,
        [e = this, buf] { return e->ep_.ReadMsgOrEvent(buf); }, token);
  }

  // Sends `buf` as one message on association info.assoc_id with its stream,
  // PPID and flags, as SctpEndpoint::WriteMsg. `buf` must stay valid until
  // the handler has run. Handler: void(std::error_code, std::size_t bytes).
  // Errors: Errc::kUnknownAssoc for an id with no association, EPIPE while
  // it shuts down, EINVAL for a stream out of range, EMSGSIZE,
  // operation_aborted when cancelled or closed.
  template <typename Token>
  auto async_write_msg(std::span<const std::byte> buf, const SndInfo& info, Token&& token) {
    return asio_detail::StartIo<std::size_t, Token>(
        this, desc_, ::asio::posix::stream_descriptor::wait_write,
        [e = this, buf, info] { return e->ep_.WriteMsg(buf, info); }, token);
  }

  // Sends `buf` to `dest`, as SctpEndpoint::SendTo: on the association with
  // that peer, or on a new one that the message starts (its id comes with
  // the COMM_UP event, or from endpoint().FindAssoc). info.assoc_id is
  // ignored. The operation keeps its own `dest` (move one in to avoid a
  // copy); `buf` must stay valid until the handler has run. Handler:
  // void(std::error_code, std::size_t bytes). Errors: those of SendTo
  // (Errc::kNoSuitableAddress, Errc::kBadPort, address errors),
  // operation_aborted when cancelled or closed.
  template <typename Token>
  auto async_send_to(std::span<const std::byte> buf, SctpAddr dest, const SndInfo& info, Token&& token) {
    return asio_detail::StartIo<std::size_t, Token>(
        this, desc_, ::asio::posix::stream_descriptor::wait_write,
        [e = this, buf, dest = std::move(dest), info] { return e->ep_.SendTo(buf, dest, &info); }, token);
  }

  // Aborts every waiting operation (operation_aborted); the endpoint stays usable.
  void cancel() noexcept {
    std::error_code ignored;
    desc_.cancel(ignored);
  }

  // Cancels the waiting operations, then closes the endpoint as
  // SctpEndpoint::Close (every association shut down) and returns its
  // result. Empty afterwards.
  Result<void> close() noexcept {
    ReleaseDescriptor();  // first, even when the SctpEndpoint was closed directly
    if (!ep_.IsOpen()) return Result<void>();
    return ep_.Close();
  }

  // Cancels the waiting operations and gives back the SctpEndpoint, still
  // open and still in non-blocking mode. Empty afterwards.
  SctpEndpoint release() noexcept {
    ReleaseDescriptor();
    return std::move(ep_);
  }

 private:
  // Hands the descriptor back from Asio without closing it (cancels its waits).
  void ReleaseDescriptor() noexcept {
    if (desc_.is_open()) (void)desc_.release();
  }

  // Declared first, destroyed last: the descriptor is released before the
  // SctpEndpoint closes it.
  SctpEndpoint ep_;
  ::asio::posix::stream_descriptor desc_;
};

}  // namespace netsctp
