// Prelude of the NATS transport fragment (docs/cluster.md#transport): a connection, an account
// handle and one of its stream reservations.
#include <nats/nats.h>

#include <jsacct/jsacct.hpp>
#include <jsacct/transport/nats_usage_sync.hpp>

extern natsConnection* nc;
extern jsacct::engine::account account;
extern jsacct::engine::reservation reservation;
