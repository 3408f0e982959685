// AssocOptions: partial reliability (PR-SCTP) and the datagram size.
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "internal/assoc_opt.h"
#include "netsctp/assoc.h"

namespace netsctp {

namespace {

bool KnownPolicy(std::uint16_t p) {
  return p == SCTP_PR_SCTP_NONE || p == SCTP_PR_SCTP_TTL || p == SCTP_PR_SCTP_RTX || p == SCTP_PR_SCTP_PRIO;
}

Error UnknownPolicy(const char* what, unsigned policy) {
  return Error(std::make_error_code(std::errc::invalid_argument),
               std::string(what) + ": unknown PR policy " + std::to_string(policy));
}

}  // namespace

Result<void> AssocOptions::SetPrSupported(bool on) const {
  return internal::SetAssocValue(fd_, assoc_id_, SCTP_PR_SUPPORTED, on ? 1 : 0, "setsockopt SCTP_PR_SUPPORTED");
}

Result<bool> AssocOptions::PrSupported() const {
  auto v = internal::GetAssocValue(fd_, assoc_id_, SCTP_PR_SUPPORTED, "getsockopt SCTP_PR_SUPPORTED");
  if (!v) return v.error();
  return *v != 0;
}

Result<void> AssocOptions::SetDefaultPrInfo(const PrInfo& pr) const {
  const auto policy = static_cast<std::uint16_t>(pr.policy);
  // Checked here: the kernel's EINVAL would not say which field was wrong.
  if (!KnownPolicy(policy)) return UnknownPolicy("setsockopt SCTP_DEFAULT_PRINFO", policy);
  sctp_default_prinfo k{};
  k.pr_assoc_id = assoc_id_;
  k.pr_policy = policy;
  k.pr_value = pr.value;
  return internal::SetOpt(fd_, SCTP_DEFAULT_PRINFO, k, "setsockopt SCTP_DEFAULT_PRINFO");
}

Result<PrInfo> AssocOptions::GetDefaultPrInfo() const {
  sctp_default_prinfo q{};
  q.pr_assoc_id = assoc_id_;
  auto k = internal::GetOpt(fd_, SCTP_DEFAULT_PRINFO, q, "getsockopt SCTP_DEFAULT_PRINFO");
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
  auto k = internal::GetOpt(fd, name, q, what);
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
