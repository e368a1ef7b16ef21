package dev.kiln.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The process's peak memory, for issue 5's targets (resident memory ≤ file size + 15 %, heap ≤
 * 512 MB): peak resident set from {@code /proc/self/status} (Linux; the mapped weights count once
 * touched) and the sum of the heap pools' peak use.
 */
final class MemoryUse {

    private MemoryUse() {
    }

    /** Peak resident set size in bytes ({@code VmHWM}), if the platform reports it. */
    static OptionalLong peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String kb = line.substring("VmHWM:".length()).replace("kB", "").strip();
                    return OptionalLong.of(Long.parseLong(kb) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: the figure is left out, not guessed
        }
        return OptionalLong.empty();
    }

    /** Sum of the heap memory pools' peak usage in bytes (an upper bound on the peak heap in use). */
    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
