// Trace files: round trip, the hash as a fingerprint, and damaged files giving clear errors that
// name the file and the byte offset.
#include "sim/kernel/trace.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

namespace deploysim::sim {
namespace {

namespace fs = std::filesystem;

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deploysim-trace-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path path(const std::string& name) const { return dir_ / name; }

  static trace::Header header() {
    trace::Header h;
    h.set_seed(1234);
    h.set_build_id("test-build");
    h.set_scenario_name("unit");
    h.set_scenario_text("{\"name\": \"unit\"}");
    return h;
  }

  // Writes `notes` as events at 1s, 2s, ... and returns the hash.
  uint64_t write(const fs::path& file, const std::vector<std::string>& notes) {
    Result<std::unique_ptr<TraceWriter>> writer = TraceWriter::create(file, header());
    EXPECT_TRUE(writer.ok());
    for (size_t i = 0; i < notes.size(); ++i) {
      trace::Event e;
      e.mutable_note()->set_source("test");
      e.mutable_note()->set_text(notes[i]);
      (*writer)->append(TimePoint::start() + Duration::seconds(static_cast<int64_t>(i + 1)), e);
    }
    EXPECT_TRUE((*writer)->finish().ok());
    return (*writer)->hash();
  }

  static std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  // Reads the whole trace; returns the first error message, or "" if it read cleanly.
  static std::string read_all_error(const fs::path& file) {
    Result<std::unique_ptr<TraceReader>> reader = TraceReader::open(file);
    if (!reader.ok()) return reader.error().message;
    trace::Event e;
    while (true) {
      Result<bool> more = (*reader)->next(&e);
      if (!more.ok()) return more.error().message;
      if (!*more) return "";
    }
  }

  fs::path dir_;
};

TEST_F(TraceTest, RoundTrip) {
  const fs::path file = path("run.trace");
  const uint64_t written_hash = write(file, {"first", "second", "third"});
  EXPECT_FALSE(fs::exists(path("run.trace.partial")));

  Result<std::unique_ptr<TraceReader>> reader = TraceReader::open(file);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  TraceReader& r = **reader;
  EXPECT_EQ(r.header().format_version(), kTraceFormatVersion);
  EXPECT_EQ(r.header().seed(), 1234u);
  EXPECT_EQ(r.header().scenario_text(), "{\"name\": \"unit\"}");
  std::vector<std::string> texts;
  trace::Event e;
  while (true) {
    Result<bool> more = r.next(&e);
    ASSERT_TRUE(more.ok()) << more.error().message;
    if (!*more) break;
    texts.push_back(e.note().text());
    EXPECT_EQ(e.time_us(), static_cast<int64_t>(texts.size()) * 1'000'000);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.events_read(), 3u);
  EXPECT_EQ(r.hash(), written_hash);
}

TEST_F(TraceTest, SameEventsGiveTheSameHashDifferentEventsADifferentOne) {
  const uint64_t a = write(path("a.trace"), {"x", "y"});
  const uint64_t b = write(path("b.trace"), {"x", "y"});
  const uint64_t changed = write(path("c.trace"), {"x", "z"});
  const uint64_t reordered = write(path("d.trace"), {"y", "x"});
  const uint64_t longer = write(path("e.trace"), {"x", "y", "y"});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, changed);
  EXPECT_NE(a, reordered);
  EXPECT_NE(a, longer);

  // A writer without a file computes the same fingerprint.
  TraceWriter memory_only;
  for (int i = 0; i < 2; ++i) {
    trace::Event e;
    e.mutable_note()->set_source("test");
    e.mutable_note()->set_text(i == 0 ? "x" : "y");
    memory_only.append(TimePoint::start() + Duration::seconds(i + 1), e);
  }
  EXPECT_EQ(memory_only.hash(), a);
  // The same events at other times are a different run.
  TraceWriter shifted;
  trace::Event e;
  e.mutable_note()->set_source("test");
  e.mutable_note()->set_text("x");
  shifted.append(TimePoint::start() + Duration::seconds(5), e);
  e.mutable_note()->set_text("y");
  shifted.append(TimePoint::start() + Duration::seconds(6), e);
  EXPECT_NE(shifted.hash(), a);
}

TEST_F(TraceTest, MissingFileIsAnIoError) {
  Result<std::unique_ptr<TraceReader>> reader = TraceReader::open(path("absent.trace"));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kIo);
  EXPECT_NE(reader.error().message.find("absent.trace"), std::string::npos);
}

TEST_F(TraceTest, EmptyFileNamesFileAndOffset) {
  write_bytes(path("empty.trace"), "");
  const std::string message = read_all_error(path("empty.trace"));
  EXPECT_NE(message.find("empty.trace: offset 0: empty file"), std::string::npos) << message;
}

TEST_F(TraceTest, GarbageIsNotATrace) {
  write_bytes(path("garbage.trace"), "this is not a trace at all, just some text\n");
  const std::string message = read_all_error(path("garbage.trace"));
  EXPECT_NE(message.find("garbage.trace: offset 0: not a deploysim trace"), std::string::npos)
      << message;
}

