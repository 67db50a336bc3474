package org.tramontane.convert;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.tramontane.config.DType;
import org.tramontane.convert.RestrictedUnpickler.Tuple;

/**
 * What the {@code data.pkl} of a {@code torch.save} dict of tensors means: the globals it may
 * name ({@code _rebuild_tensor_v2}, the float storage classes, {@code OrderedDict}), its
 * persistent ids (storages) and its tensors. {@link RestrictedUnpickler} parses the opcodes; these
 * hooks give them meaning and refuse everything else, naming the file.
 */
final class TorchPickle {
    private TorchPickle() {}

    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final String REBUILD_TENSOR_V2 = "torch._utils._rebuild_tensor_v2";
    private static final String ORDERED_DICT = "collections.OrderedDict";
    /** Storage classes to the dtype their elements have. */
    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "torch.FloatStorage", DType.F32,
            "torch.HalfStorage", DType.F16,
            "torch.BFloat16Storage", DType.BF16);

    /** A storage as a persistent id announces it. */
    record Storage(String key, DType dtype, long numElements) {}

    /** The callables the allowed globals stand for. */
    private enum Callable { REBUILD_TENSOR_V2, ORDERED_DICT }

    /** A tensor as {@code _rebuild_tensor_v2} receives it, before it has a name. */
    private record Rebuilt(Storage storage, long offset, List<Long> shape, List<Long> strides) {}

    /** The tensors in the dict's order, and every storage they refer to by key. */
    record Contents(List<TorchTensor> tensors, Map<String, Storage> storages) {}

    /** Unpickles {@code pickle} (the entry {@code entry} of {@code file}) into its tensors. */
    static Contents read(Path file, String entry, byte[] pickle) {
        Map<String, Storage> storages = new LinkedHashMap<>();
        Object root = RestrictedUnpickler.load(file + " (" + entry + ")", pickle, hooks(file, storages));
        return new Contents(tensorsOf(file, root), storages);
    }

    private static RestrictedUnpickler.Hooks hooks(Path file, Map<String, Storage> storages) {
        return new RestrictedUnpickler.Hooks() {
            @Override
            public Object global(String module, String name) {
                String qualified = module + "." + name;
                if (qualified.equals(REBUILD_TENSOR_V2)) return Callable.REBUILD_TENSOR_V2;
                if (qualified.equals(ORDERED_DICT)) return Callable.ORDERED_DICT;
                DType storageType = STORAGE_TYPES.get(qualified);
                if (storageType != null) return storageType;
                throw fail(file, "data.pkl refers to global " + qualified
                        + ", which a plain dict of tensors never needs; refused (nothing was executed)");
            }

            @Override
            public Object reduce(Object callable, Tuple args) {
                if (callable == Callable.ORDERED_DICT) {
                    if (args.size() != 0) throw fail(file, "data.pkl calls OrderedDict with arguments; refused");
                    return new LinkedHashMap<>();
                }
                if (callable == Callable.REBUILD_TENSOR_V2) return rebuildTensor(file, args);
                throw fail(file, "data.pkl calls " + RestrictedUnpickler.typeName(callable) + ", which is not callable here");
            }

            @Override
            public Object persistentLoad(Object pid) {
                return storage(file, pid, storages);
            }

            @Override
            public void build(Object obj, Object state) {
                if (obj instanceof Map<?, ?> && state instanceof Map<?, ?> m && m.isEmpty()) return;
                throw fail(file, "data.pkl sets the state of a " + RestrictedUnpickler.typeName(obj) + "; refused");
            }
        };
    }

    /** {@code ('storage', storage_type, key, location, numel)}. */
    private static Storage storage(Path file, Object pid, Map<String, Storage> storages) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw fail(file, "data.pkl has persistent id " + RestrictedUnpickler.typeName(pid)
                    + ", expected ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof DType dtype)) {
            throw fail(file, "data.pkl storage type is " + RestrictedUnpickler.typeName(t.get(1)) + ", not a storage class");
        }
        if (!(t.get(2) instanceof String key) || !STORAGE_KEY.matcher(key).matches()) {
            throw fail(file, "data.pkl storage key " + RestrictedUnpickler.describe(t.get(2)) + " is not a plain name");
        }
        if (!(t.get(4) instanceof Long numel) || numel < 0) {
            throw fail(file, "data.pkl storage " + key + " has element count " + RestrictedUnpickler.describe(t.get(4)));
        }
        Storage s = new Storage(key, dtype, numel);
        Storage before = storages.putIfAbsent(key, s);
        if (before != null && !before.equals(s)) {
            throw fail(file, "data.pkl describes storage " + key + " twice, differently (" + before + " vs " + s + ")");
        }
        return s;
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Rebuilt rebuildTensor(Path file, Tuple args) {
        if (args.size() != 6 && args.size() != 7) {
            throw fail(file, "data.pkl calls _rebuild_tensor_v2 with " + args.size() + " arguments, expected 6 or 7");
        }
        if (!(args.get(0) instanceof Storage storage)) {
            throw fail(file, "data.pkl rebuilds a tensor from a " + RestrictedUnpickler.typeName(args.get(0))
                    + ", not a storage");
        }
        if (!(args.get(1) instanceof Long offset) || offset < 0) {
            throw fail(file, "data.pkl tensor storage offset " + RestrictedUnpickler.describe(args.get(1)) + " is not a non-negative int");
        }
        List<Long> shape = longs(file, args.get(2), "size");
        List<Long> strides = longs(file, args.get(3), "stride");
        if (shape.size() != strides.size()) {
            throw fail(file, "data.pkl tensor has size " + shape + " but stride " + strides);
        }
        if (!(args.get(4) instanceof Boolean)) throw fail(file, "data.pkl tensor requires_grad is not a bool");
        for (int i = 5; i < args.size(); i++) {
            if (!(args.get(i) instanceof Map<?, ?> m) || !m.isEmpty()) {
                throw fail(file, "data.pkl tensor carries backward hooks or metadata; refused");
            }
        }
        return new Rebuilt(storage, offset, shape, strides);
    }

    private static List<Long> longs(Path file, Object o, String what) {
        if (!(o instanceof Tuple t)) throw fail(file, "data.pkl tensor " + what + " is not a tuple");
        List<Long> out = new ArrayList<>();
        for (Object v : t.items()) {
            if (!(v instanceof Long l) || l < 0) throw fail(file, "data.pkl tensor " + what + " holds " + RestrictedUnpickler.describe(v));
            out.add(l);
        }
        return out;
    }

    private static List<TorchTensor> tensorsOf(Path file, Object root) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw fail(file, "data.pkl holds a " + RestrictedUnpickler.typeName(root) + ", expected a dict of tensors");
        }
        List<TorchTensor> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw fail(file, "data.pkl dict key " + RestrictedUnpickler.typeName(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof Rebuilt r)) {
                throw fail(file, "data.pkl entry " + name + " is a " + RestrictedUnpickler.typeName(e.getValue())
                        + ", not a tensor");
            }
            out.add(new TorchTensor(name, r.storage().dtype(), r.shape(), r.strides(), r.storage().key(), r.offset()));
        }
        return out;
    }

    private static ConvertException fail(Path file, String what) {
        return new ConvertException(file + ": " + what);
    }
}
