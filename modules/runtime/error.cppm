// modules/runtime/error.cppm — aotkit's exception hierarchy and warning channel (partition :error).
// Python's exception classes map to one C++ type each, so tests can match PyTorch's texts.
module;
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
export module aotkit.runtime:error;

export namespace aotkit {

/// Base of every exception aotkit throws; `what()` is the full message.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Python's ValueError: an argument has the right type but an unacceptable value.
class value_error : public error {
 public:
  using error::error;
};

/// Python's TypeError: an argument or result has the wrong kind.
class type_error : public error {
 public:
  using error::error;
};

/// Python's IndexError.
class index_error : public error {
 public:
  using error::error;
};

/// Python's KeyError.
class key_error : public error {
 public:
  using error::error;
};

/// Python's AssertionError as PyTorch raises it (docs/semantics.md §G.4: V3 messages).
class assertion_error : public error {
 public:
  using error::error;
};

/// Python's NotImplementedError.
class not_implemented_error : public error {
 public:
  using error::error;
};

/// Python's RuntimeError raised by PyTorch for a broken contract at run time.
class runtime_error : public error {
 public:
  using error::error;
};

/// torch's GuardOnDataDependentSymNode (a RuntimeError): a value was needed from a symbolic
/// expression that has none (an unbacked symbol, e.g. from `.item()` or `nonzero`).
class data_dependent_error : public runtime_error {
 public:
  using runtime_error::runtime_error;
};

/// Malformed external input (JSON, spec strings, graphs, command lines). `where()` names the place
/// (a byte offset, a JSON pointer, a node name or a key path); `what()` is "<where>: <detail>".
class input_error : public error {
 public:
  /// Builds "<where>: <detail>"; an empty `where` gives just the detail.
  input_error(std::string where, const std::string& detail);
  /// The place the problem was found.
  [[nodiscard]] inline const std::string& where() const noexcept { return where_; }
  /// The problem, without the place.
  [[nodiscard]] inline const std::string& detail() const noexcept { return detail_; }

 private:
  std::string where_;
  std::string detail_;
};

/// `text` as an error message may quote it: control bytes, quotes and backslashes escaped
/// (`\n`, `\xNN`), and at most `max_bytes` of it, the rest counted ("... (12345 bytes)"), so an
/// error stays one short line whatever the input held.
[[nodiscard]] std::string quote_excerpt(std::string_view text, std::size_t max_bytes = 80);

/// Python's warning categories that aotkit emits.
enum class warning_category { user_warning, future_warning, deprecation_warning };

/// Returns the Python name of a warning category ("UserWarning", ...).
[[nodiscard]] std::string_view to_string(warning_category c) noexcept;

/// A warning sink: category and message.
using warning_handler = std::function<void(warning_category, std::string_view)>;

/// Emits a warning through the installed handler. The default handler writes
/// "<Category>: <message>" to stderr once per distinct message (Python's "default" filter).
/// Thread-safe.
void warn(warning_category category, std::string_view message);

/// Installs `handler` process-wide and returns the previous one; an empty handler restores the
/// default. Thread-safe.
warning_handler set_warning_handler(warning_handler handler);

/// RAII: records every warning emitted on any thread while alive instead of printing it
/// (Python's `warnings.catch_warnings(record=True)`); restores the previous handler on exit.
class capture_warnings {
 public:
  struct record {
    warning_category category;
    std::string message;
  };
  capture_warnings();
  ~capture_warnings();
  capture_warnings(const capture_warnings&) = delete;
  capture_warnings& operator=(const capture_warnings&) = delete;

  /// The warnings recorded so far, in emission order.
  [[nodiscard]] std::vector<record> records() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
  warning_handler previous_;
};

}  // namespace aotkit
