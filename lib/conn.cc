// SctpConn: data path, addresses, options and closing of one association.
#include "netsctp/conn.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "internal/cmsg.h"
#include "internal/fd_core.h"
#include "internal/log.h"
#include "internal/sockaddr.h"
#include "internal/socket.h"

namespace netsctp {

using internal::Dir;
using internal::FdCore;

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;

// The public GetOption on this connection's descriptor (a shorter answer is
// accepted, as before: some options shrank or grew across kernels).
template <typename T>
Result<T> Get(const FdCore* core, int level, int name, T value = T{}) {
  if (core == nullptr || core->fd() < 0) return kBadFd;
  return GetOption<T>(core->fd(), level, name, value, /*allow_shorter=*/true);
}

template <typename T>
Result<void> Set(FdCore* core, int level, int name, const T& value, const char* what) {
  if (core == nullptr || core->fd() < 0) return kBadFd;
  if (::setsockopt(core->fd(), level, name, &value, sizeof value) != 0) return SystemError(errno, what);
  return {};
}

// Writes `peer` into the (often packed) sockaddr_storage field of a kernel
// struct the way the kernel stores peer addresses: IPv4 as AF_INET even on
// AF_INET6 sockets.
void PutPeer(const IpAddr& peer, std::uint16_t port, void* field) {
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  internal::ToSockaddr(peer, port, peer.Is4() ? AF_INET : AF_INET6, ss);
  std::memcpy(field, &ss, sizeof ss);
}

PeerAddrInfo FromKernel(const sctp_paddrinfo& k) {
  PeerAddrInfo p;
  p.assoc_id = k.spinfo_assoc_id;
  sockaddr_storage ss;
  std::memcpy(&ss, &k.spinfo_address, sizeof ss);
  if (auto a = internal::ParseSockaddr(std::as_bytes(std::span(&ss, 1)))) {
    p.addr = a->ip;
    p.port = a->port;
  }
  p.state = static_cast<PathState>(k.spinfo_state);
  p.cwnd = k.spinfo_cwnd;
  p.srtt = k.spinfo_srtt;
  p.rto = k.spinfo_rto;
  p.mtu = k.spinfo_mtu;
  return p;
}

bool AssociationAlive(int fd) {
  sctp_status st{};
  socklen_t len = sizeof st;
  return ::getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0 && st.sstat_state != SCTP_CLOSED;
}

// Errors that by themselves say why an association ended (the socket error
// the kernel sets on ABORT, COMM_LOST or a failed start).
bool IsEndCause(int err) {
  return err == ECONNRESET || err == ETIMEDOUT || err == ECONNREFUSED || err == ECONNABORTED ||
         err == EHOSTUNREACH || err == ENETUNREACH || err == EPROTO;
}

// When the association of `core` no longer exists, ends the core (see
// FdCore::End) with the best cause known: `err` when it is one, else the
// socket's pending error, else a graceful end. Costs one getsockopt; called
// only on failures and, after our own CloseWrite, on EAGAIN. True when ended.
// Must run while `core` is in use (the descriptor cannot be closed meanwhile).
bool EndIfGone(FdCore& core, int fd, int err) {
  if (core.Ended()) return true;
  if (AssociationAlive(fd)) return false;
  int cause = IsEndCause(err) ? err : 0;
  if (cause == 0) {
    int pending = 0;
    socklen_t len = sizeof pending;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &len) == 0) cause = pending;
  }
  return core.End(cause);
}

// What reads and writes report once the association has ended.
Error EndError(const FdCore& core) {
  const int cause = core.EndCause();
  return cause > 0 ? Error(SystemError(cause)) : Error(Errc::kEndOfStream);
}

// Every read and write of a connection: `op` through the core (one system
// call when it succeeds), and whenever it fails, a look at whether the
// association is gone, so that the end is made visible to every other call
// and poller (FdCore::End) whichever call happened to read the kernel's one
// report of it. After our own CloseWrite the association ends without any
// poll event at all, so waits are sliced and each EAGAIN looks too.
template <typename Op>
Result<std::int64_t> DataIo(FdCore& core, Dir dir, short events, Op&& op) {
  const int fd = core.fd();
  auto n = core.Io(dir, events, [&]() -> ssize_t {
    const ssize_t r = op();
    if (r >= 0) return r;
    const int err = errno;
    if (err == EINTR || (err == EAGAIN && !core.HasWaitSlice())) return r;
    if (EndIfGone(core, fd, err == EAGAIN ? 0 : err) && err == EAGAIN) return op();  // now 0 or EPIPE
    errno = err;
    return r;
  });
  // A write after the end fails with EPIPE: say why the association ended.
  if (!n && n.error() == std::errc::broken_pipe && core.EndCause() > 0) return EndError(core);
  return n;
}

