// SPDX-License-Identifier: Apache-2.0
/// \file
/// The JetStream API error catalog (docs/semantics.md#error-catalog) as a constexpr table, an
/// std::error_category for std::error_code interop, and `api_error`, the value
/// every rejection carries: nats-server's `code`, `err_code` and `description`.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

/// `JSACCT_TRY { ... } JSACCT_CATCH_ALL { ... }`: try/catch(...) that also
/// compiles with exceptions disabled (then the handler is dead code).
#if defined(__cpp_exceptions)
#define JSACCT_TRY try
#define JSACCT_CATCH_ALL catch (...)
#else
#define JSACCT_TRY if (true)
#define JSACCT_CATCH_ALL else
#endif

namespace jsacct {

struct explanation;  // jsacct/explanation.hpp: why a request was refused

/// One enumerator per catalog entry; the value is nats-server's `err_code`.
/// `errc{}` (0) means "no error". Keep a `default:` in switches: new entries may come.
/// The allocation-free error of the hot-path checks (`check_publish`, `check_stored`,
/// `check_limits`); every other call returns `result` / `api_error`, into which an
/// `errc` converts implicitly (see `api_error(errc)`). `[[nodiscard]]`: a check
/// whose answer is dropped is a bug.
enum class [[nodiscard]] errc : std::uint16_t{
    none = 0,
    account_resources_exceeded = 10002,         ///< JSAccountResourcesExceededErr
    cluster_not_avail = 10008,                  ///< JSClusterNotAvailErr
    cluster_not_leader = 10009,                 ///< JSClusterNotLeaderErr
    insufficient_resources = 10023,             ///< JSInsufficientResourcesErr
    invalid_json = 10025,                       ///< JSInvalidJSONErr (main text; v2.9 has no "{err}")
    maximum_consumers_limit = 10026,            ///< JSMaximumConsumersLimitErr
    maximum_streams_limit = 10027,              ///< JSMaximumStreamsLimitErr
    memory_resources_exceeded = 10028,          ///< JSMemoryResourcesExceededErr
    not_enabled_for_account = 10039,            ///< JSNotEnabledForAccountErr
    storage_resources_exceeded = 10047,         ///< JSStorageResourcesExceededErr
    stream_create = 10049,                      ///< JSStreamCreateErrF "{err}"
    stream_general = 10051,                     ///< JSStreamGeneralErrorF "{err}"
    stream_invalid_config = 10052,              ///< JSStreamInvalidConfigF "{err}"
    stream_limits = 10053,                      ///< JSStreamLimitsErrF "{err}"
    stream_message_exceeds_maximum = 10054,     ///< JSStreamMessageExceedsMaximumErr
    stream_mismatch = 10056,                    ///< JSStreamMismatchErr
    stream_name_exist = 10058,                  ///< JSStreamNameExistErr
    stream_not_found = 10059,                   ///< JSStreamNotFoundErr
    stream_restore = 10062,                     ///< JSStreamRestoreErrF "restore failed: {err}"
    stream_update = 10069,                      ///< JSStreamUpdateErrF "{err}"
    stream_replicas_not_supported = 10074,      ///< JSStreamReplicasNotSupportedErr
    not_enabled = 10076,                        ///< JSNotEnabledErr
    stream_store_failed = 10077,                ///< JSStreamStoreFailedF "{err}"
    stream_max_bytes_required = 10113,          ///< JSStreamMaxBytesRequired
    no_limits = 10120,                          ///< JSNoLimitsErr
    consumer_max_ack_pending_exceeded = 10121,  ///< JSConsumerMaxPendingAckExcessErrF
    stream_max_stream_bytes_exceeded = 10122,   ///< JSStreamMaxStreamBytesExceeded
    consumer_name_path_separators = 10127,      ///< JSConsumerNameContainsPathSeparatorsErr
    stream_name_path_separators = 10128,        ///< JSStreamNameContainsPathSeparatorsErr
    stream_name_exist_restore_failed = 10130,   ///< JSStreamNameExistRestoreFailedErr
    replicas_count_negative = 10133,            ///< JSReplicasCountCannotBeNegative
    required_api_level = 10185,                 ///< JSRequiredApiLevelErr (main only)
    // jsacct's own entries: outside nats-server's 10xxx range.
    limit_change_refused = 20015,  ///< JsacctLimitChangeRefusedErrF: limit_change_policy::refuse (docs/limit-changes.md)
};

/// How a caller should treat an error (abseil's vocabulary).
enum class error_class : std::uint8_t {
  resource_exhausted,
  failed_precondition,
  invalid_argument,
  not_found,
  unavailable,
  internal
};

/// One row of the catalog.
struct error_info {
  errc id;
  int code;                      ///< HTTP-like status
  std::string_view name;         ///< nats-server constant name
  std::string_view description;  ///< exact text; "{err}" is substituted for templated entries
  error_class cls;
};

namespace detail {
using ec = error_class;
inline constexpr std::array error_table{
    error_info{errc::account_resources_exceeded, 400, "JSAccountResourcesExceededErr", "resource limits exceeded for account",
               ec::resource_exhausted},
    error_info{errc::cluster_not_avail, 503, "JSClusterNotAvailErr", "JetStream system temporarily unavailable", ec::unavailable},
    error_info{errc::cluster_not_leader, 500, "JSClusterNotLeaderErr", "JetStream cluster can not handle request",
               ec::unavailable},
    error_info{errc::insufficient_resources, 503, "JSInsufficientResourcesErr", "insufficient resources", ec::resource_exhausted},
    error_info{errc::invalid_json, 400, "JSInvalidJSONErr", "invalid JSON: {err}", ec::invalid_argument},
    error_info{errc::maximum_consumers_limit, 400, "JSMaximumConsumersLimitErr", "maximum consumers limit reached",
               ec::resource_exhausted},
    error_info{errc::maximum_streams_limit, 400, "JSMaximumStreamsLimitErr", "maximum number of streams reached",
               ec::resource_exhausted},
    error_info{errc::memory_resources_exceeded, 500, "JSMemoryResourcesExceededErr", "insufficient memory resources available",
               ec::resource_exhausted},
    error_info{errc::not_enabled_for_account, 503, "JSNotEnabledForAccountErr", "JetStream not enabled for account",
               ec::failed_precondition},
    error_info{errc::storage_resources_exceeded, 500, "JSStorageResourcesExceededErr", "insufficient storage resources available",
               ec::resource_exhausted},
    error_info{errc::stream_create, 500, "JSStreamCreateErrF", "{err}", ec::internal},
    error_info{errc::stream_general, 500, "JSStreamGeneralErrorF", "{err}", ec::internal},
    error_info{errc::stream_invalid_config, 500, "JSStreamInvalidConfigF", "{err}", ec::invalid_argument},
    error_info{errc::stream_limits, 500, "JSStreamLimitsErrF", "{err}", ec::resource_exhausted},
    error_info{errc::stream_message_exceeds_maximum, 400, "JSStreamMessageExceedsMaximumErr",
               "message size exceeds maximum allowed", ec::invalid_argument},
    error_info{errc::stream_mismatch, 400, "JSStreamMismatchErr", "stream name in subject does not match request",
               ec::invalid_argument},
    error_info{errc::stream_name_exist, 400, "JSStreamNameExistErr", "stream name already in use with a different configuration",
               ec::failed_precondition},
    error_info{errc::stream_not_found, 404, "JSStreamNotFoundErr", "stream not found", ec::not_found},
    error_info{errc::stream_restore, 500, "JSStreamRestoreErrF", "restore failed: {err}", ec::internal},
    error_info{errc::stream_update, 500, "JSStreamUpdateErrF", "{err}", ec::internal},
    error_info{errc::stream_replicas_not_supported, 500, "JSStreamReplicasNotSupportedErr",
               "replicas > 1 not supported in non-clustered mode", ec::failed_precondition},
    error_info{errc::not_enabled, 503, "JSNotEnabledErr", "JetStream not enabled", ec::failed_precondition},
    error_info{errc::stream_store_failed, 503, "JSStreamStoreFailedF", "{err}", ec::internal},
    error_info{errc::stream_max_bytes_required, 400, "JSStreamMaxBytesRequired",
               "account requires a stream config to have max bytes set", ec::invalid_argument},
    error_info{errc::no_limits, 400, "JSNoLimitsErr", "no JetStream default or applicable tiered limit present",
               ec::failed_precondition},
    error_info{errc::consumer_max_ack_pending_exceeded, 400, "JSConsumerMaxPendingAckExcessErrF",
               "consumer max ack pending exceeds system limit of {limit}", ec::invalid_argument},
    error_info{errc::stream_max_stream_bytes_exceeded, 400, "JSStreamMaxStreamBytesExceeded",
               "stream max bytes exceeds account limit max stream bytes", ec::invalid_argument},
    error_info{errc::consumer_name_path_separators, 400, "JSConsumerNameContainsPathSeparatorsErr",
               "Consumer name can not contain path separators", ec::invalid_argument},
    error_info{errc::stream_name_path_separators, 400, "JSStreamNameContainsPathSeparatorsErr",
               "Stream name can not contain path separators", ec::invalid_argument},
    error_info{errc::stream_name_exist_restore_failed, 400, "JSStreamNameExistRestoreFailedErr",
               "stream name already in use, cannot restore", ec::failed_precondition},
    error_info{errc::replicas_count_negative, 400, "JSReplicasCountCannotBeNegative", "replicas count cannot be negative",
               ec::invalid_argument},
    error_info{errc::required_api_level, 412, "JSRequiredApiLevelErr", "JetStream minimum api level required",
               ec::failed_precondition},
    error_info{errc::limit_change_refused, 409, "JsacctLimitChangeRefusedErrF", "limits change refused: {err}",
               ec::failed_precondition},
};
}  // namespace detail

/// Catalog row of `e`, or nullptr for errc::none / an unknown value.
constexpr const error_info* find_error(errc e) noexcept {
  for (const auto& row : detail::error_table)
    if (row.id == e) return &row;
  return nullptr;
}

/// The `std::error_condition` a code maps to where a standard one has the same
/// meaning; other codes map to themselves in the jsacct category.
/// | err_code | condition |
/// |---|---|
/// | 10023, 10028, 10047 (server or account storage budget exhausted) | `std::errc::no_space_on_device` |
/// | 10025, 10052, 10127, 10128, 10133 (malformed request or config) | `std::errc::invalid_argument` |
/// | 10058, 10130 (the name is taken) | `std::errc::file_exists` |
/// | 10008 (JetStream temporarily unavailable) | `std::errc::resource_unavailable_try_again` |
/// | 20015 (jsacct: new limits below what the account uses or reserves) | `std::errc::device_or_resource_busy` |
/// 10002 (account quota) has no standard counterpart (`std::errc` has no EDQUOT).
constexpr std::optional<std::errc> standard_condition(errc e) noexcept {
  switch (e) {
    case errc::insufficient_resources:
    case errc::memory_resources_exceeded:
    case errc::storage_resources_exceeded:
      return std::errc::no_space_on_device;
    case errc::invalid_json:
    case errc::stream_invalid_config:
    case errc::consumer_name_path_separators:
    case errc::stream_name_path_separators:
    case errc::replicas_count_negative:
      return std::errc::invalid_argument;
    case errc::stream_name_exist:
    case errc::stream_name_exist_restore_failed:
      return std::errc::file_exists;
    case errc::cluster_not_avail:
      return std::errc::resource_unavailable_try_again;
    case errc::limit_change_refused:  // as Linux page_counter_set_max's -EBUSY
      return std::errc::device_or_resource_busy;
    default:
      return std::nullopt;
  }
}

/// The `std::error_category` of jsacct errors; messages are the catalog descriptions.
class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jsacct"; }
  std::string message(int v) const override {
    const auto* row = find_error(static_cast<errc>(v));
    return row ? std::string(row->description) : std::string("unknown jsacct error");
  }
  std::error_condition default_error_condition(int v) const noexcept override {
    if (v >= 0 && v <= 0xffff) {
      if (const auto c = standard_condition(static_cast<errc>(v))) return std::make_error_condition(*c);
    }
    return {v, *this};
  }
};

