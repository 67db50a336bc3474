// The conformance probe: a program (not part of any library) that prints, as compiled against the
// declarations in use (native/ascend/include at TRAMONTANE_CANN_VERSION, or a CANN toolkit's own
// headers) and under the _GLIBCXX_USE_CXX11_ABI in use, every fact about those declarations that
// cann-facts.json records and the compiler can state: layouts, field types and defaults of `new T()`,
// enumerator values, constants, C prototypes and ATB's virtual-method slots. The Java side
// (CannConformanceTest) compares them with the facts of the CANN version. One fact per line:
//   probe <TRAMONTANE_CANN_VERSION> <_GLIBCXX_USE_CXX11_ABI> <arch>
//   struct <name> <sizeof> <alignof>
//   field <struct> <field> <offset> <size> <align> <type as g++ prints it>
//   default <struct> <field> <value of new T()>
//   enum <name> <sizeof> <signed|unsigned>
//   enumerator <enum> <name> <value>
//   constant <name> <value>
//   function <name> <type of &name as g++ prints it>
//   method <class> <name> <vtable slot> <type of &Class::name as g++ prints it>
//   svector <case> <ok | throws EXCEPTION>[ size=N]   (atb::SVector through its public members)
// Only what the project declares is listed; the real headers declare more, and that is no difference.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <stdexcept>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "aclnnop/aclnn_dynamic_quant.h"
#include "aclnnop/aclnn_grouped_matmul_v4.h"
#include "aclnnop/aclnn_moe_gating_top_k_softmax.h"
#include "aclnnop/aclnn_moe_init_routing_v2.h"
#include "aclnnop/aclnn_moe_token_unpermute.h"
#include "aclnnop/aclnn_quant_matmul_v4.h"
#include "atb/atb_infer.h"
#include "hccl/hccl.h"

#ifndef TRAMONTANE_CANN_VERSION
#error "TRAMONTANE_CANN_VERSION names the CANN release of the headers (native/ascend/build.sh defines it)"
#endif

// offsetof on the std::string-bearing params is conditionally supported; g++ computes it as for a
// standard-layout class, which is the layout the facts record.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace {
// g++'s spelling of T ("[with T = ...]" of __PRETTY_FUNCTION__), the spelling the facts were made with.
template <class T>
const char* pretty() {
  return __PRETTY_FUNCTION__;
}
template <class T>
std::string spelled() {
  std::string s = pretty<T>();
  size_t at = s.find("[with T = ");
  return at == std::string::npos ? s : s.substr(at + 10, s.rfind(']') - at - 10);
}

// Containers (SVector) report their size.
template <class V, class = void>
struct HasSize : std::false_type {};
template <class V>
struct HasSize<V, std::void_t<decltype(std::declval<const V&>().size())>> : std::true_type {};

template <class V>
std::string value(const V& v) {
  if constexpr (std::is_same<V, bool>::value) {
    return v ? "true" : "false";
  } else if constexpr (std::is_enum<V>::value || std::is_integral<V>::value) {
    return std::to_string(static_cast<long long>(v));
  } else if constexpr (std::is_floating_point<V>::value) {
    char b[32];
    std::snprintf(b, sizeof b, "%.9g", double(v));
    return b;
  } else if constexpr (std::is_pointer<V>::value) {
    return v == nullptr ? "null" : "non-null";
  } else if constexpr (std::is_array<V>::value) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&v);
    for (size_t i = 0; i < sizeof v; i++)
      if (p[i] != 0) return "array-not-zero";
    return "array-zero";
  } else if constexpr (std::is_same<V, std::string>::value) {
    return "\"" + v + "\"";
  } else if constexpr (HasSize<V>::value) {
    return "size=" + std::to_string(v.size());
  } else {
    return "(struct)";
  }
}

template <class E>
void enumHeader(const char* name) {
  std::printf("enum %s %zu %s\n", name, sizeof(E), std::is_signed<typename std::underlying_type<E>::type>::value ? "signed" : "unsigned");
}

// The vtable slot of a virtual member function pointer (Itanium C++ ABI: ptr = 1 + byte offset
// into the vtable; the AArch64 variant keeps the offset in ptr and flags virtual in adj's low bit).
template <class M>
long slot(M m) {
  struct {
    uintptr_t ptr;
    ptrdiff_t adj;
  } r;
  static_assert(sizeof(M) == sizeof r, "Itanium member function pointer");
  std::memcpy(&r, &m, sizeof r);
#if defined(__aarch64__) || defined(__arm__)
  return (r.adj & 1) ? long(r.ptr / sizeof(void*)) : -1;
#else
  return (r.ptr & 1) ? long((r.ptr - 1) / sizeof(void*)) : -1;
#endif
}
}  // namespace

