package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.Session;

/**
 * Perplexity by llama-perplexity's default method: the token ids (BOS first, as
 * {@code tokenize(text, add_bos)} gives) are cut into {@code floor(n / ctx)} chunks of
 * {@code ctx}; each chunk's first id is replaced by BOS and the chunk is evaluated from an empty
 * cache; the logits at positions {@code ctx/2 .. ctx-2} are scored against the next id.
 * PPL = exp(mean negative log-likelihood); the error estimate is llama.cpp's.
 */
public final class Perplexity {

    /**
     * @param perplexity exp of the mean negative log-likelihood
     * @param error llama.cpp's "+/-" estimate: ppl · sqrt(var(nll) / (count - 1))
     * @param chunks chunks evaluated
     * @param scored tokens scored
     */
    public record Result(double perplexity, double error, int chunks, int scored) {

        /** llama-perplexity's last line, {@code PPL = X.XXXX +/- Y.YYYY} (the contract; llama.cpp prints five decimals for the error). */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "PPL = %.4f +/- %.4f", perplexity, error);
        }
    }

    /** Told after every chunk: chunks done, chunks in all, perplexity so far. */
    @FunctionalInterface
    public interface Progress {
        void chunkDone(int done, int total, double perplexitySoFar);
    }

    private Perplexity() {
    }

    /**
     * Scores {@code tokens} with {@code model}.
     *
     * @param ctx chunk length (llama-perplexity's {@code -c})
     * @param bos the id that replaces each chunk's first token, or -1 to keep it (a vocabulary without BOS)
     * @param maxChunks at most this many chunks, or 0 for all
     * @throws KilnException if the text is shorter than two chunks' worth of context
     */
    public static Result compute(Model model, int[] tokens, int ctx, int bos, int maxChunks, Progress progress) {
        if (ctx < 4) {
            throw new KilnException("perplexity context must be at least 4 tokens, got " + ctx);
        }
        int chunks = tokens.length / ctx;
        if (maxChunks > 0) {
            chunks = Math.min(chunks, maxChunks);
        }
        if (chunks < 1) {
            throw new KilnException("perplexity needs at least " + ctx + " tokens (one chunk of -c " + ctx
                    + "), the text has " + tokens.length);
        }
        int vocab = model.vocabularySize();
        int first = ctx / 2;
        double nll = 0;
        double nll2 = 0;
        int count = 0;
        Session session = model.newSession(ctx);
        int[] chunk = new int[ctx];
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
            if (bos >= 0) {
                chunk[0] = bos;
            }
            session.rewind(0);
            // the first half only fills the cache; logits are needed from `first` on
            session.forward(chunk, 0, first, false);
            float[] logits = session.forward(chunk, first, ctx - first, true);
            for (int j = first; j < ctx - 1; j++) {
                double v = -logProbability(logits, (j - first) * vocab, vocab, chunk[j + 1]);
                nll += v;
                nll2 += v * v;
                count++;
            }
            if (progress != null) {
                progress.chunkDone(c + 1, chunks, Math.exp(nll / count));
            }
        }
        double mean = nll / count;
        double ppl = Math.exp(mean);
        double variance = nll2 / count - mean * mean;
        double error = variance > 0 && count > 1 ? Math.sqrt(variance / (count - 1)) * ppl : 0;
        return new Result(ppl, error, chunks, count);
    }

    /** log softmax(logits)[token], with the sum of exponentials in double. */
    static double logProbability(float[] logits, int offset, int n, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return logits[offset + token] - max - Math.log(sum);
    }
}
