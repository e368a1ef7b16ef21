/**
 * {@code kiln check-plugin}: the conformance kit run against the plugins of one jar, with a
 * PASS / FAIL report. This module, the kit and JUnit sit apart from the other modules (the
 * launcher's {@code modules/check-plugin/} folder) and are loaded into a layer of their own by
 * {@link dev.kiln.runtime.PluginCheck#load()} only when the command runs, so no other command
 * has JUnit on its module path.
 */
module dev.kiln.checkplugin {
    requires dev.kiln.runtime;
    requires dev.kiln.conformance;

    provides dev.kiln.runtime.PluginCheck with dev.kiln.checkplugin.KitPluginCheck;
}
