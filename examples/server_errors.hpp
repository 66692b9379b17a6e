// SPDX-License-Identifier: Apache-2.0
/// \file
/// The API errors the simulated server answers with: the engine's own errors
/// (`op_error::of`) and the texts of the stream and consumer layers that
/// nats-server 2.9.10 returns (verified with the oracle).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

namespace jsacct_cli {

using json = nlohmann::json;

/// A rejected op as the server reports it, and why (docs/explanations.md) when a limit refused it.
/// `why` never reaches the replay output (to_json).
struct op_error {
  int code = 0;
  int err_code = 0;
  std::string description;
  std::shared_ptr<const jsacct::explanation> why{};
  static op_error of(const jsacct::api_error& e) { return {e.code(), e.err_code(), e.description(), e.why_ptr()}; }
  json to_json() const { return json{{"code", code}, {"err_code", err_code}, {"description", description}}; }
};

/// `e` with the explanation `w` attached, when there is one.
inline op_error with_why(op_error e, std::optional<jsacct::explanation> w) {
  if (w) e.why = std::make_shared<const jsacct::explanation>(std::move(*w));
  return e;
}

/// The explanation of a refusal the CLI's own flow finds (the clustered meta leader's
/// counts, the per-stream caps it checks before the engine): limits of `tier` ("" untiered).
inline jsacct::explanation limit_why(jsacct::errc code, jsacct::limit_resource res, const std::string& account,
                                     const std::string& tier, const std::string& stream, std::int64_t requested,
                                     std::int64_t used, std::int64_t limit) {
  jsacct::explanation w;
  w.code = code;
  w.level = tier.empty() ? jsacct::limit_level::account : jsacct::limit_level::tier;
  w.source = tier.empty() ? jsacct::limit_source::account_config : jsacct::limit_source::tier_config;
  w.resource = res;
  w.account = account;
  w.tier = tier;
  w.stream = stream;
  w.requested = requested;
  w.used = used;
  w.limit = limit;
  return w;
}

/// 10113 / 10122 found by the CLI for a stream config `c` under `sel`'s limits.
template <class Selected>
op_error max_bytes_error(jsacct::errc code, const std::string& account, const Selected& sel, const jsacct::stream_config& c) {
  const bool required = code == jsacct::errc::stream_max_bytes_required;
  const std::int64_t cap =
      c.storage == jsacct::storage_type::memory ? sel.limits.memory_max_stream_bytes : sel.limits.store_max_stream_bytes;
  return with_why(
      op_error::of(code),
      limit_why(code, required ? jsacct::limit_resource::max_bytes_required : jsacct::limit_resource::stream_max_bytes, account,
                sel.tier, c.name, c.max_bytes, 0, required ? 0 : cap));
}

/// 10027 found by the CLI: `count` streams counted in the tier already.
template <class Selected>
op_error max_streams_error(const std::string& account, const Selected& sel, const std::string& stream, std::int64_t count) {
  return with_why(op_error::of(jsacct::errc::maximum_streams_limit),
                  limit_why(jsacct::errc::maximum_streams_limit, jsacct::limit_resource::streams, account, sel.tier, stream, 1,
                            count, sel.limits.max_streams));
}

/// Server texts the stream layer produces (nats-server 2.9.10, verified with the oracle).
namespace srv_err {
inline op_error invalid_json() { return {400, 10025, "invalid JSON"}; }
inline op_error bad_request() { return {400, 10003, "bad request"}; }
inline op_error no_message_found() {
  return {500, 10051, "no message found"};
}  // JSStreamGeneralErrorF around the memory store's ErrStoreMsgNotFound
inline op_error stream_mismatch() { return {400, 10056, "stream name in subject does not match request"}; }
inline op_error mirror_with_subjects() { return {400, 10034, "stream mirrors can not contain subjects"}; }
inline op_error mirror_with_sources() { return {400, 10031, "stream mirrors can not also contain other sources"}; }
inline op_error mirror_not_updatable() { return {400, 10055, "stream mirror configuration can not be updated"}; }
inline op_error overlap() { return {400, 10065, "subjects overlap with an existing stream"}; }
inline op_error invalid_config(const std::string& s) { return {500, 10052, s}; }
inline op_error consumer_not_found() { return {404, 10014, "consumer not found"}; }
inline op_error msg_too_big() { return {400, 10054, "message size exceeds maximum allowed"}; }
inline op_error filter_subset() { return {400, 10093, "consumer filter subject is not a valid subset of the interest subjects"}; }
inline op_error deliver_update() { return {500, 10012, "deliver policy can not be updated"}; }
inline op_error ack_pending(std::int64_t lim) {
  return {400, 10121, "consumer max ack pending exceeds system limit of " + std::to_string(lim)};
}
inline op_error wq_multiple() { return {400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"}; }
inline op_error wq_ack() { return {400, 10098, "workqueue stream requires explicit ack"}; }
inline op_error no_peers() { return {400, 10005, "no suitable peers for placement"}; }
}  // namespace srv_err

}  // namespace jsacct_cli
