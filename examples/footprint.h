// footprint.h: what holding many associations costs, measured from inside the
// process (the -s option of epoll_server and epoll_client). Not part of the
// pattern to copy: an event loop needs none of this.
//
// - heap: glibc's mallinfo2(), bytes in use (uordblks, small blocks) plus
//   bytes in mmapped blocks (hblkhd). The difference between two samples
//   covers everything the program and netsctp allocated per association in
//   between: the per-association state, each SctpConn's internal core and
//   address lists, and the containers' nodes.
// - descriptors: the entries of /proc/self/fd.
// - kernel: the Slab line of /proc/meminfo, which holds the kernel's socket,
//   association and transport structures, and the drop of MemFree, which
//   also counts what the kernel takes in whole pages (stream tables, queued
//   data) and the user-space memory of every process. Both cover the whole
//   machine (in the lab: both ends of every association, and nothing else of
//   note), so they are only meaningful where nothing else runs.
#pragma once

#include <dirent.h>
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace footprint {

struct Sample {
  long long heap = 0;        // bytes
  long long fds = 0;
  long long slab_kib = -1;   // -1 when /proc/meminfo has no Slab line
  long long free_kib = -1;   // MemFree
  long long sctp_assocs = -1;  // lines of /proc/net/sctp/assocs, -1 when absent
};

inline long long CountFds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  long long n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory's own descriptor
}

inline long long MemInfoKib(const std::string& want) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  long long value = 0;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == want) return value;
  }
  return -1;
}

inline long long SctpAssocs() {
  std::ifstream in("/proc/net/sctp/assocs");
  if (!in) return -1;
  std::string line;
  long long n = -1;  // the header line
  while (std::getline(in, line)) ++n;
  return n;
}

inline Sample Take() {
  const struct mallinfo2 mi = ::mallinfo2();
  return {static_cast<long long>(mi.uordblks + mi.hblkhd), CountFds(), MemInfoKib("Slab:"), MemInfoKib("MemFree:"),
          SctpAssocs()};
}

// One line: the cost per association of going from `before` to `now` with
// `assocs` associations open in this process; `object` is sizeof the
// program's own per-association state (already part of the heap figure).
inline void Print(const char* who, const Sample& before, const Sample& now, long long assocs, std::size_t object) {
  if (assocs <= 0) return;
  const double n = static_cast<double>(assocs);
  std::printf("%s footprint: %lld associations open; user-space heap %.0f B per association "
              "(of which the program's own state object %zu B); %.2f descriptors per association",
              who, assocs, static_cast<double>(now.heap - before.heap) / n, object,
              static_cast<double>(now.fds - before.fds) / n);
  if (before.slab_kib >= 0 && now.slab_kib >= 0) {
    std::printf("; machine-wide (both ends when both run here): kernel slab %.1f KiB, MemFree drop %.1f KiB "
                "per association",
                static_cast<double>(now.slab_kib - before.slab_kib) / n,
                static_cast<double>(before.free_kib - now.free_kib) / n);
  }
  if (now.sctp_assocs >= 0) std::printf("; /proc/net/sctp/assocs lists %lld", now.sctp_assocs);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace footprint
