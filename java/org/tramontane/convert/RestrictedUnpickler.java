package org.tramontane.convert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle reader that builds plain data and never runs anything: the subset of the pickle
 * virtual machine (protocols 2 to 5) that {@code torch.save} needs to describe a dict of tensors.
 *
 * <p>Data opcodes build Java values: {@code None} is null, bools are {@link Boolean}, ints
 * {@link Long} (wider ones are refused), floats {@link Double}, str {@link String}, list
 * {@link ArrayList}, dict {@link LinkedHashMap} (insertion order, as Python keeps it), tuple
 * {@link Tuple}. Everything that would name or call Python code goes through {@link Hooks}:
 * GLOBAL / STACK_GLOBAL ask {@link Hooks#global} (which refuses anything not on its list),
 * REDUCE asks {@link Hooks#reduce} with the value the hook returned for the callable,
 * BINPERSID asks {@link Hooks#persistentLoad}, BUILD asks {@link Hooks#build}. Opcodes that
 * create instances of arbitrary classes (INST, OBJ, NEWOBJ, NEWOBJ_EX), the extension registry
 * (EXT1/2/4) and text persistent ids are refused outright, as is any opcode not listed here.
 * Every refusal is a {@link ConvertException} starting with {@code where}.
 */
final class RestrictedUnpickler {

    /** A Python tuple (kept apart from lists: the torch hooks expect tuples in given places). */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(nullsAllowed(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }

        private static List<Object> nullsAllowed(List<Object> items) {
            // List.copyOf refuses nulls and None is a legitimate tuple item: box it
            List<Object> out = new ArrayList<>(items.size());
            for (Object o : items) out.add(o == null ? NONE : o);
            return out;
        }
    }

    /** Python's None inside a {@link Tuple} (records of List.copyOf cannot hold null). */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** What the caller allows: the only way a pickle can reach anything beyond plain data. */
    interface Hooks {
        /** The object a GLOBAL names; must throw for anything not explicitly allowed. */
        Object global(String module, String name);

        /** {@code callable(*args)} where {@code callable} came from {@link #global}. */
        Object reduce(Object callable, Tuple args);

        /** The object a persistent id stands for (torch: a storage). */
        Object persistentLoad(Object pid);

        /** {@code obj.__setstate__(state)} or its dict-update default. */
        void build(Object obj, Object state);
    }

    /** Tuples a dict key may nest. */
    static final int MAX_KEY_DEPTH = 16;

    private final String where;
    private final ByteBuffer in;
    private final Hooks hooks;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<List<Object>> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(String where, byte[] data, Hooks hooks) {
        this.where = where;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.hooks = hooks;
    }

    /** Runs the pickle in {@code data} to its STOP and returns the object it leaves. */
    static Object load(String where, byte[] data, Hooks hooks) {
        return new RestrictedUnpickler(where, data, hooks).run();
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) throw fail("pickle ends without STOP");
            int pos = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto < 2 || proto > 5) throw fail("unsupported pickle protocol " + proto);
                }
                case 0x95 -> bytes(8); // FRAME: length of the next frame, a read-ahead hint only
                case '.' -> { // STOP
                    Object result = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) throw fail("pickle leaves data on the stack at STOP");
                    return result;
                }
                case '(' -> { // MARK
                    marks.push(new ArrayList<>(stack));
                    stack.clear();
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) i32()); // BININT (signed 32-bit)
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (i16() & 0xffff)); // BININT2
                case 0x8a -> push(longN(u8())); // LONG1
                case 0x8b -> push(longN(length(u32()))); // LONG4
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(length(u32()))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(i64()))); // BINUNICODE8
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(new Tuple(popN(1))); // TUPLE1
                case 0x86 -> push(new Tuple(popN(2))); // TUPLE2
                case 0x87 -> push(new Tuple(popN(3))); // TUPLE3
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'd' -> push(dictOf(popMark())); // DICT
                case 'a' -> { // APPEND
                    Object item = pop();
                    list(peek(), "APPEND").add(item);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = key(pop());
                    dict(peek(), "SETITEM").put(key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> kv = popMark();
                    putPairs(dict(peek(), "SETITEMS"), kv);
                }
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(u32(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'c' -> { // GLOBAL "module\nname\n"
                    String module = line();
                    String name = line();
                    push(hooks.global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail("STACK_GLOBAL with non-string module or name");
                    }
                    push(hooks.global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    if (!(args instanceof Tuple t)) throw fail("REDUCE arguments are not a tuple");
                    push(hooks.reduce(callable, t));
                }
                case 'Q' -> push(hooks.persistentLoad(pop())); // BINPERSID
                case 'b' -> { // BUILD
                    Object state = pop();
                    hooks.build(peek(), state);
                }
                case 'i', 'o', 0x81, 0x92 -> throw fail("refused opcode " + opName(op)
                        + " (creates an instance of a Python class)" + classHint(op));
                case 0x82, 0x83, 0x84 -> throw fail("refused opcode " + opName(op) + " (extension registry)");
                case 'P' -> throw fail("refused opcode PERSID (text persistent id; torch uses BINPERSID)");
                default -> throw fail(String.format("unsupported pickle opcode 0x%02x at byte %d", op, pos));
            }
        }
    }

    // ---- stack and memo -------------------------------------------------------------------------

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) throw fail("pickle pops an empty stack");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) throw fail("pickle reads an empty stack");
        return stack.get(stack.size() - 1);
    }

    /** The items pushed since the last MARK (oldest first); the stack below the mark is restored. */
    private List<Object> popMark() {
        if (marks.isEmpty()) throw fail("pickle uses a MARK that was never set");
        List<Object> items = new ArrayList<>(stack);
        stack.clear();
        stack.addAll(marks.pop());
        return items;
    }

    private List<Object> popN(int n) {
        if (stack.size() < n) throw fail("pickle pops " + n + " items from a stack of " + stack.size());
        List<Object> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        for (int i = 0; i < n; i++) stack.remove(stack.size() - 1);
        return top;
    }

    private Object memoGet(long idx) {
        if (!memo.containsKey(idx)) throw fail("pickle reads memo slot " + idx + ", which was never written");
        return memo.get(idx);
    }

    private Map<Object, Object> dictOf(List<Object> kv) {
        Map<Object, Object> d = new LinkedHashMap<>();
        putPairs(d, kv);
        return d;
    }

    private void putPairs(Map<Object, Object> d, List<Object> kv) {
        if (kv.size() % 2 != 0) throw fail("dict items come in an odd number (" + kv.size() + ")");
        for (int i = 0; i < kv.size(); i += 2) d.put(key(kv.get(i)), kv.get(i + 1));
    }

    /**
     * A dict key as Python allows it: hashable, so no list or dict, nor a tuple holding one (Python's
     * TypeError). A list can hold itself, so hashing one might never end; tuples nest at most
     * {@value #MAX_KEY_DEPTH} deep for the same reason (torch's keys are plain strings).
     */
    private Object key(Object k) {
        if (!hashable(k, 0)) throw fail("dict key is an unhashable " + typeName(k) + " (or nests deeper than " + MAX_KEY_DEPTH + ")");
        return k;
    }

    private static boolean hashable(Object o, int depth) {
        if (o instanceof Tuple t) {
            if (depth >= MAX_KEY_DEPTH) return false;
            for (Object item : t.items()) {
                if (!hashable(item, depth + 1)) return false;
            }
            return true;
        }
        return !(o instanceof List) && !(o instanceof Map);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String op) {
        if (o instanceof List<?> l && !(o instanceof Tuple)) return (List<Object>) l;
        throw fail(op + " on a " + typeName(o) + ", expected a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String op) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw fail(op + " on a " + typeName(o) + ", expected a dict");
    }

    // ---- operands -------------------------------------------------------------------------------

    private int u8() {
        need(1);
        return in.get() & 0xff;
    }

    private short i16() {
        need(2);
        return in.getShort();
    }

    private int i32() {
        need(4);
        return in.getInt();
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long i64() {
        need(8);
        return in.getLong();
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private void need(long n) {
        if (n > in.remaining()) throw fail("pickle is truncated (needs " + n + " more bytes at byte " + in.position() + ")");
    }

    /** A length operand, checked against what is left so a lying length cannot allocate gigabytes. */
    private int length(long n) {
        if (n < 0 || n > in.remaining()) {
            throw fail("pickle length operand " + Long.toUnsignedString(n) + " exceeds the remaining "
                    + in.remaining() + " bytes");
        }
        return (int) n;
    }

    /** Little-endian two's complement integer of n bytes (LONG1/LONG4); must fit in 64 bits. */
    private long longN(int n) {
        byte[] b = bytes(n);
        if (n > 8) throw fail("integer of " + n + " bytes is out of range");
        if (n == 0) return 0;
        long v = b[n - 1]; // sign-extended top byte
        for (int i = n - 2; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    private String utf8(int n) {
        byte[] b = bytes(n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw fail("string at byte " + (in.position() - n) + " is not valid UTF-8");
        }
    }

    /** A newline-terminated ASCII operand (GLOBAL); at most 256 bytes. */
    private String line() {
        int start = in.position();
        int limit = Math.min(in.limit(), start + 256);
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                byte[] b = new byte[i - start];
                in.get(b);
                in.get(); // the newline
                for (byte c : b) {
                    if (c < 0x20 || c > 0x7e) throw fail("GLOBAL operand at byte " + start + " is not printable ASCII");
                }
                return new String(b, StandardCharsets.US_ASCII);
            }
        }
        throw fail("GLOBAL operand at byte " + start + " has no end of line");
    }

    // ---- messages -------------------------------------------------------------------------------

    private String classHint(int op) {
        // INST names its class inline; OBJ/NEWOBJ take it from the stack, where a GLOBAL already
        // had to pass the hooks, so reaching here means an allowed global used as a class
        if (op == 'i') {
            String module = line();
            String name = line();
            return ": " + module + "." + name;
        }
        return "";
    }

    private static String opName(int op) {
        return switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            default -> String.format("0x%02x", op);
        };
    }

    /**
     * A value for a message: a scalar as itself, a container by its type name only (a list can hold
     * itself through a tuple, and printing it would never end).
     */
    static String describe(Object o) {
        if (o == null || o instanceof String || o instanceof Long || o instanceof Boolean || o instanceof Double) {
            return String.valueOf(o);
        }
        return typeName(o);
    }

    static String typeName(Object o) {
        if (o == null || o == NONE) return "None";
        if (o instanceof Tuple) return "tuple";
        if (o instanceof List) return "list";
        if (o instanceof Map) return "dict";
        if (o instanceof String) return "str";
        if (o instanceof Long) return "int";
        if (o instanceof Boolean) return "bool";
        if (o instanceof Double) return "float";
        return o.toString();
    }

    private ConvertException fail(String what) {
        return new ConvertException(where + ": " + what);
    }
}
