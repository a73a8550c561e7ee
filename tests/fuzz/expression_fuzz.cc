// Fuzz target: any text evaluates to a value or a clean error, in bounded time and stack, as a
// bare expression and as a template; errors say where.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "strategies/expressions/expression.h"

namespace {

class FuzzContext : public deploysim::strategies::ExpressionContext {
 public:
  std::optional<deploysim::strategies::Json> variable(const std::string& name) const override {
    if (name == "trigger") return deploysim::strategies::Json::parse(R"({"parameters": {"a": 1, "b": "x"}})");
    if (name == "parameters") return deploysim::strategies::Json::parse(R"({"a": 1, "b": "x", "c": [1, 2]})");
    return std::nullopt;
  }
  std::optional<deploysim::sim::Result<deploysim::strategies::Json>> function(
      const std::string& name, const std::vector<deploysim::strategies::Json>& args) const override {
    if (name == "judgment" && args.size() == 1) return deploysim::sim::Result<deploysim::strategies::Json>(args[0]);
    return std::nullopt;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace deploysim::strategies;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const FuzzContext context;
  const auto bare = evaluate_expression(text, context);
  if (!bare.ok() && bare.error().message.find("expression") == std::string::npos) std::abort();
  const auto templated = evaluate_template(text, context);
  (void)templated;
  return 0;
}
