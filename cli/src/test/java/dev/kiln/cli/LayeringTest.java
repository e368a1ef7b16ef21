package dev.kiln.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kiln's layering, enforced over the main classes of every module (the cli's test path holds
 * them all): the SPI depends on the JDK only; the plugin toolkit on the SPI only; plugins on the
 * SPI, the toolkit and the JDK only, and never on each other; only the cli uses
 * Guice/picocli/Jackson; only the conformance kit and check-plugin use JUnit; only vector-kernel
 * code uses the Vector API.
 */
@AnalyzeClasses(packages = "dev.kiln", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /** Plugin packages: dev.kiln.&lt;kind&gt;.&lt;name&gt;.. for the five plugin kinds. */
    private static final Pattern PLUGIN = Pattern.compile("dev\\.kiln\\.(format|quant|backend|model|tokenizer)\\.([^.]+)(\\..*)?");

    private static final String[] PLUGIN_PACKAGES = {
        "dev.kiln.format..", "dev.kiln.quant..", "dev.kiln.backend..", "dev.kiln.model..", "dev.kiln.tokenizer.."};

    private static final SliceAssignment PLUGIN_MODULES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            Matcher m = PLUGIN.matcher(javaClass.getPackageName());
            return m.matches() ? SliceIdentifier.of("plugin " + m.group(1) + "." + m.group(2)) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "plugin modules (dev.kiln.<format|quant|backend|model|tokenizer>.<name>..)";
        }
    };

    @ArchTest
    static final ArchRule api_depends_on_java_only =
            classes().that().resideInAPackage("dev.kiln.api..")
                    .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.kiln.api..");

    @ArchTest
    static final ArchRule no_plugin_depends_on_another_plugin =
            slices().assignedFrom(PLUGIN_MODULES).should().notDependOnEachOther();

    @ArchTest
    static final ArchRule the_toolkit_depends_on_the_api_only =
            classes().that().resideInAPackage("dev.kiln.toolkit..")
                    .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.kiln.api..", "dev.kiln.toolkit..");

    @ArchTest
    static final ArchRule plugins_depend_only_on_the_api_the_toolkit_and_the_jdk =
            classes().that().resideInAnyPackage(PLUGIN_PACKAGES)
                    .should().onlyDependOnClassesThat().resideInAnyPackage(
                            "java..", "jdk.incubator.vector..", "dev.kiln.api..", "dev.kiln.toolkit..",
                            // other plugin packages are allowed here only because the slice rule above forbids them
                            "dev.kiln.format..", "dev.kiln.quant..", "dev.kiln.backend..", "dev.kiln.model..",
                            "dev.kiln.tokenizer..");

    @ArchTest
    static final ArchRule only_the_cli_uses_guice_picocli_and_jackson =
            noClasses().that().resideInAPackage("dev.kiln..").and().resideOutsideOfPackage("dev.kiln.cli..")
                    .should().dependOnClassesThat().resideInAnyPackage("com.google.inject..", "jakarta.inject..",
                            "picocli..", "com.fasterxml.jackson..");

    /** JUnit is loaded by kiln check-plugin alone (modules/check-plugin/, a layer of its own); nothing else may need it. */
    @ArchTest
    static final ArchRule only_the_kit_and_check_plugin_use_junit =
            noClasses().that().resideInAPackage("dev.kiln..")
                    .and().resideOutsideOfPackages("dev.kiln.conformance..", "dev.kiln.checkplugin..")
                    .should().dependOnClassesThat().resideInAnyPackage("org.junit..", "org.opentest4j..");

    @ArchTest
    static final ArchRule only_vector_kernel_code_uses_the_vector_api =
            noClasses().that().resideInAPackage("dev.kiln..")
                    .and().resideOutsideOfPackages("dev.kiln.backend.vector..", "dev.kiln.quant.*.vector..")
                    .should().dependOnClassesThat().resideInAPackage("jdk.incubator.vector..");
}
