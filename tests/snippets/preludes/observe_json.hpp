// Prelude of the JSON fragment (docs/observing.md#json): an engine and one of its accounts.
#include <nlohmann/json.hpp>

#include <jsacct/jsacct.hpp>
#include <jsacct/observe/json.hpp>

extern jsacct::engine js;
extern jsacct::engine::account acct;
