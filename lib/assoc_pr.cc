// AssocOptions: partial reliability (PR-SCTP) and the datagram size.
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "netsctp/assoc.h"

namespace netsctp {

namespace {

constexpr std::errc kBadFd = std::errc::bad_file_descriptor;

// As assoc.cc's Get (a shorter answer is accepted), with `what` naming the
// option in the error instead of a bare "getsockopt".
template <typename T>
Result<T> Get(int fd, int name, T value, const char* what) {
  if (fd < 0) return kBadFd;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, IPPROTO_SCTP, name, &value, &len) != 0) return SystemError(errno, what);
  if (len > sizeof value) return Error(make_error_code(Errc::kTruncated), what);
  return value;
}

template <typename T>
Result<void> Set(int fd, int name, const T& value, const char* what) {
  if (fd < 0) return kBadFd;
  if (::setsockopt(fd, IPPROTO_SCTP, name, &value, sizeof value) != 0) return SystemError(errno, what);
  return {};
}

bool KnownPolicy(std::uint16_t p) {
  return p == SCTP_PR_SCTP_NONE || p == SCTP_PR_SCTP_TTL || p == SCTP_PR_SCTP_RTX || p == SCTP_PR_SCTP_PRIO;
}

Error UnknownPolicy(const char* what, unsigned policy) {
  return Error(std::make_error_code(std::errc::invalid_argument),
               std::string(what) + ": unknown PR policy " + std::to_string(policy));
}

}  // namespace

Result<void> AssocOptions::SetPrSupported(bool on) const {
  sctp_assoc_value k{};
  k.assoc_id = assoc_id_;
  k.assoc_value = on ? 1 : 0;
  return Set(fd_, SCTP_PR_SUPPORTED, k, "setsockopt SCTP_PR_SUPPORTED");
}

Result<bool> AssocOptions::PrSupported() const {
  sctp_assoc_value q{};
  q.assoc_id = assoc_id_;
  auto k = Get(fd_, SCTP_PR_SUPPORTED, q, "getsockopt SCTP_PR_SUPPORTED");
  if (!k) return k.error();
  return k->assoc_value != 0;
}

Result<void> AssocOptions::SetDefaultPrInfo(const PrInfo& pr) const {
  const auto policy = static_cast<std::uint16_t>(pr.policy);
  // Checked here: the kernel's EINVAL would not say which field was wrong.
  if (!KnownPolicy(policy)) return UnknownPolicy("setsockopt SCTP_DEFAULT_PRINFO", policy);
  sctp_default_prinfo k{};
  k.pr_assoc_id = assoc_id_;
  k.pr_policy = policy;
  k.pr_value = pr.value;
  return Set(fd_, SCTP_DEFAULT_PRINFO, k, "setsockopt SCTP_DEFAULT_PRINFO");
}

Result<PrInfo> AssocOptions::GetDefaultPrInfo() const {
  sctp_default_prinfo q{};
  q.pr_assoc_id = assoc_id_;
  auto k = Get(fd_, SCTP_DEFAULT_PRINFO, q, "getsockopt SCTP_DEFAULT_PRINFO");
  if (!k) return k.error();
  return PrInfo{static_cast<PrPolicy>(k->pr_policy), k->pr_value};
}

namespace {

// One SCTP_PR_*_STATUS read; `policy` nullopt asks for the sum over all policies.
Result<PrCounters> PrStatus(int fd, std::int32_t assoc_id, int name, std::uint16_t sid,
                            std::optional<PrPolicy> policy, const char* what) {
  sctp_prstatus q{};
  q.sprstat_assoc_id = assoc_id;
  q.sprstat_sid = sid;
  if (policy) {
    const auto p = static_cast<std::uint16_t>(*policy);
    // kReliable has no counters; the kernel would answer EINVAL for it.
    if (p == SCTP_PR_SCTP_NONE || !KnownPolicy(p)) return UnknownPolicy(what, p);
    q.sprstat_policy = p;
  } else {
    q.sprstat_policy = SCTP_PR_SCTP_ALL;
  }
  auto k = Get(fd, name, q, what);
  if (!k) return k.error();
  return PrCounters{k->sprstat_abandoned_unsent, k->sprstat_abandoned_sent};
}

}  // namespace

Result<PrCounters> AssocOptions::GetPrCounters(std::optional<PrPolicy> policy) const {
  return PrStatus(fd_, assoc_id_, SCTP_PR_ASSOC_STATUS, 0, policy, "getsockopt SCTP_PR_ASSOC_STATUS");
}

Result<PrCounters> AssocOptions::GetStreamPrCounters(std::uint16_t sid, std::optional<PrPolicy> policy) const {
  auto r = PrStatus(fd_, assoc_id_, SCTP_PR_STREAM_STATUS, sid, policy, "getsockopt SCTP_PR_STREAM_STATUS");
  if (!r && r.error() == std::errc::invalid_argument) {
    return r.error().WithContext("stream " + std::to_string(sid));
  }
  return r;
}

Result<std::size_t> AssocOptions::MaxDatagramSize() const {
  auto st = Status();
  if (!st) return st.error().WithContext("max datagram size");
  return std::size_t{st->fragmentation_point};
}

}  // namespace netsctp
