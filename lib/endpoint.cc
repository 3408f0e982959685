// SctpEndpoint and EndpointConfig: one-to-many sockets.
#include "netsctp/endpoint.h"

#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "internal/cmsg.h"
#include "internal/fd_core.h"
#include "internal/log.h"
#include "internal/msg_io.h"
#include "internal/sockaddr.h"
#include "internal/socket.h"

namespace netsctp {

using internal::Dir;
using internal::FdCore;

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;
constexpr internal::Assocs kMany = internal::Assocs::kMany;
constexpr int kOn = 1;
// Addresses SendTo passes for a new association: one as the destination,
// the others as SCTP_DSTADDRV4/V6 control messages on the stack.
constexpr std::size_t kMaxSendToAddrs = 8;
constexpr std::size_t kDstAddrSpace = CMSG_SPACE(sizeof(in6_addr));

std::string AssocName(std::int32_t id) { return "association " + std::to_string(id); }

// Appends one SCTP_DSTADDRV4/V6 control message at `at` in `control`.
std::size_t PutDstAddr(const IpAddr& ip, std::span<std::byte> control, std::size_t at) {
  const auto bytes = ip.Bytes();
  auto* c = reinterpret_cast<cmsghdr*>(control.data() + at);
  c->cmsg_level = IPPROTO_SCTP;
  c->cmsg_type = ip.Is4() ? SCTP_DSTADDRV4 : SCTP_DSTADDRV6;
  c->cmsg_len = CMSG_LEN(bytes.size());
  std::memcpy(CMSG_DATA(c), bytes.data(), bytes.size());
  return CMSG_SPACE(bytes.size());
}

}  // namespace

SctpEndpoint::SctpEndpoint() noexcept = default;
SctpEndpoint::SctpEndpoint(std::unique_ptr<FdCore> core) : core_(std::move(core)) {}
SctpEndpoint::SctpEndpoint(SctpEndpoint&&) noexcept = default;
SctpEndpoint& SctpEndpoint::operator=(SctpEndpoint&& o) noexcept {
  if (this != &o) {
    (void)Close();
    core_ = std::move(o.core_);
    addr_ = std::move(o.addr_);
    family_ = o.family_;
    partial_ = std::move(o.partial_);
  }
  return *this;
}
SctpEndpoint::~SctpEndpoint() { (void)Close(); }

int SctpEndpoint::fd() const noexcept { return core_ ? core_->fd() : -1; }
int SctpEndpoint::Release() noexcept { return core_ ? core_->Release() : -1; }
const SctpAddr& SctpEndpoint::Addr() const noexcept { return addr_; }