inline const std::error_category& error_category() noexcept {
  static const error_category_impl instance;
  return instance;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// A JetStream API error: catalog entry plus, for templated entries, the substituted text.
/// Renders like Go's `ApiError.Error()`: "<description> (<err_code>)".
/// `[[nodiscard]]`: a function that returns one must not have its error dropped.
class [[nodiscard]] api_error {
 public:
  constexpr api_error() noexcept = default;
  /// The one conversion from the allocation-free code (`errc`, returned by the
  /// hot-path checks such as `check_publish`) to the error value every other
  /// call returns: lossless, never allocates. `api_error(errc::none)` is "no error".
  constexpr api_error(errc e) noexcept : id_(e) {}  // NOLINT(google-explicit-constructor): errc -> api_error is lossless
  /// Templated entry ("{err}", "{limit}") with its substitution.
  api_error(errc e, std::string detail) : id_(e), detail_(std::move(detail)) {}
  /// A plain error text that is not an API error (e.g. "jetstream already
  /// enabled"): err_code() and code() are 0 and text() is the text alone.
  static api_error plain(std::string text) { return api_error(errc::none, std::move(text)); }

  constexpr errc id() const noexcept { return id_; }
  int code() const noexcept {
    const auto* r = find_error(id_);
    return r ? r->code : 0;
  }
  int err_code() const noexcept { return static_cast<int>(id_); }
  /// The exact description text the server sends.
  std::string description() const {
    const auto* r = find_error(id_);
    if (!r) return detail_;
    std::string d(r->description);
    for (std::string_view key : {std::string_view("{err}"), std::string_view("{limit}")}) {
      if (auto pos = d.find(key); pos != std::string::npos) d.replace(pos, key.size(), detail_);
    }
    return d;
  }
  /// Go's `Error()` form.
  std::string text() const {
    if (id_ == errc::none) return detail_;
    return description() + " (" + std::to_string(err_code()) + ")";
  }
  /// Why the request was refused (docs/explanations.md), or nullptr: the engine
  /// attaches one to every limit refusal; errors made from a bare `errc` have none.
  /// Shared and immutable: copying the error copies a pointer.
  const explanation* why() const noexcept { return why_.get(); }
  /// The shared explanation itself (empty when none), to keep it beyond the error.
  const std::shared_ptr<const explanation>& why_ptr() const noexcept { return why_; }
  /// The same error with `w` attached (replacing any other).
  api_error with_why(std::shared_ptr<const explanation> w) const& {
    api_error e = *this;
    e.why_ = std::move(w);
    return e;
  }
  api_error with_why(std::shared_ptr<const explanation> w) && noexcept {
    why_ = std::move(w);
    return std::move(*this);
  }
  /// As an `std::error_code` of the jsacct category; compares equal to the
  /// standard conditions of `standard_condition` (e.g. `std::errc::no_space_on_device`).
  std::error_code error_code() const noexcept { return make_error_code(id_); }
  explicit operator bool() const noexcept { return id_ != errc::none || !detail_.empty(); }
  /// Compares the code and the text; the explanation is not compared.
  friend bool operator==(const api_error& a, const api_error& b) { return a.id_ == b.id_ && a.detail_ == b.detail_; }
  friend bool operator==(const api_error& a, errc b) { return a.id_ == b; }

 private:
  errc id_ = errc::none;
  std::string detail_;
  std::shared_ptr<const explanation> why_;
};

/// Thrown by `result<T>::value()`, `operator*` and `operator->` when the
/// result holds an error. `what()` is the error's full text with its code, e.g.
/// "insufficient storage resources available (10047)"; `error()` is the error.
/// Copying never throws (the error is shared).
class bad_result_access : public std::exception {
 public:
  explicit bad_result_access(api_error e) : err_(std::make_shared<const held>(std::move(e))) {}
  const char* what() const noexcept override { return err_->text.c_str(); }
  const api_error& error() const noexcept { return err_->error; }

 private:
  struct held {
    explicit held(api_error e) : error(std::move(e)), text(error.text()) {}
    api_error error;
    std::string text;
  };
  std::shared_ptr<const held> err_;
};

namespace detail {
/// Throws bad_result_access; without exceptions (`-fno-exceptions`) prints
/// "jsacct: bad result access: <text>" to stderr and aborts.
[[noreturn]] inline void bad_access(const api_error& e) {
#if defined(__cpp_exceptions)
  throw bad_result_access(e);
#else
  std::fputs(("jsacct: bad result access: " + e.text() + "\n").c_str(), stderr);
  std::abort();
#endif
}
inline const api_error& no_error() noexcept {
  static const api_error none;
  return none;
}
}  // namespace detail

template <class T>
class result;

template <class T>
inline constexpr bool is_result_v = false;
template <class T>
inline constexpr bool is_result_v<result<T>> = true;

/// A value or an api_error: C++23's `std::expected<T, api_error>` for C++20.
/// It holds either a `T` or an error, never both: no `T` is constructed for an
/// error, and `T` need not be default-constructible. Reading the value of an
/// error result (`value()`, `*`, `->`) throws `bad_result_access` (aborts with
/// the text when exceptions are disabled); `error()` of a value result is an
/// empty api_error.
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, api_error> &&
                    !std::is_same_v<std::remove_cv_t<T>, errc>,
                "result<T> holds a value type other than the error types");

 public:
  using value_type = T;
  using error_type = api_error;

  result(const T& v) : v_(std::in_place_index<0>, v) {}              // NOLINT(google-explicit-constructor)
  result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}        // NOLINT(google-explicit-constructor)
  result(api_error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT(google-explicit-constructor)
  result(errc e) noexcept : v_(std::in_place_index<1>, e) {}         // NOLINT(google-explicit-constructor)
  template <class... A>
  explicit result(std::in_place_t, A&&... a) : v_(std::in_place_index<0>, std::forward<A>(a)...) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  /// Same as has_value().
  bool ok() const noexcept { return has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    check();
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    check();
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    check();
    return std::move(*std::get_if<0>(&v_));
  }
  const T&& value() const&& {
    check();
    return std::move(*std::get_if<0>(&v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The value, or `fallback` converted to T.
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? *std::get_if<0>(&v_) : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(*std::get_if<0>(&v_)) : static_cast<T>(std::forward<U>(fallback));
  }

  /// The error; an empty api_error when the result holds a value.
  const api_error& error() const& noexcept {
    const auto* e = std::get_if<1>(&v_);
    return e ? *e : detail::no_error();
  }
  api_error error() && noexcept {
    auto* e = std::get_if<1>(&v_);
    return e ? std::move(*e) : api_error{};
  }

  /// `f(value)` (which returns a result) when there is a value, else the error.
  template <class F>
  auto and_then(F&& f) & {
    return bind(*this, std::forward<F>(f));
  }
  template <class F>
  auto and_then(F&& f) const& {
    return bind(*this, std::forward<F>(f));
  }
  template <class F>
  auto and_then(F&& f) && {
    return bind(std::move(*this), std::forward<F>(f));
  }
  /// `result<U>{f(value)}` when there is a value, else the error (U may be void).
  template <class F>
  auto transform(F&& f) & {
    return map(*this, std::forward<F>(f));
  }
  template <class F>
  auto transform(F&& f) const& {
    return map(*this, std::forward<F>(f));
  }
  template <class F>
  auto transform(F&& f) && {
    return map(std::move(*this), std::forward<F>(f));
  }
  /// `f(error)` (which returns a result<T>) when there is an error, else this result.
  template <class F>
  result or_else(F&& f) const& {
    if (has_value()) return *this;
    return std::forward<F>(f)(error());
  }
  template <class F>
  result or_else(F&& f) && {
    if (has_value()) return std::move(*this);
    return std::forward<F>(f)(std::move(*this).error());
  }

 private:
  void check() const {
    if (const auto* e = std::get_if<1>(&v_)) detail::bad_access(*e);
  }
  template <class Self>
  static decltype(auto) get(Self&& self) noexcept {
    if constexpr (std::is_lvalue_reference_v<Self>) {
      return *std::get_if<0>(&self.v_);
    } else {
      return std::move(*std::get_if<0>(&self.v_));
    }
  }
  template <class Self, class F>
  static auto bind(Self&& self, F&& f) {
    using R = std::remove_cvref_t<std::invoke_result_t<F, decltype(get(std::forward<Self>(self)))>>;
    static_assert(is_result_v<R>, "and_then: the function must return a jsacct::result");
    if (!self.has_value()) return R(std::forward<Self>(self).error());
    return std::invoke(std::forward<F>(f), get(std::forward<Self>(self)));
  }
  template <class Self, class F>
  static auto map(Self&& self, F&& f) {
    using U = std::remove_cv_t<std::invoke_result_t<F, decltype(get(std::forward<Self>(self)))>>;
    if (!self.has_value()) return result<U>(std::forward<Self>(self).error());
    if constexpr (std::is_void_v<U>) {
      std::invoke(std::forward<F>(f), get(std::forward<Self>(self)));
      return result<U>();
    } else {
      return result<U>(std::invoke(std::forward<F>(f), get(std::forward<Self>(self))));
    }
  }

  std::variant<T, api_error> v_;
};

/// result<void>: success or an api_error. A default-constructed result, and
/// one made from an api_error that holds no error (`api_error{}`,
/// `errc::none`), is a success.
template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;
  using error_type = api_error;

  result() noexcept = default;
  result(api_error e) : error_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  result(errc e) noexcept : error_(e) {}         // NOLINT(google-explicit-constructor)

  bool has_value() const noexcept { return !error_; }
  /// Same as has_value().
  bool ok() const noexcept { return has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  /// Nothing on success; throws bad_result_access on an error (aborts without exceptions).
  void value() const {
    if (error_) detail::bad_access(error_);
  }
  void operator*() const { value(); }
  /// The error; an empty api_error on success.
  const api_error& error() const& noexcept { return error_; }
  api_error error() && noexcept { return std::move(error_); }

  /// `f()` (which returns a result) on success, else the error.
  template <class F>
  auto and_then(F&& f) const {
    using R = std::remove_cvref_t<std::invoke_result_t<F>>;
    static_assert(is_result_v<R>, "and_then: the function must return a jsacct::result");
    if (error_) return R(error_);
    return std::forward<F>(f)();
  }
  /// `result<U>{f()}` on success, else the error (U may be void).
  template <class F>
  auto transform(F&& f) const {
    using U = std::remove_cv_t<std::invoke_result_t<F>>;
    if (error_) return result<U>(error_);
    if constexpr (std::is_void_v<U>) {
      std::forward<F>(f)();
      return result<U>();
    } else {
      return result<U>(std::forward<F>(f)());
    }
  }
  /// `f(error)` (which returns a result<void>) on an error, else success.
  template <class F>
  result or_else(F&& f) const {
    if (!error_) return *this;
    return std::forward<F>(f)(error_);
  }

 private:
  api_error error_{};
};

}  // namespace jsacct

template <>
struct std::is_error_code_enum<jsacct::errc> : std::true_type {};
