// SPDX-License-Identifier: Apache-2.0
/// \file
/// Umbrella header: the whole core (vocabulary, policies, engine).
#pragma once

#include "jsacct/config.hpp"

#include "jsacct/check/main_limits.hpp"
#include "jsacct/check/v29_limits.hpp"
#include "jsacct/concepts/limit_checker.hpp"
#include "jsacct/concepts/storage_backend.hpp"
#include "jsacct/concepts/tier_selector.hpp"
#include "jsacct/concepts/usage_counter.hpp"
#include "jsacct/detail/arith.hpp"
#include "jsacct/engine/account.hpp"
#include "jsacct/engine/basic_engine.hpp"
#include "jsacct/engine/events.hpp"
#include "jsacct/engine/reconcile.hpp"
#include "jsacct/engine/views.hpp"
#include "jsacct/error.hpp"
#include "jsacct/friendly_bytes.hpp"
#include "jsacct/mirror_dedup_window.hpp"
#include "jsacct/names.hpp"
#include "jsacct/storage/backends.hpp"
#include "jsacct/storage/msg_size.hpp"
#include "jsacct/tier/replica_tiers.hpp"
#include "jsacct/tier/tier_name.hpp"
#include "jsacct/types.hpp"
#include "jsacct/usage/budget_stock.hpp"
#include "jsacct/usage/counters.hpp"
#include "jsacct/usage/striped_counter.hpp"
#include "jsacct/version.hpp"
#include "jsacct/wire/node_id.hpp"
#include "jsacct/wire/usage_update.hpp"
