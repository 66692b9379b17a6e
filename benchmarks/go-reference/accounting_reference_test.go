// SPDX-License-Identifier: Apache-2.0
//
// jsacct's Go reference benchmarks: what nats-server 2.9.10 pays for the
// accounting operations that jsacct reimplements.
//
// benchmarks/go-reference/run.sh drops this file into a private copy of the
// "server" package from Debian's golang-github-nats-io-nats-server-dev
// (package server, so it can call the unexported accounting functions) and
// builds it offline. It is jsacct's own code: it calls nats-server, it
// contains none of it.
//
// Benchmark names, operations and fixtures pair with benchmarks/jsacct_bench.cpp
// (ScaleEnableAccountsHeap with ScaleEnableAccounts in scale_bench.cpp), so
// benchmarks/compare-go can divide the two medians of one round. Each comment
// says what one op is; benchmarks/README.md has the table.
//
// The fixture is a real in-process nats-server: standalone, DontListen (no
// sockets), JetStream with 1 TiB memory / 1 PiB store (never reached), and
// accounts enabled through the public Account.EnableJetStream with tiered
// limits R1 and R3 (64 MiB memory, 1 GiB store, everything else -1) and no
// untiered "" entry.

package server

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	refDelta     = 128                 // bytes added, then removed, by the updateUsage benchmarks
	refMsgBytes  = 128                 // payload of the per-message checks
	refSrvMem    = int64(1) << 40      // server JetStream max memory
	refSrvStore  = int64(1) << 50      // server JetStream max store
	refTierMem   = int64(64) << 20     // per-tier account MaxMemory
	refTierStore = int64(1) << 30      // per-tier account MaxStore
	refMiB       = int64(1) << 20      // stream MaxBytes of the reservation benchmarks
	refSubject   = "orders.eu.created" // 17 bytes
	refRemote    = "RNODE0001"         // the remote node of the decode benchmark
)

// Tiers of the encode/decode benchmarks, in this order.
var refTierNames = [...]string{"R1", "R3", "R5", "R7"}

// Results go to typed package-level sinks so that the compiler keeps the
// calls (a sink of type interface{} would allocate when boxing).
var (
	refSinkBool   bool
	refSinkErr    error
	refSinkAPIErr *ApiError
	refSinkStr    string
	refSinkInt    int
	refSinkLimits JetStreamAccountLimits
)

// refLimits is the tiered limits map every account gets: R1 and R3 alike.
func refLimits(mem, store int64) map[string]JetStreamAccountLimits {
	tier := JetStreamAccountLimits{
		MaxMemory:            mem,
		MaxStore:             store,
		MaxStreams:           -1,
		MaxConsumers:         -1,
		MaxAckPending:        -1,
		MemoryMaxStreamBytes: -1,
		StoreMaxStreamBytes:  -1,
	}
	return map[string]JetStreamAccountLimits{"R1": tier, "R3": tier}
}

