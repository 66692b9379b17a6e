// SPDX-License-Identifier: Apache-2.0
// Explicit instantiations of the shipped class templates with every shipped
// policy, compiled with the header TUs' strict consumer flags: a member's body
// is only checked (and warned about) once it is instantiated, and consumers
// instantiate them. (Function templates are covered by the examples and the
// README/docs snippets, tests/snippets.)
#include <jsacct/jsacct.hpp>
#include <jsacct/wire/cluster_usage.hpp>
#include <jsacct/wire/peer_expiry.hpp>

namespace jsacct {

template class basic_engine<main_limits, replica_tiers, atomic_counters>;
template class basic_engine<v29_limits, replica_tiers, atomic_counters>;
template class basic_engine<main_limits, replica_tiers, plain_counters>;
template class basic_engine<main_limits, replica_tiers, atomic_counters, on_use>;
template class basic_engine<main_limits, replica_tiers, plain_counters, fraction<50>>;
template class account_handle<engine::traits>;
template class account_handle<engine_v29::traits>;
template class account_handle<plain_engine::traits>;
template class stream_reservation<engine::traits>;
template class stream_reservation<engine_v29::traits>;
template class stream_reservation<plain_engine::traits>;
template class usage_publisher<engine::traits>;
template class usage_publisher<plain_engine::traits>;
template class budget_stock<>;
template class budget_stock<1>;
template peer_sweep_result sweep_remote_usage<engine::traits>(account_handle<engine::traits>&, const peer_expiry_options&);
template peer_sweep_result sweep_remote_usage<plain_engine::traits>(account_handle<plain_engine::traits>&,
                                                                    const peer_expiry_options&);
template std::vector<std::string> remote_peers<engine::traits>(const account_handle<engine::traits>&);

}  // namespace jsacct
