package org.tramontane.backend.ascend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ATB structs the facade fills, as the compiler laid them out (layout.cpp: sizeof, alignof,
 * offsetof under the C++ ABI in use), against the layout ATB's headers imply: the field lists below
 * in ATB's declaration order with their types, laid out by the LP64 System V rules (x86-64 and
 * AArch64 agree for these types), plus the sizes of the core types (Dims 72, TensorDesc 80,
 * Tensor 104, SVector&lt;Tensor&gt; 6784, VariantPack about 13.6 KB). A field out of order, a wrong
 * type or a missing field moves an offset and fails here. What this cannot see without the real
 * headers: a field missing from these lists and from our declarations alike, enum constant names,
 * and the private SVector members (only the size is checked).
 */
class AscendStructLayoutTest {

    /** A C type: size and alignment in bytes. */
    record CType(String name, long size, long align) {
        static CType prim(String name, long size) {
            return new CType(name, size, size);
        }

        CType array(int n) {
            return new CType(name + "[" + n + "]", size * n, align);
        }
    }

    record Field(String name, CType type) {}

    record Layout(CType type, Map<String, long[]> fields) {}

    static final CType BOOL = CType.prim("bool", 1);
    static final CType U8 = CType.prim("uint8", 1);
    static final CType I8 = CType.prim("int8", 1);
    static final CType I32 = CType.prim("int32", 4);
    static final CType U32 = CType.prim("uint32", 4);
    /** Enums without a stated underlying type are int. */
    static final CType ENUM = CType.prim("enum", 4);
    static final CType FLOAT = CType.prim("float", 4);
    static final CType DOUBLE = CType.prim("double", 8);
    static final CType I64 = CType.prim("int64", 8);
    static final CType U64 = CType.prim("uint64", 8);
    static final CType PTR = CType.prim("void*", 8);
    static final CType SIZE_T = CType.prim("size_t", 8);

    /** Lays out fields in order (each at the next multiple of its alignment), size rounded to the max alignment. */
    static Layout struct(String name, Field... fields) {
        Map<String, long[]> at = new LinkedHashMap<>();
        long off = 0;
        long align = 1;
        for (Field f : fields) {
            off = roundUp(off, f.type().align());
            at.put(f.name(), new long[] {off, f.type().size()});
            off += f.type().size();
            align = Math.max(align, f.type().align());
        }
        return new Layout(new CType(name, roundUp(off, align), align), at);
    }

    static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    static Field f(String name, CType type) {
        return new Field(name, type);
    }

    /** atb::SVector&lt;T&gt; (svector.h): size_t capacity_, size_; T storage_[64 + 1]; T* heap_. */
    static Layout svector(CType t) {
        return struct("SVector<" + t.name() + ">", f("capacity_", SIZE_T), f("size_", SIZE_T),
                f("storage_", t.array(65)), f("heap_", PTR));
    }