// refStream is a stream config of the shape jsacct_bench.cpp's stream_cfg makes.
func refStream(name string, st StorageType, replicas int, maxBytes int64) StreamConfig {
	return StreamConfig{
		Name:         name,
		Subjects:     []string{name + ".>"},
		Storage:      st,
		Replicas:     replicas,
		MaxBytes:     maxBytes,
		MaxMsgs:      -1,
		MaxMsgsPer:   -1,
		MaxConsumers: -1,
		Retention:    LimitsPolicy,
		Discard:      DiscardOld,
	}
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

// refServer is one in-process standalone JetStream server and the accounts
// this file enabled on it.
type refServer struct {
	name     string
	srv      *Server
	js       *jetStream
	storeDir string
	accounts map[string]*Account
}

var (
	refMu     sync.Mutex
	refShared *refServer // the server of every small benchmark, for the whole run
	refLarge  *refServer // at most one server with many accounts at a time
)

func TestMain(m *testing.M) {
	code := m.Run()
	refMu.Lock()
	for _, s := range []*refServer{refShared, refLarge} {
		if s != nil {
			s.stop()
		}
	}
	refShared, refLarge = nil, nil
	refMu.Unlock()
	os.Exit(code)
}

func refStartServer(tb testing.TB, name string) *refServer {
	tb.Helper()
	dir, err := os.MkdirTemp("", "jsacct-goref-")
	if err != nil {
		tb.Fatalf("store dir: %v", err)
	}
	srv, err := NewServer(&Options{
		ServerName:         "jsacct-goref-" + name,
		Host:               "127.0.0.1",
		Port:               -1,
		DontListen:         true,
		NoLog:              true,
		NoSigs:             true,
		JetStream:          true,
		JetStreamMaxMemory: refSrvMem,
		JetStreamMaxStore:  refSrvStore,
		StoreDir:           dir,
	})
	if err != nil {
		os.RemoveAll(dir)
		tb.Fatalf("NewServer: %v", err)
	}
	rs := &refServer{name: name, srv: srv, storeDir: dir, accounts: map[string]*Account{}}
	go srv.Start()
	if err := srv.readyForConnections(10 * time.Second); err != nil {
		rs.stop()
		tb.Fatalf("server %s not ready: %v", name, err)
	}
	if rs.js = srv.getJetStream(); rs.js == nil {
		rs.stop()
		tb.Fatalf("server %s: JetStream is not enabled", name)
	}
	// Every benchmark assumes the standalone code paths (no cluster sends,
	// sufficientResources active).
	rs.js.mu.RLock()
	standalone := rs.js.standAlone
	rs.js.mu.RUnlock()
	if !standalone || rs.js.isClusteredNoLock() {
		rs.stop()
		tb.Fatalf("server %s is not a standalone JetStream server", name)
	}
	return rs
}

func (rs *refServer) stop() {
	rs.srv.Shutdown()
	rs.srv.WaitForShutdown()
	os.RemoveAll(rs.storeDir)
}

// refMain returns the shared server, starting it on first use.
func refMain(tb testing.TB) *refServer {
	refMu.Lock()
	defer refMu.Unlock()
	if refShared == nil {
		refShared = refStartServer(tb, "main")
	}
	return refShared
}

// refLargeServer returns the large server called name, stopping any other
// large server first so that only one of them holds memory at a time.
func refLargeServer(tb testing.TB, name string) *refServer {
	refMu.Lock()
	defer refMu.Unlock()
	if refLarge != nil && refLarge.name == name {
		return refLarge
	}
	if refLarge != nil {
		refLarge.stop()
		refLarge = nil
	}
	refLarge = refStartServer(tb, name)
	return refLarge
}

// refDropLarge stops the large server called name if it is still running.
func refDropLarge(name string) {
	refMu.Lock()
	defer refMu.Unlock()
	if refLarge != nil && refLarge.name == name {
		refLarge.stop()
		refLarge = nil
	}
}

// account registers name (once) with JetStream enabled and tiered limits,
// and returns it with its jsAccount.
func (rs *refServer) account(tb testing.TB, name string) (*Account, *jsAccount) {
	tb.Helper()
	acc, ok := rs.accounts[name]
	if !ok {
		var err error
		if acc, err = rs.srv.RegisterAccount(name); err != nil {
			tb.Fatalf("RegisterAccount(%s): %v", name, err)
		}
		if err = acc.EnableJetStream(refLimits(refTierMem, refTierStore)); err != nil {
			tb.Fatalf("EnableJetStream(%s): %v", name, err)
		}
		rs.accounts[name] = acc
	}
	jsa := rs.js.lookupAccount(acc)
	if jsa == nil {
		tb.Fatalf("account %s has no jsAccount", name)
	}
	return acc, jsa
}

func (rs *refServer) numJetStreamAccounts() int {
	rs.js.mu.RLock()
	defer rs.js.mu.RUnlock()
	return len(rs.js.accounts)
}

// refTierUsage returns the tier's usage record (zero values if it has none).
func refTierUsage(jsa *jsAccount, tier string) jsaStorage {
	jsa.usageMu.RLock()
	defer jsa.usageMu.RUnlock()
	if u := jsa.usage[tier]; u != nil {
		return *u
	}
	return jsaStorage{}
}

func refExpectNoStoreUsage(b *testing.B, jsa *jsAccount, tier string) {
	if u := refTierUsage(jsa, tier); u.local.store != 0 || u.total.store != 0 {
		b.Fatalf("tier %s usage not back to 0: local %d, total %d", tier, u.local.store, u.total.store)
	}
}

// ---------------------------------------------------------------------------
// Usage updates (a store reporting bytes added or removed)
// ---------------------------------------------------------------------------

// One op = jsa.updateUsage("R1", FileStorage, +128 or -128, alternating):
// usage write lock, tier lookup by name, local and total += delta, and the
// atomic add on the server-wide store counter.
func BenchmarkAcctUpdateUsage(b *testing.B) {
	_, jsa := refMain(b).account(b, "UPD")
	delta := int64(refDelta)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		jsa.updateUsage("R1", FileStorage, delta)
		delta = -delta
	}
	b.StopTimer()
	if delta < 0 {
		jsa.updateUsage("R1", FileStorage, delta)
	}
	refExpectNoStoreUsage(b, jsa, "R1")
}

