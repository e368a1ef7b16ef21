module dev.kiln.format.gguf {
    requires dev.kiln.api;
}