// How often a reader re-checks the association once our shutdown is under way.
constexpr std::int64_t kShutdownCheckNs = 50'000'000;

void LogNotification(std::span<const std::byte> bytes) {
  auto logger = Logger();
  if (!logger->should_log(spdlog::level::debug)) return;
  auto ev = ParseEvent(bytes);
  if (ev) {
    logger->debug("notification {}", ToString(*ev));
  } else {
    logger->debug("notification of {} bytes that does not parse: {}", bytes.size(), ev.error().message());
  }
}

}  // namespace

// The part of a message read before ReadFullMsg met EAGAIN (non-blocking
// mode) or its deadline: kept so that the next call goes on from there.
struct SctpConn::PartialMsg {
  Message msg;                  // flags and info of what was read
  std::vector<std::byte> bytes;  // the bytes read (none while draining)
  bool draining = false;        // the message outgrew the buffer: dropping the rest
};

SctpConn::SctpConn() noexcept = default;
SctpConn::SctpConn(std::unique_ptr<FdCore> core) : core_(std::move(core)) {}
SctpConn::SctpConn(SctpConn&&) noexcept = default;
SctpConn& SctpConn::operator=(SctpConn&& o) noexcept {
  if (this != &o) {
    (void)Close();
    core_ = std::move(o.core_);
    local_ = std::move(o.local_);
    remote_ = std::move(o.remote_);
    connecting_ = o.connecting_;
    partial_ = std::move(o.partial_);
  }
  return *this;
}
SctpConn::~SctpConn() { (void)Close(); }

Result<SctpConn> SctpConn::Adopt(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return SystemError(errno, "adopt");
  int protocol = 0;
  len = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) return SystemError(errno, "adopt");
  if (type != SOCK_STREAM || protocol != IPPROTO_SCTP) {
    return Error(std::make_error_code(std::errc::not_supported), "adopt: not a one-to-one SCTP socket");
  }
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) return SystemError(errno, "adopt: O_NONBLOCK");
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return SystemError(errno, "adopt: FD_CLOEXEC");
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on) != 0) {
    return SystemError(errno, "adopt: SCTP_RECVRCVINFO");
  }
  SctpConn c(std::make_unique<FdCore>(fd));
  if (auto r = c.InitAddrs(); !r) {
    (void)c.Release();  // the caller keeps the descriptor on error
    return r.error().WithContext("adopt");
  }
  return c;
}

Result<void> SctpConn::InitAddrs() {
  auto local = internal::LocalAddrs(fd());
  if (!local) return local.error();
  auto remote = internal::PeerAddrs(fd());
  if (!remote) return remote.error();
  local_ = std::move(*local);
  remote_ = std::move(*remote);
  return {};
}

int SctpConn::Release() noexcept { return core_ ? core_->Release() : -1; }

int SctpConn::fd() const noexcept { return core_ ? core_->fd() : -1; }

// ---------------------------------------------------------------- data

Result<std::size_t> SctpConn::Read(std::span<std::byte> buf) {
  for (;;) {
    auto m = ReadMsg(buf);
    if (!m) return m.error();
    if (!m->Notification()) return m->n;  // notifications are for ReadMsg users
  }
}

Result<std::size_t> SctpConn::Write(std::span<const std::byte> buf) { return WriteMsgExt(buf, nullptr, nullptr); }

Result<Message> SctpConn::ReadMsg(std::span<std::byte> buf) {
  alignas(cmsghdr) std::array<std::byte, internal::kRcvInfoSpace> control;
  return ReadMsgExt(buf, control);
}

