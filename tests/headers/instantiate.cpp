// SPDX-License-Identifier: Apache-2.0
// Explicit instantiations of the shipped class templates with every shipped
// policy, compiled with the header TUs' strict consumer flags: a member's body
// is only checked (and warned about) once it is instantiated, and consumers
// instantiate them. (Function templates are covered by the examples and the
// README/docs snippets, tests/snippets.)
#include <jsacct/jsacct.hpp>
#include <jsacct/wire/cluster_usage.hpp>

namespace jsacct {

template class basic_engine<main_limits, replica_tiers, atomic_counters>;
template class basic_engine<v29_limits, replica_tiers, atomic_counters>;
template class basic_engine<main_limits, replica_tiers, plain_counters>;
template class account_handle<engine::traits>;
template class account_handle<engine_v29::traits>;
template class account_handle<plain_engine::traits>;
template class stream_reservation<engine::traits>;
template class stream_reservation<engine_v29::traits>;
template class stream_reservation<plain_engine::traits>;
template class usage_publisher<engine::traits>;
template class usage_publisher<plain_engine::traits>;

}  // namespace jsacct
