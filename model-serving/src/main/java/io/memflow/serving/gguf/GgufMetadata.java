package io.memflow.serving.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key/value metadata of a GGUF file. Scalars are boxed Java values (integers of any width are
 * {@link Number}s, strings {@link String}, booleans {@link Boolean}); arrays are {@code
 * List<Object>}, or primitive arrays for the large numeric/string arrays of a tokenizer.
 */
public final class GgufMetadata {
    private final Path file;
    private final Map<String, Object> values;

    public GgufMetadata(Path file, Map<String, Object> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Object get(String key) {
        return values.get(key);
    }

    public String getString(String key) {
        return (String) require(key, String.class);
    }

    public String getString(String key, String defaultValue) {
        Object v = values.get(key);
        return v instanceof String ? (String) v : defaultValue;
    }

    public int getInt(String key) {
        return toInt(key, require(key, Number.class));
    }

    public int getInt(String key, int defaultValue) {
        Object v = values.get(key);
        return v instanceof Number ? toInt(key, v) : defaultValue;
    }

    public float getFloat(String key, float defaultValue) {
        Object v = values.get(key);
        return v instanceof Number ? ((Number) v).floatValue() : defaultValue;
    }

    public String[] getStringArray(String key) {
        Object v = require(key, Object.class);
        if (v instanceof String[]) {
            return (String[]) v;
        }
        if (v instanceof List) {
            List<?> list = (List<?>) v;
            String[] out = new String[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (String) list.get(i);
            }
            return out;
        }
        throw wrongType(key, "string array", v);
    }

    public float[] getFloatArray(String key) {
        Object v = require(key, Object.class);
        if (v instanceof float[]) {
            return (float[]) v;
        }
        throw wrongType(key, "float array", v);
    }

    public int[] getIntArray(String key) {
        Object v = require(key, Object.class);
        if (v instanceof int[]) {
            return (int[]) v;
        }
        throw wrongType(key, "int array", v);
    }

    private Object require(String key, Class<?> type) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": missing metadata key '" + key + "'");
        }
        if (!type.isInstance(v)) {
            throw wrongType(key, type.getSimpleName(), v);
        }
        return v;
    }

    private int toInt(String key, Object v) {
        long l = ((Number) v).longValue();
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            // u32 "unset" ids such as 0xFFFFFFFF arrive as longs and mean "none"
            if (l == 0xFFFFFFFFL) {
                return -1;
            }
            throw new IllegalArgumentException(
                    file + ": metadata '" + key + "' = " + l + " does not fit an int");
        }
        return (int) l;
    }

    private IllegalArgumentException wrongType(String key, String expected, Object v) {
        return new IllegalArgumentException(
                file
                        + ": metadata '"
                        + key
                        + "' should be "
                        + expected
                        + " but is "
                        + v.getClass().getSimpleName());
    }
}
