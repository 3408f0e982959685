// sctpcat/input.cc: turning input into messages.
#include "input.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace sctpcat {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseU32(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty() || s.size() > 10) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

}  // namespace

netsctp::SndInfo FixedSndInfo(const Options& o) {
  netsctp::SndInfo info{.sid = o.sid, .ppid = o.ppid};
  if (o.unordered) info.flags = netsctp::SndFlags::kUnordered;
  info.pr = o.pr;
  return info;
}

std::string DecodeHex(std::string_view text, std::vector<std::byte>& out) {
  out.clear();
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == ':' || c == '\r') {
      if (high >= 0) return "odd number of hex digits before position " + std::to_string(i + 1);
      continue;
    }
    if (c == '0' && high < 0 && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      ++i;
      continue;
    }
    const int d = HexDigit(c);
    if (d < 0) return std::string("\"") + c + "\" at position " + std::to_string(i + 1) + " is not a hex digit";
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::byte>(high * 16 + d));
      high = -1;
    }
  }
  if (high >= 0) return "odd number of hex digits";
  return {};
}

std::string ParseRecord(std::string_view line, bool hex, OutUnit& unit) {
  std::string_view payload = line;
  const auto bar = line.find('|');
  if (bar != std::string_view::npos) {
    std::string_view fields = line.substr(0, bar);
    payload = line.substr(bar + 1);
    if (!payload.empty() && payload.front() == ' ') payload.remove_prefix(1);
    while (!fields.empty()) {
      const auto start = fields.find_first_not_of(" \t");
      if (start == std::string_view::npos) break;
      fields.remove_prefix(start);
      const auto end = std::min(fields.find_first_of(" \t"), fields.size());
      const std::string_view field = fields.substr(0, end);
      fields.remove_prefix(end);
      const auto eq = field.find('=');
      const std::string_view key = field.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : field.substr(eq + 1);
      std::uint64_t v = 0;
      if ((key == "sid" || key == "stream") && ParseU32(value, 65535, v)) {
        unit.info.sid = static_cast<std::uint16_t>(v);
      } else if (key == "ppid" && eq != std::string_view::npos) {
        const auto p = ParsePpid(value);
        if (!p) return "ppid \"" + std::string(value) + "\" is neither a number nor a known name";
        unit.info.ppid = *p;
      } else if ((key == "unordered" || key == "u") && eq == std::string_view::npos) {
        unit.info.flags = unit.info.flags | netsctp::SndFlags::kUnordered;
      } else if (key == "ordered" && eq == std::string_view::npos) {
        unit.info.flags = netsctp::SndFlags::kNone;
      } else if (key == "pr" && eq != std::string_view::npos) {
        unit.info.pr = ParsePr(value);
        if (!unit.info.pr) return "pr \"" + std::string(value) + "\" is not ttl:MS, rtx:N, prio:N or none";
      } else if (key == "assoc" && ParseU32(value, 0x7fffffff, v)) {
        unit.assoc = static_cast<std::int32_t>(v);
      } else {
        return "bad field \"" + std::string(field) +
               "\" (fields: sid=N ppid=P unordered ordered pr=POLICY assoc=ID, then | PAYLOAD)";
      }
    }
  }
  if (hex) {
    std::string err = DecodeHex(payload, unit.data);
    if (!err.empty()) return "payload: " + err;
  } else {
    const auto* p = reinterpret_cast<const std::byte*>(payload.data());
    unit.data.assign(p, p + payload.size());
  }
  if (unit.data.empty()) return "empty payload (SCTP has no empty messages)";
  return {};
}

std::optional<OutUnit> StdinSource::Next() {
  if (o_.format == Format::kBinary) {
    // Raw: whatever one read returns is one message.
    std::array<char, 65536> buf;
    for (;;) {
      const ssize_t n = ::read(0, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      OutUnit u{.info = FixedSndInfo(o_)};
      const auto* p = reinterpret_cast<const std::byte*>(buf.data());
      u.data.assign(p, p + n);
      return u;
    }
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    ++line_no_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;  // SCTP has no empty messages
    OutUnit u{.info = FixedSndInfo(o_)};
    std::string err;
    if (o_.records) {
      err = ParseRecord(line, o_.format == Format::kHex, u);
    } else if (o_.format == Format::kHex) {
      err = DecodeHex(line, u.data);
      if (err.empty() && u.data.empty()) continue;
    } else {
      const auto* p = reinterpret_cast<const std::byte*>(line.data());
      u.data.assign(p, p + line.size());
    }
    if (!err.empty()) {
      std::fprintf(stderr, "sctpcat: standard input line %ld: %s; line skipped\n", line_no_, err.c_str());
      had_error_ = true;
      continue;
    }
    return u;
  }
  return std::nullopt;
}

std::string ReadFile(const std::string& path, std::vector<std::byte>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": " + std::strerror(errno);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return path + ": read error";
  if (bytes.empty()) return path + ": empty file (SCTP has no empty messages)";
  const auto* p = reinterpret_cast<const std::byte*>(bytes.data());
  out.assign(p, p + bytes.size());
  return {};
}

}  // namespace sctpcat
