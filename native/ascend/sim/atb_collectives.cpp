// Simulated ATB collectives: AllReduce and AllGather over the HCCL simulator's rendezvous
// (hccl.cpp), failing from Execute itself as the HCCL simulator's calls do.
#include <cstring>
#include <string>
#include "hccl/hccl.h"
#include "atb_op.h"
#include "tramontane_cpu.h"

using namespace tsim;

namespace {
// ---------------------------------------------------------------- AllReduce, AllGather
// CreateOperation makes the checks ATB's own makes (all_reduce_operation.cpp, all_gather_operation.cpp,
// OperationUtil::DistributedInitCheck), then the simulator's limits, each with its reason. Execute
// runs the collective as ATB's runners do: backend "hccl" calls HcclAllReduce / HcclAllGather on
// param.hcclComm (ATB then never makes a communicator of its own); backend "lccl" ignores hcclComm
// and uses the communicator of (rank, rankSize, commDomain) that ATB's LCCL runner makes with
// LcalCommInitThread in COMM_MULTI_THREAD (here tsim::threadCommInit). The result is staged in the
// workspace (rankSize x input bytes for AllGather, input bytes for AllReduce) and then copied to the
// output, so input and output may be one buffer; a real AllReduce/AllGather may ask for no workspace.
constexpr size_t kMaxCommDomain = 128;  // ATB's MAX_STRING_LEN for commDomain

HcclDataType hcclType(aclDataType t) {
  switch (t) {
    case ACL_FLOAT: return HCCL_DATA_TYPE_FP32;
    case ACL_FLOAT16: return HCCL_DATA_TYPE_FP16;
    case ACL_BF16: return HCCL_DATA_TYPE_BFP16;
    case ACL_INT8: return HCCL_DATA_TYPE_INT8;
    case ACL_INT16: return HCCL_DATA_TYPE_INT16;
    case ACL_INT32: return HCCL_DATA_TYPE_INT32;
    case ACL_INT64: return HCCL_DATA_TYPE_INT64;
    case ACL_UINT8: return HCCL_DATA_TYPE_UINT8;
    case ACL_UINT16: return HCCL_DATA_TYPE_UINT16;
    case ACL_UINT32: return HCCL_DATA_TYPE_UINT32;
    case ACL_UINT64: return HCCL_DATA_TYPE_UINT64;
    default: return HCCL_DATA_TYPE_RESERVED;
  }
}

// The fields AllReduceParam and AllGatherParam share; "" if acceptable, else why not.
template <class P>
std::string commParamProblem(const P& p) {
  if (p.backend != "hccl" && p.backend != "lccl") return "backend must be hccl or lccl, not \"" + p.backend + "\"";
  // (ATB also refuses lccl on Atlas inference products, 310P; the simulated device is an 800I A2.)
  if (p.commMode != atb::infer::COMM_MULTI_PROCESS && p.commMode != atb::infer::COMM_MULTI_THREAD) {
    return "commMode " + std::to_string(int(p.commMode)) + " is neither COMM_MULTI_PROCESS nor COMM_MULTI_THREAD";
  }
  if (p.commDomain.size() > kMaxCommDomain) return "commDomain longer than 128 characters";
  if (!p.rankTableFile.empty()) return "simulator: rankTableFile (multi-node, HcclCommInitClusterInfo) is not simulated";
  if (p.commMode != atb::infer::COMM_MULTI_THREAD) {
    return "simulator: one process drives every rank, so commMode must be COMM_MULTI_THREAD (COMM_MULTI_PROCESS "
           "bootstraps through shared memory between processes)";
  }
  if (p.rankSize < 1 || p.rank < 0 || p.rank >= p.rankSize || p.rankRoot < 0 || p.rankRoot >= p.rankSize) {
    return "rank " + std::to_string(p.rank) + " / rankRoot " + std::to_string(p.rankRoot) + " not in [0, rankSize " +
           std::to_string(p.rankSize) + ")";
  }
  if (p.backend == "hccl" && p.hcclComm == nullptr) {
    return "simulator: backend hccl without hcclComm would make ATB bootstrap its own communicator (HcclGetRootInfo "
           "published in shared memory \"hcclShareMem<commDomain>\"), which is not simulated: pass hcclComm";
  }
  return "";
}

class CollectiveOp : public SimOp {
 public:
  CollectiveOp(const char* name, bool gather, const std::string& backend, int rank, int rankSize,
               HcclComm hcclComm, const std::string& commDomain)
      : SimOp(name, 1, 1, gather ? "AllGatherOperation" : "AllReduceOperation"), gather_(gather), backend_(backend), rank_(rank), rankSize_(rankSize),
        hcclComm_(hcclComm), commDomain_(commDomain) {}

