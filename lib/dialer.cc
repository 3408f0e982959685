// Dialer: socket set-up, optional bind, connectx over every remote address,
// and a deadline- and cancellation-aware wait for the association.
#include "netsctp/dialer.h"

#include <netinet/sctp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "internal/fd_core.h"
#include "internal/log.h"
#include "internal/sockaddr.h"
#include "internal/socket.h"

namespace netsctp {

using internal::Dir;
using internal::FdCore;

using internal::LocalSystemIfWildcard;

namespace {

std::string DialContext(std::string_view network, const SctpAddr& raddr) {
  return "dial " + std::string(network) + " " + raddr.String();
}

}  // namespace

Result<SctpConn> Dialer::Dial(std::string_view network, std::string_view address, std::stop_token stop) const {
  auto raddr = ResolveSctpAddr(network, address);
  if (!raddr) return raddr.error().WithContext("dial " + std::string(network));
  return DialSctp(network, *raddr, std::move(stop));
}

Result<SctpConn> Dialer::DialStart(std::string_view network, std::string_view address) const {
  auto raddr = ResolveSctpAddr(network, address);
  if (!raddr) return raddr.error().WithContext("dial " + std::string(network));
  return DialSctpStart(network, *raddr);
}

Result<SctpConn> Dialer::DialSctpStart(std::string_view network, const SctpAddr& raddr_in) const {
  const SctpAddr raddr = LocalSystemIfWildcard(raddr_in, network, local_addr ? &*local_addr : nullptr);
  return Start(network, raddr, DialContext(network, raddr), {});
}

Result<SctpConn> Dialer::Start(std::string_view network, const SctpAddr& raddr, const std::string& what,
                               const std::stop_token& stop) const {
  if (raddr.port == 0) return Error(make_error_code(Errc::kBadPort), what + ": port 0");

  // The family must suit both ends.
  SctpAddr both = raddr;
  if (local_addr) both.ip_addrs.insert(both.ip_addrs.end(), local_addr->ip_addrs.begin(), local_addr->ip_addrs.end());
  auto family = internal::ChooseFamily(network, both);
  if (!family) return family.error().WithContext(what);
  // A local list that cannot reach the remote would only wait out the timeout.
  if (local_addr) {
    if (auto ok = internal::CheckDialFamilies(*local_addr, raddr); !ok) return ok.error().WithContext(what);
  }
  const std::string address = raddr.String();
  auto fd = internal::OpenSocket({*family, init_options, events, control, address});
  if (!fd) return fd.error().WithContext(what);
  if (local_addr) {
    if (auto r = internal::ReuseAddr(fd->get()); !r) return r.error().WithContext(what);
    if (auto r = internal::BindAddrs(fd->get(), *local_addr, family->family, SCTP_BINDX_ADD_ADDR); !r) {
      return r.error().WithContext(what);
    }
  }
  auto packed = internal::PackAddrs(raddr, family->family);
  if (!packed) return packed.error().WithContext(what);

  if (stop.stop_requested()) return Error(make_error_code(Errc::kCanceled), what);  // send no INIT at all

  SctpConn conn(std::make_unique<FdCore>(fd->Release()));
  sctp_assoc_t id = 0;
  if (sctp_connectx(conn.fd(), reinterpret_cast<sockaddr*>(packed->bytes.data()), packed->count, &id) != 0 &&
      errno != EINPROGRESS) {
    return SystemError(errno, what);
  }
  conn.core_->SetNonBlocking(true);
  conn.remote_ = raddr;
  conn.connecting_ = true;
  return conn;
}

Result<SctpConn> Dialer::DialSctp(std::string_view network, const SctpAddr& raddr_in, std::stop_token stop) const {
  const SctpAddr raddr = LocalSystemIfWildcard(raddr_in, network, local_addr ? &*local_addr : nullptr);
  const std::string what = DialContext(network, raddr);
  auto started = Start(network, raddr, what, stop);
  if (!started) return started;
  SctpConn conn = std::move(*started);
  FdCore& core = *conn.core_;

  // The earlier of timeout and deadline bounds the wait.
  std::int64_t limit = internal::DeadlineNs(deadline);
  if (timeout.count() > 0) {
    const std::int64_t t = FdCore::NowNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
    limit = limit == 0 ? t : std::min(limit, t);
  }
  core.SetDeadline(Dir::kWrite, limit);
  std::atomic<bool> canceled{false};
  std::stop_callback on_stop(stop, [&] {
    canceled.store(true, std::memory_order_seq_cst);
    core.Cancel();
  });
  auto ready = core.WaitReady(Dir::kWrite, POLLOUT);
  core.SetDeadline(Dir::kWrite, 0);
  if (!ready) {
    if (canceled.load()) return Error(make_error_code(Errc::kCanceled), what);
    return ready.error().WithContext(what);
  }
  if (auto r = conn.CompleteConnect(); !r) return r.error().WithContext(what);
  core.SetNonBlocking(non_blocking);
  return conn;
}

Result<SctpConn> Dial(std::string_view network, std::string_view address) { return Dialer{}.Dial(network, address); }

Result<SctpConn> DialTimeout(std::string_view network, std::string_view address, std::chrono::milliseconds timeout) {
  Dialer d;
  d.timeout = timeout;
  return d.Dial(network, address);
}

Result<SctpConn> DialSctp(std::string_view network, const SctpAddr* laddr, const SctpAddr& raddr) {
  Dialer d;
  if (laddr != nullptr) d.local_addr = *laddr;
  return d.DialSctp(network, raddr);
}

}  // namespace netsctp