Result<void> SctpEndpoint::Bind(const SctpAddr& addresses, int flags) {
  if (fd() < 0) return kBadFd;
  auto now = internal::Rebind(fd(), addresses, addr_.port, flags);
  if (!now) return now.error();
  addr_ = std::move(*now);
  return {};
}
Result<void> SctpEndpoint::Bind(std::string_view addresses, int flags) {
  auto a = internal::ResolveBindAddrs(addresses);
  if (!a) return a.error();
  return Bind(*a, flags);
}
Result<void> SctpEndpoint::BindAdd(std::string_view a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpEndpoint::BindAdd(const SctpAddr& a) { return Bind(a, SCTP_BINDX_ADD_ADDR); }
Result<void> SctpEndpoint::BindRemove(std::string_view a) { return Bind(a, SCTP_BINDX_REM_ADDR); }
Result<void> SctpEndpoint::BindRemove(const SctpAddr& a) { return Bind(a, SCTP_BINDX_REM_ADDR); }

// ---------------------------------------------------------------- data

Result<EndpointMsg> SctpEndpoint::Finish(Result<Message> m, std::span<const std::byte> buf,
                                         const internal::RawPeer& from) {
  if (!m) return m.error();
  EndpointMsg out;
  out.msg = *m;
  if (auto a = internal::ParseSockaddr(std::as_bytes(std::span(&from.addr, 1)).first(from.len))) {
    out.from = a->ip;
    out.port = a->port;
  }
  if (out.msg.has_info) {
    out.assoc_id = out.msg.info.assoc_id;
  } else if (out.msg.Notification() && out.msg.Eor()) {
    // A whole notification names its association; a last piece alone does not parse.
    if (auto ev = ParseEvent(buf.first(out.msg.n))) out.assoc_id = AssocIdOf(*ev);
  }
  return out;
}

Result<EndpointMsg> SctpEndpoint::ReadMsg(std::span<std::byte> buf) {
  if (!core_) return kBadFd;
  alignas(cmsghdr) std::array<std::byte, internal::kRcvInfoSpace> control;
  internal::RawPeer from;
  Message m;
  if (const auto n = internal::RecvMsg(*core_, kMany, buf, control, &from, m); n < 0) return internal::IoError(n);
  return Finish(m, buf, from);
}

Result<EndpointMsg> SctpEndpoint::ReadFullMsg(std::span<std::byte> buf) {
  if (!core_) return kBadFd;
  internal::RawPeer from;
  return Finish(internal::ReadFullMsg(*core_, kMany, partial_, buf, &from), buf, from);
}

Result<EndpointMsg> SctpEndpoint::ReadMsgOrEvent(std::span<std::byte> buf) {
  if (!core_) return kBadFd;
  internal::RawPeer from;
  auto in = internal::ReadMsgOrEvent(*core_, kMany, partial_, buf, &from);
  if (!in) return in.error();
  auto out = Finish(in->msg, buf, from);
  if (out && in->event) {
    out->assoc_id = AssocIdOf(*in->event);
    out->event = std::move(in->event);
  }
  return out;
}

// Why a call on association `id` failed: the kernel says EPIPE or EINVAL for
// an id it does not know; say so when the id is indeed unknown.
Error SctpEndpoint::AssocError(std::int32_t id, const Error& e, const char* what) const {
  if (e == std::errc::broken_pipe || e == std::errc::invalid_argument) {
    sctp_status st{};
    st.sstat_assoc_id = id;
    socklen_t len = sizeof st;
    if (::getsockopt(fd(), IPPROTO_SCTP, SCTP_STATUS, &st, &len) != 0 && errno == EINVAL) {
      return Error(make_error_code(Errc::kUnknownAssoc), std::string(what) + " " + AssocName(id));
    }
  }
  return e.WithContext(std::string(what) + " " + AssocName(id));
}

Result<std::size_t> SctpEndpoint::Send(std::span<const std::byte> buf, const SndInfo& info, const sockaddr* to,
                                       socklen_t to_len, std::span<const IpAddr> more, const char* what) {
  if (!core_) return kBadFd;
  alignas(cmsghdr) std::array<std::byte, internal::kSndPrInfoSpace + (kMaxSendToAddrs - 1) * kDstAddrSpace> control;
  std::size_t len = internal::EncodeSndPrInfo(info, control);
  for (const IpAddr& ip : more) len += PutDstAddr(ip, control, len);
  const auto n = internal::SendMsg(*core_, kMany, buf, std::span(control).first(len), to, to_len, 0);
  // The success path returns here; errors below are rare and may allocate.
  if (n >= 0) return static_cast<std::size_t>(n);
  Error e = internal::SendError(*core_, kMany, n, buf.size(), &info);
  if (to != nullptr || e == std::errc::resource_unavailable_try_again || e == Errc::kTimeout || e == Errc::kClosed) {
    return e;
  }
  return AssocError(info.assoc_id, e, what);
}

Result<std::size_t> SctpEndpoint::WriteMsg(std::span<const std::byte> buf, const SndInfo& info) {
  return Send(buf, info, nullptr, 0, {}, "write to");
}

Result<std::size_t> SctpEndpoint::WriteMsgTo(std::span<const std::byte> buf, const SndInfo& info, const IpAddr& to) {
  if (fd() < 0) return kBadFd;
  // The destination names the association for the kernel: it must be one of
  // this association's peer addresses, or the message would go to another
  // association or start a new one. Two getsockopts: the peer port (from
  // the primary path), then the address's path.
  auto st = AssocOptions(fd(), info.assoc_id, 0).Status();
  if (!st) return AssocError(info.assoc_id, st.error(), "write to");
  const AssocOptions assoc(fd(), info.assoc_id, st->primary.port);
  if (auto path = assoc.GetPeerAddrInfo(to); !path) {
    return Error(make_error_code(Errc::kNoSuitableAddress),
                 "write to " + AssocName(info.assoc_id) + ": " + to.String() + " is not one of its peer addresses");
  }
  sockaddr_storage dest;
  std::memset(&dest, 0, sizeof dest);
  const socklen_t len = internal::ToSockaddr(to, st->primary.port, family_, dest);
  if (len == 0) return Error(make_error_code(Errc::kNoSuitableAddress), "write to " + to.String());
  SndInfo over = info;
  over.flags = over.flags | SndFlags::kAddrOver;
  auto n = Send(buf, over, reinterpret_cast<const sockaddr*>(&dest), len, {}, "write to");
  if (!n) return n.error().WithContext("write to " + AssocName(info.assoc_id) + " at " + to.String());
  return n;
}

Result<std::size_t> SctpEndpoint::SendTo(std::span<const std::byte> buf, const SctpAddr& dest, const SndInfo* info) {
  if (fd() < 0) return kBadFd;
  const std::string what = "send to " + dest.String();
  if (dest.ip_addrs.empty()) return Error(make_error_code(Errc::kNoSuitableAddress), what + ": no address");
  if (dest.port == 0) return Error(make_error_code(Errc::kBadPort), what + ": port 0");
  if (dest.ip_addrs.size() > kMaxSendToAddrs) {
    return Error(make_error_code(Errc::kNoSuitableAddress),
                 what + ": more than " + std::to_string(kMaxSendToAddrs) + " addresses (use Connect)");
  }
  sockaddr_storage first;
  std::memset(&first, 0, sizeof first);
  const socklen_t len = internal::ToSockaddr(dest.ip_addrs[0], dest.port, family_, first);
  if (len == 0) return Error(make_error_code(Errc::kNoSuitableAddress), what);
  for (const IpAddr& ip : dest.ip_addrs) {
    if (family_ == AF_INET && ip.Is6()) return Error(make_error_code(Errc::kNoSuitableAddress), what);
  }
  SndInfo plain = info != nullptr ? *info : SndInfo{};
  plain.assoc_id = 0;
  auto n = Send(buf, plain, reinterpret_cast<const sockaddr*>(&first), len,
                std::span(dest.ip_addrs).subspan(1), "send to");
  if (!n) return n.error().WithContext(what);
  return n;
}

// ---------------------------------------------------------------- associations

Result<std::int32_t> SctpEndpoint::Connect(std::string_view address) {
  auto raddr = ResolveSctpAddr(family_ == AF_INET ? "sctp4" : "sctp", address);
  if (!raddr) return raddr.error().WithContext("connect");
  return Connect(*raddr);
}

Result<std::int32_t> SctpEndpoint::Connect(const SctpAddr& raddr) {
  if (fd() < 0) return kBadFd;
  const std::string what = "connect " + raddr.String();
  if (raddr.ip_addrs.empty()) return Error(make_error_code(Errc::kNoSuitableAddress), what + ": no address");
  if (raddr.port == 0) return Error(make_error_code(Errc::kBadPort), what + ": port 0");
  // Else an INIT that cannot leave waits out the kernel's retries.
  if (auto ok = internal::CheckDialFamilies(addr_, raddr); !ok) return ok.error().WithContext(what);
  auto packed = internal::PackAddrs(raddr, family_);
  if (!packed) return packed.error().WithContext(what);
  sctp_assoc_t id = 0;
  // The socket is non-blocking: the INIT goes out and the call returns.
  if (sctp_connectx(fd(), reinterpret_cast<sockaddr*>(packed->bytes.data()), packed->count, &id) != 0 &&
      errno != EINPROGRESS) {
    return SystemError(errno, what);
  }
  internal::LogDebug("connect sctp {} -> {} (association {})", addr_.String(), raddr.String(), id);
  return static_cast<std::int32_t>(id);
}

Result<std::int32_t> SctpEndpoint::FindAssoc(const IpAddr& ip, std::uint16_t port) const {
  if (fd() < 0) return kBadFd;
  // Association id 0 (none given): the kernel finds the association by address.
  auto info = AssocOptions(fd(), 0, port).GetPeerAddrInfo(ip);
  if (!info) {
    if (info.error() != std::errc::invalid_argument) return info.error();
    return Error(make_error_code(Errc::kUnknownAssoc), "no association with peer " + SctpAddr{{ip}, port}.String());
  }
  return info->assoc_id;
}

Result<std::vector<std::int32_t>> SctpEndpoint::Assocs() const {
  if (fd() < 0) return kBadFd;
  for (std::size_t room = 64;; room *= 2) {
    // The kernel answers EINVAL when the list does not fit: grow and retry
    // (associations may arrive meanwhile).
    std::vector<std::byte> buf(sizeof(sctp_assoc_ids) + room * sizeof(sctp_assoc_t));
    socklen_t len = static_cast<socklen_t>(buf.size());
    if (::getsockopt(fd(), IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, buf.data(), &len) == 0) {
      sctp_assoc_ids head;
      std::memcpy(&head, buf.data(), sizeof head);
      std::vector<std::int32_t> ids(head.gaids_number_of_ids);
      // No memcpy for an empty list: its data() may be null.
      for (std::size_t i = 0; i < ids.size(); ++i) {
        std::memcpy(&ids[i], buf.data() + offsetof(sctp_assoc_ids, gaids_assoc_id) + i * sizeof(sctp_assoc_t),
                    sizeof(sctp_assoc_t));
      }
      return ids;
    }
    if (errno != EINVAL || room >= (1u << 20)) return SystemError(errno, "getsockopt SCTP_GET_ASSOC_ID_LIST");
  }
}

Result<AssocOptions> SctpEndpoint::Assoc(std::int32_t id) const {
  if (fd() < 0) return kBadFd;
  auto peers = internal::PeerAddrs(fd(), id);
  if (!peers) return AssocError(id, peers.error(), "options of");
  return AssocOptions(fd(), id, peers->port);
}

AssocOptions SctpEndpoint::Defaults() const noexcept { return {fd(), SCTP_FUTURE_ASSOC, 0}; }

Result<void> SctpEndpoint::Shutdown(std::int32_t id) {
  SndInfo info;
  info.assoc_id = id;
  info.flags = SndFlags::kEof;
  auto n = Send({}, info, nullptr, 0, {}, "shutdown");
  if (!n) return n.error();
  internal::LogDebug("shutdown sctp {} association {}", addr_.String(), id);
  return {};
}

Result<void> SctpEndpoint::Abort(std::int32_t id, std::span<const std::byte> reason) {
  SndInfo info;
  info.assoc_id = id;
  info.flags = SndFlags::kAbort;
  auto n = Send(reason, info, nullptr, 0, {}, "abort");
  if (!n) return n.error();
  internal::LogDebug("abort sctp {} association {}", addr_.String(), id);
  return {};
}

Result<void> SctpEndpoint::SetAutoclose(std::chrono::seconds idle) {
  if (fd() < 0) return kBadFd;
  if (idle.count() < 0 || idle.count() > INT32_MAX) {
    return Error(std::make_error_code(std::errc::invalid_argument),
                 "autoclose " + std::to_string(idle.count()) + " s: out of range");
  }
  const int s = static_cast<int>(idle.count());
  if (::setsockopt(fd(), IPPROTO_SCTP, SCTP_AUTOCLOSE, &s, sizeof s) != 0) {
    return SystemError(errno, "setsockopt SCTP_AUTOCLOSE");
  }
  return {};
}

Result<std::chrono::seconds> SctpEndpoint::Autoclose() const {
  if (fd() < 0) return kBadFd;
  auto s = GetOption<int>(fd(), IPPROTO_SCTP, SCTP_AUTOCLOSE);
  if (!s) return s.error();
  return std::chrono::seconds(*s);
}

Result<SctpConn> SctpEndpoint::PeelOff(std::int32_t id) {
  if (fd() < 0) return kBadFd;
  // libsctp declares sctp_peeloff_flags but does not export it: the option.
  sctp_peeloff_flags_arg_t arg{};
  arg.p_arg.associd = id;
  arg.flags = SOCK_CLOEXEC | SOCK_NONBLOCK;
  socklen_t len = sizeof arg;
  // On success the kernel returns the new descriptor's number, not 0.
  if (::getsockopt(fd(), IPPROTO_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &arg, &len) < 0) {
    return AssocError(id, SystemError(errno), "peel off");
  }
  SctpConn conn(std::make_unique<FdCore>(arg.p_arg.sd));
  conn.core_->SetWaitSlice(internal::kPeeledCheckNs);
  if (auto r = conn.InitAddrs(); !r) return r.error().WithContext("peel off " + AssocName(id));
  internal::LogDebug("peel off sctp {} association {} -> {}", addr_.String(), id, conn.RemoteAddr().String());
  return conn;
}

// ---------------------------------------------------------------- events, modes

Result<void> SctpEndpoint::Subscribe(std::initializer_list<EventType> events) {
  return Subscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> SctpEndpoint::Subscribe(std::span<const EventType> events) {
  if (fd() < 0) return kBadFd;
  return internal::SetEvents(fd(), events, true, SCTP_ALL_ASSOC);
}
Result<void> SctpEndpoint::Unsubscribe(std::initializer_list<EventType> events) {
  return Unsubscribe(std::span<const EventType>(events.begin(), events.size()));
}
Result<void> SctpEndpoint::Unsubscribe(std::span<const EventType> events) {
  if (fd() < 0) return kBadFd;
  return internal::SetEvents(fd(), events, false, SCTP_ALL_ASSOC);
}

Result<void> SctpEndpoint::SetDeadline(Deadline t) {
  if (auto r = SetReadDeadline(t); !r) return r;
  return SetWriteDeadline(t);
}
Result<void> SctpEndpoint::SetReadDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kRead, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpEndpoint::SetWriteDeadline(Deadline t) {
  if (fd() < 0) return kBadFd;
  core_->SetDeadline(Dir::kWrite, internal::DeadlineNs(t));
  return {};
}
Result<void> SctpEndpoint::SetNonBlocking(bool on) {
  if (fd() < 0) return kBadFd;
  core_->SetNonBlocking(on);
  return {};
}

Result<void> SctpEndpoint::Close() {
  if (!core_) return kBadFd;
  internal::LogDebug("close endpoint sctp {}", addr_.String());
  return core_->Close();
}

// ---------------------------------------------------------------- opening

Result<SctpEndpoint> EndpointConfig::Open(std::string_view network, std::string_view address) const {
  auto laddr = ResolveSctpAddr(network, address);
  if (!laddr) return laddr.error().WithContext("open endpoint " + std::string(network));
  return OpenSctp(network, *laddr);
}

Result<SctpEndpoint> EndpointConfig::OpenSctp(std::string_view network, const SctpAddr& laddr) const {
  const std::string what = "open endpoint " + std::string(network) + " " + laddr.String();
  auto family = internal::ChooseFamily(network, laddr);
  if (!family) return family.error().WithContext(what);
  const std::string address = laddr.String();
  auto fd = internal::OpenSocket({*family, init_options, events, control, address, SOCK_SEQPACKET});
  if (!fd) return fd.error().WithContext(what);
  if (auto r = internal::ReuseAddr(fd->get()); !r) return r.error().WithContext(what);
  if (reuse_port && ::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEPORT, &kOn, sizeof kOn) != 0) {
    return SystemError(errno, "setsockopt SO_REUSEPORT").WithContext(what);
  }
  if (auto r = internal::BindAddrs(fd->get(), laddr, family->family, SCTP_BINDX_ADD_ADDR); !r) {
    return r.error().WithContext(what);
  }
  if (listen && ::listen(fd->get(), backlog) != 0) return SystemError(errno, what);
  auto bound = internal::LocalAddrs(fd->get());
  if (!bound) return bound.error().WithContext(what);
  SctpEndpoint ep(std::make_unique<FdCore>(fd->Release()));
  ep.addr_ = std::move(*bound);
  ep.family_ = family->family;
  if (autoclose.count() != 0) {
    if (auto r = ep.SetAutoclose(autoclose); !r) return r.error().WithContext(what);
  }
  internal::LogDebug("open endpoint sctp {}{}", ep.addr_.String(), listen ? " (listening)" : "");
  return ep;
}

Result<SctpEndpoint> OpenEndpoint(std::string_view network, std::string_view address) {
  return EndpointConfig{}.Open(network, address);
}

}  // namespace netsctp
