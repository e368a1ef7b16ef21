/** The portable compute backend: plain Java loops on a pool of platform threads. */
module dev.kiln.backend.scalar {
    requires dev.kiln.api;
    requires dev.kiln.toolkit;

    provides dev.kiln.api.backend.Backend with dev.kiln.backend.scalar.ScalarBackend;
}
