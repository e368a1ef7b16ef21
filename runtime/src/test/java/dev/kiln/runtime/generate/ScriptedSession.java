package dev.kiln.runtime.generate;

import dev.kiln.api.KilnException;
import dev.kiln.api.model.Session;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fake model session: after each forward call its logits make the next token of a script the
 * clear favourite (so greedy and low-temperature sampling follow it). Records every token fed.
 */
class ScriptedSession implements Session {
    private final int vocabulary;
    private final int context;
    private final int[] script;
    private int next;
    final List<Integer> fed = new ArrayList<>();
    int forwardCalls;

    ScriptedSession(int vocabulary, int context, int... script) {
        this.vocabulary = vocabulary;
        this.context = context;
        this.script = script;
    }

    @Override
    public int position() {
        return fed.size();
    }

    @Override
    public int contextLength() {
        return context;
    }

    @Override
    public float[] forward(int[] tokens, int offset, int count, boolean allLogits) {
        if (fed.size() + count > context) {
            throw new KilnException("context overflow");
        }
        forwardCalls++;
        for (int i = 0; i < count; i++) {
            fed.add(tokens[offset + i]);
        }
        float[] logits = new float[vocabulary];
        Arrays.fill(logits, -10f);
        logits[script[Math.min(next, script.length - 1)]] = 10f;
        next++;
        return logits;
    }

    @Override
    public void rewind(int position) {
        while (fed.size() > position) {
            fed.remove(fed.size() - 1);
        }
    }

    int[] fedTokens() {
        return fed.stream().mapToInt(Integer::intValue).toArray();
    }
}
