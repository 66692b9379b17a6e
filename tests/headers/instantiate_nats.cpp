// SPDX-License-Identifier: Apache-2.0
// The NATS transport's class template, instantiated like instantiate.cpp
// (built only when libnats is found).
#include <jsacct/jsacct.hpp>
#include <jsacct/transport/nats_usage_sync.hpp>

namespace jsacct {

template class nats_usage_sync<engine::traits>;
template class nats_usage_sync<engine_v29::traits>;

}  // namespace jsacct
