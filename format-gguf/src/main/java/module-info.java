/**
 * The GGUF model file format: a hardened reader over one read-only memory mapping and a
 * writer. The implementation package is not exported; it is reached through
 * {@link dev.kiln.api.format.ModelFormat} via {@link java.util.ServiceLoader}.
 */
module dev.kiln.format.gguf {
    requires dev.kiln.api;

    provides dev.kiln.api.format.ModelFormat with dev.kiln.format.gguf.GgufFormat;
}
