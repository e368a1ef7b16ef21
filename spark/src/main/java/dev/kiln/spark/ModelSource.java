package dev.kiln.spark;

import dev.kiln.api.KilnException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.SparkFiles;

/**
 * Where the driver and every executor find the model file: a path that all of them see (a
 * shared file system such as NFS, or the same local path on every node), or the name of a file
 * shipped with the job ({@code spark-submit --files model.gguf}, or {@link KilnSpark#shipModel}),
 * which each JVM finds in its {@link SparkFiles} directory.
 *
 * @param location the path, or the shipped file's name
 * @param shipped whether {@code location} names a file shipped with the job
 * @param session for a file shipped to one Spark session after it started ({@link KilnSpark#shipModel}),
 *                that session's id: Spark 4 isolates such files per session and fetches them into a
 *                directory of that name under the {@link SparkFiles} root; null otherwise
 */
public record ModelSource(String location, boolean shipped, String session) implements Serializable {
    private static final long serialVersionUID = 1L;

    public ModelSource {
        Objects.requireNonNull(location, "location is null");
        if (location.isBlank()) {
            throw new KilnException("the model location is empty");
        }
        if (shipped && (location.contains("/") || location.contains("\\"))) {
            throw new KilnException("a shipped model is named by its file name alone, e.g. model.gguf, not " + location);
        }
        if (!shipped && session != null) {
            throw new KilnException("only a shipped model belongs to a session");
        }
    }

    /** A model at {@code path} (or a {@code file:} URI) that the driver and every executor can read. */
    public static ModelSource path(String path) {
        return new ModelSource(path, false, null);
    }

    /** A model at {@code path} that the driver and every executor can read. */
    public static ModelSource path(Path path) {
        return new ModelSource(path.toAbsolutePath().normalize().toString(), false, null);
    }

    /** The file {@code fileName} shipped with the job ({@code spark-submit --files}, {@code spark.files}). */
    public static ModelSource shipped(String fileName) {
        return new ModelSource(fileName, true, null);
    }

    /**
     * The model's path in this JVM (driver or executor). A shipped file that is not there fails
     * with the places looked at.
     */
    public Path resolve() {
        if (!shipped) {
            try {
                return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
            } catch (IllegalArgumentException e) { // InvalidPathException too
                throw new KilnException("the model location " + location + " is not a usable path: " + e.getMessage(), e);
            }
        }
        Path root = Path.of(SparkFiles.getRootDirectory()).toAbsolutePath().normalize();
        List<Path> candidates = new ArrayList<>();
        if (session != null) {
            candidates.add(root.resolve(session).resolve(location));
        }
        candidates.add(Path.of(SparkFiles.get(location)).toAbsolutePath().normalize());
        candidates.add(root.resolve(location));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new KilnException("the model " + location + " was not shipped to this JVM (looked for "
                + String.join(", ", candidates.stream().distinct().map(Path::toString).toList())
                + "); ship it with spark-submit --files or KilnSpark.shipModel");
    }

    @Override
    public String toString() {
        return shipped ? location + " (shipped with the job)" : location;
    }
}
