// atb::Context (include/atb/context.h subset): abstract, made by CreateContext.
#ifndef TRAMONTANE_DECL_ATB_CONTEXT_H
#define TRAMONTANE_DECL_ATB_CONTEXT_H
#include "atb/types.h"

namespace atb {
class Context {
 public:
  Context() = default;
  virtual ~Context() = default;
  virtual Status SetExecuteStream(aclrtStream stream) = 0;
  virtual aclrtStream GetExecuteStream() const = 0;
  virtual Status SetAsyncTilingCopyStatus(bool status) = 0;
  virtual bool GetAsyncTilingCopyStatus() const = 0;
};

Status CreateContext(Context** context);
Status DestroyContext(Context* context);
}  // namespace atb
#endif