TEST_F(TraceTest, TruncationAtEveryByteIsReportedNeverCrashes) {
  const fs::path good = path("good.trace");
  write(good, {"alpha", "beta", "gamma"});
  const std::string bytes = read_bytes(good);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    const fs::path file = path("cut.trace");
    write_bytes(file, bytes.substr(0, cut));
    const std::string message = read_all_error(file);
    ASSERT_FALSE(message.empty()) << "a trace cut at byte " << cut << " was read as complete";
    EXPECT_NE(message.find("cut.trace: offset "), std::string::npos) << message;
  }
  EXPECT_EQ(read_all_error(good), "");
}

TEST_F(TraceTest, TruncatedRecordSaysHowManyBytesAreMissing) {
  const fs::path good = path("good.trace");
  write(good, {"alpha", "beta"});
  const std::string bytes = read_bytes(good);
  write_bytes(path("short.trace"), bytes.substr(0, bytes.size() - 3));
  const std::string message = read_all_error(path("short.trace"));
  EXPECT_NE(message.find("truncated: the record needs"), std::string::npos) << message;
}

TEST_F(TraceTest, IncompleteRunIsRefusedUnlessAllowed) {
  // A trace cut cleanly between records: what a killed run leaves behind.
  const fs::path good = path("good.trace");
  write(good, {"alpha", "beta"});
  const std::string bytes = read_bytes(good);
  // The End record is the last one: rebuild its bytes from the events read, and cut it off.
  Result<std::unique_ptr<TraceReader>> probe = TraceReader::open(good);
  ASSERT_TRUE(probe.ok());
  trace::Event e;
  ASSERT_TRUE(*(*probe)->next(&e));
  ASSERT_TRUE(*(*probe)->next(&e));
  // Events read: 2. The rest of the file is the End record; drop it.
  std::string framed_end;
  {
    trace::Event tail;
    tail.set_time_us(2'000'000);
    tail.mutable_end()->set_event_count(2);
    tail.mutable_end()->set_trace_hash((*probe)->hash());
    std::string payload;
    tail.SerializeToString(&payload);
    framed_end.push_back(static_cast<char>(payload.size()));
    framed_end += payload;
  }
  ASSERT_EQ(bytes.substr(bytes.size() - framed_end.size()), framed_end);
  const fs::path killed = path("killed.trace");
  write_bytes(killed, bytes.substr(0, bytes.size() - framed_end.size()));

  const std::string message = read_all_error(killed);
  EXPECT_NE(message.find("did not finish"), std::string::npos) << message;

  Result<std::unique_ptr<TraceReader>> lenient =
      TraceReader::open(killed, TraceReader::Options{.allow_incomplete = true});
  ASSERT_TRUE(lenient.ok());
  int events = 0;
  while (*(*lenient)->next(&e)) ++events;
  EXPECT_EQ(events, 2);
  EXPECT_FALSE((*lenient)->complete());
}

TEST_F(TraceTest, FlippedBytesAreCaught) {
  const fs::path good = path("good.trace");
  write(good, {"alpha", "beta", "gamma", "delta"});
  const std::string bytes = read_bytes(good);
  // Flip each byte after the magic in turn: every damaged file must read as an error or, if the
  // damage happens to keep the structure valid, fail the End record's hash check.
  int errors = 0;
  for (size_t i = sizeof(kTraceMagic); i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    write_bytes(path("flipped.trace"), damaged);
    const std::string message = read_all_error(path("flipped.trace"));
    if (!message.empty()) {
      ++errors;
      EXPECT_NE(message.find("flipped.trace: offset "), std::string::npos) << message;
    }
  }
  // Bytes inside the header's free text (build id, scenario) can change without breaking anything
  // the reader checks; everything else must be caught.
  EXPECT_GT(errors, static_cast<int>(bytes.size()) / 2);
}

TEST_F(TraceTest, NewerFormatVersionIsRefused) {
  const fs::path file = path("future.trace");
  trace::Header h = header();
  h.set_format_version(kTraceFormatVersion + 1);
  std::string payload;
  h.SerializeToString(&payload);
  std::string bytes(kTraceMagic, sizeof(kTraceMagic));
  bytes.push_back(static_cast<char>(payload.size()));
  bytes += payload;
  write_bytes(file, bytes);
  const std::string message = read_all_error(file);
  EXPECT_NE(message.find("format version 2 is not one this build reads"), std::string::npos)
      << message;
}

TEST_F(TraceTest, AbandonedWriterLeavesNoFile) {
  {
    Result<std::unique_ptr<TraceWriter>> writer =
        TraceWriter::create(path("abandoned.trace"), header());
    ASSERT_TRUE(writer.ok());
    trace::Event e;
    e.mutable_note()->set_text("half done");
    (*writer)->append(TimePoint::start(), e);
  }
  EXPECT_FALSE(fs::exists(path("abandoned.trace")));
  EXPECT_FALSE(fs::exists(path("abandoned.trace.partial")));
}

TEST_F(TraceTest, UnwritableLocationIsAnIoError) {
  Result<std::unique_ptr<TraceWriter>> writer =
      TraceWriter::create(path("no-such-dir") / "x.trace", header());
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, ErrorCode::kIo);
  EXPECT_NE(writer.error().message.find("no-such-dir"), std::string::npos);
}

}  // namespace
}  // namespace deploysim::sim
