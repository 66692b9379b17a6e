// Prelude of the Prometheus fragment (docs/observing.md#prometheus): an engine and its account "ORDERS".
#include <string>
#include <vector>

#include <jsacct/jsacct.hpp>
#include <jsacct/observe/prometheus.hpp>

extern jsacct::engine js;
extern jsacct::engine::account orders;
