// Simulated HCCL (the subset declared in native/ascend/include/hccl): communicators of one process,
// one per device thread, and collectives that meet across those threads.
//
// Semantics (what the tests rely on; where the real library differs, it says so):
// - HcclGetRootInfo (on a device thread) opens a group and writes its id into the root info.
//   HcclCommInitRootInfo joins rank `rank` of nRanks from the calling device thread and returns once
//   all nRanks have joined; a rank that never joins makes the others fail after HCCL_CONNECT_TIMEOUT
//   seconds (default 120, as the real variable's) with HCCL_E_TIMEOUT.
// - A collective is executed when the call is made (a simulated stream has no queue), by every rank
//   on its own thread: the ranks meet, check that they all issued the same operation with the same
//   count, data type and reduction, each computes its own result from the others' send buffers, the
//   ranks meet again (no send buffer is read after that), and each writes its recvBuf. So sendBuf
//   may equal recvBuf. AllReduce SUM adds in f32 in rank order (rank 0 + rank 1 + ...), rounded once
//   to the data type: the same value on every rank and every run, and for FP32 bit-identical to the
//   engine's host Communicator. The real HCCL's order depends on its algorithm (ring, mesh) and is
//   reproducible only with HCCL_DETERMINISTIC=true.
// - A rank that waits longer than HCCL_EXEC_TIMEOUT seconds (read at HcclCommInitRootInfo; default
//   1836 as on A2; 0 = never) for the others fails with HCCL_E_TIMEOUT. The real one reports the
//   timeout asynchronously, at the stream's synchronisation; here the call itself returns it.
// - After a failed collective (timeout, ranks that disagree) or a rank's HcclCommDestroy, the group
//   is broken: every rank's next collective fails at once with the reason, instead of hanging.
// - No device context on the calling thread: HCCL_E_RUNTIME, with the runtime's 107002 in the message
//   (HCCL calls the runtime for the current device, which fails as every device call does).
// - Who calls: the facade only creates and destroys communicators (HcclGetRootInfo,
//   HcclCommInitRootInfo, HcclCommDestroy); the collectives run inside simulated ATB
//   (atb_collectives.cpp), whose AllReduce/AllGather with backend "hccl" call
//   HcclAllReduce/HcclAllGather on the hcclComm they are given, as ATB's hccl runners do, and with
//   backend "lccl" use a thread communicator (tsim::threadCommInit, sim.h) through the same
//   rendezvous. LCCL itself is not simulated beyond
//   that: the simulator applies HCCL_EXEC_TIMEOUT and the rank-order f32 sum to it too, as a model
//   of a real LCCL's timeout and summation order, which it does not document.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>
#include "hccl/hccl.h"
#include "sim.h"
#include "tramontane_cpu.h"