Result<Message> SctpConn::ReadMsgExt(std::span<std::byte> buf, std::span<std::byte> oob) {
  if (!core_) return kBadFd;
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const int fd = core_->fd();
  auto n = DataIo(*core_, Dir::kRead, POLLIN, [&] {
    msg.msg_control = oob.empty() ? nullptr : oob.data();
    msg.msg_controllen = oob.size();
    msg.msg_flags = 0;
    return ::recvmsg(fd, &msg, 0);
  });
  if (!n) return n.error();
  Message m;
  m.n = static_cast<std::size_t>(*n);
  m.flags = msg.msg_flags;
  if (m.n == 0 && msg.msg_controllen == 0 && !m.Notification()) return EndError(*core_);
  if (!m.Notification()) {
    m.has_info = internal::DecodeRcvInfo(
        std::span<const std::byte>(static_cast<const std::byte*>(msg.msg_control), msg.msg_controllen), m.info);
  } else if (m.Eor()) {
    LogNotification(buf.first(m.n));  // notifications are rare: off the data path
  }
  return m;
}

Result<Message> SctpConn::ReadFullMsg(std::span<std::byte> buf) {
  Message whole;
  bool draining = false;  // larger than buf: the rest is read and dropped
  if (partial_) {
    whole = partial_->msg;
    draining = partial_->draining || partial_->bytes.size() > buf.size();
    if (!draining) std::copy(partial_->bytes.begin(), partial_->bytes.end(), buf.begin());
    partial_.reset();
  } else {
    auto first = ReadMsg(buf);
    if (!first) return first;
    whole = *first;
    draining = !whole.Eor() && whole.n == buf.size();
  }
  // A wait that ends part way (EAGAIN, deadline) must not lose what was
  // read: rare (large messages), so the copy and its allocation are fine.
  const auto keep = [&](const Error& e) -> Error {
    if (e == std::errc::resource_unavailable_try_again || e == Errc::kTimeout) {
      partial_ = std::make_unique<PartialMsg>();
      partial_->msg = whole;
      partial_->draining = draining;
      if (!draining) partial_->bytes.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(whole.n));
    }
    return e;
  };
  const int eor = static_cast<int>(RecvFlags::kEor);
  while (!whole.Eor()) {
    // When the peer aborts in the middle of a message, the kernel queues a
    // PARTIAL_DELIVERY notification where the next piece would be: look
    // before reading, so that the notification is never glued onto data.
    if (!whole.Notification()) {
      auto next = PeekNotification();
      if (!next) return keep(next.error());
      if (*next) return draining ? Errc::kMessageTooLarge : Errc::kMessageAborted;
    }
    if (draining) {
      // Too large: drain the rest so that the next read starts a new message.
      std::array<std::byte, 4096> scratch;
      auto piece = ReadMsg(scratch);
      if (!piece) return keep(piece.error());
      if (piece->Eor()) return Errc::kMessageTooLarge;
      continue;
    }
    auto piece = ReadMsg(buf.subspan(whole.n));
    if (!piece) return keep(piece.error());
    whole.n += piece->n;
    whole.flags = (whole.flags & ~eor) | (piece->flags & eor);
    draining = !whole.Eor() && whole.n == buf.size();
  }
  return whole;
}

