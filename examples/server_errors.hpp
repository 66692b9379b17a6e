// SPDX-License-Identifier: Apache-2.0
/// \file
/// The API errors the simulated server answers with: the engine's own errors
/// (`op_error::of`) and the texts of the stream and consumer layers that
/// nats-server 2.9.10 returns (verified with the oracle).
#pragma once

#include <cstdint>
#include <string>

#include <jsacct/jsacct.hpp>
#include <nlohmann/json.hpp>

namespace jsacct_cli {

using json = nlohmann::json;

/// A rejected op as the server reports it.
struct op_error {
  int code = 0;
  int err_code = 0;
  std::string description;
  static op_error of(const jsacct::api_error& e) { return {e.code(), e.err_code(), e.description()}; }
  json to_json() const { return json{{"code", code}, {"err_code", err_code}, {"description", description}}; }
};

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