// refUpdateLoop runs the alternating update from one RunParallel goroutine
// and leaves the usage where it found it.
func refUpdateLoop(pb *testing.PB, jsa *jsAccount) {
	delta := int64(refDelta)
	for pb.Next() {
		jsa.updateUsage("R1", FileStorage, delta)
		delta = -delta
	}
	if delta < 0 {
		jsa.updateUsage("R1", FileStorage, delta)
	}
}

// The same op from GOMAXPROCS goroutines on ONE account. ns/op is wall time
// over the calls of all goroutines (jsacct: UseRealTime, threads 1 and 2).
func BenchmarkAcctUpdateUsageParallel(b *testing.B) {
	_, jsa := refMain(b).account(b, "UPDP")
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) { refUpdateLoop(pb, jsa) })
	b.StopTimer()
	refExpectNoStoreUsage(b, jsa, "R1")
}

// The same op, each goroutine on its OWN account (64 prepared): no shared
// account lock, but still the one server-wide store counter.
func BenchmarkAcctUpdateUsageParallelDistinct(b *testing.B) {
	rs := refMain(b)
	var own [64]*jsAccount
	for i := range own {
		_, own[i] = rs.account(b, fmt.Sprintf("UPDD%02d", i))
	}
	var taken int32 = -1
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		refUpdateLoop(pb, own[int(atomic.AddInt32(&taken, 1))%len(own)])
	})
	b.StopTimer()
	for _, jsa := range own {
		refExpectNoStoreUsage(b, jsa, "R1")
	}
}

// ---------------------------------------------------------------------------
// Per-message checks
// ---------------------------------------------------------------------------

// refPrime gives the tier a usage record holding `bytes` of file store, so
// that the checks below run their whole comparison.
func refPrime(jsa *jsAccount, tier string, bytes int64) {
	if u := refTierUsage(jsa, tier); u.total.store == 0 {
		jsa.updateUsage(tier, FileStorage, bytes)
	}
}

// One op = jsa.limitsExceeded(FileStorage, "R1") with 1000 bytes used: the
// account check nats-server 2.9.10 runs for every stored message (after
// storing it, and without the message's size): usage read lock, limits and
// usage lookups by tier name, compares. Not exceeded.
func BenchmarkAcctWouldExceedLimits(b *testing.B) {
	_, jsa := refMain(b).account(b, "WEL")
	refPrime(jsa, "R1", 1000)
	if exceeded, _ := jsa.limitsExceeded(FileStorage, "R1"); exceeded {
		b.Fatal("limitsExceeded: unexpectedly exceeded")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		refSinkBool, refSinkAPIErr = jsa.limitsExceeded(FileStorage, "R1")
	}
}

