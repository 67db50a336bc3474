// atb::Operation (include/atb/operation.h subset). Lifecycle per call: fill the
// VariantPack, Setup (asks for a workspace size), allocate the workspace, Execute on the context's
// stream, keep the workspace until the stream is synchronised.
#ifndef TRAMONTANE_DECL_ATB_OPERATION_H
#define TRAMONTANE_DECL_ATB_OPERATION_H
#include <string>
#include "atb/context.h"

namespace atb {
class Operation {
 public:
  Operation() = default;
  virtual ~Operation() = default;
  virtual std::string GetName() const = 0;
  virtual Status InferShape(const SVector<TensorDesc>& inTensorDescs, SVector<TensorDesc>& outTensorDescs) const = 0;
  virtual uint32_t GetInputNum() const = 0;
  virtual uint32_t GetOutputNum() const = 0;
  virtual Status Setup(const VariantPack& variantPack, uint64_t& workspaceSize, Context* context) = 0;
  virtual Status Execute(const VariantPack& variantPack, uint8_t* workspace, uint64_t workspaceSize,
                         Context* context) = 0;
};

template <typename OpParam>
Status CreateOperation(const OpParam& opParam, Operation** operation);
Status DestroyOperation(Operation* operation);
}  // namespace atb
#endif