namespace {
using Clock = std::chrono::steady_clock;
constexpr char kMagic[8] = {'t', 's', 'i', 'm', 'h', 'c', 'c', 'l'};

struct Posted {
  const char* op;
  const void* send;
  uint64_t count;
  HcclDataType dataType;
  HcclReduceOp reduceOp;
};

struct Group {
  uint64_t id = 0;
  uint32_t nRanks = 0;  // set by the first rank that joins
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> devices;       // per rank; -1 = not joined
  uint32_t joined = 0;
  std::vector<Posted> posted;     // per rank, the collective it is in
  std::vector<uint64_t> entered;  // per rank, how many meetings it has entered
  uint64_t generation = 0;        // meetings completed
  uint32_t arrived = 0;           // ranks in the current meeting
  HcclResult brokenCode = HCCL_SUCCESS;
  std::string broken;             // why the group is unusable (empty: it is not)
};

struct Comm {
  std::shared_ptr<Group> group;
  uint32_t rank;
  int device;
  long execTimeoutS;
};

std::mutex g_mu;
std::map<uint64_t, std::shared_ptr<Group>> g_groups;  // by root info id, until every rank has joined
std::set<Comm*> g_comms;                              // live communicators
uint64_t g_nextId = 1;
// Thread communicators (tsim::threadCommInit, the model of ATB's LCCL runner): groups by commDomain,
// and each rank's communicator by (commDomain, rank), kept for the life of the process as ATB's
// CommPool keeps its LcalComms (never destroyed, so a domain names one group, once).
std::map<std::string, std::shared_ptr<Group>> g_threadGroups;
std::map<std::pair<std::string, uint32_t>, Comm*> g_threadComms;

const char* typeName(HcclDataType t) {
  switch (t) {
    case HCCL_DATA_TYPE_INT8: return "INT8";
    case HCCL_DATA_TYPE_INT16: return "INT16";
    case HCCL_DATA_TYPE_INT32: return "INT32";
    case HCCL_DATA_TYPE_FP16: return "FP16";
    case HCCL_DATA_TYPE_FP32: return "FP32";
    case HCCL_DATA_TYPE_INT64: return "INT64";
    case HCCL_DATA_TYPE_UINT64: return "UINT64";
    case HCCL_DATA_TYPE_UINT8: return "UINT8";
    case HCCL_DATA_TYPE_UINT16: return "UINT16";
    case HCCL_DATA_TYPE_UINT32: return "UINT32";
    case HCCL_DATA_TYPE_FP64: return "FP64";
    case HCCL_DATA_TYPE_BFP16: return "BFP16";
    default: return "?";
  }
}

size_t typeBytes(HcclDataType t) {
  switch (t) {
    case HCCL_DATA_TYPE_INT8: case HCCL_DATA_TYPE_UINT8: return 1;
    case HCCL_DATA_TYPE_INT16: case HCCL_DATA_TYPE_UINT16: case HCCL_DATA_TYPE_FP16: case HCCL_DATA_TYPE_BFP16: return 2;
    case HCCL_DATA_TYPE_INT32: case HCCL_DATA_TYPE_UINT32: case HCCL_DATA_TYPE_FP32: return 4;
    case HCCL_DATA_TYPE_INT64: case HCCL_DATA_TYPE_UINT64: case HCCL_DATA_TYPE_FP64: return 8;
    default: return 0;
  }
}

// The native/cpu dtype code of a float HCCL type, -1 for the others (which AllReduce does not sum).
int tnType(HcclDataType t) {
  switch (t) {
    case HCCL_DATA_TYPE_FP32: return TN_F32;
    case HCCL_DATA_TYPE_FP16: return TN_F16;
    case HCCL_DATA_TYPE_BFP16: return TN_BF16;
    default: return -1;
  }
}

long envSeconds(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long s = std::strtol(v, &end, 10);
  return (*end == '\0' && s >= 0) ? s : fallback;
}

HcclResult fail(HcclResult code, const std::string& msg) {
  tsim::setError(msg);
  return code;
}

// HCCL asks the runtime for the calling thread's device first.
HcclResult requireDevice(const char* api) {
  if (aclError e = tsim::requireDevice("aclrtGetDevice")) {
    return fail(HCCL_E_RUNTIME, std::string(api) + ": the runtime returned " + std::to_string(e) +
                                    " (no device context on this thread: call aclrtSetDevice on it first)");
  }
  return HCCL_SUCCESS;
}

Comm* liveComm(HcclComm c) {
  std::lock_guard<std::mutex> l(g_mu);
  Comm* comm = static_cast<Comm*>(c);
  return g_comms.count(comm) ? comm : nullptr;
}

void breakGroup(Group& g, HcclResult code, const std::string& why) {
  if (g.broken.empty()) {
    g.brokenCode = code;
    g.broken = why;
  }
  g.cv.notify_all();
}

// Waits (g.mu held) until every rank has entered this meeting, the group breaks, or the deadline.
HcclResult meet(Group& g, std::unique_lock<std::mutex>& l, const Comm& c, const char* api) {
  if (!g.broken.empty()) return fail(g.brokenCode, std::string(api) + ": the group is broken: " + g.broken);
  uint64_t gen = g.generation;
  g.entered[c.rank]++;
  if (++g.arrived == g.nRanks) {
    g.arrived = 0;
    g.generation++;
    g.cv.notify_all();
    return HCCL_SUCCESS;
  }
  auto done = [&] { return g.generation != gen || !g.broken.empty(); };
  if (c.execTimeoutS == 0) {
    g.cv.wait(l, done);
  } else if (!g.cv.wait_until(l, Clock::now() + std::chrono::seconds(c.execTimeoutS), done)) {
    std::string missing;
    for (uint32_t r = 0; r < g.nRanks; r++) {
      if (g.entered[r] < g.entered[c.rank]) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    }
    breakGroup(g, HCCL_E_TIMEOUT, std::string(api) + ": rank " + std::to_string(c.rank) + " waited " +
                                      std::to_string(c.execTimeoutS) + " s (HCCL_EXEC_TIMEOUT) for rank(s) " +
                                      missing);
    return fail(HCCL_E_TIMEOUT, g.broken);
  }
  if (g.generation == gen) return fail(g.brokenCode, std::string(api) + ": the group is broken: " + g.broken);
  return HCCL_SUCCESS;
}

// One collective on rank c: checks, first meeting, agreement, the result from every rank's
// sendBuf into a private buffer, second meeting, then recvBuf.
HcclResult collective(const char* api, bool gather, HcclComm handle, const void* send, void* recv, uint64_t count,
                      HcclDataType dt, HcclReduceOp redOp, aclrtStream stream) {
  if (HcclResult e = requireDevice(api)) return e;
  Comm* c = liveComm(handle);
  if (!c) return fail(HCCL_E_PARA, std::string(api) + ": not a live communicator (destroyed, or never created)");
  if (c->device != tsim::currentDevice()) {
    return fail(HCCL_E_PARA, std::string(api) + ": the communicator of rank " + std::to_string(c->rank) +
                                 " belongs to device " + std::to_string(c->device) + ", called on device " +
                                 std::to_string(tsim::currentDevice()));
  }
  tsim::Stream* s = tsim::streamOf(stream);
  if (!s || s->device != c->device) return fail(HCCL_E_PARA, std::string(api) + ": not a stream of this device");
  size_t es = typeBytes(dt);
  if (es == 0) return fail(HCCL_E_PARA, std::string(api) + ": unknown data type " + std::to_string(int(dt)));
  if (!gather && tnType(dt) < 0) {
    return fail(HCCL_E_NOT_SUPPORT, std::string(api) + ": the simulator sums FP32, FP16 and BFP16 only, not " +
                                        typeName(dt));
  }
  if (!gather && redOp != HCCL_REDUCE_SUM) {
    return fail(HCCL_E_NOT_SUPPORT, std::string(api) + ": the simulator implements HCCL_REDUCE_SUM only");
  }
  Group& g = *c->group;
  size_t sendBytes = count * es, recvBytes = gather ? sendBytes * g.nRanks : sendBytes;
  if (count == 0 || !tsim::isDeviceRange(send, sendBytes) || !tsim::isDeviceRange(recv, recvBytes)) {
    return fail(HCCL_E_PTR, std::string(api) + ": sendBuf (" + std::to_string(sendBytes) + " bytes) or recvBuf (" +
                                std::to_string(recvBytes) + " bytes) is not device memory of that size, or count is 0");
  }

  std::unique_lock<std::mutex> l(g.mu);
  g.posted[c->rank] = Posted{api, send, count, dt, redOp};
  if (HcclResult e = meet(g, l, *c, api)) return e;
  std::vector<Posted> all = g.posted;
  for (uint32_t r = 0; r < g.nRanks; r++) {
    const Posted& p = all[r];
    if (std::strcmp(p.op, api) != 0 || p.count != count || p.dataType != dt || p.reduceOp != redOp) {
      std::string why = std::string(api) + ": the ranks disagree: rank " + std::to_string(c->rank) + " issued " +
                        api + " of " + std::to_string(count) + " " + typeName(dt) + ", rank " + std::to_string(r) +
                        " issued " + p.op + " of " + std::to_string(p.count) + " " + typeName(p.dataType);
      breakGroup(g, HCCL_E_PARA, why);
      return fail(HCCL_E_PARA, why);
    }
  }
  l.unlock();

  std::vector<char> out(recvBytes);
  if (gather) {
    for (uint32_t r = 0; r < all.size(); r++) std::memcpy(out.data() + r * sendBytes, all[r].send, sendBytes);
  } else {
    int tn = tnType(dt);
    std::vector<float> acc(count), part(count);
    tn_convert(all[0].send, tn, acc.data(), TN_F32, count);
    for (uint32_t r = 1; r < all.size(); r++) {
      tn_convert(all[r].send, tn, part.data(), TN_F32, count);
      for (uint64_t i = 0; i < count; i++) acc[i] += part[i];
    }
    tn_convert(acc.data(), TN_F32, out.data(), tn, count);
  }

  l.lock();
  if (HcclResult e = meet(g, l, *c, api)) return e;
  l.unlock();
  std::memcpy(recv, out.data(), recvBytes);
  return HCCL_SUCCESS;
}
}  // namespace

