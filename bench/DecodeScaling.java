/*
 * Time of one batched decode step (KilnModel.decode: the next token of B sequences in one pass)
 * for B = 1, 2, 4, 8, 16, and the aggregate tokens/s it allows: what continuous batching can gain
 * at most, without HTTP. A single-file program over the built jars:
 *
 *   java --add-modules jdk.incubator.vector -cp "cli/target/modules/*" bench/DecodeScaling.java MODEL.gguf [THREADS]
 */

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.KilnSession;
import dev.kiln.runtime.ModelOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public class DecodeScaling {
    public static void main(String[] args) {
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        try (KilnModel m = Kiln.load(Path.of(args[0]), ModelOptions.defaults().withThreads(threads))) {
            for (int batch : new int[] {1, 2, 4, 8, 16, 1}) { // batch 1 again: the first one includes warm-up
                List<KilnSession> sessions = new ArrayList<>();
                int[] tokens = new int[batch];
                for (int i = 0; i < batch; i++) {
                    KilnSession s = m.newSession(256);
                    s.forward(new int[] {1, 100 + i}, 0, 2, false);
                    sessions.add(s);
                    tokens[i] = 300 + i;
                }
                m.decode(sessions, tokens);
                int steps = 6;
                long t0 = System.nanoTime();
                for (int k = 0; k < steps; k++) {
                    m.decode(sessions, tokens);
                }
                double ms = (System.nanoTime() - t0) / 1e6 / steps;
                System.out.printf(Locale.ROOT, "batch %2d: %6.0f ms/step, %6.2f tokens/s aggregate (load average %.1f)%n",
                        batch, ms, batch * 1000 / ms,
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
        }
    }
}
