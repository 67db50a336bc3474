// ATB inference operation parameters (include/atb/infer_op_params.h subset): fields in ATB's
// declaration order with their defaults, as of the CANN release TRAMONTANE_CANN_VERSION names
// (LinearParam.quantMode from 8.2.RC1, PagedAttentionParam.qScale from 8.5.0, each carved out of
// the struct's rsv bytes; a few enumerators are newer than 8.1.RC1). Not POD in general: create
// with `new P()` (or a value-initialised local) so the defaults apply; zeroed memory is not a default.
#ifndef TRAMONTANE_DECL_ATB_INFER_OP_PARAMS_H
#define TRAMONTANE_DECL_ATB_INFER_OP_PARAMS_H
#include <cstdint>
#include <string>
#include "atb/types.h"
#include "hccl/hccl_types.h"

namespace atb {
namespace infer {

enum QuantType : int {
  QUANT_UNQUANT = 0,
  QUANT_INT4 = 1,
  QUANT_INT8 = 2,
  QUANT_INT16 = 3,
  QUANT_FLOAT8 = 4,
  QUANT_FLOAT16 = 5
};
enum DynamicQuantType : int { DYNAMIC_QUANT_UNDEFINED = 0, DYNAMIC_QUANT_SYMMETRIC = 1, DYNAMIC_QUANT_ASYMMETRIC = 2 };
enum ActivationType : int {
  ACTIVATION_UNDEFINED = 0,
  ACTIVATION_RELU = 1,
  ACTIVATION_GELU = 2,
  ACTIVATION_FAST_GELU = 3,
  ACTIVATION_SWISH = 4,
  ACTIVATION_LOG = 5,
  ACTIVATION_SWIGLU_FORWARD = 6,
  ACTIVATION_SWIGLU_BACKWARD = 7,
  ACTIVATION_SIGMOID = 8
};
enum InputLayout : int { TYPE_BSND = 0, TYPE_BNSD = 1 };

struct LinearParam {
  enum MatmulType : uint8_t { MATMUL_UNDEFINED = 0, MATMUL_EIN_SUM = 1 };
#if TRAMONTANE_CANN_VERSION >= 80200
  enum QuantMode : uint8_t { QUANT_UNDEFINED = 0, PER_CHANNEL = 1, PER_TOKEN = 2 };
#endif
  bool transposeA = false;
  bool transposeB = true;
  bool hasBias = true;
  aclDataType outDataType = ACL_DT_UNDEFINED;
  bool enAccum = false;
  MatmulType matmulType = MATMUL_UNDEFINED;
#if TRAMONTANE_CANN_VERSION >= 80200  // quantMode is carved out of rsv from 8.2.RC1
  QuantMode quantMode = QUANT_UNDEFINED;
  uint8_t rsv[21] = {0};
#else
  uint8_t rsv[22] = {0};
#endif
};

struct RmsNormParam {
  enum RmsNormType : int { RMS_NORM_UNDEFINED = 0, RMS_NORM_NORM = 1, RMS_NORM_PRENORM = 2, RMS_NORM_POSTNORM = 3 };
  enum PrecisionMode : int { HIGH_PRECISION_MODE = 0, HIGH_PERFORMANCE_MODE = 1 };
  enum ModelType : int { LLAMA_MODEL = 0, GEMMA_MODEL = 1 };
  struct NormParam {
    QuantType quantType = QUANT_UNQUANT;
    float epsilon = 1e-5f;
    double layerNormEps = 1e-5;
    bool rstd = false;
    PrecisionMode precisionMode = HIGH_PRECISION_MODE;
    ModelType modelType = LLAMA_MODEL;
    DynamicQuantType dynamicQuantType = DYNAMIC_QUANT_UNDEFINED;
    uint8_t rsv[32] = {0};
  };
  struct PreNormParam {
    QuantType quantType = QUANT_UNQUANT;
    float epsilon = 1e-5f;
    bool hasBias = false;
    uint8_t rsv[23] = {0};
  };
  struct PostNormParam {
    QuantType quantType = QUANT_UNQUANT;
    float epsilon = 1e-5f;
    bool hasBias = false;
    uint8_t rsv[23] = {0};
  };
  RmsNormType layerType = RMS_NORM_UNDEFINED;
  NormParam normParam;
  PreNormParam preNormParam;
  PostNormParam postNormParam;
  uint8_t rsv[8] = {0};
};

struct RopeParam {
  int32_t rotaryCoeff = 4;
  int32_t cosFormat = 0;
  uint8_t rsv[8] = {0};
};

struct SelfAttentionParam {
  enum QuantType : int { TYPE_QUANT_UNQUANT = 0, TYPE_DEQUANT_FUSION = 1, TYPE_QUANT_QKV_OFFLINE = 2, TYPE_QUANT_QKV_ONLINE = 3 };
  enum CalcType : int { UNDEFINED = 0, ENCODER = 1, DECODER = 2, PA_ENCODER = 3, PREFIX_ENCODER = 4 };
  enum KernelType : int { KERNELTYPE_DEFAULT = 0, KERNELTYPE_HIGH_PRECISION = 1 };
  enum ClampType : int { CLAMP_TYPE_UNDEFINED = 0, CLAMP_TYPE_MIN_MAX = 1 };
  enum MaskType : int {
    MASK_TYPE_UNDEFINED = 0,
    MASK_TYPE_NORM = 1,
    MASK_TYPE_ALIBI = 2,
    MASK_TYPE_NORM_COMPRESS = 3,
    MASK_TYPE_ALIBI_COMPRESS = 4,
    MASK_TYPE_ALIBI_COMPRESS_SQRT = 5,
    MASK_TYPE_ALIBI_COMPRESS_LEFT_ALIGN = 6,
    MASK_TYPE_SLIDING_WINDOW_NORM = 7,
    MASK_TYPE_SLIDING_WINDOW_COMPRESS = 8,
#if TRAMONTANE_CANN_VERSION >= 80200
    MASK_TYPE_CAUSAL_MASK = 9
#endif
  };
  enum KvCacheCfg : int { K_CACHE_V_CACHE = 0, K_BYPASS_V_BYPASS = 1 };
  enum ScaleType : int { SCALE_TYPE_TOR = 0, SCALE_TYPE_LOGN = 1 };
  enum CacheType : int8_t { CACHE_TYPE_NORM = 0, CACHE_TYPE_SWA = 1 };
  QuantType quantType = TYPE_QUANT_UNQUANT;
  aclDataType outDataType = ACL_DT_UNDEFINED;
  int32_t headNum = 0;
  int32_t kvHeadNum = 0;
  float qScale = 1;
  float qkScale = 1;
  bool batchRunStatusEnable = false;
  uint32_t isTriuMask = 0;
  CalcType calcType = UNDEFINED;
  KernelType kernelType = KERNELTYPE_DEFAULT;
  ClampType clampType = CLAMP_TYPE_UNDEFINED;
  float clampMin = 0;
  float clampMax = 0;
  MaskType maskType = MASK_TYPE_UNDEFINED;
  KvCacheCfg kvcacheCfg = K_CACHE_V_CACHE;
  ScaleType scaleType = SCALE_TYPE_TOR;
  InputLayout inputLayout = TYPE_BSND;
  uint32_t mlaVHeadSize = 0;
  CacheType cacheType = CACHE_TYPE_NORM;
  uint32_t windowSize = 0;
  uint8_t rsv[64] = {0};
};

struct PagedAttentionParam {
  enum MaskType : int {
    UNDEFINED = 0,
    MASK_TYPE_NORM = 1,
    MASK_TYPE_ALIBI = 2,
    MASK_TYPE_SPEC = 3,
#if TRAMONTANE_CANN_VERSION >= 80200
    MASK_TYPE_MASK_FREE = 4
#endif
  };
  enum QuantType : int { TYPE_QUANT_UNDEFINED = 0, TYPE_DEQUANT_FUSION = 1, TYPE_QUANT_QKV_OFFLINE = 2, TYPE_QUANT_QKV_ONLINE = 3 };
  enum CompressType : int { COMPRESS_TYPE_UNDEFINED = 0, COMPRESS_TYPE_KVHEAD = 1, COMPRESS_TYPE_KVHEAD_ROPE = 2 };
  enum CalcType : int { CALC_TYPE_UNDEFINED = 0, CALC_TYPE_SPEC = 1 };
  enum ScaleType : int { SCALE_TYPE_TOR = 0, SCALE_TYPE_LOGN = 1 };
  int32_t headNum = 0;
  float qkScale = 1.0f;
  int32_t kvHeadNum = 0;
  MaskType maskType = UNDEFINED;
  bool batchRunStatusEnable = false;
  QuantType quantType = TYPE_QUANT_UNDEFINED;
  aclDataType outDataType = ACL_DT_UNDEFINED;
  bool hasQuantOffset = false;
  CompressType compressType = COMPRESS_TYPE_UNDEFINED;
  CalcType calcType = CALC_TYPE_UNDEFINED;
  ScaleType scaleType = SCALE_TYPE_TOR;
  InputLayout inputLayout = TYPE_BSND;
  uint32_t mlaVHeadSize = 0;
#if TRAMONTANE_CANN_VERSION >= 80500  // qScale is carved out of rsv in 8.5.0
  float qScale = 0;
  uint8_t rsv[64] = {0};
#else
  uint8_t rsv[68] = {0};
#endif
};

struct ReshapeAndCacheParam {
  enum CompressType : int { COMPRESS_TYPE_UNDEFINED = 0, COMPRESS_TYPE_KVHEAD = 1, COMPRESS_TYPE_KVHEAD_ROPE = 2 };
  enum KvCacheCfg : int { K_CACHE_V_CACHE = 0, K_CACHE_V_BYPASS = 1, K_CACHE_V_CACHE_NZ = 2 };
  CompressType compressType = COMPRESS_TYPE_UNDEFINED;
  KvCacheCfg kvCacheCfg = K_CACHE_V_CACHE;
  uint8_t rsv[16] = {0};
};

struct ElewiseParam {
  enum ElewiseType : int {
    ELEWISE_UNDEFINED = 0,
    ELEWISE_CAST = 1,
    ELEWISE_MULS = 2,
    ELEWISE_QUANT = 6,
    ELEWISE_ADD = 8,
    ELEWISE_MUL = 9,
    ELEWISE_REALDIV = 10,
    ELEWISE_SUB = 15,
    ELEWISE_QUANT_PER_CHANNEL = 17,
    ELEWISE_DEQUANT_PER_CHANNEL = 18,
    ELEWISE_DYNAMIC_QUANT = 19,
    ELEWISE_TANH = 20
  };
  struct QuantParam {
    float inputScale = 1.0f;
    bool asymmetric = false;
    int inputOffset = 0;
    uint8_t rsv[20] = {0};
  };
  struct MulsParam {
    float varAttr = 0.0f;
    uint8_t rsv[12] = {0};
  };
  ElewiseType elewiseType = ELEWISE_UNDEFINED;
  QuantParam quantParam;
  MulsParam mulsParam;
  aclDataType outTensorType = ACL_DT_UNDEFINED;
  uint8_t rsv[8] = {0};
};

struct ActivationParam {
  enum GeLUMode : int { TANH_MODE = 0, NONE_MODE = 1 };
  ActivationType activationType = ACTIVATION_UNDEFINED;
  float scale = 1.0f;
  int32_t dim = -1;
  GeLUMode geluMode = TANH_MODE;
  uint8_t rsv[8] = {0};
};

struct SoftmaxParam {
  SVector<int64_t> axes;
  uint8_t rsv[8] = {0};
};

struct GatherParam {
  int64_t axis = 0;
  int64_t batchDims = 0;
  uint8_t rsv[16] = {0};
};

struct SplitParam {
  int32_t splitDim = 0;
  int32_t splitNum = 2;
  SVector<int32_t> splitSizes = {};
  uint8_t rsv[8] = {0};
};

// ATB's collectives (CommMode from its shared enums): the facade's tensor-parallel all-reduce and
// all-gather (facade/collectives.cpp). The std::string members make the
// layout depend on _GLIBCXX_USE_CXX11_ABI (32 bytes with the new ABI, 8 with the old): build with
// ATB's cxx_abi_N (AscendStructLayoutTest checks the layout under the ABI in use).
enum CommMode : int { COMM_UNDEFINED = -1, COMM_MULTI_PROCESS = 0, COMM_MULTI_THREAD = 1 };

struct AllReduceParam {
  enum QuantType : int { QUANT_TYPE_UNQUANT = 0, QUANT_TYPE_PER_TENSOR = 1, QUANT_TYPE_PER_CHANNEL = 2 };
  int rank = 0;
  int rankSize = 0;
  int rankRoot = 0;
  std::string allReduceType = "sum";
  std::string backend = "hccl";
  HcclComm hcclComm = nullptr;
  CommMode commMode = COMM_MULTI_PROCESS;
  std::string rankTableFile;
  std::string commDomain;
  QuantType quantType = QUANT_TYPE_UNQUANT;
  aclDataType outDataType = ACL_DT_UNDEFINED;
  uint8_t rsv[64] = {0};
};

struct AllGatherParam {
  int rank = 0;
  int rankSize = 0;
  int rankRoot = 0;
  std::string backend = "hccl";
  HcclComm hcclComm = nullptr;
  CommMode commMode = COMM_MULTI_PROCESS;
  std::string rankTableFile;
  std::string commDomain;
  uint8_t rsv[64] = {0};
};

}  // namespace infer
}  // namespace atb
#endif