// refMainPublishCheck is the per-message account check of nats-server main
// (jsAccount.wouldExceedLimits), which 2.9.10 does not have. It is written
// here from main's behaviour, listed below (not ported from main's code), so
// that jsacct's check_publish has a Go counterpart doing the same work at
// Go 1.19 speed on 2.9.10's data structures:
//   - under the usage read lock, the tier's limits (none: exceeded, with the
//     "no limits" API error) and its usage record (none yet: not exceeded);
//   - replicas r = max(1, replicas); the limit is scaled by r only for a
//     named tier;
//   - the message costs its store size (fileStoreMsgSize or memStoreMsgSize)
//     times r on top of the tier's cluster-wide total;
//   - exceeded when the limit is >= 0 and the new total is above it.
func refMainPublishCheck(jsa *jsAccount, st StorageType, tier string, replicas int, subj string, hdr, msg []byte) (bool, *ApiError) {
	r := int64(1)
	if replicas > 1 {
		r = int64(replicas)
	}
	limitScale := r
	if tier == _EMPTY_ {
		limitScale = 1
	}
	jsa.usageMu.RLock()
	defer jsa.usageMu.RUnlock()
	lim, known := jsa.limits[tier]
	if !known {
		return true, NewJSNoLimitsError()
	}
	used := jsa.usage[tier]
	if used == nil {
		return false, nil
	}
	var total, limit int64
	switch st {
	case MemoryStorage:
		total = used.total.mem + int64(memStoreMsgSize(subj, hdr, msg))*r
		limit = lim.MaxMemory
	default:
		total = used.total.store + int64(fileStoreMsgSize(subj, hdr, msg))*r
		limit = lim.MaxStore
	}
	return limit >= 0 && total > limit*limitScale, nil
}

// One op = refMainPublishCheck(FileStorage, "R1", replicas 1, subject
// "orders.eu.created", no header, 128-byte payload) with 1000 bytes used:
// main's size-aware check, the same work as jsacct's check_publish. Not
// exceeded.
func BenchmarkAcctWouldExceedLimitsMain(b *testing.B) {
	_, jsa := refMain(b).account(b, "WELM")
	refPrime(jsa, "R1", 1000)
	payload := make([]byte, refMsgBytes)
	if exceeded, _ := refMainPublishCheck(jsa, FileStorage, "R1", 1, refSubject, nil, payload); exceeded {
		b.Fatal("main publish check: unexpectedly exceeded")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		refSinkBool, refSinkAPIErr = refMainPublishCheck(jsa, FileStorage, "R1", 1, refSubject, nil, payload)
	}
}

// One op = js.wouldExceedLimits(FileStorage, 128): an atomic load of the
// server's used store and a compare with its configured maximum.
func BenchmarkServerWouldExceedLimits(b *testing.B) {
	js := refMain(b).js
	if js.wouldExceedLimits(FileStorage, refMsgBytes) {
		b.Fatal("server check: unexpectedly exceeded")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		refSinkBool = js.wouldExceedLimits(FileStorage, refMsgBytes)
	}
}

// ---------------------------------------------------------------------------
// Stream create / delete
// ---------------------------------------------------------------------------

// One op = js.checkAllLimits(selected R1 limits, cfg{File, R1, MaxBytes
// 1 MiB}, reservation 0, offset 0) under js.mu's read lock, as addStream
// calls it once the tier is selected. Passes.
func BenchmarkCheckLimits(b *testing.B) {
	rs := refMain(b)
	_, jsa := rs.account(b, "CHK")
	cfg := refStream("CHK", FileStorage, 1, refMiB)
	jsa.usageMu.RLock()
	selected, tier, found := jsa.selectLimits(&cfg)
	jsa.usageMu.RUnlock()
	if !found || tier != "R1" {
		b.Fatalf("selectLimits: found %v, tier %q", found, tier)
	}
	jsa.mu.RLock()
	reserved := jsa.tieredReservation(tier, &cfg)
	jsa.mu.RUnlock()
	js := rs.js
	js.mu.RLock()
	err := js.checkAllLimits(&selected, &cfg, reserved, 0)
	js.mu.RUnlock()
	if err != nil {
		b.Fatalf("checkAllLimits: %v", err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		js.mu.RLock()
		refSinkErr = js.checkAllLimits(&selected, &cfg, reserved, 0)
		js.mu.RUnlock()
	}
}

// One op = js.reserveStreamResources + js.releaseStreamResources of a File
// stream with MaxBytes 1 MiB: the server-budget part of creating and deleting
// a stream (each call takes js.mu exclusively and moves the reserved store).
func BenchmarkReserveRelease(b *testing.B) {
	js := refMain(b).js
	cfg := refStream("RSV", FileStorage, 1, refMiB)
	reserved := func() int64 {
		js.mu.RLock()
		defer js.mu.RUnlock()
		return js.storeReserved
	}
	before := reserved()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		js.reserveStreamResources(&cfg)
		js.releaseStreamResources(&cfg)
	}
	b.StopTimer()
	if after := reserved(); after != before {
		b.Fatalf("server reservation leaked: %d before, %d after", before, after)
	}
}