namespace tsim {
HcclResult threadCommInit(const char* api, uint32_t rank, uint32_t nRanks, const std::string& domain, HcclComm* comm) {
  if (HcclResult e = ::requireDevice(api)) return e;  // the HCCL-status one, not tsim's
  if (!comm) return fail(HCCL_E_PTR, std::string(api) + ": comm is null");
  if (nRanks == 0 || rank >= nRanks) {
    return fail(HCCL_E_PARA, std::string(api) + ": rank " + std::to_string(rank) + " of " + std::to_string(nRanks));
  }
  int device = currentDevice();
  std::lock_guard<std::mutex> l(g_mu);
  auto known = g_threadComms.find({domain, rank});
  if (known != g_threadComms.end()) {
    Comm* c = known->second;
    if (c->device != device || c->group->nRanks != nRanks) {
      return fail(HCCL_E_PARA, std::string(api) + ": rank " + std::to_string(rank) + " of commDomain \"" + domain +
                                   "\" is already device " + std::to_string(c->device) + " of " +
                                   std::to_string(c->group->nRanks) + " ranks");
    }
    *comm = c;
    return HCCL_SUCCESS;
  }
  std::shared_ptr<Group>& gp = g_threadGroups[domain];
  if (!gp) {
    gp = std::make_shared<Group>();
    gp->id = g_nextId++;
    gp->nRanks = nRanks;
    gp->devices.assign(nRanks, -1);
    gp->posted.resize(nRanks);
    gp->entered.assign(nRanks, 0);
  }
  Group& g = *gp;  // devices is touched only here, under g_mu; the meetings use g.mu
  if (g.nRanks != nRanks) {
    return fail(HCCL_E_PARA, std::string(api) + ": rankSize " + std::to_string(nRanks) + " but commDomain \"" +
                                 domain + "\" has " + std::to_string(g.nRanks) + " ranks");
  }
  for (uint32_t r = 0; r < nRanks; r++) {
    if (g.devices[r] == device) {
      return fail(HCCL_E_PARA, std::string(api) + ": device " + std::to_string(device) + " is already rank " +
                                   std::to_string(r) + " of commDomain \"" + domain + "\"");
    }
  }
  g.devices[rank] = device;
  Comm* c = new Comm{gp, rank, device, envSeconds("HCCL_EXEC_TIMEOUT", 1836)};
  g_comms.insert(c);
  g_threadComms[{domain, rank}] = c;
  *comm = c;
  return HCCL_SUCCESS;
}

HcclResult runCollective(const char* api, bool gather, HcclComm comm, const void* send, void* recv, uint64_t count,
                         HcclDataType dataType, HcclReduceOp op, aclrtStream stream) {
  return collective(api, gather, comm, send, recv, count, dataType, op, stream);
}

uint32_t commRankSize(HcclComm comm) {
  Comm* c = liveComm(comm);
  return c ? c->group->nRanks : 0;
}
}  // namespace tsim

