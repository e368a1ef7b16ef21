package dev.kiln.cli;

import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The human form of {@code kiln info}, after gguf-dump: one line per metadata key (type,
 * element count, value; arrays longer than {@value #SHOWN} elements and long strings
 * abbreviated), then the tensor table.
 */
final class InfoText {
    /** Array elements shown before "… N more". */
    static final int SHOWN = 5;
    private static final int MAX_STRING = 80;

    private InfoText() {
    }

    static void print(ModelFile file, PrintWriter out) {
        Map<String, MetadataValue> metadata = file.metadata().asMap();
        out.printf("%s: GGUF v%d, alignment %d, %d metadata keys, %d tensors%n",
                file.path(), file.version(), file.alignment(), metadata.size(), file.tensors().size());
        out.println();
        out.println("Metadata:");
        int keyWidth = metadata.keySet().stream().mapToInt(String::length).max().orElse(0);
        int i = 1;
        for (Map.Entry<String, MetadataValue> e : metadata.entrySet()) {
            MetadataValue v = e.getValue();
            String type = v.value() instanceof MetadataArray a ? "[" + a.elementType() + "]" : v.type().name();
            long count = v.value() instanceof MetadataArray a ? a.length() : 1;
            out.printf("%5d: %-10s %8d | %-" + keyWidth + "s = %s%n", i++, type, count, e.getKey(), show(v));
        }
        out.println();
        out.println("Tensors:");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"#", "name", "type", "shape", "offset", "size"});
        int n = 1;
        for (TensorInfo t : file.tensors()) {
            rows.add(new String[] {Integer.toString(n++), t.name(), t.type().name(), shape(t.shape()),
                    Long.toString(t.offset()), Long.toString(t.byteSize())});
        }
        printTable(rows, out);
    }

    private static void printTable(List<String[]> rows, PrintWriter out) {
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                boolean numeric = c == 0 || c >= 4;
                String cell = row[c];
                String pad = " ".repeat(width[c] - cell.length());
                sb.append(numeric ? pad + cell : cell + (c == row.length - 1 ? "" : pad));
                if (c < row.length - 1) {
                    sb.append("  ");
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static String shape(long[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : " x ").append(shape[i]);
        }
        return sb.toString();
    }

    private static String show(MetadataValue v) {
        return switch (v.value()) {
            case String s -> quote(s);
            case MetadataArray a -> showArray(a);
            default -> v.toString();
        };
    }

    private static String showArray(MetadataArray a) {
        int n = a.length();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, SHOWN); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            MetadataValue element = a.get(i);
            sb.append(element.value() instanceof String s ? quote(s)
                    : element.value() instanceof MetadataArray nested ? nested.elementType() + "[" + nested.length() + "]"
                    : a.elementType() == ValueType.UINT64 ? Long.toUnsignedString((Long) element.value())
                    : element.value().toString());
        }
        if (n > SHOWN) {
            sb.append(", … ").append(n - SHOWN).append(" more");
        }
        return sb.append(']').toString();
    }

    /** A string with control characters escaped, cut to {@value #MAX_STRING} characters. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        int shown = 0;
        for (int i = 0; i < s.length() && shown < MAX_STRING; i++, shown++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\'' -> sb.append("\\'");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('\'');
        if (s.length() > MAX_STRING) {
            sb.append("… (").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }
}
