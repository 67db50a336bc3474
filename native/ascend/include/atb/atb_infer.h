// Umbrella header (include/atb/atb_infer.h), the subset tramontane declares.
#ifndef TRAMONTANE_DECL_ATB_ATB_INFER_H
#define TRAMONTANE_DECL_ATB_ATB_INFER_H
#include "atb/types.h"
#include "atb/svector.h"
#include "atb/context.h"
#include "atb/operation.h"
#include "atb/infer_op_params.h"
#endif