extern "C" {

HcclResult HcclGetRootInfo(HcclRootInfo* rootInfo) {
  if (HcclResult e = requireDevice("HcclGetRootInfo")) return e;
  if (!rootInfo) return fail(HCCL_E_PTR, "HcclGetRootInfo: rootInfo is null");
  auto g = std::make_shared<Group>();
  {
    std::lock_guard<std::mutex> l(g_mu);
    g->id = g_nextId++;
    g_groups[g->id] = g;
  }
  std::memset(rootInfo->internal, 0, sizeof(rootInfo->internal));
  std::memcpy(rootInfo->internal, kMagic, sizeof(kMagic));
  std::memcpy(rootInfo->internal + sizeof(kMagic), &g->id, sizeof(g->id));
  return HCCL_SUCCESS;
}

HcclResult HcclCommInitRootInfo(uint32_t nRanks, const HcclRootInfo* rootInfo, uint32_t rank, HcclComm* comm) {
  const char* api = "HcclCommInitRootInfo";
  if (HcclResult e = requireDevice(api)) return e;
  if (!rootInfo || !comm) return fail(HCCL_E_PTR, std::string(api) + ": rootInfo or comm is null");
  if (nRanks == 0 || rank >= nRanks) {
    return fail(HCCL_E_PARA, std::string(api) + ": rank " + std::to_string(rank) + " of " + std::to_string(nRanks));
  }
  uint64_t id = 0;
  std::memcpy(&id, rootInfo->internal + sizeof(kMagic), sizeof(id));
  std::shared_ptr<Group> gp;
  {
    std::lock_guard<std::mutex> l(g_mu);
    auto it = g_groups.find(id);
    if (std::memcmp(rootInfo->internal, kMagic, sizeof(kMagic)) != 0 || it == g_groups.end()) {
      return fail(HCCL_E_PARA, std::string(api) + ": rootInfo is not from HcclGetRootInfo, or its group is complete");
    }
    gp = it->second;
  }
  Group& g = *gp;
  int device = tsim::currentDevice();
  std::unique_lock<std::mutex> l(g.mu);
  if (g.nRanks == 0) {
    g.nRanks = nRanks;
    g.devices.assign(nRanks, -1);
    g.posted.resize(nRanks);
    g.entered.assign(nRanks, 0);
  }
  if (!g.broken.empty()) return fail(g.brokenCode, std::string(api) + ": the group is broken: " + g.broken);
  if (nRanks != g.nRanks) {
    return fail(HCCL_E_PARA, std::string(api) + ": nRanks " + std::to_string(nRanks) + " but the group has " +
                                 std::to_string(g.nRanks));
  }
  for (uint32_t r = 0; r < nRanks; r++) {
    if (g.devices[r] == device) {
      return fail(HCCL_E_PARA, std::string(api) + ": device " + std::to_string(device) + " already joined as rank " +
                                   std::to_string(r));
    }
  }
  if (g.devices[rank] >= 0) return fail(HCCL_E_PARA, std::string(api) + ": rank " + std::to_string(rank) + " joined twice");
  g.devices[rank] = device;
  if (++g.joined == nRanks) {
    std::lock_guard<std::mutex> gl(g_mu);
    g_groups.erase(g.id);
    g.cv.notify_all();
  } else {
    long connectS = envSeconds("HCCL_CONNECT_TIMEOUT", 120);
    if (!g.cv.wait_until(l, Clock::now() + std::chrono::seconds(connectS),
                         [&] { return g.joined == g.nRanks || !g.broken.empty(); })) {
      breakGroup(g, HCCL_E_TIMEOUT, std::string(api) + ": rank " + std::to_string(rank) + " waited " +
                                        std::to_string(connectS) + " s (HCCL_CONNECT_TIMEOUT) for the other ranks");
    }
    if (g.joined != g.nRanks) return fail(g.brokenCode, g.broken);
  }
  Comm* c = new Comm{gp, rank, device, envSeconds("HCCL_EXEC_TIMEOUT", 1836)};
  std::lock_guard<std::mutex> gl(g_mu);
  g_comms.insert(c);
  *comm = c;
  return HCCL_SUCCESS;
}

HcclResult HcclAllReduce(void* sendBuf, void* recvBuf, uint64_t count, HcclDataType dataType, HcclReduceOp op,
                         HcclComm comm, aclrtStream stream) {
  return collective("HcclAllReduce", false, comm, sendBuf, recvBuf, count, dataType, op, stream);
}

HcclResult HcclAllGather(void* sendBuf, void* recvBuf, uint64_t sendCount, HcclDataType dataType, HcclComm comm,
                         aclrtStream stream) {
  return collective("HcclAllGather", true, comm, sendBuf, recvBuf, sendCount, dataType, HCCL_REDUCE_SUM, stream);
}

HcclResult HcclCommDestroy(HcclComm comm) {
  Comm* c = static_cast<Comm*>(comm);
  {
    std::lock_guard<std::mutex> l(g_mu);
    if (!g_comms.erase(c)) return fail(HCCL_E_PARA, "HcclCommDestroy: not a live communicator");
  }
  {
    std::lock_guard<std::mutex> l(c->group->mu);
    breakGroup(*c->group, HCCL_E_UNAVAIL, "rank " + std::to_string(c->rank) + " destroyed its communicator");
  }
  delete c;
  return HCCL_SUCCESS;
}

}  // extern "C"