Result<bool> SctpConn::PeekNotification() {
  std::byte one;
  iovec iov{&one, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const int fd = core_->fd();
  auto n = DataIo(*core_, Dir::kRead, POLLIN, [&] {
    msg.msg_flags = 0;
    return ::recvmsg(fd, &msg, MSG_PEEK);
  });
  if (!n) return n.error();
  return Has(msg.msg_flags, RecvFlags::kNotification);
}

Result<MsgOrEvent> SctpConn::ReadMsgOrEvent(std::span<std::byte> buf) {
  auto m = ReadFullMsg(buf);
  // An aborted message is dropped; its PARTIAL_DELIVERY event comes next.
  while (!m && m.error() == Errc::kMessageAborted) m = ReadFullMsg(buf);
  if (!m) return m.error();
  MsgOrEvent out{*m, std::nullopt};
  if (m->Notification()) {
    auto ev = ParseEvent(buf.first(m->n));
    if (!ev) return ev.error();
    out.event = std::move(*ev);
  }
  return out;
}

Result<std::size_t> SctpConn::WriteMsg(std::span<const std::byte> buf, const SndInfo* info) {
  return WriteMsgExt(buf, info, nullptr);
}

Result<std::size_t> SctpConn::WriteMsgExt(std::span<const std::byte> buf, const SndInfo* info, const IpAddr* to,
                                          int msg_flags) {
  if (!core_) return kBadFd;
  alignas(cmsghdr) std::array<std::byte, internal::kSndInfoSpace> control;
  iovec iov{const_cast<std::byte*>(buf.data()), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  sockaddr_storage dest;
  SndInfo with_over;
  if (to != nullptr) {
    // The override goes to the association's port; every field of `info`
    // is kept (go-sctp dropped them when the PPID was 0).
    std::memset(&dest, 0, sizeof dest);
    const socklen_t len = internal::ToSockaddr(*to, remote_.port, to->Is4() ? AF_INET : AF_INET6, dest);
    if (len == 0) return Error(make_error_code(Errc::kNoSuitableAddress), "write to " + to->String());
    msg.msg_name = &dest;
    msg.msg_namelen = len;
    with_over = info != nullptr ? *info : SndInfo{};
    with_over.flags = with_over.flags | SndFlags::kAddrOver;
    info = &with_over;
  }
  if (info != nullptr) {
    msg.msg_control = control.data();
    msg.msg_controllen = internal::EncodeSndInfo(*info, control);
  }
  const int fd = core_->fd();
  auto n = DataIo(*core_, Dir::kWrite, POLLOUT, [&] { return ::sendmsg(fd, &msg, msg_flags | MSG_NOSIGNAL); });
  if (!n) return n.error();
  return static_cast<std::size_t>(*n);
}

// ---------------------------------------------------------------- addresses

const SctpAddr& SctpConn::LocalAddr() const noexcept { return local_; }
const SctpAddr& SctpConn::RemoteAddr() const noexcept { return remote_; }

Result<SctpAddr> SctpConn::RefreshRemoteAddr() {
  if (fd() < 0) return kBadFd;
  auto r = internal::PeerAddrs(fd());
  if (!r) return r;
  remote_ = *r;
  return r;
}

Result<void> SctpConn::Bind(const SctpAddr& addresses, int flags) {
  if (fd() < 0) return kBadFd;
  auto now = internal::Rebind(fd(), addresses, local_.port, flags);
  if (!now) return now.error();
  local_ = std::move(*now);
  return {};
}

Result<void> SctpConn::Bind(std::string_view addresses, int flags) {
  auto a = internal::ResolveBindAddrs(addresses);
  if (!a) return a.error();
  return Bind(*a, flags);
}

Result<void> SctpConn::BindAdd(std::string_view a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpConn::BindAdd(const SctpAddr& a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpConn::BindRemove(std::string_view a) { return Bind(a, SCTP_BINDX_REM_ADDR); }
Result<void> SctpConn::BindRemove(const SctpAddr& a) { return Bind(a, SCTP_BINDX_REM_ADDR); }

// ---------------------------------------------------------------- deadlines

Result<void> SctpConn::SetDeadline(Deadline t) {
  if (auto r = SetReadDeadline(t); !r) return r;
  return SetWriteDeadline(t);
}
Result<void> SctpConn::SetReadDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kRead, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpConn::SetWriteDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kWrite, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpConn::SetNonBlocking(bool on) {
  if (fd() < 0) return kBadFd;
  core_->SetNonBlocking(on);
  return {};
}

// ---------------------------------------------------------------- options

Result<void> SctpConn::SetNoDelay(bool on) {
  return Set(core_.get(), IPPROTO_SCTP, SCTP_NODELAY, on ? 1 : 0, "setsockopt SCTP_NODELAY");
}
Result<void> SctpConn::SetDisableFragments(bool on) {
  return Set(core_.get(), IPPROTO_SCTP, SCTP_DISABLE_FRAGMENTS, on ? 1 : 0, "setsockopt SCTP_DISABLE_FRAGMENTS");
}
Result<void> SctpConn::SetLinger(int seconds) {
  linger l{seconds >= 0 ? 1 : 0, seconds >= 0 ? seconds : 0};
  return Set(core_.get(), SOL_SOCKET, SO_LINGER, l, "setsockopt SO_LINGER");
}
Result<int> SctpConn::ReadBufferSize() const { return Get<int>(core_.get(), SOL_SOCKET, SO_RCVBUF); }
Result<int> SctpConn::WriteBufferSize() const { return Get<int>(core_.get(), SOL_SOCKET, SO_SNDBUF); }
Result<void> SctpConn::SetReadBufferSize(int bytes) {
  return Set(core_.get(), SOL_SOCKET, SO_RCVBUF, bytes, "setsockopt SO_RCVBUF");
}
Result<void> SctpConn::SetWriteBufferSize(int bytes) {
  return Set(core_.get(), SOL_SOCKET, SO_SNDBUF, bytes, "setsockopt SO_SNDBUF");
}

Result<netsctp::Status> SctpConn::Status() const {
  auto k = Get<sctp_status>(core_.get(), IPPROTO_SCTP, SCTP_STATUS);
  if (!k) return k.error();
  netsctp::Status s;
  s.assoc_id = k->sstat_assoc_id;
  s.state = static_cast<AssocState>(k->sstat_state);
  s.rwnd = k->sstat_rwnd;
  s.unack_data = k->sstat_unackdata;
  s.pending_data = k->sstat_penddata;
  s.in_streams = k->sstat_instrms;
  s.out_streams = k->sstat_outstrms;
  s.fragmentation_point = k->sstat_fragmentation_point;
  sctp_paddrinfo primary;
  std::memcpy(&primary, &k->sstat_primary, sizeof primary);
  s.primary = FromKernel(primary);
  return s;
}

Result<void> SctpConn::Subscribe(std::initializer_list<EventType> events) {
  return Subscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> SctpConn::Subscribe(std::span<const EventType> events) {
  if (fd() < 0) return kBadFd;
  return internal::SetEvents(fd(), events, true);
}
Result<void> SctpConn::Unsubscribe(std::initializer_list<EventType> events) {
  return Unsubscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> SctpConn::Unsubscribe(std::span<const EventType> events) {
  if (fd() < 0) return kBadFd;
  return internal::SetEvents(fd(), events, false);
}

Result<RtoInfo> SctpConn::GetRtoInfo() const {
  auto k = Get<sctp_rtoinfo>(core_.get(), IPPROTO_SCTP, SCTP_RTOINFO);
  if (!k) return k.error();
  return RtoInfo{k->srto_initial, k->srto_min, k->srto_max};
}
Result<void> SctpConn::SetRtoInfo(const RtoInfo& rto) {
  sctp_rtoinfo k{};
  k.srto_initial = rto.initial;
  k.srto_min = rto.min;
  k.srto_max = rto.max;
  return Set(core_.get(), IPPROTO_SCTP, SCTP_RTOINFO, k, "setsockopt SCTP_RTOINFO");
}

Result<AssocParams> SctpConn::GetAssocParams() const {
  auto k = Get<sctp_assocparams>(core_.get(), IPPROTO_SCTP, SCTP_ASSOCINFO);
  if (!k) return k.error();
  return AssocParams{k->sasoc_asocmaxrxt, k->sasoc_number_peer_destinations, k->sasoc_peer_rwnd,
                     k->sasoc_local_rwnd, k->sasoc_cookie_life};
}
Result<void> SctpConn::SetAssocParams(const AssocParams& p) {
  sctp_assocparams k{};
  k.sasoc_asocmaxrxt = p.max_retrans;
  k.sasoc_cookie_life = p.cookie_life;
  auto r = Set(core_.get(), IPPROTO_SCTP, SCTP_ASSOCINFO, k, "setsockopt SCTP_ASSOCINFO");
  if (r || r.error() != std::errc::invalid_argument || p.max_retrans == 0) return r;
  // Linux refuses, on a multi-homed association, an association limit above
  // the sum of the path limits (it could never be reached): say so.
  auto peers = internal::PeerAddrs(fd());
  if (!peers || peers->ip_addrs.size() < 2) return r;
  unsigned sum = 0;
  for (const IpAddr& ip : peers->ip_addrs) {
    auto pp = GetPathParams(&ip);
    if (!pp) return r;
    sum += pp->path_max_retrans;
  }
  if (p.max_retrans <= sum) return r;
  return Error(r.error().code(), "setsockopt SCTP_ASSOCINFO: association max_retrans " +
                                     std::to_string(p.max_retrans) + " exceeds the sum of the path max_retrans (" +
                                     std::to_string(sum) + " over " + std::to_string(peers->ip_addrs.size()) +
                                     " paths); raise the path limits first");
}

Result<PathParamsInfo> SctpConn::GetPathParams(const IpAddr* peer) const {
  sctp_paddrparams k;
  std::memset(&k, 0, sizeof k);
  if (peer != nullptr) PutPeer(*peer, remote_.port, &k.spp_address);
  auto r = Get<sctp_paddrparams>(core_.get(), IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, k);
  if (!r) return r.error().WithContext(peer != nullptr ? "path " + peer->String() : "paths");
  PathParamsInfo info;
  info.heartbeat_interval = r->spp_hbinterval;
  info.heartbeat_enabled = (r->spp_flags & SPP_HB_ENABLE) != 0;
  info.path_max_retrans = r->spp_pathmaxrxt;
  info.path_mtu = r->spp_pathmtu;
  info.sack_delay = r->spp_sackdelay;
  info.flags = r->spp_flags;
  return info;
}

Result<void> SctpConn::SetPathParams(const PathParams& p, const IpAddr* peer) {
  sctp_paddrparams k;
  std::memset(&k, 0, sizeof k);
  if (peer != nullptr) PutPeer(*peer, remote_.port, &k.spp_address);
  int flags = 0;
  if (p.heartbeat_interval) {
    k.spp_hbinterval = *p.heartbeat_interval;
    if (*p.heartbeat_interval == 0) flags |= SPP_HB_TIME_IS_ZERO;
  }
  // The kernel takes the interval only together with SPP_HB_ENABLE; an
  // interval alone must not switch heartbeats on, so it is applied with
  // ENABLE and, when they were off, switched off again below.
  bool restore_off = false;
  if (p.heartbeat_enabled) {
    flags |= *p.heartbeat_enabled ? SPP_HB_ENABLE : SPP_HB_DISABLE;
  } else if (p.heartbeat_interval) {
    auto now = GetPathParams(peer);
    if (!now) return now.error();
    flags |= SPP_HB_ENABLE;
    restore_off = !now->heartbeat_enabled;
  }
  if (p.path_max_retrans) k.spp_pathmaxrxt = *p.path_max_retrans;
  if (p.path_mtu) {
    k.spp_pathmtu = *p.path_mtu;
    flags |= SPP_PMTUD_DISABLE;
  }
  if (p.sack_delay) {
    k.spp_sackdelay = *p.sack_delay;
    flags |= SPP_SACKDELAY_ENABLE;
  }
  k.spp_flags = static_cast<std::uint32_t>(flags);
  auto r = Set(core_.get(), IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, k, "setsockopt SCTP_PEER_ADDR_PARAMS");
  if (r && restore_off) {
    sctp_paddrparams off = k;
    off.spp_flags = SPP_HB_DISABLE;
    off.spp_hbinterval = 0;
    off.spp_pathmaxrxt = 0;
    off.spp_pathmtu = 0;
    off.spp_sackdelay = 0;
    r = Set(core_.get(), IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, off, "setsockopt SCTP_PEER_ADDR_PARAMS");
  }
  if (!r && peer != nullptr) return r.error().WithContext("path " + peer->String());
  return r;
}

Result<IpAddr> SctpConn::GetPrimaryAddr() const {
  auto k = Get<sctp_prim>(core_.get(), IPPROTO_SCTP, SCTP_PRIMARY_ADDR);
  if (!k) return k.error();
  sockaddr_storage ss;
  std::memcpy(&ss, &k->ssp_addr, sizeof ss);
  auto a = internal::ParseSockaddr(std::as_bytes(std::span(&ss, 1)));
  if (!a) return a.error().WithContext("primary address");
  return a->ip;
}

Result<void> SctpConn::SetPrimaryAddr(const IpAddr& peer) {
  sctp_prim k;
  std::memset(&k, 0, sizeof k);
  PutPeer(peer, remote_.port, &k.ssp_addr);
  auto r = Set(core_.get(), IPPROTO_SCTP, SCTP_PRIMARY_ADDR, k, "setsockopt SCTP_PRIMARY_ADDR");
  if (!r) return r.error().WithContext("primary " + peer.String());
  return r;
}

Result<PeerAddrInfo> SctpConn::GetPeerAddrInfo(const IpAddr& peer) const {
  sctp_paddrinfo k;
  std::memset(&k, 0, sizeof k);
  PutPeer(peer, remote_.port, &k.spinfo_address);
  auto r = Get<sctp_paddrinfo>(core_.get(), IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, k);
  if (!r) return r.error().WithContext("peer address info " + peer.String());
  return FromKernel(*r);
}

Result<std::vector<PeerAddrInfo>> SctpConn::GetPeerAddrInfos() const {
  if (fd() < 0) return kBadFd;
  auto peers = internal::PeerAddrs(fd());
  if (!peers) return peers.error();
  std::vector<PeerAddrInfo> out;
  out.reserve(peers->ip_addrs.size());
  for (const IpAddr& ip : peers->ip_addrs) {
    auto info = GetPeerAddrInfo(ip);
    if (!info) return info.error();
    out.push_back(*info);
  }
  return out;
}

Result<SndInfo> SctpConn::GetDefaultSndInfo() const {
  auto k = Get<sctp_sndinfo>(core_.get(), IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO);
  if (!k) return k.error();
  return internal::FromKernel(*k);
}
Result<void> SctpConn::SetDefaultSndInfo(const SndInfo& info) {
  return Set(core_.get(), IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, internal::ToKernel(info),
             "setsockopt SCTP_DEFAULT_SNDINFO");
}

Result<void> SctpConn::SetContext(std::uint32_t context) {
  sctp_assoc_value v{};
  v.assoc_value = context;
  return Set(core_.get(), IPPROTO_SCTP, SCTP_CONTEXT, v, "setsockopt SCTP_CONTEXT");
}
Result<std::uint32_t> SctpConn::GetContext() const {
  auto v = Get<sctp_assoc_value>(core_.get(), IPPROTO_SCTP, SCTP_CONTEXT);
  if (!v) return v.error();
  return v->assoc_value;
}

// ---------------------------------------------------------------- connecting

Result<void> SctpConn::CompleteConnect() {
  if (fd() < 0) return kBadFd;
  if (!connecting_) return {};
  // Until the association is up the socket reports neither POLLOUT nor, unless
  // the start failed, POLLERR.
  pollfd p{fd(), POLLOUT, 0};
  int r;
  while ((r = ::poll(&p, 1, 0)) < 0 && errno == EINTR) {
  }
  if (r < 0) return SystemError(errno, "poll");
  if (r == 0) return std::errc::resource_unavailable_try_again;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return SystemError(errno);
  if (err != 0) return SystemError(err);
  if (auto a = InitAddrs(); !a) return a;
  connecting_ = false;
  internal::LogDebug("connect sctp {} -> {}", local_.String(), remote_.String());
  return {};
}

Result<void> SctpConn::FinishConnect() {
  auto r = CompleteConnect();
  if (r || r.error() == std::errc::resource_unavailable_try_again || r.error() == kBadFd) return r;
  return r.error().WithContext("dial " + remote_.String());
}

// ---------------------------------------------------------------- liveness

Result<void> SctpConn::Alive() {
  if (!core_) return kBadFd;
  bool gone = false;
  if (!core_->Use([&](int fd) { gone = EndIfGone(*core_, fd, 0); })) return kBadFd;
  if (!gone) return {};
  return EndError(*core_);
}

// ---------------------------------------------------------------- closing

Result<void> SctpConn::Close() {
  if (!core_) return kBadFd;
  internal::LogDebug("close sctp {} -> {}", local_.String(), remote_.String());
  // core_ stays allocated (closed) until destruction: another thread may
  // still be returning from a call it woke.
  return core_->Close();
}

Result<void> SctpConn::CloseRead() {
  if (fd() < 0) return kBadFd;
  if (::shutdown(fd(), SHUT_RD) != 0) return SystemError(errno, "shutdown read");
  return {};
}

Result<void> SctpConn::CloseWrite() {
  if (fd() < 0) return kBadFd;
  if (::shutdown(fd(), SHUT_WR) != 0) return SystemError(errno, "shutdown write");
  core_->SetWaitSlice(kShutdownCheckNs);
  return {};
}

}  // namespace netsctp
