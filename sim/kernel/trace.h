// The run trace: an append-only record of what happened in a run, and the run's fingerprint.
//
// File layout (docs/trace-format.md): the 8 bytes "DSTRACE\n", then records, each a varint length
// followed by that many bytes of protobuf: one trace::Header, then trace::Events in time order,
// then one Event holding trace::End. The trace hash is FNV-1a 64 over the framed event records
// (length prefixes included, End excluded): two runs are the same run when their hashes are equal.
//
// TraceWriter computes the hash whether or not it writes a file, so a run's fingerprint costs no
// disk. Files are written to "<path>.partial" and renamed into place by finish(): a file under the
// final name is always a complete trace.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <istream>
#include <memory>
#include <string>

#include "sim/kernel/hash.h"
#include "sim/kernel/result.h"
#include "sim/kernel/time.h"
#include "sim/kernel/trace.pb.h"

namespace deploysim::sim {

inline constexpr uint32_t kTraceFormatVersion = 1;
inline constexpr char kTraceMagic[8] = {'D', 'S', 'T', 'R', 'A', 'C', 'E', '\n'};
// Larger records are refused when reading: they can only come from damage.
inline constexpr uint64_t kMaxTraceRecordBytes = 64ull << 20;

class TraceWriter {
 public:
  // A writer that keeps no file: it only counts events and computes the hash.
  TraceWriter() = default;

  // A writer to `path` (created through "<path>.partial"). Errors if the file cannot be created.
  // The header's format_version is filled in.
  static Result<std::unique_ptr<TraceWriter>> create(const std::filesystem::path& path,
                                                     trace::Header header);

  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  ~TraceWriter();

  // Appends `event` stamped with time `at`. REQUIRES: `at` is not before the previous event's time,
  // and finish() has not been called. Write errors are kept and reported by finish().
  void append(TimePoint at, trace::Event& event);

  // Writes the End record and, for a file, flushes it and renames it into place. Returns the first
  // write error, if any (the ".partial" file is then removed). Called once.
  Status finish();

  // Calls `observer` with every event appended from now on, stamped, after it is recorded (for
  // checkers that watch a run as it happens). One observer; null removes it.
  void set_observer(std::function<void(const trace::Event&)> observer) { observer_ = std::move(observer); }

  uint64_t event_count() const { return event_count_; }
  // The hash of the events appended so far: the run's fingerprint once it has finished.
  uint64_t hash() const { return hash_.value(); }

 private:
  void write_record(const std::string& bytes);

  std::filesystem::path path_;
  std::filesystem::path partial_path_;
  std::ofstream out_;
  bool to_file_ = false;
  bool finished_ = false;
  std::string scratch_;  // reused serialisation buffer: no allocation per event once grown
  std::string framed_;
  Fnv1a64 hash_;
  uint64_t event_count_ = 0;
  int64_t last_time_us_ = 0;
  std::function<void(const trace::Event&)> observer_;
};

class TraceReader {
 public:
  struct Options {
    // Read a trace that ends without an End record (a run that crashed or was killed) instead of
    // reporting it as an error; complete() then stays false. Default: refuse it.
    bool allow_incomplete = false;
  };

  // Opens `path` and reads its magic and header. Errors name the file and byte offset: missing or
  // unreadable file, empty file, not a deploysim trace, truncated or corrupt header, a format
  // version newer than this build reads.
  static Result<std::unique_ptr<TraceReader>> open(const std::filesystem::path& path,
                                                   Options options);
  static Result<std::unique_ptr<TraceReader>> open(const std::filesystem::path& path) {
    return open(path, Options{});
  }

  // Reads a trace from `in` (which the reader keeps); `name` stands for the file in messages.
  static Result<std::unique_ptr<TraceReader>> from_stream(std::unique_ptr<std::istream> in,
                                                          const std::string& name,
                                                          Options options);

  const trace::Header& header() const { return header_; }

  // Reads the next event into *event: true if one was read, false at the End record (after which
  // it keeps returning false). An error names the file and byte offset: a truncated or
  // undecodable record, time going backwards, a record after End, or an End whose count or hash
  // does not match the events read.
  Result<bool> next(trace::Event* event);

  // The encoded bytes of the event next() read last (valid until the next call): readers that keep
  // events can store these instead of encoding the event again.
  const std::string& last_record() const { return record_; }
  // True once the End record has been read and checked.
  bool complete() const { return complete_; }
  uint64_t events_read() const { return events_read_; }
  // The hash of the event records read so far.
  uint64_t hash() const { return hash_.value(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  TraceReader() = default;
  Error error_at(uint64_t offset, const std::string& what) const;
  // Reads one framed record into record_; false at a clean end of file (no bytes left).
  Result<bool> read_record();

  std::filesystem::path path_;
  Options options_;
  std::unique_ptr<std::istream> in_;
  trace::Header header_;
  std::string record_;
  std::string framing_;      // the varint length bytes of the last record
  uint64_t offset_ = 0;          // bytes consumed so far
  uint64_t record_offset_ = 0;   // where the last record began
  Fnv1a64 hash_;
  uint64_t events_read_ = 0;
  int64_t last_time_us_ = 0;
  bool complete_ = false;
};

}  // namespace deploysim::sim