// One op = jsa.selectLimits(cfg{Replicas 3}) under the usage read lock: the
// "" lookup misses, the tier name "R3" is formatted (one allocation), the R3
// lookup hits.
func BenchmarkSelectLimits(b *testing.B) {
	_, jsa := refMain(b).account(b, "SEL")
	cfg := refStream("SEL", FileStorage, 3, -1)
	jsa.usageMu.RLock()
	_, tier, found := jsa.selectLimits(&cfg)
	jsa.usageMu.RUnlock()
	if !found || tier != "R3" {
		b.Fatalf("selectLimits: found %v, tier %q", found, tier)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		jsa.usageMu.RLock()
		refSinkLimits, refSinkStr, refSinkBool = jsa.selectLimits(&cfg)
		jsa.usageMu.RUnlock()
	}
}

// One op = tierName(cfg{Replicas 3}) == "R3".
func BenchmarkTierName(b *testing.B) {
	cfg := StreamConfig{Replicas: 3}
	if got := tierName(&cfg); got != "R3" {
		b.Fatalf("tierName: %q", got)
	}
	for i := 0; i < b.N; i++ {
		refSinkStr = tierName(&cfg)
	}
}

// ---------------------------------------------------------------------------
// Account usage snapshot
// ---------------------------------------------------------------------------

// One op = acc.JetStreamUsage() on an account with n R1 memory streams
// (MaxBytes -1, no consumers, no messages).
func refJetStreamUsage(b *testing.B, n int) {
	acc, jsa := refMain(b).account(b, fmt.Sprintf("USAGE%d", n))
	jsa.mu.RLock()
	have := len(jsa.streams)
	jsa.mu.RUnlock()
	for i := have; i < n; i++ {
		cfg := refStream(fmt.Sprintf("U%dS%d", n, i), MemoryStorage, 1, -1)
		if _, err := acc.addStream(&cfg); err != nil {
			b.Fatalf("addStream %s: %v", cfg.Name, err)
		}
	}
	if got := acc.JetStreamUsage().Streams; got != n {
		b.Fatalf("JetStreamUsage counts %d streams, want %d", got, n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		refSinkInt = acc.JetStreamUsage().Streams
	}
}

func BenchmarkJetStreamUsage_1Streams(b *testing.B)   { refJetStreamUsage(b, 1) }
func BenchmarkJetStreamUsage_16Streams(b *testing.B)  { refJetStreamUsage(b, 16) }
func BenchmarkJetStreamUsage_256Streams(b *testing.B) { refJetStreamUsage(b, 256) }

// ---------------------------------------------------------------------------
// Cluster usage exchange ($JSC.ARU): building and receiving an update
// ---------------------------------------------------------------------------

// refTierUsageValues is the usage of tier i in the encode/decode benchmarks
// (as in jsacct_bench.cpp): (i+1) MiB of memory, (i+1) GiB of store.
func refTierUsageValues(i int) (mem, store int64) {
	return int64(i+1) << 20, int64(i+1) << 30
}

// refDrain empties q, returning its messages to their pool.
func refDrain(q *ipQueue) int {
	msgs := q.pop()
	for _, m := range msgs {
		m.(*pubMsg).returnToPool()
	}
	n := len(msgs)
	q.recycle(&msgs)
	return n
}

// refEncodedSize is the size of an update carrying these tiers: a 44-byte
// first record and 24 bytes for each further one, plus the tier names.
func refEncodedSize(tiers []string) int {
	n := 20
	for _, t := range tiers {
		n += 24 + len(t)
	}
	return n
}

// One op = jsa.sendClusterUsageUpdate() with the 250 ms rate limit bypassed
// (lupdate reset), on an account whose usage map holds `tiers` tiers. The
// caller holds the usage lock, as nats-server's callers do, so the lock is
// not in the op; the op does include time.Now(), sizing and encoding the
// payload, and pushing the message on a queue. The queue is a private one
// that nothing reads (the system send queue would wake the server's sender):
// it is drained every 512 ops with the timer stopped.
func refEncode(b *testing.B, tiers int) {
	rs := refMain(b)
	_, jsa := rs.account(b, fmt.Sprintf("ENC%d", tiers))
	for i := 0; i < tiers; i++ {
		mem, store := refTierUsageValues(i)
		u := refTierUsage(jsa, refTierNames[i])
		jsa.updateUsage(refTierNames[i], MemoryStorage, mem-u.local.mem)
		jsa.updateUsage(refTierNames[i], FileStorage, store-u.local.store)
	}
	q := rs.srv.newIPQueue(fmt.Sprintf("jsacct-goref-encode-%d-%d", tiers, b.N))
	defer q.unregister()

	jsa.usageMu.Lock()
	defer jsa.usageMu.Unlock()
	if len(jsa.usage) != tiers {
		b.Fatalf("account has %d usage tiers, want %d", len(jsa.usage), tiers)
	}
	systemQueue := jsa.sendq
	jsa.sendq = q
	defer func() { jsa.sendq = systemQueue }()

	jsa.lupdate = time.Time{}
	jsa.sendClusterUsageUpdate()
	msgs := q.pop()
	if len(msgs) != 1 {
		b.Fatalf("one send queued %d messages, want 1", len(msgs))
	}
	if got, want := len(msgs[0].(*pubMsg).msg.([]byte)), refEncodedSize(refTierNames[:tiers]); got != want {
		b.Fatalf("update is %d bytes, want %d", got, want)
	}
	msgs[0].(*pubMsg).returnToPool()
	q.recycle(&msgs)

	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		jsa.lupdate = time.Time{}
		jsa.sendClusterUsageUpdate()
		if i%512 == 0 {
			b.StopTimer()
			refDrain(q)
			b.StartTimer()
		}
	}
	b.StopTimer()
	refDrain(q)
}

