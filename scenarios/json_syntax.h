// A JSON syntax check that says where a file goes wrong (line and column), which protobuf's JSON
// parser does not. Run before protobuf, so a missing comma in a scenario is reported as
// "line 12, column 5: expected ',' or '}' after an object member".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deploysim::scenarios {

// Nothing if `text` is one well-formed JSON value (RFC 8259, surrounded by optional whitespace);
// otherwise "line L, column C: <what was expected>". Nesting deeper than 512 levels is an error.
std::optional<std::string> json_syntax_error(std::string_view text);

}  // namespace deploysim::scenarios
