package dev.kiln.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;

/**
 * LangChain4j's common request parameters plus the sampling settings Kiln has beyond them
 * (llama.cpp's meanings): {@code seed}, {@code minP}, {@code repeatPenalty} and
 * {@code repeatLastN}. Use as a chat model's default parameters or per request:
 *
 * <pre>{@code
 * ChatRequest.builder()
 *     .messages(UserMessage.from("Tell me a story"))
 *     .parameters(KilnChatRequestParameters.builder().temperature(0.7).seed(42L).build())
 *     .build();
 * }</pre>
 */
public class KilnChatRequestParameters extends DefaultChatRequestParameters {

    public static final KilnChatRequestParameters EMPTY = builder().build();

    private final Long seed;
    private final Double minP;
    private final Double repeatPenalty;
    private final Integer repeatLastN;

    private KilnChatRequestParameters(Builder builder) {
        super(builder);
        this.seed = builder.seed;
        this.minP = builder.minP;
        this.repeatPenalty = builder.repeatPenalty;
        this.repeatLastN = builder.repeatLastN;
    }

    /** The random stream's seed: the same seed and settings give the same text. Null for a random one per request. */
    public Long seed() {
        return seed;
    }

    /** Drop tokens less likely than this times the top token's probability (llama.cpp's default 0.05). */
    public Double minP() {
        return minP;
    }

    /** llama.cpp's repetition penalty (1 is off, the default). */
    public Double repeatPenalty() {
        return repeatPenalty;
    }

    /** How many recent tokens the penalties look at (llama.cpp's default 64). */
    public Integer repeatLastN() {
        return repeatLastN;
    }

    @Override
    public KilnChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public KilnChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object o) {
        if (o == null || getClass() != o.getClass() || !super.equals(o)) {
            return false;
        }
        KilnChatRequestParameters that = (KilnChatRequestParameters) o;
        return Objects.equals(seed, that.seed) && Objects.equals(minP, that.minP)
                && Objects.equals(repeatPenalty, that.repeatPenalty) && Objects.equals(repeatLastN, that.repeatLastN);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), seed, minP, repeatPenalty, repeatLastN);
    }

    @Override
    public String toString() {
        return "KilnChatRequestParameters{modelName=" + modelName() + ", temperature=" + temperature()
                + ", topP=" + topP() + ", topK=" + topK() + ", minP=" + minP
                + ", frequencyPenalty=" + frequencyPenalty() + ", presencePenalty=" + presencePenalty()
                + ", repeatPenalty=" + repeatPenalty + ", repeatLastN=" + repeatLastN + ", seed=" + seed
                + ", maxOutputTokens=" + maxOutputTokens() + ", stopSequences=" + stopSequences()
                + ", toolSpecifications=" + toolSpecifications() + ", toolChoice=" + toolChoice()
                + ", responseFormat=" + responseFormat() + '}';
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Long seed;
        private Double minP;
        private Double repeatPenalty;
        private Integer repeatLastN;

        /** Takes every parameter {@code parameters} sets (Kiln's own too, when it has them). */
        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof KilnChatRequestParameters kiln) {
                seed = kiln.seed != null ? kiln.seed : seed;
                minP = kiln.minP != null ? kiln.minP : minP;
                repeatPenalty = kiln.repeatPenalty != null ? kiln.repeatPenalty : repeatPenalty;
                repeatLastN = kiln.repeatLastN != null ? kiln.repeatLastN : repeatLastN;
            }
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder minP(Double minP) {
            this.minP = minP;
            return this;
        }

        public Builder repeatPenalty(Double repeatPenalty) {
            this.repeatPenalty = repeatPenalty;
            return this;
        }

        public Builder repeatLastN(Integer repeatLastN) {
            this.repeatLastN = repeatLastN;
            return this;
        }

        @Override
        public KilnChatRequestParameters build() {
            return new KilnChatRequestParameters(this);
        }
    }
}