func BenchmarkSendClusterUsageUpdateEncode(b *testing.B) {
	b.Run("tiers=1", func(b *testing.B) { refEncode(b, 1) })
	b.Run("tiers=4", func(b *testing.B) { refEncode(b, 4) })
}

// refUpdatePayload returns the $JSC.ARU payload a node with this usage sends,
// produced by nats-server's own sender (sendClusterUsageUpdate) on a scratch
// jsAccount holding only what the sender reads.
func refUpdatePayload(rs *refServer, tiers int, api, apiErrors uint64) []byte {
	q := rs.srv.newIPQueue(fmt.Sprintf("jsacct-goref-payload-%d", tiers))
	defer q.unregister()
	scratch := &jsAccount{
		js:         rs.js,
		sendq:      q,
		usage:      map[string]*jsaStorage{},
		usageApi:   api,
		usageErr:   apiErrors,
		updatesPub: fmt.Sprintf(jsaUpdatesPubT, "SCRATCH", refRemote),
	}
	for i := 0; i < tiers; i++ {
		mem, store := refTierUsageValues(i)
		u := jsaUsage{mem: mem, store: store}
		scratch.usage[refTierNames[i]] = &jsaStorage{total: u, local: u}
	}
	scratch.usageMu.Lock()
	scratch.sendClusterUsageUpdate()
	scratch.usageMu.Unlock()
	msgs := q.pop()
	if len(msgs) != 1 {
		return nil
	}
	payload := append([]byte(nil), msgs[0].(*pubMsg).msg.([]byte)...)
	msgs[0].(*pubMsg).returnToPool()
	return payload
}

// One op = jsa.remoteUpdateUsage on the subject "$JSC.ARU.<account>.RNODE0001"
// with an update of `tiers` tiers (api 1000, errors 3) from that already
// known node: usage write lock, node id from the subject, per tier a string
// for the name, the lookups, and total -= old, total += new; then the API
// counters the same way.
func refDecode(b *testing.B, tiers int) {
	rs := refMain(b)
	acc, jsa := rs.account(b, fmt.Sprintf("DEC%d", tiers))
	subject := fmt.Sprintf(jsaUpdatesPubT, acc.Name, refRemote)
	payload := refUpdatePayload(rs, tiers, 1000, 3)
	if len(payload) != refEncodedSize(refTierNames[:tiers]) {
		b.Fatalf("payload is %d bytes, want %d", len(payload), refEncodedSize(refTierNames[:tiers]))
	}
	_, r1Store := refTierUsageValues(0)
	check := func(when string) {
		jsa.usageMu.RLock()
		defer jsa.usageMu.RUnlock()
		node := jsa.rusage[refRemote]
		r1 := jsa.usage["R1"]
		if node == nil || len(node.tiers) != tiers || r1 == nil || r1.total.store != r1Store || jsa.apiTotal != 1000 {
			b.Fatalf("%s: the update was not merged as expected", when)
		}
	}
	jsa.remoteUpdateUsage(nil, nil, nil, subject, _EMPTY_, payload) // first contact creates the entries
	check("first update")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		jsa.remoteUpdateUsage(nil, nil, nil, subject, _EMPTY_, payload)
	}
	b.StopTimer()
	check("repeated updates (absolute values: idempotent)")
}

