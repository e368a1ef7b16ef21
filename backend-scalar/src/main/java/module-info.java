module dev.kiln.backend.scalar {
    requires dev.kiln.api;
}
