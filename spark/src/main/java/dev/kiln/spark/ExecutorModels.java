package dev.kiln.spark;

import dev.kiln.runtime.Kiln;
import dev.kiln.runtime.KilnModel;
import dev.kiln.runtime.ModelOptions;
import dev.kiln.runtime.batch.BatchStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;

/**
 * The models loaded in this JVM (an executor, or the driver in local mode): one per model file and
 * way of running it, loaded on first use and shared by every task, kept until {@link #releaseAll()}
 * ({@link KilnSparkPlugin} calls it when the executor stops; the JVM's exit releases them anyway).
 */
public final class ExecutorModels {
    private static final System.Logger LOG = System.getLogger(ExecutorModels.class.getName());
    private static final Map<Key, ExecutorModel> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    /** What makes two loads the same model: the file and how it runs. */
    private record Key(Path path, String backend, int threads, int contextSize, int slots) {
    }

    private ExecutorModels() {
    }

    /** The shared model for {@code settings}, loaded now if this JVM has not loaded it yet. */
    static ExecutorModel acquire(KilnSparkSettings settings) {
        Path path = settings.model().resolve().toAbsolutePath().normalize();
        ModelOptions options = settings.modelOptions(cores());
        Key key = new Key(path, settings.backend(), options.effectiveThreads(), settings.contextSize(), settings.slots());
        return MODELS.computeIfAbsent(key, k -> load(k, options));
    }

    private static ExecutorModel load(Key key, ModelOptions options) {
        KilnModel model = Kiln.load(key.path(), options);
        try {
            ExecutorModel shared = new ExecutorModel(model, key.slots());
            LOADS.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, "kiln: {0}; {1} slots of {2} tokens", model.describe(), key.slots(),
                    shared.scheduler().contextSize());
            return shared;
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** This executor's cores, from the configuration Spark gave it (the JVM's processors outside Spark). */
    private static int cores() {
        SparkEnv env = SparkEnv.get();
        return env == null ? Runtime.getRuntime().availableProcessors() : ExecutorCores.of(env.conf());
    }

    /** How many models this JVM has loaded since it started (each load counts, also after a release). */
    public static int loads() {
        return LOADS.get();
    }

    /** How many models this JVM holds now. */
    public static int loaded() {
        return MODELS.size();
    }

    /** Rows running or waiting in this JVM's schedulers now. */
    static int rowsInProgress() {
        int n = 0;
        for (ExecutorModel m : MODELS.values()) {
            BatchStats s = m.scheduler().stats();
            n += s.activeSlots() + s.queued();
        }
        return n;
    }

    /** The backends of the models held now, sorted. */
    static String backends() {
        return String.join(",", MODELS.values().stream().map(m -> m.model().backendName()).sorted().toList());
    }

    /** Unloads every model of this JVM; rows still being generated fail. The next use loads again. */
    public static void releaseAll() {
        List<ExecutorModel> models = new ArrayList<>();
        for (Key k : List.copyOf(MODELS.keySet())) {
            ExecutorModel m = MODELS.remove(k);
            if (m != null) {
                models.add(m);
            }
        }
        for (ExecutorModel m : models) {
            m.close();
        }
    }
}
