// AssocOptions: stream reconfiguration (RFC 6525), stream schedulers and
// user message interleaving (RFC 8260).
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "internal/assoc_opt.h"
#include "internal/socket.h"
#include "netsctp/assoc.h"

namespace netsctp {

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;

// Linux answers ENOPROTOOPT to every reconfiguration request when the peer
// did not offer RE-CONFIG or this end has not enabled that kind of request:
// the bare errno ("Protocol not available") sends users looking elsewhere.
Error ReconfigError(int err, const char* what, const char* request_bit) {
  if (err == ENOPROTOOPT) {
    return SystemError(err, std::string(what) +
                                ": stream reconfiguration not agreed with the peer or not enabled (enable "
                                "net.sctp.reconf_enable or SetReconfigSupported(true) on both ends before "
                                "connecting, and SetStreamResetEnabled(" +
                                request_bit + "))");
  }
  if (err == EINPROGRESS) {
    return SystemError(err, std::string(what) + ": a reconfiguration request is still outstanding");
  }
  return SystemError(err, what);
}

}  // namespace

std::string_view Name(Scheduler s) noexcept {
  switch (s) {
    case Scheduler::kFcfs: return "fcfs";
    case Scheduler::kPrio: return "prio";
    case Scheduler::kRoundRobin: return "rr";
    case Scheduler::kFairCapacity: return "fc";
    case Scheduler::kWeightedFair: return "wfq";
  }
  return "unknown";
}

Result<void> AssocOptions::SetReconfigSupported(bool on) const {
  return internal::SetAssocValue(fd_, assoc_id_, SCTP_RECONFIG_SUPPORTED, on ? 1 : 0, "setsockopt SCTP_RECONFIG_SUPPORTED");
}
Result<bool> AssocOptions::ReconfigSupported() const {
  auto v = internal::GetAssocValue(fd_, assoc_id_, SCTP_RECONFIG_SUPPORTED, "getsockopt SCTP_RECONFIG_SUPPORTED");
  if (!v) return v.error();
  return *v != 0;
}

Result<void> AssocOptions::SetStreamResetEnabled(ResetRequests requests) const {
  return internal::SetAssocValue(fd_, assoc_id_, SCTP_ENABLE_STREAM_RESET, static_cast<std::uint32_t>(requests),
                  "setsockopt SCTP_ENABLE_STREAM_RESET");
}
Result<ResetRequests> AssocOptions::StreamResetEnabled() const {
  auto v = internal::GetAssocValue(fd_, assoc_id_, SCTP_ENABLE_STREAM_RESET, "getsockopt SCTP_ENABLE_STREAM_RESET");
  if (!v) return v.error();
  return static_cast<ResetRequests>(*v & SCTP_ENABLE_STRRESET_MASK);
}

Result<void> AssocOptions::ResetStreams(StreamDir dir, std::span<const std::uint16_t> streams) const {
  if (fd_ < 0) return kBadFd;
  // Stream ids are 16 bits, so a longer list can only repeat ids.
  if (streams.size() > 0xffff) {
    return Error(std::make_error_code(std::errc::invalid_argument),
                 "setsockopt SCTP_RESET_STREAMS: " + std::to_string(streams.size()) + " streams (at most 65535)");
  }
  // struct sctp_reset_streams ends in a flexible array: short lists (the
  // usual case) are built on the stack, only long ones on the heap.
  constexpr std::size_t kStackStreams = 32;
  const std::size_t size = sizeof(sctp_reset_streams) + streams.size() * sizeof(std::uint16_t);
  alignas(sctp_reset_streams) std::byte stack[sizeof(sctp_reset_streams) + kStackStreams * sizeof(std::uint16_t)];
  std::vector<std::byte> heap;
  std::byte* buf = stack;
  if (streams.size() > kStackStreams) {
    // operator new's alignment covers the struct's (4).
    heap.resize(size);
    buf = heap.data();
  }
  sctp_reset_streams head{};
  head.srs_assoc_id = assoc_id_;
  head.srs_flags = static_cast<std::uint16_t>(dir);
  head.srs_number_streams = static_cast<std::uint16_t>(streams.size());
  std::memcpy(buf, &head, sizeof head);
  if (!streams.empty()) {
    std::memcpy(buf + sizeof head, streams.data(), streams.size() * sizeof(std::uint16_t));
  }
  if (::setsockopt(fd_, IPPROTO_SCTP, SCTP_RESET_STREAMS, buf, static_cast<socklen_t>(size)) != 0) {
    const int err = errno;
    if (err == EINVAL && !streams.empty()) {
      // The common cause: a stream the association does not have.
      std::string list;
      for (std::size_t i = 0; i < streams.size() && i < 8; ++i) {
        list += (i == 0 ? "" : ",") + std::to_string(streams[i]);
      }
      if (streams.size() > 8) list += ",...";
      return SystemError(err, "setsockopt SCTP_RESET_STREAMS: streams " + list +
                                  " (each must be below the association's stream count in that direction)");
    }
    if (err == EAGAIN) {
      // Linux refuses to reset outgoing streams that still hold unsent data.
      return SystemError(err, "setsockopt SCTP_RESET_STREAMS: data still queued on the streams to reset");
    }
    return ReconfigError(err, "setsockopt SCTP_RESET_STREAMS", "ResetRequests::kStreams");
  }
  return {};
}

