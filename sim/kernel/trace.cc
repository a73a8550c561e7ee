// Writing and reading trace files: framing, hashing, and the checks that turn a damaged file into
// an error that names the file and the byte offset.
#include "sim/kernel/trace.h"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "sim/kernel/check.h"

namespace deploysim::sim {
namespace {

// Protobuf leaves the order of map entries unspecified unless asked for a deterministic encoding;
// the trace hash is over bytes, so always ask.
void serialize_deterministically(const google::protobuf::MessageLite& message, std::string* out) {
  out->clear();
  google::protobuf::io::StringOutputStream raw(out);
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
}

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TraceWriter

Result<std::unique_ptr<TraceWriter>> TraceWriter::create(const std::filesystem::path& path,
                                                         trace::Header header) {
  auto writer = std::make_unique<TraceWriter>();
  writer->path_ = path;
  writer->partial_path_ = path;
  writer->partial_path_ += ".partial";
  writer->out_.open(writer->partial_path_, std::ios::binary | std::ios::trunc);
  if (!writer->out_) {
    return io_error("cannot create trace file " + writer->partial_path_.string() + ": " +
                    std::strerror(errno));
  }
  writer->to_file_ = true;
  header.set_format_version(kTraceFormatVersion);
  writer->out_.write(kTraceMagic, sizeof(kTraceMagic));
  std::string bytes;
  serialize_deterministically(header, &bytes);
  writer->write_record(bytes);
  return writer;
}

TraceWriter::~TraceWriter() {
  if (to_file_ && !finished_) {
    // Abandoned without finish(): leave no file that could pass for a complete trace.
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(partial_path_, ignored);
  }
}

void TraceWriter::write_record(const std::string& bytes) {
  framed_.clear();
  append_varint(framed_, bytes.size());
  framed_ += bytes;
  if (to_file_) out_.write(framed_.data(), static_cast<std::streamsize>(framed_.size()));
}

void TraceWriter::append(TimePoint at, trace::Event& event) {
  DEPLOYSIM_CHECK(!finished_, "TraceWriter::append after finish()");
  const int64_t time_us = at.micros_since_start();
  DEPLOYSIM_CHECK(time_us >= last_time_us_, "TraceWriter::append: event at " + to_string(at) +
                                                " is before the previous event");
  last_time_us_ = time_us;
  event.set_time_us(time_us);
  serialize_deterministically(event, &scratch_);
  write_record(scratch_);
  hash_.update(framed_.data(), framed_.size());
  ++event_count_;
  if (observer_) observer_(event);
}

Status TraceWriter::finish() {
  DEPLOYSIM_CHECK(!finished_, "TraceWriter::finish called twice");
  finished_ = true;
  if (!to_file_) return Status();
  trace::Event end;
  end.set_time_us(last_time_us_);
  end.mutable_end()->set_event_count(event_count_);
  end.mutable_end()->set_trace_hash(hash_.value());
  serialize_deterministically(end, &scratch_);
  write_record(scratch_);
  out_.flush();
  const bool written = static_cast<bool>(out_);
  out_.close();
  std::error_code ec;
  if (!written || out_.fail()) {
    std::filesystem::remove(partial_path_, ec);
    return io_error("writing trace file " + partial_path_.string() + " failed: " +
                    std::strerror(errno));
  }
  std::filesystem::rename(partial_path_, path_, ec);
  if (ec) {
    return io_error("cannot move " + partial_path_.string() + " to " + path_.string() + ": " +
                    ec.message());
  }
  return Status();
}

// ---------------------------------------------------------------------------------------------
// TraceReader

Error TraceReader::error_at(uint64_t offset, const std::string& what) const {
  return corrupt(path_.string() + ": offset " + std::to_string(offset) + ": " + what);
}

Result<std::unique_ptr<TraceReader>> TraceReader::open(const std::filesystem::path& path,
                                                       Options options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return io_error(path.string() + ": is a directory, not a trace file");
  }
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) {
    return io_error("cannot open trace file " + path.string() + ": " + std::strerror(errno));
  }
  return from_stream(std::move(file), path.string(), options);
}