    /**
     * Every ATB struct the facade declares, in ATB's field order;
     * {@code stringBytes} is sizeof(std::string) under the ABI the native code was built with.
     */
    static Map<String, Layout> expected(long stringBytes) {
        CType string = new CType("std::string", stringBytes, 8);
        Map<String, Layout> m = new LinkedHashMap<>();
        m.put("aclDataType", struct("aclDataType", f("v", ENUM)));
        m.put("aclFormat", struct("aclFormat", f("v", ENUM)));
        Layout dims = struct("Dims", f("dims", I64.array(8)), f("dimNum", U64));
        Layout desc = struct("TensorDesc", f("dtype", ENUM), f("format", ENUM), f("shape", dims.type()));
        Layout tensor = struct("Tensor", f("desc", desc.type()), f("deviceData", PTR), f("hostData", PTR),
                f("dataSize", U64));
        Layout svTensor = svector(tensor.type());
        m.put("Dims", dims);
        m.put("TensorDesc", desc);
        m.put("Tensor", tensor);
        m.put("SVector<Tensor>", svTensor);
        Layout svI64 = svector(I64);
        Layout svI32 = svector(I32);
        m.put("SVector<int64>", svI64);
        m.put("SVector<int32>", svI32);
        m.put("VariantPack", struct("VariantPack", f("inTensors", svTensor.type()), f("outTensors", svTensor.type())));

        m.put("LinearParam", struct("LinearParam", f("transposeA", BOOL), f("transposeB", BOOL), f("hasBias", BOOL),
                f("outDataType", ENUM), f("enAccum", BOOL), f("matmulType", U8), f("quantMode", U8),
                f("rsv", U8.array(21))));

        Layout norm = struct("NormParam", f("quantType", ENUM), f("epsilon", FLOAT), f("layerNormEps", DOUBLE),
                f("rstd", BOOL), f("precisionMode", ENUM), f("modelType", ENUM), f("dynamicQuantType", ENUM),
                f("rsv", U8.array(32)));
        Layout pre = struct("PreNormParam", f("quantType", ENUM), f("epsilon", FLOAT), f("hasBias", BOOL),
                f("rsv", U8.array(23)));
        Layout post = struct("PostNormParam", f("quantType", ENUM), f("epsilon", FLOAT), f("hasBias", BOOL),
                f("rsv", U8.array(23)));
        m.put("RmsNormParam.NormParam", norm);
        m.put("RmsNormParam.PreNormParam", pre);
        m.put("RmsNormParam.PostNormParam", post);
        m.put("RmsNormParam", struct("RmsNormParam", f("layerType", ENUM), f("normParam", norm.type()),
                f("preNormParam", pre.type()), f("postNormParam", post.type()), f("rsv", U8.array(8))));

        m.put("RopeParam", struct("RopeParam", f("rotaryCoeff", I32), f("cosFormat", I32), f("rsv", U8.array(8))));

        m.put("SelfAttentionParam", struct("SelfAttentionParam", f("quantType", ENUM), f("outDataType", ENUM),
                f("headNum", I32), f("kvHeadNum", I32), f("qScale", FLOAT), f("qkScale", FLOAT),
                f("batchRunStatusEnable", BOOL), f("isTriuMask", U32), f("calcType", ENUM), f("kernelType", ENUM),
                f("clampType", ENUM), f("clampMin", FLOAT), f("clampMax", FLOAT), f("maskType", ENUM),
                f("kvcacheCfg", ENUM), f("scaleType", ENUM), f("inputLayout", ENUM), f("mlaVHeadSize", U32),
                f("cacheType", I8), f("windowSize", U32), f("rsv", U8.array(64))));

        m.put("PagedAttentionParam", struct("PagedAttentionParam", f("headNum", I32), f("qkScale", FLOAT),
                f("kvHeadNum", I32), f("maskType", ENUM), f("batchRunStatusEnable", BOOL), f("quantType", ENUM),
                f("outDataType", ENUM), f("hasQuantOffset", BOOL), f("compressType", ENUM), f("calcType", ENUM),
                f("scaleType", ENUM), f("inputLayout", ENUM), f("mlaVHeadSize", U32), f("qScale", FLOAT),
                f("rsv", U8.array(64))));

        m.put("ReshapeAndCacheParam", struct("ReshapeAndCacheParam", f("compressType", ENUM), f("kvCacheCfg", ENUM),
                f("rsv", U8.array(16))));

        Layout quant = struct("QuantParam", f("inputScale", FLOAT), f("asymmetric", BOOL), f("inputOffset", I32),
                f("rsv", U8.array(20)));
        Layout muls = struct("MulsParam", f("varAttr", FLOAT), f("rsv", U8.array(12)));
        m.put("ElewiseParam.QuantParam", quant);
        m.put("ElewiseParam.MulsParam", muls);
        m.put("ElewiseParam", struct("ElewiseParam", f("elewiseType", ENUM), f("quantParam", quant.type()),
                f("mulsParam", muls.type()), f("outTensorType", ENUM), f("rsv", U8.array(8))));

        m.put("ActivationParam", struct("ActivationParam", f("activationType", ENUM), f("scale", FLOAT),
                f("dim", I32), f("geluMode", ENUM), f("rsv", U8.array(8))));
        m.put("SoftmaxParam", struct("SoftmaxParam", f("axes", svI64.type()), f("rsv", U8.array(8))));
        m.put("GatherParam", struct("GatherParam", f("axis", I64), f("batchDims", I64), f("rsv", U8.array(16))));
        m.put("SplitParam", struct("SplitParam", f("splitDim", I32), f("splitNum", I32),
                f("splitSizes", svI32.type()), f("rsv", U8.array(8))));
        m.put("AllReduceParam", struct("AllReduceParam", f("rank", I32), f("rankSize", I32), f("rankRoot", I32),
                f("allReduceType", string), f("backend", string), f("hcclComm", PTR), f("commMode", ENUM),
                f("rankTableFile", string), f("commDomain", string), f("quantType", ENUM), f("outDataType", ENUM),
                f("rsv", U8.array(64))));
        m.put("AllGatherParam", struct("AllGatherParam", f("rank", I32), f("rankSize", I32), f("rankRoot", I32),
                f("backend", string), f("hcclComm", PTR), f("commMode", ENUM), f("rankTableFile", string),
                f("commDomain", string), f("rsv", U8.array(64))));
        return m;
    }

