package dev.kiln.conformance;

import dev.kiln.api.quant.DotKernel;
import dev.kiln.api.quant.QuantException;
import dev.kiln.api.quant.QuantType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** The quant-type contract's argument checks: every bad range must be a {@link QuantException}. */
final class QuantTypeContractBounds {
    private QuantTypeContractBounds() {
    }

    private interface Call {
        void run() throws Throwable;
    }

    static void rejectsOutOfRange(QuantType t, DotKernel<?> kernel, String which) {
        rejects(t, kernel, which);
    }

    private static <A> void rejects(QuantType t, DotKernel<A> kernel, String which) {
        int bs = t.blockSize();
        int bb = t.blockBytes();
        int n = 2 * bs;
        List<String> failures = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * bb, 64);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) Math.sin(i);
            }
            t.quantize(x, 0, n, seg, 0);
            float[] dst = new float[n];

            expect(failures, "dequantize offset -1", () -> t.dequantize(seg, -1, dst, 0, n));
            expect(failures, "dequantize offset one block in, two blocks", () -> t.dequantize(seg, bb, dst, 0, n));
            expect(failures, "dequantize offset Long.MAX_VALUE", () -> t.dequantize(seg, Long.MAX_VALUE, dst, 0, n));
            expect(failures, "dequantize three blocks from a two-block segment", () -> t.dequantize(seg, 0, new float[3 * bs], 0, 3 * bs));
            expect(failures, "dequantize negative count", () -> t.dequantize(seg, 0, dst, 0, -bs));
            expect(failures, "dequantize Integer.MAX_VALUE elements", () -> t.dequantize(seg, 0, dst, 0, Integer.MAX_VALUE - Integer.MAX_VALUE % bs));
            expect(failures, "dequantize into a too short array", () -> t.dequantize(seg, 0, new float[n - 1], 0, n));
            expect(failures, "dequantize at destination offset -1", () -> t.dequantize(seg, 0, dst, -1, n));
            expect(failures, "dequantize past the destination's end", () -> t.dequantize(seg, 0, dst, 1, n));
            expect(failures, "quantize source offset -1", () -> t.quantize(x, -1, n, seg, 0));
            expect(failures, "quantize past the source's end", () -> t.quantize(x, 1, n, seg, 0));
            expect(failures, "quantize negative count", () -> t.quantize(x, 0, -bs, seg, 0));
            expect(failures, "quantize at segment offset -1", () -> t.quantize(x, 0, n, seg, -1));
            expect(failures, "quantize past the segment's end", () -> t.quantize(x, 0, n, seg, 1));
            expect(failures, "quantize into a one-block segment", () -> t.quantize(x, 0, n, seg.asSlice(0, bb), 0));
            expect(failures, "byteSize of a negative count", () -> t.byteSize(-bs));
            expect(failures, "dequantize from a null segment", () -> t.dequantize(null, 0, dst, 0, n));
            expect(failures, "dequantize into a null array", () -> t.dequantize(seg, 0, null, 0, n));
            expect(failures, "quantize from a null array", () -> t.quantize(null, 0, n, seg, 0));
            expect(failures, "quantize into a null segment", () -> t.quantize(x, 0, n, null, 0));
            expect(failures, "quantize into a read-only segment", () -> t.quantize(x, 0, n, seg.asReadOnly(), 0));
            expect(failures, which + " prepare a null array", () -> kernel.prepare(null, 0, n));
            if (bs > 1) {
                expect(failures, "dequantize a partial block", () -> t.dequantize(seg, 0, dst, 0, bs + 1));
                expect(failures, "quantize a partial block", () -> t.quantize(x, 0, bs - 1, seg, 0));
                expect(failures, "byteSize of a partial block", () -> t.byteSize(bs + 1));
                expect(failures, which + " prepare a partial block", () -> kernel.prepare(x, 0, bs - 1));
            }
            expect(failures, which + " prepare offset -1", () -> kernel.prepare(x, -1, n));
            expect(failures, which + " prepare past the array's end", () -> kernel.prepare(x, bs, n));
            expect(failures, which + " prepare negative count", () -> kernel.prepare(x, 0, -bs));
            A prepared;
            try {
                prepared = kernel.prepare(x, 0, n);
            } catch (Throwable e) {
                failures.add(which + " prepare of a valid row threw " + e);
                prepared = null;
            }
            if (prepared != null) {
                A p = prepared;
                expect(failures, which + " dot offset -1", () -> kernel.dot(seg, -1, p, n));
                expect(failures, which + " dot past the segment's end", () -> kernel.dot(seg, bb, p, n));
                expect(failures, which + " dot offset Long.MAX_VALUE", () -> kernel.dot(seg, Long.MAX_VALUE, p, n));
                expect(failures, which + " dot over more elements than prepared", () -> kernel.dot(arena.allocate(4L * bb), 0, p, 4 * bs));
                expect(failures, which + " dot negative count", () -> kernel.dot(seg, 0, p, -bs));
                expect(failures, which + " dotRows past the segment's end", () -> kernel.dotRows(seg, 0, bb, 3, p, bs, new float[3], 0));
                expect(failures, which + " dot with null activations", () -> kernel.dot(seg, 0, null, n));
                expect(failures, which + " dot on a null segment", () -> kernel.dot(null, 0, p, n));
                expect(failures, which + " dotRows past the output's end", () -> kernel.dotRows(seg, 0, bb, 2, p, bs, new float[2], 1));
                expect(failures, which + " dotRows into a null output", () -> kernel.dotRows(seg, 0, bb, 2, p, bs, null, 0));
                expect(failures, which + " dotRows with a stride shorter than a row", () -> kernel.dotRows(seg, 0, bb, 2, p, n, new float[2], 0));
                expect(failures, which + " dotRows with a stride that overflows", () -> kernel.dotRows(seg, 0, Long.MAX_VALUE, 3, p, bs, new float[3], 0));
                expect(failures, which + " dotRows negative row count", () -> kernel.dotRows(seg, 0, bb, -1, p, bs, new float[1], 0));
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(t.name() + " did not reject with QuantException: " + String.join("; ", failures));
        }
    }

    private static void expect(List<String> failures, String what, Call call) {
        try {
            call.run();
            failures.add(what + " was accepted");
        } catch (QuantException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                failures.add(what + " threw a QuantException without a message");
            }
        } catch (Throwable e) {
            failures.add(what + " threw " + e.getClass().getName() + " instead");
        }
    }
}
