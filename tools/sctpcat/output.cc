// sctpcat/output.cc: text and JSON lines.
#include "output.h"

#include <ctime>
#include <variant>

namespace sctpcat {

std::string Printable(std::span<const std::byte> bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::byte b : bytes) {
    const auto u = static_cast<unsigned char>(b);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out += static_cast<char>(u);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    }
  }
  return out;
}

std::string Hex(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    const auto u = static_cast<unsigned>(b);
    out += kDigits[u >> 4];
    out += kDigits[u & 0xf];
  }
  return out;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Printer::Stamp() const {
  const auto now = std::chrono::system_clock::now();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(us % 1'000'000));
  return buf;
}

void Printer::Line(std::FILE* f, const std::string& text) {
  const std::lock_guard lock(mu_);
  if (o_.timestamps && !o_.json) {
    const std::string stamp = Stamp();
    std::fprintf(f, "%s %s\n", stamp.c_str(), text.c_str());
  } else {
    std::fprintf(f, "%s\n", text.c_str());
  }
  std::fflush(f);
}

void Printer::Data(std::int32_t assoc, const netsctp::RcvInfo& info, std::span<const std::byte> data) {
  if (o_.quiet) return;
  if (o_.format == Format::kBinary && !o_.json) {
    const std::lock_guard lock(mu_);
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fflush(stdout);
    return;
  }
  if (o_.json) {
    const std::string_view name = PpidName(info.ppid);
    std::string s = "{\"time\":\"" + Stamp() + "\",\"type\":\"data\",\"assoc\":" + std::to_string(assoc) +
                    ",\"stream\":" + std::to_string(info.sid) + ",\"ssn\":" + std::to_string(info.ssn) +
                    ",\"ppid\":" + std::to_string(info.ppid);
    if (!name.empty()) s += ",\"ppid_name\":\"" + std::string(name) + "\"";
    s += ",\"tsn\":" + std::to_string(info.tsn) + ",\"cumtsn\":" + std::to_string(info.cumtsn) + ",\"flags\":[" +
         (info.Unordered() ? "\"unordered\"" : "") + "],\"len\":" + std::to_string(data.size());
    if (o_.format == Format::kText) {
      const auto* p = reinterpret_cast<const char*>(data.data());
      s += ",\"payload\":" + JsonString(std::string_view(p, data.size()));
    } else {
      s += ",\"hex\":\"" + Hex(data) + "\"";
    }
    Line(stdout, s + "}");
    return;
  }
  char head[128];
  char tag[24] = "";
  if (o_.many) std::snprintf(tag, sizeof tag, "assoc=%d ", assoc);
  std::snprintf(head, sizeof head, "data %ssid=%u ssn=%u ppid=%u len=%zu unordered=%d: ", tag, info.sid, info.ssn,
                info.ppid, data.size(), info.Unordered() ? 1 : 0);
  Line(stdout, head + (o_.format == Format::kHex ? Hex(data) : Printable(data)));
}

void Printer::Event(const netsctp::Event& ev) {
  std::FILE* f = o_.format == Format::kBinary ? stderr : stdout;
  if (!o_.json) {
    Line(f, "event " + netsctp::ToString(ev));
    return;
  }
  std::string s = "{\"time\":\"" + Stamp() + "\",\"type\":\"event\",\"event\":\"" +
                  std::string(netsctp::Name(netsctp::TypeOf(ev))) +
                  "\",\"assoc\":" + std::to_string(netsctp::AssocIdOf(ev));
  if (const auto* ac = std::get_if<netsctp::AssocChangeEvent>(&ev)) {
    s += ",\"state\":" + JsonString(netsctp::Name(ac->state)) + ",\"outbound\":" +
         std::to_string(ac->outbound_streams) + ",\"inbound\":" + std::to_string(ac->inbound_streams);
  } else if (const auto* pc = std::get_if<netsctp::PeerAddrChangeEvent>(&ev)) {
    s += ",\"state\":" + JsonString(netsctp::Name(pc->state)) + ",\"address\":" + JsonString(pc->Address().String());
  }
  Line(f, s + ",\"text\":" + JsonString(netsctp::ToString(ev)) + "}");
}

void Printer::Summary(const LoadSummary& s) {
  const double secs = s.elapsed.count();
  const double rate = secs > 0 ? static_cast<double>(s.messages) / secs : 0;
  const double mbit = secs > 0 ? static_cast<double>(s.bytes) * 8 / secs / 1e6 : 0;
  char buf[256];
  if (o_.json) {
    std::snprintf(buf, sizeof buf,
                  "{\"time\":\"%s\",\"type\":\"summary\",\"messages\":%ld,\"bytes\":%llu,\"elapsed\":%.6f,"
                  "\"rate\":%.1f,\"mbit_per_s\":%.3f}",
                  Stamp().c_str(), s.messages, static_cast<unsigned long long>(s.bytes), secs, rate, mbit);
  } else {
    std::snprintf(buf, sizeof buf, "summary messages=%ld bytes=%llu elapsed=%.3fs rate=%.1f/s throughput=%.3fMbit/s",
                  s.messages, static_cast<unsigned long long>(s.bytes), secs, rate, mbit);
  }
  Line(o_.format == Format::kBinary ? stderr : stdout, buf);
}

}  // namespace sctpcat