  atb::Status check(Call& c, uint64_t& ws) override {
    const atb::TensorDesc& x = c.in(0).desc;
    const atb::TensorDesc& out = c.out(0).desc;
    if (out.dtype != x.dtype) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "output dtype differs from the input's");
    if (hcclType(x.dtype) == HCCL_DATA_TYPE_RESERVED) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "dtype " + std::to_string(int(x.dtype)) + " has no HCCL type");
    }
    if (atb::Status s = checkDtype(c, x.dtype)) return s;
    uint64_t lead = gather_ ? 1 : 0;  // AllGather's output: a new leading dim of rankSize
    bool same = out.shape.dimNum == x.shape.dimNum + lead && (!gather_ || out.shape.dims[0] == rankSize_);
    for (uint64_t i = 0; same && i < x.shape.dimNum; i++) same = out.shape.dims[i + lead] == x.shape.dims[i];
    if (!same) {
      return c.fail(atb::ERROR_INVALID_TENSOR_DIM, gather_ ? "output must be [rankSize = " + std::to_string(rankSize_) +
                                                                  ", input dims...]"
                                                            : "output must have the input's shape");
    }
    count_ = numel(x);
    ws = numel(out) * dtypeBytes(out.dtype);
    return atb::NO_ERROR;
  }

  // the ranks meet inside Execute, after each rank's queued work (their inputs) ran
  bool runsInExecute() const override { return true; }

  void run(Call& c, uint8_t* ws, Stream*) override {
    HcclDataType dt = hcclType(c.in(0).desc.dtype);
    HcclComm comm = hcclComm_;
    bool lccl = backend_ == "lccl";
    if (lccl) {
      // ATB's LCCL runner makes its communicator from (rank, rankSize, commDomain), never hcclComm;
      // a failure there is reported as ERROR_RT_FAIL (LcalRunner::SetupImpl)
      if (HcclResult r = tsim::threadCommInit("LcalCommInitThread", uint32_t(rank_), uint32_t(rankSize_),
                                              commDomain_, &comm)) {
        c.status = c.fail(atb::ERROR_RT_FAIL, "LcalCommInitThread returned " + std::to_string(int(r)) + ": " +
                                                  recentError());
        return;
      }
    } else if (uint32_t n = tsim::commRankSize(comm); n != 0 && n != uint32_t(rankSize_)) {
      c.status = c.fail(atb::ERROR_INVALID_PARAM, "hcclComm has " + std::to_string(n) + " ranks but rankSize is " +
                                                      std::to_string(rankSize_));
      return;
    }
    const char* api = lccl ? (gather_ ? "Lccl::AllGather" : "Lccl::AllReduce")
                           : (gather_ ? "HcclAllGather" : "HcclAllReduce");
    HcclResult r = lccl ? tsim::runCollective(api, gather_, comm, c.in(0).deviceData, ws, count_, dt, HCCL_REDUCE_SUM,
                                              c.stream)
                        : gather_ ? HcclAllGather(c.in(0).deviceData, ws, count_, dt, comm, c.stream)
                                  : HcclAllReduce(c.in(0).deviceData, ws, count_, dt, HCCL_REDUCE_SUM, comm, c.stream);
    if (r != HCCL_SUCCESS) {
      // ATB's hccl runner reports a failed HCCL call as ERROR_CANN_ERROR, its LCCL runner as ERROR_RT_FAIL
      c.status = c.fail(lccl ? atb::ERROR_RT_FAIL : atb::ERROR_CANN_ERROR,
                        std::string(api) + " returned " + std::to_string(int(r)) + ": " + recentError());
      return;
    }
    std::memcpy(c.out(0).deviceData, ws, numel(c.out(0).desc) * dtypeBytes(c.out(0).desc.dtype));
  }

 protected:
  virtual atb::Status checkDtype(Call& c, aclDataType dt) = 0;
  const std::string& backend() const { return backend_; }

 private:
  static std::string recentError() {
    const char* m = aclGetRecentErrMsg();
    return m ? m : "";
  }
  bool gather_;
  std::string backend_;
  int rank_, rankSize_;
  HcclComm hcclComm_;
  std::string commDomain_;
  uint64_t count_ = 0;
};