Result<std::unique_ptr<TraceReader>> TraceReader::from_stream(std::unique_ptr<std::istream> in,
                                                              const std::string& name,
                                                              Options options) {
  std::unique_ptr<TraceReader> reader(new TraceReader());
  reader->path_ = name;
  reader->options_ = options;
  reader->in_ = std::move(in);
  char magic[sizeof(kTraceMagic)];
  reader->in_->read(magic, sizeof(magic));
  const auto got = static_cast<size_t>(reader->in_->gcount());
  if (got == 0) return reader->error_at(0, "empty file: no trace header");
  if (got < sizeof(magic) || std::memcmp(magic, kTraceMagic, sizeof(magic)) != 0) {
    return reader->error_at(0, "not a deploysim trace (it does not start with \"DSTRACE\")");
  }
  reader->offset_ = sizeof(magic);

  Result<bool> record = reader->read_record();
  if (!record.ok()) return record.error();
  if (!*record) return reader->error_at(reader->offset_, "the file ends before the trace header");
  if (!reader->header_.ParseFromString(reader->record_)) {
    return reader->error_at(reader->record_offset_, "the trace header cannot be decoded");
  }
  if (reader->header_.format_version() == 0 ||
      reader->header_.format_version() > kTraceFormatVersion) {
    return reader->error_at(
        reader->record_offset_,
        "trace format version " + std::to_string(reader->header_.format_version()) +
            " is not one this build reads (it reads versions 1 to " +
            std::to_string(kTraceFormatVersion) + ")");
  }
  return reader;
}

Result<bool> TraceReader::read_record() {
  record_offset_ = offset_;
  framing_.clear();
  uint64_t length = 0;
  for (int shift = 0;; shift += 7) {
    const int c = in_->get();
    if (c == std::char_traits<char>::eof()) {
      if (framing_.empty()) return false;
      return error_at(record_offset_, "truncated: the file ends inside a record length");
    }
    framing_.push_back(static_cast<char>(c));
    ++offset_;
    if (shift > 63) return error_at(record_offset_, "corrupt record length (over 10 bytes)");
    length |= static_cast<uint64_t>(c & 0x7f) << shift;
    if ((c & 0x80) == 0) break;
  }
  if (length > kMaxTraceRecordBytes) {
    return error_at(record_offset_, "corrupt record length " + std::to_string(length) +
                                        " (records are at most 64 MiB)");
  }
  // Read in pieces, so that a damaged length cannot make the reader allocate far more than the
  // file holds before it finds out.
  record_.clear();
  uint64_t read_so_far = 0;
  while (read_so_far < length) {
    const uint64_t piece = std::min<uint64_t>(length - read_so_far, 1u << 20);
    record_.resize(read_so_far + piece);
    in_->read(record_.data() + read_so_far, static_cast<std::streamsize>(piece));
    const auto got = static_cast<uint64_t>(in_->gcount());
    offset_ += got;
    read_so_far += got;
    if (got < piece) {
      return error_at(record_offset_, "truncated: the record needs " + std::to_string(length) +
                                          " bytes but only " + std::to_string(read_so_far) +
                                          " remain");
    }
  }
  return true;
}

Result<bool> TraceReader::next(trace::Event* event) {
  if (complete_) return false;
  Result<bool> record = read_record();
  if (!record.ok()) return record.error();
  if (!*record) {
    if (options_.allow_incomplete) return false;
    return error_at(offset_, "the trace ends without an End record after " +
                                 std::to_string(events_read_) +
                                 " events: the run that wrote it did not finish");
  }
  if (!event->ParseFromString(record_) ||
      event->kind_case() == trace::Event::KIND_NOT_SET) {
    return error_at(record_offset_, "the record is not a trace event this build can decode");
  }
  if (event->time_us() < last_time_us_) {
    return error_at(record_offset_, "event time " + std::to_string(event->time_us()) +
                                        "us goes back before the previous event");
  }
  last_time_us_ = event->time_us();
  if (event->has_end()) {
    const trace::End& end = event->end();
    if (end.event_count() != events_read_ || end.trace_hash() != hash_.value()) {
      return error_at(record_offset_,
                      "the End record says " + std::to_string(end.event_count()) +
                          " events with hash " + hex64(end.trace_hash()) + " but the file has " +
                          std::to_string(events_read_) + " with hash " + hex64(hash_.value()));
    }
    if (in_->peek() != std::char_traits<char>::eof()) {
      return error_at(offset_, "unexpected data after the End record");
    }
    complete_ = true;
    return false;
  }
  hash_.update(framing_.data(), framing_.size());
  hash_.update(record_.data(), record_.size());
  ++events_read_;
  return true;
}

}  // namespace deploysim::sim
