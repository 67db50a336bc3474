// The dtype rows of ATB's atb_ops_info.ini (CANN 8.1.RC1, the release whose file is known) for the
// sections the simulated operations select: ATB's Setup refuses a VariantPack whose in/out dtypes
// are no row of its section with ERROR_INVALID_TENSOR_INI_MATCH (ATB-3). Only the ND rows are
// kept (the simulator takes ND tensors only). One string per row: input dtypes, "->", outputs.
#include <cstring>
#include <string>
#include <vector>
#include "atb_op.h"

namespace tsim {
namespace {
struct Section {
  const char* name;
  std::vector<const char*> rows;
};

const std::vector<Section>& sections() {
  static const std::vector<Section> s = {
      {"ElewiseOperationCast",
       {"float16 -> float", "float -> float16", "int32 -> int64", "int64 -> int32", "bf16 -> float", "float -> bf16"}},
      {"ElewiseOperationAdd",
       {"float16 float16 -> float16", "float float -> float", "bf16 bf16 -> bf16", "int32 int32 -> int32",
        "int64 int64 -> int64"}},
      {"LinearOperationMatmulAtlas800IA2", {"float16 float16 -> float16", "bf16 bf16 -> bf16"}},
      {"LinearOperationMatmulWithBiasAtlas800IA2",
       {"float16 float16 float16 -> float16", "bf16 bf16 bf16 -> bf16", "float16 float16 float -> float16",
        "bf16 bf16 float -> bf16"}},
      {"RmsNormOperationNORMAndQUANTUNDEFINEDWithoutRSTD", {"float16 float16 -> float16", "bf16 bf16 -> bf16"}},
      {"RopeOperation",
       {"float16 float16 float16 float16 int32 -> float16 float16", "float16 float16 float16 float16 uint32 -> float16 float16",
        "float16 float16 float float int32 -> float16 float16", "float16 float16 float float uint32 -> float16 float16",
        "bf16 bf16 bf16 bf16 int32 -> bf16 bf16", "bf16 bf16 bf16 bf16 uint32 -> bf16 bf16"}},
      {"SelfAttentionOperationEncoder",
       {"float16 float16 float16 float16 int32 -> float16", "bf16 bf16 bf16 bf16 int32 -> bf16"}},
      {"SelfAttentionOperationEncoderMask0", {"float16 float16 float16 int32 -> float16", "bf16 bf16 bf16 int32 -> bf16"}},
      {"PagedAttentionOperationMask0",
       {"float16 float16 float16 int32 int32 -> float16", "bf16 bf16 bf16 int32 int32 -> bf16"}},
      {"PagedAttentionOperationMask1",
       {"float16 float16 float16 int32 int32 float16 -> float16", "bf16 bf16 bf16 int32 int32 bf16 -> bf16"}},
      {"ReshapeAndCacheOperation",
       {"float16 float16 float16 float16 int32 -> float16 float16", "int8 int8 int8 int8 int32 -> int8 int8",
        "bf16 bf16 bf16 bf16 int32 -> bf16 bf16"}},
      {"GatherOperation",
       {"float16 int64 -> float16", "float16 int32 -> float16", "float16 uint32 -> float16", "bf16 int64 -> bf16",
        "bf16 int32 -> bf16", "bf16 uint32 -> bf16", "int32 int64 -> int32", "int32 int32 -> int32",
        "int32 uint32 -> int32", "float int64 -> float", "float int32 -> float", "float uint32 -> float",
        "uint32 int64 -> uint32", "uint32 int32 -> uint32", "uint32 uint32 -> uint32", "int64 int64 -> int64",
        "int64 int32 -> int64", "int64 uint32 -> int64"}},
      {"ActivationOperationGELUAndFORWARD", {"float -> float", "float16 -> float16", "bf16 -> bf16"}},
      {"ActivationOperationLOG", {"float -> float", "float16 -> float16", "bf16 -> bf16"}},
      {"SoftmaxOperation", {"float16 -> float16", "float -> float", "bf16 -> bf16"}},
      {"AllReduceOperation",
       {"float16 -> float16", "float -> float", "int8 -> int8", "int16 -> int16", "int32 -> int32", "int64 -> int64",
        "bf16 -> bf16"}},
      {"AllGatherOperation",
       {"float16 -> float16", "float -> float", "int8 -> int8", "int16 -> int16", "int32 -> int32", "int64 -> int64",
        "bf16 -> bf16"}},
  };
  return s;
}

const char* iniName(aclDataType t) {
  switch (t) {
    case ACL_FLOAT16: return "float16";
    case ACL_FLOAT: return "float";
    case ACL_BF16: return "bf16";
    case ACL_INT8: return "int8";
    case ACL_INT16: return "int16";
    case ACL_INT32: return "int32";
    case ACL_INT64: return "int64";
    case ACL_UINT32: return "uint32";
    default: return "?";
  }
}

// The pack's dtypes written as a row is.
std::string rowOf(const atb::VariantPack& p) {
  std::string r;
  for (size_t i = 0; i < p.inTensors.size(); i++) r += std::string(i ? " " : "") + iniName(p.inTensors[i].desc.dtype);
  r += " ->";
  for (size_t i = 0; i < p.outTensors.size(); i++) r += std::string(" ") + iniName(p.outTensors[i].desc.dtype);
  return r;
}
}  // namespace

bool iniMatches(const char* section, const atb::VariantPack& pack, std::string* why) {
  std::string row = rowOf(pack);
  for (const Section& s : sections()) {
    if (std::strcmp(s.name, section) != 0) continue;
    for (const char* r : s.rows)
      if (row == r) return true;
    *why = "dtypes (" + row + ") match no row of atb_ops_info.ini [" + section + "]";
    return false;
  }
  *why = std::string("simulator: no atb_ops_info.ini section ") + section;
  return false;
}
}  // namespace tsim
