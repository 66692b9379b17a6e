// SPDX-License-Identifier: Apache-2.0
/// \file
/// The JetStream API error catalog (spec §12) as a constexpr table, an
/// std::error_category for std::error_code interop, and `api_error`, the value
/// every rejection carries: nats-server's `code`, `err_code` and `description`.
#pragma once

#include "jsacct/config.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace jsacct {

/// One enumerator per catalog entry; the value is nats-server's `err_code`.
/// `errc{}` (0) means "no error". Keep a `default:` in switches: new entries may come.
enum class errc : std::uint16_t {
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
};
}  // namespace detail

/// Catalog row of `e`, or nullptr for errc::none / an unknown value.
constexpr const error_info* find_error(errc e) noexcept {
  for (const auto& row : detail::error_table)
    if (row.id == e) return &row;
  return nullptr;
}

/// The `std::error_category` of jsacct errors; messages are the catalog descriptions.
class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "jsacct"; }
  std::string message(int v) const override {
    const auto* row = find_error(static_cast<errc>(v));
    return row ? std::string(row->description) : std::string("unknown jsacct error");
  }
};

inline const std::error_category& error_category() noexcept {
  static const error_category_impl instance;
  return instance;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// A JetStream API error: catalog entry plus, for templated entries, the substituted text.
/// Renders like Go's `ApiError.Error()`: "<description> (<err_code>)".
class api_error {
 public:
  constexpr api_error() noexcept = default;
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
  std::error_code error_code() const noexcept { return make_error_code(id_); }
  explicit operator bool() const noexcept { return id_ != errc::none || !detail_.empty(); }
  friend bool operator==(const api_error& a, const api_error& b) { return a.id_ == b.id_ && a.detail_ == b.detail_; }
  friend bool operator==(const api_error& a, errc b) { return a.id_ == b; }

 private:
  errc id_ = errc::none;
  std::string detail_;
};

/// A value or an api_error (C++20 has no std::expected).
template <class T>
class [[nodiscard]] result {
 public:
  result(T v) : ok_(true), value_(std::move(v)) {}           // NOLINT(google-explicit-constructor)
  result(api_error e) : ok_(false), error_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  result(errc e) : ok_(false), error_(e) {}                  // NOLINT(google-explicit-constructor)
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }
  const api_error& error() const noexcept { return error_; }

 private:
  bool ok_;
  T value_{};
  api_error error_{};
};

/// result<void>: success or an api_error.
template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(api_error e) : error_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  result(errc e) : error_(e) {}                  // NOLINT(google-explicit-constructor)
  bool ok() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return ok(); }
  const api_error& error() const noexcept { return error_; }

 private:
  api_error error_{};
};

}  // namespace jsacct

template <>
struct std::is_error_code_enum<jsacct::errc> : std::true_type {};
