package dev.kiln.cli;

import picocli.CommandLine.IVersionProvider;

/** The version printed by {@code kiln --version}: the cli module's version, if the jar records it. */
final class KilnVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = KilnVersion.class.getModule().getDescriptor() != null
                ? KilnVersion.class.getModule().getDescriptor().rawVersion().orElse(null)
                : null;
        if (v == null) {
            v = KilnVersion.class.getPackage().getImplementationVersion();
        }
        return new String[] {"kiln " + (v == null ? "(development build)" : v) + ", Java " + Runtime.version()};
    }
}
