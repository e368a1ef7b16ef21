package dev.kiln.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.format.MetadataArray;
import dev.kiln.api.format.MetadataValue;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.format.TensorInfo;
import dev.kiln.api.format.ValueType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every GGUF fixture, read by our reader, must list exactly what gguf-py (llama.cpp's reader)
 * listed for it: version, alignment, every key and value, every tensor's name, type, shape,
 * absolute offset and size. Expectations come from tools/record_gguf_listing.py.
 */
class GgufListingTest {
    private static final Path FIXTURES = Path.of(System.getProperty("kiln.fixtures", "../fixtures"));

    static List<Path> fixtureFiles() throws IOException {
        try (Stream<Path> s = Files.walk(FIXTURES)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
    }

    @Test
    void fixturesArePresent() throws IOException {
        assertTrue(fixtureFiles().size() >= 30, "expected the GGUF fixtures under " + FIXTURES);
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureMatchesGgufPy() throws IOException {
        return fixtureFiles().stream().map(p -> DynamicTest.dynamicTest(FIXTURES.relativize(p).toString(), () -> check(p)));
    }

    @SuppressWarnings("unchecked")
    private static void check(Path gguf) throws Exception {
        String rel = FIXTURES.relativize(gguf).toString().replace('\\', '/');
        String resource = "/listings/" + rel.replace("/", "__") + ".json";
        Map<String, Object> want;
        try (InputStream in = GgufListingTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, "no gguf-py listing " + resource + " for fixture " + rel
                    + ": run python3 tools/record_gguf_listing.py and commit its output");
            want = (Map<String, Object>) TinyJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        try (ModelFile f = new GgufFormat().open(gguf)) {
            assertEquals(Integer.parseInt((String) want.get("version")), f.version(), "version");
            assertEquals(Long.parseLong((String) want.get("alignment")), f.alignment(), "alignment");
            assertEquals(Long.parseLong((String) want.get("data_offset")), ((GgufFile) f).dataOffset(), "data offset");

            Map<String, Object> meta = (Map<String, Object>) want.get("metadata");
            assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keys()), "metadata keys in file order");
            for (Map.Entry<String, Object> e : meta.entrySet()) {
                checkValue(e.getKey(), (Map<String, Object>) e.getValue(), f.metadata().get(e.getKey()));
            }

            List<Object> tensors = (List<Object>) want.get("tensors");
            assertEquals(tensors.size(), f.tensors().size(), "tensor count");
            for (int i = 0; i < tensors.size(); i++) {
                Map<String, Object> t = (Map<String, Object>) tensors.get(i);
                TensorInfo got = f.tensors().get(i);
                String name = (String) t.get("name");
                assertEquals(name, got.name(), "tensor #" + i + " name");
                assertEquals(t.get("type"), got.type().name(), name + " type");
                long[] shape = ((List<Object>) t.get("shape")).stream().mapToLong(o -> Long.parseLong((String) o)).toArray();
                assertArrayEquals(shape, got.shape(), name + " shape");
                assertEquals(Long.parseLong((String) t.get("offset")), got.offset(), name + " offset");
                assertEquals(Long.parseLong((String) t.get("size")), got.byteSize(), name + " size");
                assertEquals(got.byteSize(), f.data(got).byteSize(), name + " data slice");
                assertTrue(f.data(got).isReadOnly(), name + " data is read-only");
                assertEquals(got, f.tensor(name).orElseThrow());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void checkValue(String key, Map<String, Object> want, MetadataValue got) throws Exception {
        assertEquals(want.get("type"), got.type().name(), key + " type");
        if (got.type() != ValueType.ARRAY) {
            assertScalar(key, got.type(), want.containsKey("bits") ? want.get("bits") : want.get("value"), got.value());
            return;
        }
        MetadataArray a = (MetadataArray) got.value();
        assertEquals(want.get("element_type"), a.elementType().name(), key + " element type");
        assertEquals(Integer.parseInt((String) want.get("length")), a.length(), key + " length");
        List<Object> head = (List<Object>) want.get("head");
        if (head != null) {
            for (int i = 0; i < head.size(); i++) {
                assertScalar(key + "[" + i + "]", a.elementType(), head.get(i), a.get(i).value());
            }
        }
        if (a.elementType() != ValueType.ARRAY) {
            assertEquals(want.get("sha256"), sha256(a), key + " element bytes");
        }
    }

    private static void assertScalar(String what, ValueType type, Object want, Object got) {
        switch (type) {
            case FLOAT32 -> assertEquals(Integer.toUnsignedLong(Float.floatToRawIntBits((Float) got)),
                    Long.parseLong((String) want), what + " float bits");
            case FLOAT64 -> assertEquals(Long.parseUnsignedLong((String) want), Double.doubleToRawLongBits((Double) got),
                    what + " double bits");
            case BOOL, STRING -> assertEquals(want, got, what);
            case UINT64 -> assertEquals(Long.parseUnsignedLong((String) want), (long) (Long) got, what);
            default -> {
                assertFalse(type == ValueType.ARRAY);
                assertEquals(Long.parseLong((String) want), (long) (Long) got, what);
            }
        }
    }

    /** The array's elements re-encoded as GGUF stores them, hashed like the recorder does. */
    private static String sha256(MetadataArray a) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < a.length(); i++) {
            Object v = a.get(i).value();
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            switch (a.elementType()) {
                case UINT8, INT8 -> b.put((byte) (long) (Long) v);
                case UINT16, INT16 -> b.putShort((short) (long) (Long) v);
                case UINT32, INT32 -> b.putInt((int) (long) (Long) v);
                case UINT64, INT64 -> b.putLong((Long) v);
                case FLOAT32 -> b.putFloat((Float) v);
                case FLOAT64 -> b.putDouble((Double) v);
                case BOOL -> b.put((byte) ((Boolean) v ? 1 : 0));
                case STRING -> {
                    byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
                    b.putLong(s.length);
                    md.update(b.array(), 0, 8);
                    md.update(s);
                    continue;
                }
                default -> throw new AssertionError(a.elementType());
            }
            md.update(b.array(), 0, b.position());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
