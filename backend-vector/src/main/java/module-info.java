module dev.kiln.backend.vector {
    requires dev.kiln.api;
    requires jdk.incubator.vector;
}
