package dev.kiln.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters that check a number's range where the option is parsed, so a bad value
 * is a usage error (status 2) before any model is loaded, in picocli's own words: {@code kiln:
 * Invalid value for option '--top-k' (K): -3 is negative (0 keeps all tokens)}.
 */
final class Ranges {

    private Ranges() {
    }

    /** A whole number of at least {@code min}; the subclasses name the ranges. */
    abstract static class AtLeast implements ITypeConverter<Integer> {
        private final int min;
        private final String problem;

        AtLeast(int min, String problem) {
            this.min = min;
            this.problem = problem;
        }

        @Override
        public Integer convert(String value) {
            int v = parseInt(value);
            if (v < min) {
                throw new TypeConversionException(v + " " + problem);
            }
            return v;
        }
    }

    /** 0 or more. */
    static final class NonNegative extends AtLeast {
        NonNegative() {
            super(0, "is negative; it must be 0 or more");
        }
    }

    /** 1 or more. */
    static final class Positive extends AtLeast {
        Positive() {
            super(1, "is not a positive number; it must be 1 or more");
        }
    }

    /** A count, or -1 for "no limit". */
    static final class CountOrUnlimited extends AtLeast {
        CountOrUnlimited() {
            super(-1, "is out of range; it must be 0 or more, or -1 for no limit");
        }
    }

    /** A perplexity chunk: 4 tokens or more (half of it is scored, the first is BOS). */
    static final class ChunkLength extends AtLeast {
        ChunkLength() {
            super(4, "is too small; a chunk must be at least 4 tokens");
        }
    }

    /** A finite number, 0 or more (a temperature). */
    static final class NonNegativeFloat implements ITypeConverter<Float> {
        @Override
        public Float convert(String value) {
            return (float) nonNegative(value);
        }
    }

    /** A finite number, 0 or more (a standard deviation). */
    static final class NonNegativeDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            return nonNegative(value);
        }
    }

    /** A finite number above 0 (the repeat penalty: 1 is off). */
    static final class PositiveFloat implements ITypeConverter<Float> {
        @Override
        public Float convert(String value) {
            double v = parseDouble(value);
            if (!(v > 0) || !Float.isFinite((float) v)) {
                throw new TypeConversionException(value + " is out of range; it must be a finite number above 0");
            }
            return (float) v;
        }
    }

    /** A probability, 0 to 1. */
    static final class Probability implements ITypeConverter<Float> {
        @Override
        public Float convert(String value) {
            double v = parseDouble(value);
            if (!(v >= 0 && v <= 1)) {
                throw new TypeConversionException(value + " is out of range; it must be between 0 and 1");
            }
            return (float) v;
        }
    }

    private static double nonNegative(String value) {
        double v = parseDouble(value);
        if (!(v >= 0) || !Float.isFinite((float) v)) {
            throw new TypeConversionException(value + " is out of range; it must be a finite number, 0 or more");
        }
        return v;
    }

    private static int parseInt(String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    private static double parseDouble(String value) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
    }
}