class AllReduceOp : public CollectiveOp {
 public:
  explicit AllReduceOp(const atb::infer::AllReduceParam& p)
      : CollectiveOp("AllReduceOperation", false, p.backend, p.rank, p.rankSize, p.hcclComm, p.commDomain) {}

  // ATB's DtypeCheck: fp16/fp32/int8/int16/int32/int64/bf16, lccl without int64.
  atb::Status checkDtype(Call& c, aclDataType dt) override {
    bool listed = dt == ACL_FLOAT16 || dt == ACL_FLOAT || dt == ACL_BF16 || dt == ACL_INT8 || dt == ACL_INT16 ||
                  dt == ACL_INT32 || dt == ACL_INT64;
    if (!listed) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "dtype " + std::to_string(int(dt)) + " is not supported");
    if (backend() == "lccl" && dt == ACL_INT64) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "lccl does not support int64");
    if (!isFloat(dt)) return c.fail(atb::ERROR_INVALID_TENSOR_DTYPE, "simulator: sums fp16, bf16 and fp32 only");
    return atb::NO_ERROR;
  }

  static std::string problem(const atb::infer::AllReduceParam& p) {
    std::string why = commParamProblem(p);
    if (!why.empty()) return why;
    const std::string& t = p.allReduceType;
    if (t != "sum" && t != "prod" && t != "max" && t != "min") {
      return "allReduceType must be sum, prod, max or min, not \"" + t + "\"";
    }
    if (p.backend == "lccl" && t == "prod") return "allReduceType prod is not supported by lccl";
    if (p.quantType != atb::infer::AllReduceParam::QUANT_TYPE_UNQUANT) {
      return p.backend == "hccl" ? "hccl does not support quantType " + std::to_string(int(p.quantType))
                                 : "simulator: quantised AllReduce is not simulated";
    }
    if (t != "sum") return "simulator: allReduceType " + t + " is not simulated (sum only)";
    return "";
  }
};

class AllGatherOp : public CollectiveOp {
 public:
  explicit AllGatherOp(const atb::infer::AllGatherParam& p)
      : CollectiveOp("AllGatherOperation", true, p.backend, p.rank, p.rankSize, p.hcclComm, p.commDomain) {}
  // every type HCCL moves; AllGather copies bytes
  atb::Status checkDtype(Call&, aclDataType) override { return atb::NO_ERROR; }
  static std::string problem(const atb::infer::AllGatherParam& p) { return commParamProblem(p); }
};

// CreateOperation of a collective: ERROR_INVALID_PARAM with the reason, as ATB refuses a bad param.
template <class Op, class P>
atb::Status makeCollective(const char* name, const P& p, atb::Operation** op) {
  if (!op) return atb::ERROR_INVALID_PARAM;
  if (!rsvZero(p)) {
    setError(std::string(name) + " CreateOperation: the param's rsv bytes are not all zero");
    return atb::ERROR_INVALID_PARAM;
  }
  std::string why = Op::problem(p);
  if (!why.empty()) {
    setError(std::string(name) + " CreateOperation: " + why);
    return atb::ERROR_INVALID_PARAM;
  }
  *op = new Op(p);
  return atb::NO_ERROR;
}

}  // namespace

namespace atb {
template <> Status CreateOperation(const infer::AllReduceParam& p, Operation** op) {
  return makeCollective<AllReduceOp>("AllReduceOperation", p, op);
}
template <> Status CreateOperation(const infer::AllGatherParam& p, Operation** op) {
  return makeCollective<AllGatherOp>("AllGatherOperation", p, op);
}
}  // namespace atb
