package dev.kiln.spark;

import dev.kiln.api.KilnException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.spark.SparkFiles;

/**
 * Where the driver and every executor find the model file: a path that all of them see (a
 * shared file system such as NFS, or the same local path on every node), or the name of a file
 * shipped with the job ({@code spark-submit --files model.gguf}, or {@link KilnSpark#shipModel}),
 * which each JVM finds with {@link SparkFiles#get}.
 *
 * @param location the path, or the shipped file's name
 * @param shipped whether {@code location} names a file shipped with the job
 */
public record ModelSource(String location, boolean shipped) implements Serializable {
    private static final long serialVersionUID = 1L;

    public ModelSource {
        Objects.requireNonNull(location, "location is null");
        if (location.isBlank()) {
            throw new KilnException("the model location is empty");
        }
        if (shipped && (location.contains("/") || location.contains("\\"))) {
            throw new KilnException("a shipped model is named by its file name alone, e.g. model.gguf, not " + location);
        }
    }

    /** A model at {@code path} (or a {@code file:} URI) that the driver and every executor can read. */
    public static ModelSource path(String path) {
        return new ModelSource(path, false);
    }

    /** A model at {@code path} that the driver and every executor can read. */
    public static ModelSource path(Path path) {
        return new ModelSource(path.toAbsolutePath().normalize().toString(), false);
    }

    /** The file {@code fileName} shipped with the job ({@code --files}, {@code SparkContext.addFile}). */
    public static ModelSource shipped(String fileName) {
        return new ModelSource(fileName, true);
    }

    /** The model's path in this JVM (driver or executor). */
    public Path resolve() {
        String local = shipped ? SparkFiles.get(location) : location;
        try {
            return local.startsWith("file:") ? Path.of(URI.create(local)) : Path.of(local);
        } catch (IllegalArgumentException e) { // InvalidPathException too
            throw new KilnException("the model location " + local + " is not a usable path: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return shipped ? location + " (shipped with the job)" : location;
    }
}