func BenchmarkRemoteUpdateUsageDecode(b *testing.B) {
	b.Run("tiers=1", func(b *testing.B) { refDecode(b, 1) })
	b.Run("tiers=4", func(b *testing.B) { refDecode(b, 4) })
}

// ---------------------------------------------------------------------------
// Many accounts (large servers; kept last)
// ---------------------------------------------------------------------------

// One op = js.sufficientResources({"R1": MaxMemory 1 MiB, MaxStore 1 MiB})
// under js.mu (exclusive, as EnableJetStream holds it) on a server with
// exactly n JetStream accounts (the global account, which JetStream enables,
// is one of them). The request fits, so every account's limits are summed.
func refSufficientResources(b *testing.B, n int) {
	rs := refLargeServer(b, fmt.Sprintf("accounts-%d", n))
	for i := 0; rs.numJetStreamAccounts() < n; i++ {
		rs.account(b, fmt.Sprintf("SR%05d", i))
	}
	if got := rs.numJetStreamAccounts(); got != n {
		b.Fatalf("server has %d JetStream accounts, want %d", got, n)
	}
	request := map[string]JetStreamAccountLimits{"R1": {MaxMemory: refMiB, MaxStore: refMiB}}
	js := rs.js
	js.mu.Lock()
	err := js.sufficientResources(request)
	js.mu.Unlock()
	if err != nil {
		b.Fatalf("sufficientResources: %v", err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		js.mu.Lock()
		refSinkErr = js.sufficientResources(request)
		js.mu.Unlock()
	}
}

func BenchmarkSufficientResources_10Accounts(b *testing.B)   { refSufficientResources(b, 10) }
func BenchmarkSufficientResources_100Accounts(b *testing.B)  { refSufficientResources(b, 100) }
func BenchmarkSufficientResources_1000Accounts(b *testing.B) { refSufficientResources(b, 1000) }

// Memory and enable cost per JetStream account. Run with a fixed count:
// -benchtime 10000x enables 10,000 accounts on a fresh server.
//
// One op = acc.EnableJetStream({"R1", "R3"}) on one more registered account
// (limits of 1 KiB per tier so that any number of accounts fits the server).
// Besides ns/op (each enable also runs sufficientResources over all the
// accounts enabled before it, and creates and removes a probe directory in
// the store), it reports heapB/account: the live heap (HeapAlloc after a full
// GC) that enabling added, divided by the accounts: the jsAccount, its maps,
// its usage timer and its $JSC.ARU subscription, not the NATS account itself
// (registered before the measurement). jsacct's counterpart is
// ScaleEnableAccounts/<n> in scale_bench.cpp (bytes_per_account, ns_per_account).
func BenchmarkScaleEnableAccountsHeap(b *testing.B) {
	name := fmt.Sprintf("enable-%d", b.N)
	rs := refLargeServer(b, name)
	defer refDropLarge(name)
	accs := make([]*Account, b.N)
	for i := range accs {
		acc, err := rs.srv.RegisterAccount(fmt.Sprintf("EN%07d", i))
		if err != nil {
			b.Fatalf("RegisterAccount: %v", err)
		}
		accs[i] = acc
	}
	limits := refLimits(1<<10, 1<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for _, acc := range accs {
		if err := acc.EnableJetStream(limits); err != nil {
			b.Fatalf("EnableJetStream: %v", err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got, want := rs.numJetStreamAccounts(), b.N+1; got != want { // + the global account
		b.Fatalf("%d JetStream accounts after enabling, want %d", got, want)
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heapB/account")
	runtime.KeepAlive(accs)
}
