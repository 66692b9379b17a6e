// SPDX-License-Identifier: Apache-2.0
// docs/semantics.md#error-catalog API error catalog: code, err_code, description; ApiError text form.
#include "core_helpers.hpp"

#include <set>
#include <system_error>

using namespace jsacct;
using namespace coretest;

namespace {
struct row {
  errc id;
  int code;
  int err_code;
  const char* name;
  const char* description;
};
// Transcribed from docs/semantics.md#error-catalog (main texts), plus the two rows noted below.
const row spec_catalog[] = {
    {errc::account_resources_exceeded, 400, 10002, "JSAccountResourcesExceededErr", "resource limits exceeded for account"},
    {errc::cluster_not_avail, 503, 10008, "JSClusterNotAvailErr", "JetStream system temporarily unavailable"},
    {errc::cluster_not_leader, 500, 10009, "JSClusterNotLeaderErr", "JetStream cluster can not handle request"},
    {errc::insufficient_resources, 503, 10023, "JSInsufficientResourcesErr", "insufficient resources"},
    {errc::maximum_consumers_limit, 400, 10026, "JSMaximumConsumersLimitErr", "maximum consumers limit reached"},
    {errc::maximum_streams_limit, 400, 10027, "JSMaximumStreamsLimitErr", "maximum number of streams reached"},
    {errc::memory_resources_exceeded, 500, 10028, "JSMemoryResourcesExceededErr", "insufficient memory resources available"},
    {errc::not_enabled_for_account, 503, 10039, "JSNotEnabledForAccountErr", "JetStream not enabled for account"},
    {errc::storage_resources_exceeded, 500, 10047, "JSStorageResourcesExceededErr", "insufficient storage resources available"},
    {errc::stream_create, 500, 10049, "JSStreamCreateErrF", "{err}"},
    {errc::stream_general, 500, 10051, "JSStreamGeneralErrorF", "{err}"},
    {errc::stream_invalid_config, 500, 10052, "JSStreamInvalidConfigF", "{err}"},
    {errc::stream_limits, 500, 10053, "JSStreamLimitsErrF", "{err}"},
    {errc::stream_mismatch, 400, 10056, "JSStreamMismatchErr", "stream name in subject does not match request"},
    {errc::stream_name_exist, 400, 10058, "JSStreamNameExistErr", "stream name already in use with a different configuration"},
    {errc::stream_not_found, 404, 10059, "JSStreamNotFoundErr", "stream not found"},
    {errc::stream_restore, 500, 10062, "JSStreamRestoreErrF", "restore failed: {err}"},
    {errc::stream_update, 500, 10069, "JSStreamUpdateErrF", "{err}"},
    {errc::stream_replicas_not_supported, 500, 10074, "JSStreamReplicasNotSupportedErr",
     "replicas > 1 not supported in non-clustered mode"},
    {errc::not_enabled, 503, 10076, "JSNotEnabledErr", "JetStream not enabled"},
    {errc::stream_store_failed, 503, 10077, "JSStreamStoreFailedF", "{err}"},
    {errc::stream_max_bytes_required, 400, 10113, "JSStreamMaxBytesRequired",
     "account requires a stream config to have max bytes set"},
    {errc::no_limits, 400, 10120, "JSNoLimitsErr", "no JetStream default or applicable tiered limit present"},
    {errc::stream_max_stream_bytes_exceeded, 400, 10122, "JSStreamMaxStreamBytesExceeded",
     "stream max bytes exceeds account limit max stream bytes"},
    {errc::consumer_name_path_separators, 400, 10127, "JSConsumerNameContainsPathSeparatorsErr",
     "Consumer name can not contain path separators"},
    {errc::stream_name_path_separators, 400, 10128, "JSStreamNameContainsPathSeparatorsErr",
     "Stream name can not contain path separators"},
    {errc::replicas_count_negative, 400, 10133, "JSReplicasCountCannotBeNegative", "replicas count cannot be negative"},
    {errc::required_api_level, 412, 10185, "JSRequiredApiLevelErr", "JetStream minimum api level required"},
    {errc::invalid_json, 400, 10025, "JSInvalidJSONErr", "invalid JSON: {err}"},
    // not in the docs/semantics.md#error-catalog table itself: 10121 from nats-server's server/errors.json, 10130 from
    // docs/semantics.md#stream-restore
    {errc::consumer_max_ack_pending_exceeded, 400, 10121, "JSConsumerMaxPendingAckExcessErrF",
     "consumer max ack pending exceeds system limit of {limit}"},
    {errc::stream_name_exist_restore_failed, 400, 10130, "JSStreamNameExistRestoreFailedErr",
     "stream name already in use, cannot restore"},
    // docs/semantics.md#stream-caps: max_msg_size (nats-server errors.json, identical in 2.9.10 and main)
    {errc::stream_message_exceeds_maximum, 400, 10054, "JSStreamMessageExceedsMaximumErr",
     "message size exceeds maximum allowed"},
    // jsacct's own (docs/semantics.md#error-catalog, docs/limit-changes.md): limit_change_policy::refuse
    {errc::limit_change_refused, 409, 20015, "JsacctLimitChangeRefusedErrF", "limits change refused: {err}"},
};
}  // namespace