    record Compiled(Map<String, long[]> structs, Map<String, long[]> fields, long[] abi) {}

    static Compiled compiled() {
        Map<String, long[]> structs = new LinkedHashMap<>();
        Map<String, long[]> fields = new LinkedHashMap<>();
        long[] abi = null;
        for (String line : AscendNative.tna_struct_layouts().split("\n")) {
            String[] w = line.trim().split(" ");
            switch (w[0]) {
                case "abi" -> abi = new long[] {Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3])};
                case "struct" -> structs.put(w[1], new long[] {Long.parseLong(w[2]), Long.parseLong(w[3])});
                case "field" -> fields.put(w[1], new long[] {Long.parseLong(w[2]), Long.parseLong(w[3])});
                default -> throw new AssertionError("unexpected layout line: " + line);
            }
        }
        return new Compiled(structs, fields, abi);
    }

    @Test
    void everyDeclaredStructHasTheDocumentedLayout() {
        Compiled c = compiled();
        System.out.printf("C++ ABI: _GLIBCXX_USE_CXX11_ABI=%d, sizeof(std::string)=%d, sizeof(void*)=%d%n",
                c.abi()[0], c.abi()[1], c.abi()[2]);
        assertEquals(8, c.abi()[2], "LP64 expected");
        // libstdc++: 32 bytes with _GLIBCXX_USE_CXX11_ABI=1 (pointer, size, 16-byte local buffer), 8 with 0
        if (c.abi()[0] >= 0) assertEquals(c.abi()[0] == 1 ? 32 : 8, c.abi()[1], "sizeof(std::string) for this ABI");
        Map<String, Layout> want = expected(c.abi()[1]);
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, Layout> e : want.entrySet()) {
            String name = e.getKey();
            Layout l = e.getValue();
            long[] got = c.structs().get(name);
            if (got == null) {
                errors.add(name + ": not reported by the native layout table");
                continue;
            }
            System.out.printf("%-28s sizeof %5d (expected %5d)  alignof %d (expected %d)%n", name, got[0],
                    l.type().size(), got[1], l.type().align());
            if (got[0] != l.type().size() || got[1] != l.type().align()) {
                errors.add(name + ": sizeof/alignof " + got[0] + "/" + got[1] + ", expected " + l.type().size() + "/"
                        + l.type().align());
            }
            long previous = -1;
            for (Map.Entry<String, long[]> fe : l.fields().entrySet()) {
                if (name.startsWith("acl") || name.startsWith("SVector")) break;  // no accessible fields
                String key = name + "." + fe.getKey();
                long[] gf = c.fields().get(key);
                if (gf == null) {
                    errors.add(key + ": not reported");
                    continue;
                }
                System.out.printf("    %-40s offset %5d (expected %5d)  size %5d (expected %5d)%n", key, gf[0],
                        fe.getValue()[0], gf[1], fe.getValue()[1]);
                if (gf[0] != fe.getValue()[0] || gf[1] != fe.getValue()[1]) {
                    errors.add(key + ": offset/size " + gf[0] + "/" + gf[1] + ", expected " + fe.getValue()[0] + "/"
                            + fe.getValue()[1]);
                }
                if (gf[0] <= previous) errors.add(key + ": not after the previous field (declaration order)");
                previous = gf[0];
            }
        }
        for (String reported : c.structs().keySet()) {
            if (!want.containsKey(reported)) errors.add(reported + ": reported but has no documented layout here");
        }
        assertTrue(errors.isEmpty(), String.join("\n", errors));
    }

    /** The sizes of ATB's core types on LP64. */
    @Test
    void sizesOfTheCoreTypes() {
        Compiled c = compiled();
        assertEquals(72, c.structs().get("Dims")[0]);
        assertEquals(80, c.structs().get("TensorDesc")[0]);
        assertEquals(104, c.structs().get("Tensor")[0]);
        assertEquals(6784, c.structs().get("SVector<Tensor>")[0]);
        long pack = c.structs().get("VariantPack")[0];
        assertTrue(Math.abs(pack - 13_600) < 100, "VariantPack about 13.6 KB, got " + pack);
    }
}