Result<void> AssocOptions::ResetAssoc() const {
  if (fd_ < 0) return kBadFd;
  // The option value is the bare association id.
  const sctp_assoc_t id = assoc_id_;
  if (::setsockopt(fd_, IPPROTO_SCTP, SCTP_RESET_ASSOC, &id, sizeof id) != 0) {
    return ReconfigError(errno, "setsockopt SCTP_RESET_ASSOC", "ResetRequests::kAssoc");
  }
  return {};
}

Result<void> AssocOptions::AddStreams(std::uint16_t outgoing, std::uint16_t incoming) const {
  if (fd_ < 0) return kBadFd;
  sctp_add_streams k{};
  k.sas_assoc_id = assoc_id_;
  k.sas_instrms = incoming;
  k.sas_outstrms = outgoing;
  if (::setsockopt(fd_, IPPROTO_SCTP, SCTP_ADD_STREAMS, &k, sizeof k) != 0) {
    const int err = errno;
    if (err == EINVAL) {
      return SystemError(err, "setsockopt SCTP_ADD_STREAMS: " + std::to_string(outgoing) + " outgoing, " +
                                  std::to_string(incoming) +
                                  " incoming (at least one must be non-zero and the totals at most 65535)");
    }
    return ReconfigError(err, "setsockopt SCTP_ADD_STREAMS", "ResetRequests::kAddStreams");
  }
  return {};
}

Result<void> AssocOptions::SetScheduler(Scheduler s) const {
  auto r = internal::SetAssocValue(fd_, assoc_id_, SCTP_STREAM_SCHEDULER, static_cast<std::uint32_t>(s),
                    "setsockopt SCTP_STREAM_SCHEDULER");
  // Linux answers EINVAL for a scheduler number beyond the ones it has
  // (6.1 stops at round robin); name it rather than leave a bare EINVAL.
  if (!r && r.error() == std::errc::invalid_argument && s > Scheduler::kRoundRobin) {
    return Error(r.error().code(),
                 "stream scheduler " + std::string(Name(s)) + ": not offered by this kernel");
  }
  return r;
}
Result<Scheduler> AssocOptions::GetScheduler() const {
  auto v = internal::GetAssocValue(fd_, assoc_id_, SCTP_STREAM_SCHEDULER, "getsockopt SCTP_STREAM_SCHEDULER");
  if (!v) return v.error();
  return static_cast<Scheduler>(*v);
}

Result<void> AssocOptions::SetStreamSchedulerValue(std::uint16_t sid, std::uint16_t value) const {
  sctp_stream_value k{};
  k.assoc_id = assoc_id_;
  k.stream_id = sid;
  k.stream_value = value;
  auto r = internal::SetOpt(fd_, SCTP_STREAM_SCHEDULER_VALUE, k, "setsockopt SCTP_STREAM_SCHEDULER_VALUE");
  if (!r) return r.error().WithContext("stream " + std::to_string(sid));
  return r;
}
Result<std::uint16_t> AssocOptions::GetStreamSchedulerValue(std::uint16_t sid) const {
  sctp_stream_value q{};
  q.assoc_id = assoc_id_;
  q.stream_id = sid;
  auto v = internal::GetOpt(fd_, SCTP_STREAM_SCHEDULER_VALUE, q);
  if (!v) return v.error().WithContext("stream " + std::to_string(sid));
  return v->stream_value;
}

Result<void> AssocOptions::SetInterleaving(bool on) const {
  if (fd_ < 0) return kBadFd;
  if (on) {
    // Linux offers I-DATA only on a socket whose partial deliveries may
    // interleave across streams (level 2): without it the option is EPERM.
    const int level = 2;
    if (::setsockopt(fd_, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &level, sizeof level) != 0) {
      return SystemError(errno, "setsockopt SCTP_FRAGMENT_INTERLEAVE 2");
    }
  }
  auto r = internal::SetAssocValue(fd_, assoc_id_, SCTP_INTERLEAVING_SUPPORTED, on ? 1 : 0,
                    "setsockopt SCTP_INTERLEAVING_SUPPORTED");
  if (r || r.error() != std::errc::operation_not_permitted) return r;
  // Switching off where it could never be on (sysctl off, or no level 2)
  // is already the state the caller asks for.
  if (!on) {
    if (auto now = Interleaving(); now && !*now) return {};
  }
  return Error(r.error().code(),
               "setsockopt SCTP_INTERLEAVING_SUPPORTED: user message interleaving needs net.sctp.intl_enable=1 "
               "(and SCTP_FRAGMENT_INTERLEAVE 2)");
}
Result<bool> AssocOptions::Interleaving() const {
  auto v = internal::GetAssocValue(fd_, assoc_id_, SCTP_INTERLEAVING_SUPPORTED, "getsockopt SCTP_INTERLEAVING_SUPPORTED");
  if (!v) return v.error();
  return *v != 0;
}

}  // namespace netsctp
