// Reports sizeof / alignof / offsetof of every ATB struct the facade fills, as compiled against the
// headers in use (native/ascend/include, or the CANN/ATB headers with -Pascend) and the C++ ABI in
// use (_GLIBCXX_USE_CXX11_ABI). The Java test (AscendStructLayoutTest) recomputes the layout each
// struct must have from ATB's field lists and compares. Lines:
//   abi <_GLIBCXX_USE_CXX11_ABI> <sizeof(std::string)> <sizeof(void*)>
//   struct <name> <sizeof> <alignof>
//   field <struct>.<field> <offsetof> <sizeof>
// SVector's members are private (in the real header too), so only its size is reported.
#include <cstddef>
#include <sstream>
#include <string>
#include "acl/acl.h"
#include "atb/atb_infer.h"
#include "tramontane_ascend.h"

#ifndef TRAMONTANE_CANN_VERSION
#error "TRAMONTANE_CANN_VERSION names the CANN release of the headers (native/ascend/build.sh defines it)"
#endif

// offsetof on classes that are not standard-layout (std::string members) is conditionally supported;
// g++ and clang compute it as for a standard-layout class, which is what this report needs.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"

namespace {
std::string buildLayouts() {
  std::ostringstream o;
#ifdef _GLIBCXX_USE_CXX11_ABI
  o << "abi " << _GLIBCXX_USE_CXX11_ABI;
#else
  o << "abi -1";
#endif
  o << " " << sizeof(std::string) << " " << sizeof(void*) << "\n";
#define S(name, ...) o << "struct " name " " << sizeof(__VA_ARGS__) << " " << alignof(__VA_ARGS__) << "\n"
#define F(name, T, f) o << "field " name "." #f " " << offsetof(T, f) << " " << sizeof(static_cast<T*>(nullptr)->f) << "\n"
  using namespace atb;
  using namespace atb::infer;
  S("aclDataType", aclDataType);
  S("aclFormat", aclFormat);

  S("Dims", Dims);
  F("Dims", Dims, dims);
  F("Dims", Dims, dimNum);
  S("TensorDesc", TensorDesc);
  F("TensorDesc", TensorDesc, dtype);
  F("TensorDesc", TensorDesc, format);
  F("TensorDesc", TensorDesc, shape);
  S("Tensor", Tensor);
  F("Tensor", Tensor, desc);
  F("Tensor", Tensor, deviceData);
  F("Tensor", Tensor, hostData);
  F("Tensor", Tensor, dataSize);
  S("SVector<Tensor>", SVector<Tensor>);
  S("SVector<int64>", SVector<int64_t>);
  S("SVector<int32>", SVector<int32_t>);
  S("VariantPack", VariantPack);
  F("VariantPack", VariantPack, inTensors);
  F("VariantPack", VariantPack, outTensors);

  S("LinearParam", LinearParam);
  F("LinearParam", LinearParam, transposeA);
  F("LinearParam", LinearParam, transposeB);
  F("LinearParam", LinearParam, hasBias);
  F("LinearParam", LinearParam, outDataType);
  F("LinearParam", LinearParam, enAccum);
  F("LinearParam", LinearParam, matmulType);
#if TRAMONTANE_CANN_VERSION >= 80200  // LinearParam.quantMode exists from CANN 8.2.RC1
  F("LinearParam", LinearParam, quantMode);
#endif
  F("LinearParam", LinearParam, rsv);

  using NormParam = RmsNormParam::NormParam;
  using PreNormParam = RmsNormParam::PreNormParam;
  using PostNormParam = RmsNormParam::PostNormParam;
  S("RmsNormParam.NormParam", NormParam);
  F("RmsNormParam.NormParam", NormParam, quantType);
  F("RmsNormParam.NormParam", NormParam, epsilon);
  F("RmsNormParam.NormParam", NormParam, layerNormEps);
  F("RmsNormParam.NormParam", NormParam, rstd);
  F("RmsNormParam.NormParam", NormParam, precisionMode);
  F("RmsNormParam.NormParam", NormParam, modelType);
  F("RmsNormParam.NormParam", NormParam, dynamicQuantType);
  F("RmsNormParam.NormParam", NormParam, rsv);
  S("RmsNormParam.PreNormParam", PreNormParam);
  F("RmsNormParam.PreNormParam", PreNormParam, quantType);
  F("RmsNormParam.PreNormParam", PreNormParam, epsilon);
  F("RmsNormParam.PreNormParam", PreNormParam, hasBias);
  F("RmsNormParam.PreNormParam", PreNormParam, rsv);
  S("RmsNormParam.PostNormParam", PostNormParam);
  F("RmsNormParam.PostNormParam", PostNormParam, quantType);
  F("RmsNormParam.PostNormParam", PostNormParam, epsilon);
  F("RmsNormParam.PostNormParam", PostNormParam, hasBias);
  F("RmsNormParam.PostNormParam", PostNormParam, rsv);
  S("RmsNormParam", RmsNormParam);
  F("RmsNormParam", RmsNormParam, layerType);
  F("RmsNormParam", RmsNormParam, normParam);
  F("RmsNormParam", RmsNormParam, preNormParam);
  F("RmsNormParam", RmsNormParam, postNormParam);
  F("RmsNormParam", RmsNormParam, rsv);

  S("RopeParam", RopeParam);
  F("RopeParam", RopeParam, rotaryCoeff);
  F("RopeParam", RopeParam, cosFormat);
  F("RopeParam", RopeParam, rsv);

  S("SelfAttentionParam", SelfAttentionParam);
  F("SelfAttentionParam", SelfAttentionParam, quantType);
  F("SelfAttentionParam", SelfAttentionParam, outDataType);
  F("SelfAttentionParam", SelfAttentionParam, headNum);
  F("SelfAttentionParam", SelfAttentionParam, kvHeadNum);
  F("SelfAttentionParam", SelfAttentionParam, qScale);
  F("SelfAttentionParam", SelfAttentionParam, qkScale);
  F("SelfAttentionParam", SelfAttentionParam, batchRunStatusEnable);
  F("SelfAttentionParam", SelfAttentionParam, isTriuMask);
  F("SelfAttentionParam", SelfAttentionParam, calcType);
  F("SelfAttentionParam", SelfAttentionParam, kernelType);
  F("SelfAttentionParam", SelfAttentionParam, clampType);
  F("SelfAttentionParam", SelfAttentionParam, clampMin);
  F("SelfAttentionParam", SelfAttentionParam, clampMax);
  F("SelfAttentionParam", SelfAttentionParam, maskType);
  F("SelfAttentionParam", SelfAttentionParam, kvcacheCfg);
  F("SelfAttentionParam", SelfAttentionParam, scaleType);
  F("SelfAttentionParam", SelfAttentionParam, inputLayout);
  F("SelfAttentionParam", SelfAttentionParam, mlaVHeadSize);
  F("SelfAttentionParam", SelfAttentionParam, cacheType);
  F("SelfAttentionParam", SelfAttentionParam, windowSize);
  F("SelfAttentionParam", SelfAttentionParam, rsv);

  S("PagedAttentionParam", PagedAttentionParam);
  F("PagedAttentionParam", PagedAttentionParam, headNum);
  F("PagedAttentionParam", PagedAttentionParam, qkScale);
  F("PagedAttentionParam", PagedAttentionParam, kvHeadNum);
  F("PagedAttentionParam", PagedAttentionParam, maskType);
  F("PagedAttentionParam", PagedAttentionParam, batchRunStatusEnable);
  F("PagedAttentionParam", PagedAttentionParam, quantType);
  F("PagedAttentionParam", PagedAttentionParam, outDataType);
  F("PagedAttentionParam", PagedAttentionParam, hasQuantOffset);
  F("PagedAttentionParam", PagedAttentionParam, compressType);
  F("PagedAttentionParam", PagedAttentionParam, calcType);
  F("PagedAttentionParam", PagedAttentionParam, scaleType);
  F("PagedAttentionParam", PagedAttentionParam, inputLayout);
  F("PagedAttentionParam", PagedAttentionParam, mlaVHeadSize);
#if TRAMONTANE_CANN_VERSION >= 80500  // PagedAttentionParam.qScale exists from CANN 8.5.0
  F("PagedAttentionParam", PagedAttentionParam, qScale);
#endif
  F("PagedAttentionParam", PagedAttentionParam, rsv);

  S("ReshapeAndCacheParam", ReshapeAndCacheParam);
  F("ReshapeAndCacheParam", ReshapeAndCacheParam, compressType);
  F("ReshapeAndCacheParam", ReshapeAndCacheParam, kvCacheCfg);
  F("ReshapeAndCacheParam", ReshapeAndCacheParam, rsv);

  using QuantParam = ElewiseParam::QuantParam;
  using MulsParam = ElewiseParam::MulsParam;
  S("ElewiseParam.QuantParam", QuantParam);
  F("ElewiseParam.QuantParam", QuantParam, inputScale);
  F("ElewiseParam.QuantParam", QuantParam, asymmetric);
  F("ElewiseParam.QuantParam", QuantParam, inputOffset);
  F("ElewiseParam.QuantParam", QuantParam, rsv);
  S("ElewiseParam.MulsParam", MulsParam);
  F("ElewiseParam.MulsParam", MulsParam, varAttr);
  F("ElewiseParam.MulsParam", MulsParam, rsv);
  S("ElewiseParam", ElewiseParam);
  F("ElewiseParam", ElewiseParam, elewiseType);
  F("ElewiseParam", ElewiseParam, quantParam);
  F("ElewiseParam", ElewiseParam, mulsParam);
  F("ElewiseParam", ElewiseParam, outTensorType);
  F("ElewiseParam", ElewiseParam, rsv);

  S("ActivationParam", ActivationParam);
  F("ActivationParam", ActivationParam, activationType);
  F("ActivationParam", ActivationParam, scale);
  F("ActivationParam", ActivationParam, dim);
  F("ActivationParam", ActivationParam, geluMode);
  F("ActivationParam", ActivationParam, rsv);

  S("SoftmaxParam", SoftmaxParam);
  F("SoftmaxParam", SoftmaxParam, axes);
  F("SoftmaxParam", SoftmaxParam, rsv);

  S("GatherParam", GatherParam);
  F("GatherParam", GatherParam, axis);
  F("GatherParam", GatherParam, batchDims);
  F("GatherParam", GatherParam, rsv);

  S("SplitParam", SplitParam);
  F("SplitParam", SplitParam, splitDim);
  F("SplitParam", SplitParam, splitNum);
  F("SplitParam", SplitParam, splitSizes);
  F("SplitParam", SplitParam, rsv);

  S("AllReduceParam", AllReduceParam);
  F("AllReduceParam", AllReduceParam, rank);
  F("AllReduceParam", AllReduceParam, rankSize);
  F("AllReduceParam", AllReduceParam, rankRoot);
  F("AllReduceParam", AllReduceParam, allReduceType);
  F("AllReduceParam", AllReduceParam, backend);
  F("AllReduceParam", AllReduceParam, hcclComm);
  F("AllReduceParam", AllReduceParam, commMode);
  F("AllReduceParam", AllReduceParam, rankTableFile);
  F("AllReduceParam", AllReduceParam, commDomain);
  F("AllReduceParam", AllReduceParam, quantType);
  F("AllReduceParam", AllReduceParam, outDataType);
  F("AllReduceParam", AllReduceParam, rsv);
  S("AllGatherParam", AllGatherParam);
  F("AllGatherParam", AllGatherParam, rank);
  F("AllGatherParam", AllGatherParam, rankSize);
  F("AllGatherParam", AllGatherParam, rankRoot);
  F("AllGatherParam", AllGatherParam, backend);
  F("AllGatherParam", AllGatherParam, hcclComm);
  F("AllGatherParam", AllGatherParam, commMode);
  F("AllGatherParam", AllGatherParam, rankTableFile);
  F("AllGatherParam", AllGatherParam, commDomain);
  F("AllGatherParam", AllGatherParam, rsv);
#undef S
#undef F
  return o.str();
}
}  // namespace

extern "C" const char* tna_struct_layouts(void) {
  static const std::string text = buildLayouts();
  return text.c_str();
}
