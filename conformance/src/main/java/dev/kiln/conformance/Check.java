package dev.kiln.conformance;

import java.util.Objects;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;

/**
 * One named check of a contract. A contract is a list of checks built for one plugin instance;
 * plugin test suites run them as JUnit dynamic tests (through the contract's abstract test
 * class) and {@code kiln check-plugin} runs them directly and reports each.
 *
 * @param contract the contract's name, e.g. {@code QuantType}
 * @param name what is checked, e.g. {@code dequantize matches golden q4_0.dequant.f32.gguf}
 * @param body throws (an {@link AssertionError} or anything else) when the check fails
 */
public record Check(String contract, String name, Executable body) {

    public Check {
        Objects.requireNonNull(contract, "contract is null");
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(body, "body is null");
    }

    /** This check as a JUnit dynamic test. */
    public DynamicTest toDynamicTest() {
        return DynamicTest.dynamicTest(contract + ": " + name, body);
    }
}