TEST_CASE("docs/semantics.md#error-catalog catalog: every code, err_code, name and description") {
  for (const auto& r : spec_catalog) {
    CAPTURE(r.name);
    const auto* info = find_error(r.id);
    REQUIRE(info != nullptr);
    CHECK(static_cast<int>(r.id) == r.err_code);
    CHECK(info->code == r.code);
    CHECK(info->name == std::string_view(r.name));
    CHECK(info->description == std::string_view(r.description));
    const api_error e(r.id);
    CHECK(e.code() == r.code);
    CHECK(e.err_code() == r.err_code);
    CHECK(static_cast<bool>(e));
    CHECK(e.id() == r.id);
  }
}

TEST_CASE("docs/semantics.md#error-catalog catalog: no entry beyond the spec table, err_codes unique") {
  std::set<int> codes;
  for (const auto& info : detail::error_table) {
    CAPTURE(info.name);
    CHECK(codes.insert(static_cast<int>(info.id)).second);
    bool listed = false;
    for (const auto& r : spec_catalog) listed = listed || r.id == info.id;
    CHECK(listed);
  }
  CHECK(codes.size() == std::size(spec_catalog));
}

TEST_CASE("docs/semantics.md#error-catalog ApiError text: \"<description> (<err_code>)\"") {
  CHECK(api_error(errc::storage_resources_exceeded).text() ==
        "insufficient storage resources available (10047)");  // docs/semantics.md#error-catalog example
  CHECK(api_error(errc::account_resources_exceeded).text() == "resource limits exceeded for account (10002)");
  CHECK(api_error(errc::no_limits).text() == "no JetStream default or applicable tiered limit present (10120)");
  CHECK(api_error(errc::insufficient_resources).description() == "insufficient resources");
}

TEST_CASE("docs/semantics.md#error-catalog templated descriptions substitute {err} and {limit}") {
  CHECK(api_error(errc::stream_invalid_config, "maximum replicas is 5").description() == "maximum replicas is 5");
  CHECK(api_error(errc::stream_invalid_config, "maximum replicas is 5").text() == "maximum replicas is 5 (10052)");
  CHECK(api_error(errc::stream_restore, "boom").description() == "restore failed: boom");
  CHECK(api_error(errc::invalid_json, "unexpected end").description() == "invalid JSON: unexpected end");
  // nats-server errors.json JSConsumerMaxPendingAckExcessErrF with its limit 1000: "consumer max ack pending exceeds system limit
  // of 1000"
  CHECK(api_error(errc::consumer_max_ack_pending_exceeded, "1000").description() ==
        "consumer max ack pending exceeds system limit of 1000");
  CHECK(api_error(errc::consumer_max_ack_pending_exceeded, "1000").text() ==
        "consumer max ack pending exceeds system limit of 1000 (10121)");
  CHECK(api_error(errc::limit_change_refused, "x").text() == "limits change refused: x (20015)");
}

TEST_CASE("docs/semantics.md#error-catalog jsacct's own entries: outside nats-server's 10xxx range, named Jsacct*") {
  for (const auto& info : detail::error_table) {
    CAPTURE(info.name);
    const bool own = info.name.starts_with("Jsacct");
    CHECK(own == (static_cast<int>(info.id) >= 20000));
    if (!own) CHECK((static_cast<int>(info.id) >= 10000 && static_cast<int>(info.id) < 11000));
  }
}

TEST_CASE("docs/semantics.md#error-catalog error value semantics: none, equality, error_code interop") {
  const api_error none;
  CHECK_FALSE(static_cast<bool>(none));
  CHECK(none.id() == errc::none);
  CHECK(find_error(errc::none) == nullptr);
  CHECK(api_error(errc::no_limits) == errc::no_limits);
  CHECK(api_error(errc::stream_general, "a") == api_error(errc::stream_general, "a"));
  CHECK_FALSE(api_error(errc::stream_general, "a") == api_error(errc::stream_general, "b"));
  const std::error_code ec = errc::maximum_streams_limit;  // is_error_code_enum
  CHECK(ec.value() == 10027);
  CHECK(std::string(ec.category().name()) == "jsacct");
  CHECK(ec.message() == "maximum number of streams reached");
  CHECK(api_error(errc::maximum_streams_limit).error_code() == ec);
  CHECK(error_category().message(12345) == "unknown jsacct error");
}

TEST_CASE("docs/semantics.md#error-catalog result<T>/result<void> carry the error") {
  result<int> ok = 5;
  CHECK(ok.ok());
  CHECK(*ok == 5);
  result<int> bad = errc::stream_not_found;
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().code() == 404);
  result<void> v;
  CHECK(v.ok());
  result<void> ve = api_error(errc::stream_update, "x");
  CHECK_FALSE(ve.ok());
  CHECK(ve.error().description() == "x");
}
