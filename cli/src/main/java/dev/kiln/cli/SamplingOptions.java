package dev.kiln.cli;

import dev.kiln.runtime.generate.SamplingSettings;
import java.util.SplittableRandom;
import picocli.CommandLine.Option;

/** The sampling flags of {@code generate} and {@code chat}, with llama-cli's names and defaults. */
final class SamplingOptions {

    @Option(names = "--temp", paramLabel = "T", converter = Ranges.NonNegativeFloat.class, description = "Temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature = SamplingSettings.DEFAULT_TEMPERATURE;

    @Option(names = "--top-k", paramLabel = "K", converter = Ranges.NonNegative.class, description = "Keep the K most likely tokens; 0 keeps all (default: ${DEFAULT-VALUE}).")
    int topK = SamplingSettings.DEFAULT_TOP_K;

    @Option(names = "--top-p", paramLabel = "P", converter = Ranges.Probability.class, description = "Nucleus sampling; 1.0 is off (default: ${DEFAULT-VALUE}).")
    float topP = SamplingSettings.DEFAULT_TOP_P;

    @Option(names = "--min-p", paramLabel = "P", converter = Ranges.Probability.class, description = "Drop tokens below P times the top probability; 0 is off (default: ${DEFAULT-VALUE}).")
    float minP = SamplingSettings.DEFAULT_MIN_P;

    @Option(names = "--repeat-penalty", paramLabel = "R", converter = Ranges.PositiveFloat.class, description = "Penalise recently seen tokens; 1.0 is off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty = SamplingSettings.DEFAULT_REPEAT_PENALTY;

    @Option(names = "--repeat-last-n", paramLabel = "N", converter = Ranges.NonNegative.class, description = "Tokens the repeat penalty looks back over (default: ${DEFAULT-VALUE}).")
    int repeatLastN = SamplingSettings.DEFAULT_PENALTY_WINDOW;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: a random one, printed).")
    Long seed;

    /** The settings, with a fresh random seed when none was given. */
    SamplingSettings settings() {
        long s = seed != null ? seed : new SplittableRandom().nextLong() & 0xffffffffL;
        return new SamplingSettings(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
