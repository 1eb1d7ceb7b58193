// modules/runtime/error.cpp — input_error formatting and the process-wide warning channel.
// The handler is the one piece of global state here: a registry guarded by a mutex.
module;
#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
module aotkit.runtime;

namespace aotkit {

input_error::input_error(std::string where, const std::string& detail)
    : error(where.empty() ? detail : where + ": " + detail), where_(std::move(where)), detail_(detail) {}

std::string quote_excerpt(std::string_view text, std::size_t max_bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  std::size_t shown = std::min(text.size(), max_bytes);
  for (std::size_t i = 0; i < shown; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  if (shown < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string_view to_string(warning_category c) noexcept {
  switch (c) {
    case warning_category::user_warning: return "UserWarning";
    case warning_category::future_warning: return "FutureWarning";
    case warning_category::deprecation_warning: return "DeprecationWarning";
  }
  return "Warning";
}

namespace {

struct warning_registry {
  std::mutex mutex;
  warning_handler handler;
  std::set<std::string, std::less<>> already_printed;
};

warning_registry& registry() {
  static warning_registry r;
  return r;
}

}  // namespace

void warn(warning_category category, std::string_view message) {
  auto& r = registry();
  warning_handler handler;
  {
    std::scoped_lock lock(r.mutex);
    if (!r.handler) {
      // Python's default filter shows a given warning once; the same holds here per message text.
      if (!r.already_printed.emplace(message).second) return;
      std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(to_string(category).size()),
                   to_string(category).data(), static_cast<int>(message.size()), message.data());
      return;
    }
    handler = r.handler;
  }
  // Called outside the lock so a handler may itself warn or swap handlers.
  handler(category, message);
}

warning_handler set_warning_handler(warning_handler handler) {
  auto& r = registry();
  std::scoped_lock lock(r.mutex);
  return std::exchange(r.handler, std::move(handler));
}

struct capture_warnings::state {
  mutable std::mutex mutex;
  std::vector<record> records;
};

capture_warnings::capture_warnings() : state_(std::make_shared<state>()) {
  previous_ = set_warning_handler([s = state_](warning_category c, std::string_view m) {
    std::scoped_lock lock(s->mutex);
    s->records.push_back({c, std::string(m)});
  });
}

capture_warnings::~capture_warnings() { set_warning_handler(std::move(previous_)); }

std::vector<capture_warnings::record> capture_warnings::records() const {
  std::scoped_lock lock(state_->mutex);
  return state_->records;
}

}  // namespace aotkit