// What a call does: "ok", or "throws" and the exception.
template <class F>
std::string outcome(F f) {
  try {
    f();
    return "ok";
  } catch (const std::out_of_range&) {
    return "throws std::out_of_range";
  } catch (const atb::MaxSizeExceeded&) {
    return "throws atb::MaxSizeExceeded";
  } catch (const std::exception& e) {
    return std::string("throws ") + typeid(e).name();
  } catch (...) {
    return "throws (not a std::exception)";
  }
}
#define BEHAVIOUR(name, ...) std::printf("svector %s %s\n", name, outcome([&] __VA_ARGS__).c_str())
#define TNP_ZEROS5 0, 0, 0, 0, 0
#define TNP_ZEROS20 TNP_ZEROS5, TNP_ZEROS5, TNP_ZEROS5, TNP_ZEROS5
#define TNP_65_ZEROS TNP_ZEROS20, TNP_ZEROS20, TNP_ZEROS20, TNP_ZEROS5

// A struct's size and each listed field (offset, size, alignment, type, default of `new T()`).
#define TNP_FIELD(f)                                                                                                \
  std::printf("field %s %s %zu %zu %zu %s\n", tnpName, #f, offsetof(TnpT, f), sizeof(TnpP->f), alignof(decltype(TnpT::f)), \
              spelled<decltype(TnpT::f)>().c_str());                                                                \
  if (tnpDefaults) std::printf("default %s %s %s\n", tnpName, #f, value(TnpP->f).c_str());
#define TNP_EACH1(m, a) m(a)
#define TNP_EACH2(m, a, ...) m(a) TNP_EACH1(m, __VA_ARGS__)
#define TNP_EACH3(m, a, ...) m(a) TNP_EACH2(m, __VA_ARGS__)
#define TNP_EACH4(m, a, ...) m(a) TNP_EACH3(m, __VA_ARGS__)
#define TNP_EACH5(m, a, ...) m(a) TNP_EACH4(m, __VA_ARGS__)
#define TNP_EACH6(m, a, ...) m(a) TNP_EACH5(m, __VA_ARGS__)
#define TNP_EACH7(m, a, ...) m(a) TNP_EACH6(m, __VA_ARGS__)
#define TNP_EACH8(m, a, ...) m(a) TNP_EACH7(m, __VA_ARGS__)
#define TNP_EACH9(m, a, ...) m(a) TNP_EACH8(m, __VA_ARGS__)
#define TNP_EACH10(m, a, ...) m(a) TNP_EACH9(m, __VA_ARGS__)
#define TNP_EACH11(m, a, ...) m(a) TNP_EACH10(m, __VA_ARGS__)
#define TNP_EACH12(m, a, ...) m(a) TNP_EACH11(m, __VA_ARGS__)
#define TNP_EACH13(m, a, ...) m(a) TNP_EACH12(m, __VA_ARGS__)
#define TNP_EACH14(m, a, ...) m(a) TNP_EACH13(m, __VA_ARGS__)
#define TNP_EACH15(m, a, ...) m(a) TNP_EACH14(m, __VA_ARGS__)
#define TNP_EACH16(m, a, ...) m(a) TNP_EACH15(m, __VA_ARGS__)
#define TNP_EACH17(m, a, ...) m(a) TNP_EACH16(m, __VA_ARGS__)
#define TNP_EACH18(m, a, ...) m(a) TNP_EACH17(m, __VA_ARGS__)
#define TNP_EACH19(m, a, ...) m(a) TNP_EACH18(m, __VA_ARGS__)
#define TNP_EACH20(m, a, ...) m(a) TNP_EACH19(m, __VA_ARGS__)
#define TNP_EACH21(m, a, ...) m(a) TNP_EACH20(m, __VA_ARGS__)
#define TNP_COUNT(...) TNP_COUNT_(__VA_ARGS__, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define TNP_COUNT_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, n, ...) n
#define TNP_CAT(a, b) TNP_CAT_(a, b)
#define TNP_CAT_(a, b) a##b
#define STRUCT(name, defaults, T, ...)                                                  \
  {                                                                                    \
    using TnpT = T;                                                                    \
    const char* tnpName = name;                                                        \
    bool tnpDefaults = defaults;                                                       \
    TnpT* TnpP = new TnpT();                                                           \
    std::printf("struct %s %zu %zu\n", name, sizeof(TnpT), alignof(TnpT));             \
    TNP_CAT(TNP_EACH, TNP_COUNT(__VA_ARGS__))(TNP_FIELD, __VA_ARGS__) delete TnpP;     \
  }
#define SIZE_ONLY(name, ...) std::printf("struct %s %zu %zu\n", name, sizeof(__VA_ARGS__), alignof(__VA_ARGS__))
#define ENUM(name, E, ...)                                                                       \
  {                                                                                              \
    using TnpE = E;                                                                              \
    const char* tnpEnum = name;                                                                  \
    enumHeader<TnpE>(name);                                                                      \
    TNP_CAT(TNP_EACH, TNP_COUNT(__VA_ARGS__))(TNP_ENUMERATOR, __VA_ARGS__)                       \
  }
#define TNP_ENUMERATOR(e) std::printf("enumerator %s %s %lld\n", tnpEnum, #e, static_cast<long long>(TnpE::e));
#define CONSTANT(name, v) std::printf("constant %s %lld\n", name, static_cast<long long>(v))
#define FUNCTION(f) std::printf("function %s %s\n", #f, spelled<decltype(&f)>().c_str())
#define OVERLOAD(name, type, f) std::printf("function %s %s\n", name, spelled<type>().c_str()), (void)static_cast<type>(&f)
#define METHOD(cls, C, m) std::printf("method %s %s %ld %s\n", cls, #m, slot(&C::m), spelled<decltype(&C::m)>().c_str())

int main() {
  using namespace atb;
  using namespace atb::infer;
#if defined(__aarch64__)
  const char* arch = "aarch64";
#elif defined(__x86_64__)
  const char* arch = "x86_64";
#else
  const char* arch = "other";
#endif
#ifdef _GLIBCXX_USE_CXX11_ABI
  int abi = _GLIBCXX_USE_CXX11_ABI;
#else
  int abi = -1;
#endif
  std::printf("probe %d %d %s\n", TRAMONTANE_CANN_VERSION, abi, arch);

  // Dims::dims has no initialiser in ATB either (indeterminate after default-initialisation).
  STRUCT("atb::Dims", false, Dims, dims, dimNum);
  STRUCT("atb::TensorDesc", true, TensorDesc, dtype, format, shape);
  STRUCT("atb::Tensor", true, Tensor, desc, deviceData, hostData, dataSize);
  STRUCT("atb::VariantPack", true, VariantPack, inTensors, outTensors);
  SIZE_ONLY("atb::SVector<atb::Tensor>", SVector<Tensor>);
  SIZE_ONLY("atb::SVector<atb::TensorDesc>", SVector<TensorDesc>);
  SIZE_ONLY("atb::SVector<int64_t>", SVector<int64_t>);
  SIZE_ONLY("atb::SVector<int32_t>", SVector<int32_t>);
  SIZE_ONLY("atb::Operation", Operation);
  SIZE_ONLY("atb::Context", Context);
  STRUCT("HcclRootInfo", false, HcclRootInfo, internal);

#if TRAMONTANE_CANN_VERSION >= 80200
  STRUCT("atb::infer::LinearParam", true, LinearParam, transposeA, transposeB, hasBias, outDataType, enAccum, matmulType,
         quantMode, rsv);
#else
  STRUCT("atb::infer::LinearParam", true, LinearParam, transposeA, transposeB, hasBias, outDataType, enAccum, matmulType,
         rsv);
#endif
  STRUCT("atb::infer::RmsNormParam", true, RmsNormParam, layerType, normParam, preNormParam, postNormParam, rsv);
  STRUCT("atb::infer::RmsNormParam::NormParam", true, RmsNormParam::NormParam, quantType, epsilon, layerNormEps, rstd,
         precisionMode, modelType, dynamicQuantType, rsv);
  STRUCT("atb::infer::RmsNormParam::PreNormParam", true, RmsNormParam::PreNormParam, quantType, epsilon, hasBias, rsv);
  STRUCT("atb::infer::RmsNormParam::PostNormParam", true, RmsNormParam::PostNormParam, quantType, epsilon, hasBias, rsv);
  STRUCT("atb::infer::RopeParam", true, RopeParam, rotaryCoeff, cosFormat, rsv);
  STRUCT("atb::infer::SelfAttentionParam", true, SelfAttentionParam, quantType, outDataType, headNum, kvHeadNum, qScale,
         qkScale, batchRunStatusEnable, isTriuMask, calcType, kernelType, clampType, clampMin, clampMax, maskType,
         kvcacheCfg, scaleType, inputLayout, mlaVHeadSize, cacheType, windowSize, rsv);
#if TRAMONTANE_CANN_VERSION >= 80500
  STRUCT("atb::infer::PagedAttentionParam", true, PagedAttentionParam, headNum, qkScale, kvHeadNum, maskType,
         batchRunStatusEnable, quantType, outDataType, hasQuantOffset, compressType, calcType, scaleType, inputLayout,
         mlaVHeadSize, qScale, rsv);
#else
  STRUCT("atb::infer::PagedAttentionParam", true, PagedAttentionParam, headNum, qkScale, kvHeadNum, maskType,
         batchRunStatusEnable, quantType, outDataType, hasQuantOffset, compressType, calcType, scaleType, inputLayout,
         mlaVHeadSize, rsv);
#endif
  STRUCT("atb::infer::ReshapeAndCacheParam", true, ReshapeAndCacheParam, compressType, kvCacheCfg, rsv);
  STRUCT("atb::infer::ElewiseParam", true, ElewiseParam, elewiseType, quantParam, mulsParam, outTensorType, rsv);
  STRUCT("atb::infer::ElewiseParam::QuantParam", true, ElewiseParam::QuantParam, inputScale, asymmetric, inputOffset, rsv);
  STRUCT("atb::infer::ElewiseParam::MulsParam", true, ElewiseParam::MulsParam, varAttr, rsv);
  STRUCT("atb::infer::ActivationParam", true, ActivationParam, activationType, scale, dim, geluMode, rsv);
  STRUCT("atb::infer::SoftmaxParam", true, SoftmaxParam, axes, rsv);
  STRUCT("atb::infer::GatherParam", true, GatherParam, axis, batchDims, rsv);
  STRUCT("atb::infer::SplitParam", true, SplitParam, splitDim, splitNum, splitSizes, rsv);
  STRUCT("atb::infer::AllReduceParam", true, AllReduceParam, rank, rankSize, rankRoot, allReduceType, backend, hcclComm,
         commMode, rankTableFile, commDomain, quantType, outDataType, rsv);
  STRUCT("atb::infer::AllGatherParam", true, AllGatherParam, rank, rankSize, rankRoot, backend, hcclComm, commMode,
         rankTableFile, commDomain, rsv);

  ENUM("aclDataType", aclDataType, ACL_DT_UNDEFINED, ACL_FLOAT, ACL_FLOAT16, ACL_INT8, ACL_INT32, ACL_UINT8, ACL_INT16,
       ACL_UINT16, ACL_UINT32, ACL_INT64, ACL_UINT64, ACL_DOUBLE, ACL_BOOL, ACL_BF16, ACL_INT4);
  ENUM("aclFormat", aclFormat, ACL_FORMAT_UNDEFINED, ACL_FORMAT_NCHW, ACL_FORMAT_NHWC, ACL_FORMAT_ND, ACL_FORMAT_NC1HWC0,
       ACL_FORMAT_FRACTAL_Z, ACL_FORMAT_FRACTAL_NZ);
  ENUM("aclrtMemcpyKind", aclrtMemcpyKind, ACL_MEMCPY_HOST_TO_HOST, ACL_MEMCPY_HOST_TO_DEVICE, ACL_MEMCPY_DEVICE_TO_HOST,
       ACL_MEMCPY_DEVICE_TO_DEVICE, ACL_MEMCPY_DEFAULT);
  ENUM("aclrtMemMallocPolicy", aclrtMemMallocPolicy, ACL_MEM_MALLOC_HUGE_FIRST, ACL_MEM_MALLOC_HUGE_ONLY,
       ACL_MEM_MALLOC_NORMAL_ONLY);
  ENUM("aclrtMemAttr", aclrtMemAttr, ACL_DDR_MEM, ACL_HBM_MEM);
  ENUM("HcclResult", HcclResult, HCCL_SUCCESS, HCCL_E_PARA, HCCL_E_PTR, HCCL_E_MEMORY, HCCL_E_INTERNAL, HCCL_E_NOT_SUPPORT,
       HCCL_E_NOT_FOUND, HCCL_E_UNAVAIL, HCCL_E_SYSCALL, HCCL_E_TIMEOUT, HCCL_E_OPEN_FILE_FAILURE, HCCL_E_TCP_CONNECT,
       HCCL_E_ROCE_CONNECT, HCCL_E_TCP_TRANSFER, HCCL_E_ROCE_TRANSFER, HCCL_E_RUNTIME, HCCL_E_DRV, HCCL_E_PROFILING,
       HCCL_E_CCE, HCCL_E_NETWORK, HCCL_E_AGAIN);
  ENUM("HcclResult", HcclResult, HCCL_E_REMOTE, HCCL_E_SUSPENDING, HCCL_E_RESERVED);
  ENUM("HcclReduceOp", HcclReduceOp, HCCL_REDUCE_SUM, HCCL_REDUCE_PROD, HCCL_REDUCE_MAX, HCCL_REDUCE_MIN,
       HCCL_REDUCE_RESERVED);
  ENUM("HcclDataType", HcclDataType, HCCL_DATA_TYPE_INT8, HCCL_DATA_TYPE_INT16, HCCL_DATA_TYPE_INT32, HCCL_DATA_TYPE_FP16,
       HCCL_DATA_TYPE_FP32, HCCL_DATA_TYPE_INT64, HCCL_DATA_TYPE_UINT64, HCCL_DATA_TYPE_UINT8, HCCL_DATA_TYPE_UINT16,
       HCCL_DATA_TYPE_UINT32, HCCL_DATA_TYPE_FP64, HCCL_DATA_TYPE_BFP16, HCCL_DATA_TYPE_RESERVED);
  ENUM("atb::ErrorType", ErrorType, NO_ERROR, ERROR_INVALID_PARAM, ERROR_INVALID_GRAPH, ERROR_INTERNAL_ERROR, ERROR_RT_FAIL,
       ERROR_INVALID_IN_TENSOR_NUM, ERROR_INVALID_TENSOR_DTYPE, ERROR_INVALID_TENSOR_FORMAT, ERROR_INVALID_TENSOR_DIM,
       ERROR_INVALID_TENSOR_SIZE, ERROR_OPERATION_NULL_RUNNER, ERROR_GRAPH_INFERSHAPE_FUNC_FAIL, ERROR_CANN_ERROR,
       ERROR_INVALID_TENSOR_INI_MATCH, ERROR_INVALID_TENSOR_ADDR, ERROR_INVALID_TENSOR_NUM, ERROR_INVALID_TENSOR_DIM_NUM,
       ERROR_INVALID_SINGLE_OPERATION_PARAM, ERROR_GRAPH_NODE_RESHAPE_FUNC_FAIL, ERROR_INVALID_GRAPH_NODE_CHUNK,
       ERROR_INVALID_CONTEXT_ADDR);
  ENUM("atb::ErrorType", ErrorType, ERROR_INVALID_STREAM, ERROR_INVALID_WORKSPACE_SIZE, ERROR_INVALID_WORKSPACE_ADDR,
       ERROR_INVALID_OPERATION_ADDR, ERROR_HCCL_FAIL, ERROR_OUT_OF_DEVICE_MEMORY, ERROR_OUT_OF_HOST_MEMORY, ERROR_COMM_EMPTY,
       ERROR_COPY_HOST_MEMORY_FAIL);
  ENUM("atb::infer::QuantType", QuantType, QUANT_UNQUANT, QUANT_INT4, QUANT_INT8, QUANT_INT16, QUANT_FLOAT8, QUANT_FLOAT16);
  ENUM("atb::infer::DynamicQuantType", DynamicQuantType, DYNAMIC_QUANT_UNDEFINED, DYNAMIC_QUANT_SYMMETRIC,
       DYNAMIC_QUANT_ASYMMETRIC);
  ENUM("atb::infer::ActivationType", ActivationType, ACTIVATION_UNDEFINED, ACTIVATION_RELU, ACTIVATION_GELU,
       ACTIVATION_FAST_GELU, ACTIVATION_SWISH, ACTIVATION_LOG, ACTIVATION_SWIGLU_FORWARD, ACTIVATION_SWIGLU_BACKWARD,
       ACTIVATION_SIGMOID);
  ENUM("atb::infer::InputLayout", InputLayout, TYPE_BSND, TYPE_BNSD);
  ENUM("atb::infer::CommMode", CommMode, COMM_UNDEFINED, COMM_MULTI_PROCESS, COMM_MULTI_THREAD);
  ENUM("atb::infer::LinearParam::MatmulType", LinearParam::MatmulType, MATMUL_UNDEFINED, MATMUL_EIN_SUM);
#if TRAMONTANE_CANN_VERSION >= 80200
  ENUM("atb::infer::LinearParam::QuantMode", LinearParam::QuantMode, QUANT_UNDEFINED, PER_CHANNEL, PER_TOKEN);
#endif
  ENUM("atb::infer::RmsNormParam::RmsNormType", RmsNormParam::RmsNormType, RMS_NORM_UNDEFINED, RMS_NORM_NORM,
       RMS_NORM_PRENORM, RMS_NORM_POSTNORM);
  ENUM("atb::infer::RmsNormParam::PrecisionMode", RmsNormParam::PrecisionMode, HIGH_PRECISION_MODE, HIGH_PERFORMANCE_MODE);
  ENUM("atb::infer::RmsNormParam::ModelType", RmsNormParam::ModelType, LLAMA_MODEL, GEMMA_MODEL);
  ENUM("atb::infer::SelfAttentionParam::QuantType", SelfAttentionParam::QuantType, TYPE_QUANT_UNQUANT, TYPE_DEQUANT_FUSION,
       TYPE_QUANT_QKV_OFFLINE, TYPE_QUANT_QKV_ONLINE);
  ENUM("atb::infer::SelfAttentionParam::CalcType", SelfAttentionParam::CalcType, UNDEFINED, ENCODER, DECODER, PA_ENCODER,
       PREFIX_ENCODER);
  ENUM("atb::infer::SelfAttentionParam::KernelType", SelfAttentionParam::KernelType, KERNELTYPE_DEFAULT,
       KERNELTYPE_HIGH_PRECISION);
  ENUM("atb::infer::SelfAttentionParam::ClampType", SelfAttentionParam::ClampType, CLAMP_TYPE_UNDEFINED, CLAMP_TYPE_MIN_MAX);
  ENUM("atb::infer::SelfAttentionParam::MaskType", SelfAttentionParam::MaskType, MASK_TYPE_UNDEFINED, MASK_TYPE_NORM,
       MASK_TYPE_ALIBI, MASK_TYPE_NORM_COMPRESS, MASK_TYPE_ALIBI_COMPRESS, MASK_TYPE_ALIBI_COMPRESS_SQRT,
       MASK_TYPE_ALIBI_COMPRESS_LEFT_ALIGN, MASK_TYPE_SLIDING_WINDOW_NORM, MASK_TYPE_SLIDING_WINDOW_COMPRESS);
#if TRAMONTANE_CANN_VERSION >= 80200
  ENUM("atb::infer::SelfAttentionParam::MaskType", SelfAttentionParam::MaskType, MASK_TYPE_CAUSAL_MASK);
#endif
  ENUM("atb::infer::SelfAttentionParam::KvCacheCfg", SelfAttentionParam::KvCacheCfg, K_CACHE_V_CACHE, K_BYPASS_V_BYPASS);
  ENUM("atb::infer::SelfAttentionParam::ScaleType", SelfAttentionParam::ScaleType, SCALE_TYPE_TOR, SCALE_TYPE_LOGN);
  ENUM("atb::infer::SelfAttentionParam::CacheType", SelfAttentionParam::CacheType, CACHE_TYPE_NORM, CACHE_TYPE_SWA);
  ENUM("atb::infer::PagedAttentionParam::MaskType", PagedAttentionParam::MaskType, UNDEFINED, MASK_TYPE_NORM,
       MASK_TYPE_ALIBI, MASK_TYPE_SPEC);
#if TRAMONTANE_CANN_VERSION >= 80200
  ENUM("atb::infer::PagedAttentionParam::MaskType", PagedAttentionParam::MaskType, MASK_TYPE_MASK_FREE);
#endif
  ENUM("atb::infer::PagedAttentionParam::QuantType", PagedAttentionParam::QuantType, TYPE_QUANT_UNDEFINED,
       TYPE_DEQUANT_FUSION, TYPE_QUANT_QKV_OFFLINE, TYPE_QUANT_QKV_ONLINE);
  ENUM("atb::infer::PagedAttentionParam::CompressType", PagedAttentionParam::CompressType, COMPRESS_TYPE_UNDEFINED,
       COMPRESS_TYPE_KVHEAD, COMPRESS_TYPE_KVHEAD_ROPE);
  ENUM("atb::infer::PagedAttentionParam::CalcType", PagedAttentionParam::CalcType, CALC_TYPE_UNDEFINED, CALC_TYPE_SPEC);
  ENUM("atb::infer::PagedAttentionParam::ScaleType", PagedAttentionParam::ScaleType, SCALE_TYPE_TOR, SCALE_TYPE_LOGN);
  ENUM("atb::infer::ReshapeAndCacheParam::CompressType", ReshapeAndCacheParam::CompressType, COMPRESS_TYPE_UNDEFINED,
       COMPRESS_TYPE_KVHEAD, COMPRESS_TYPE_KVHEAD_ROPE);
  ENUM("atb::infer::ReshapeAndCacheParam::KvCacheCfg", ReshapeAndCacheParam::KvCacheCfg, K_CACHE_V_CACHE, K_CACHE_V_BYPASS,
       K_CACHE_V_CACHE_NZ);
  ENUM("atb::infer::ElewiseParam::ElewiseType", ElewiseParam::ElewiseType, ELEWISE_UNDEFINED, ELEWISE_CAST, ELEWISE_MULS,
       ELEWISE_QUANT, ELEWISE_ADD, ELEWISE_MUL, ELEWISE_REALDIV, ELEWISE_SUB, ELEWISE_QUANT_PER_CHANNEL,
       ELEWISE_DEQUANT_PER_CHANNEL, ELEWISE_DYNAMIC_QUANT, ELEWISE_TANH);
  ENUM("atb::infer::ActivationParam::GeLUMode", ActivationParam::GeLUMode, TANH_MODE, NONE_MODE);
  ENUM("atb::infer::AllReduceParam::QuantType", AllReduceParam::QuantType, QUANT_TYPE_UNQUANT, QUANT_TYPE_PER_TENSOR,
       QUANT_TYPE_PER_CHANNEL);

  CONSTANT("ACL_SUCCESS", ACL_SUCCESS);
  CONSTANT("ACL_ERROR_INVALID_PARAM", ACL_ERROR_INVALID_PARAM);
  CONSTANT("ACL_ERROR_UNINITIALIZE", ACL_ERROR_UNINITIALIZE);
  CONSTANT("ACL_ERROR_REPEAT_INITIALIZE", ACL_ERROR_REPEAT_INITIALIZE);
  CONSTANT("ACL_ERROR_RT_PARAM_INVALID", ACL_ERROR_RT_PARAM_INVALID);
  CONSTANT("ACL_ERROR_RT_INVALID_DEVICEID", ACL_ERROR_RT_INVALID_DEVICEID);
  CONSTANT("ACL_ERROR_RT_CONTEXT_NULL", ACL_ERROR_RT_CONTEXT_NULL);
  CONSTANT("ACL_ERROR_RT_STREAM_CONTEXT", ACL_ERROR_RT_STREAM_CONTEXT);
  CONSTANT("ACL_ERROR_RT_MEMORY_ALLOCATION", ACL_ERROR_RT_MEMORY_ALLOCATION);
  CONSTANT("ACL_ERROR_RT_NO_DEVICE", ACL_ERROR_RT_NO_DEVICE);
  CONSTANT("ACL_ERROR_INTERNAL_ERROR", ACL_ERROR_INTERNAL_ERROR);
  CONSTANT("ACL_ERROR_FAILURE", ACL_ERROR_FAILURE);
  CONSTANT("ACL_ERROR_RT_FAILURE", ACL_ERROR_RT_FAILURE);
  CONSTANT("ACL_ERROR_RT_AICORE_TIMEOUT", ACL_ERROR_RT_AICORE_TIMEOUT);
  CONSTANT("ACL_ERROR_RT_AICORE_EXCEPTION", ACL_ERROR_RT_AICORE_EXCEPTION);
  CONSTANT("ACL_ERROR_RT_DRV_INTERNAL_ERROR", ACL_ERROR_RT_DRV_INTERNAL_ERROR);
  CONSTANT("HCCL_ROOT_INFO_BYTES", HCCL_ROOT_INFO_BYTES);
  CONSTANT("atb::MAX_DIM", MAX_DIM);
  CONSTANT("atb::DEFAULT_SVECTOR_SIZE", DEFAULT_SVECTOR_SIZE);
  CONSTANT("atb::MAX_SVECTOR_SIZE", MAX_SVECTOR_SIZE);

  FUNCTION(aclInit);
  FUNCTION(aclFinalize);
  FUNCTION(aclrtSetDevice);
  FUNCTION(aclrtResetDevice);
  FUNCTION(aclrtGetDevice);
  FUNCTION(aclrtGetDeviceCount);
  FUNCTION(aclrtCreateStream);
  FUNCTION(aclrtDestroyStream);
  FUNCTION(aclrtSynchronizeStream);
  FUNCTION(aclrtMalloc);
  FUNCTION(aclrtFree);
  FUNCTION(aclrtMemcpy);
  FUNCTION(aclrtMemcpy2d);
  FUNCTION(aclrtMemset);
  FUNCTION(aclrtGetMemInfo);
  FUNCTION(aclGetRecentErrMsg);
  FUNCTION(aclCreateTensor);
  FUNCTION(aclDestroyTensor);
  FUNCTION(aclCreateTensorList);
  FUNCTION(aclDestroyTensorList);
  FUNCTION(aclnnDynamicQuantGetWorkspaceSize);
  FUNCTION(aclnnDynamicQuant);
  FUNCTION(aclnnGroupedMatmulV4GetWorkspaceSize);
  FUNCTION(aclnnGroupedMatmulV4);
  FUNCTION(aclnnMoeGatingTopKSoftmaxGetWorkspaceSize);
  FUNCTION(aclnnMoeGatingTopKSoftmax);
  FUNCTION(aclnnMoeInitRoutingV2GetWorkspaceSize);
  FUNCTION(aclnnMoeInitRoutingV2);
  FUNCTION(aclnnMoeTokenUnpermuteGetWorkspaceSize);
  FUNCTION(aclnnMoeTokenUnpermute);
  FUNCTION(aclnnQuantMatmulV4GetWorkspaceSize);
  FUNCTION(aclnnQuantMatmulV4);
  FUNCTION(HcclGetRootInfo);
  FUNCTION(HcclCommInitRootInfo);
  FUNCTION(HcclAllReduce);
  FUNCTION(HcclAllGather);
  FUNCTION(HcclCommDestroy);
  FUNCTION(atb::DestroyOperation);
  FUNCTION(atb::DestroyContext);
  OVERLOAD("atb::CreateContext", Status (*)(Context**), atb::CreateContext);
  // The template, as the facade instantiates it (ATB exports one specialisation per param struct).
  OVERLOAD("atb::CreateOperation", Status (*)(const LinearParam&, Operation**), atb::CreateOperation<LinearParam>);

  METHOD("atb::Operation", Operation, GetName);
  METHOD("atb::Operation", Operation, InferShape);
  METHOD("atb::Operation", Operation, GetInputNum);
  METHOD("atb::Operation", Operation, GetOutputNum);
  METHOD("atb::Operation", Operation, Setup);
  METHOD("atb::Operation", Operation, Execute);
  METHOD("atb::Context", Context, SetExecuteStream);
  METHOD("atb::Context", Context, GetExecuteStream);
  METHOD("atb::Context", Context, SetAsyncTilingCopyStatus);
  METHOD("atb::Context", Context, GetAsyncTilingCopyStatus);

  // atb::SVector's behaviour through its public members (cann-facts.json svector_behaviour).
  {
    auto filled = [](SVector<int32_t>& v, int n) {
      for (int i = 0; i < n; i++) v.push_back(i);
    };
    BEHAVIOUR("push_back_64_no_reserve", { SVector<int32_t> v; filled(v, 64); });
    {
      SVector<int32_t> v;
      filled(v, 64);
      std::string o = outcome([&] { v.push_back(64); });
      std::printf("svector push_back_65th_no_reserve %s size=%zu\n", o.c_str(), v.size());
    }
    BEHAVIOUR("reserve_100_then_push_100", { SVector<int32_t> v; v.reserve(100); filled(v, 100); });
    BEHAVIOUR("reserve_256", { SVector<int32_t> v; v.reserve(256); });
    BEHAVIOUR("reserve_257", { SVector<int32_t> v; v.reserve(257); });
    BEHAVIOUR("push_back_257_after_reserve_256", { SVector<int32_t> v; v.reserve(256); filled(v, 257); });
    BEHAVIOUR("index_at_size_on_stack", { SVector<int32_t> v; filled(v, 3); (void)v[3]; });
    BEHAVIOUR("index_on_empty", { SVector<int32_t> v; (void)v[0]; });
    BEHAVIOUR("at_at_size_on_stack", { SVector<int32_t> v; filled(v, 3); (void)v.at(3); });
    BEHAVIOUR("init_list_65", { SVector<int32_t> v{TNP_65_ZEROS}; });
    BEHAVIOUR("resize_10_on_empty", { SVector<int32_t> v; v.resize(10); });
    BEHAVIOUR("copy_heap_vector", { SVector<int32_t> v; v.reserve(100); filled(v, 100); SVector<int32_t> w(v); (void)w[99]; });
  }
  return 0;
}
