package dev.kiln.runtime;

import dev.kiln.api.KilnException;
import dev.kiln.api.backend.Compute;
import dev.kiln.api.format.ModelFile;
import dev.kiln.api.model.Model;
import dev.kiln.api.model.Session;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.ChatTemplate;
import dev.kiln.runtime.generate.Completion;
import dev.kiln.runtime.generate.GenerateParams;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A model loaded for inference: the mapped file, its tokenizer, a compute context on the chosen
 * backend and the architecture's model over them. Get one from {@link Kiln#load}; close it to
 * stop the compute threads and unmap the file.
 *
 * <p>Thread-safe: any number of threads may generate, chat or run sessions at once. Each
 * generation has its own {@link KilnSession} (KV cache); their steps take turns on the compute
 * context one forward pass at a time, and {@link #decode} evaluates the next token of many
 * sessions in one pass (what {@code kiln serve} does to serve many users).
 */
public final class KilnModel implements AutoCloseable {
    private final Path path;
    private final ModelFile file;
    private final Tokenizer tokenizer;
    private final Compute compute;
    private final Model model;
    private final ModelOptions options;
    private final Kiln.LoadTimes loadTimes;
    /** One forward pass at a time: the compute context is not for concurrent callers. */
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Model guarded = new GuardedModel();
    private volatile boolean closed;

    KilnModel(Path path, ModelFile file, Tokenizer tokenizer, Compute compute, Model model, ModelOptions options,
              Kiln.LoadTimes loadTimes) {
        this.path = path;
        this.file = file;
        this.tokenizer = tokenizer;
        this.compute = compute;
        this.model = model;
        this.options = options;
        this.loadTimes = loadTimes;
    }

    /** The model file. */
    public Path path() {
        return path;
    }

    /** The model's id as servers report it: the file name without {@code .gguf}. */
    public String id() {
        String name = path.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    /** The file's {@code general.architecture}, e.g. {@code llama}. */
    public String architecture() {
        return file.metadata().findString("general.architecture").orElse("?");
    }

    /** Logits per position: the vocabulary's size. */
    public int vocabularySize() {
        return model.vocabularySize();
    }

    /** The context length the model was trained for. */
    public int trainedContextLength() {
        return model.contextLength();
    }

    /** The KV-cache capacity of {@link #newSession()}: the options' context size, else the trained context capped at 4096. */
    public int contextSize() {
        return options.contextSize() > 0 ? options.contextSize()
                : Math.min(model.contextLength(), ModelOptions.DEFAULT_CONTEXT_CAP);
    }

    /** The options the model was loaded with. */
    public ModelOptions options() {
        return options;
    }

    /** The compute backend's name. */
    public String backendName() {
        return compute.backendName();
    }

    /** The compute context's worker threads. */
    public int threads() {
        return compute.threads();
    }

    /** How long loading took. */
    public Duration loadTime() {
        return Duration.ofNanos(loadTimes.total());
    }

    /** The opened file: metadata and tensors. */
    public ModelFile file() {
        return file;
    }

    /** The model's tokenizer. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The model as the SPI sees it, made safe for concurrent callers: its sessions are
     * {@link KilnSession}s. For tools that drive sessions directly (perplexity, benchmarks).
     */
    public Model model() {
        return guarded;
    }

    /** One line: what was loaded, where it runs and how long loading took. */
    public String describe() {
        return String.format(Locale.ROOT,
                "loaded %s (%s, vocabulary %d, context %d) on the %s backend, %d thread%s, in %.0f ms "
                        + "(open %.0f ms, tokenizer %.0f ms, backend %.0f ms, model %.0f ms)",
                path.getFileName(), architecture(), vocabularySize(), trainedContextLength(), backendName(), threads(),
                threads() == 1 ? "" : "s", loadTimes.total() / 1e6, loadTimes.open() / 1e6, loadTimes.tokenizer() / 1e6,
                loadTimes.backend() / 1e6, loadTimes.model() / 1e6);
    }

    // ---- text

    /** The ids of {@code text} as {@link #generate} sees a prompt: BOS added as the vocabulary says, special-token text parsed. */
    public int[] tokenize(String text) {
        return tokenize(text, true, true);
    }

    /**
     * The ids of {@code text}.
     *
     * @param addSpecial add BOS (and EOS) as the vocabulary would
     * @param parseSpecial turn the text of special tokens (e.g. {@code <|im_end|>}) into their ids
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text is null");
        return tokenizer.encode(text, addSpecial, parseSpecial);
    }

    /** The text of {@code ids} (control tokens print nothing). */
    public String detokenize(int[] ids) {
        Objects.requireNonNull(ids, "ids is null");
        for (int id : ids) {
            if (id < 0 || id >= tokenizer.vocabularySize()) {
                throw new KilnException("token id " + id + " is outside the vocabulary 0.." + (tokenizer.vocabularySize() - 1));
            }
        }
        return tokenizer.decode(ids);
    }

    /**
     * The chat template chats use: the options' {@code chatTemplate}, else the one recognised in
     * the model's {@code tokenizer.chat_template}, else ChatML (llama.cpp's fallback for a model
     * without a template).
     *
     * @throws dev.kiln.runtime.generate.ChatTemplateException if the model's template is one Kiln does not recognise
     */
    public ChatTemplate chatTemplate() {
        String eos = tokenizer.eos() >= 0 ? tokenizer.tokenText(tokenizer.eos()) : "</s>";
        var own = file.metadata().findString("tokenizer.chat_template");
        String override = options.chatTemplate();
        if ((override == null || override.isBlank()) && own.filter(t -> !t.isBlank()).isEmpty()) {
            override = ChatTemplate.Family.CHATML.id();
        }
        return ChatTemplate.forModel(own, eos, override);
    }

    /**
     * The prompt of a chat: {@code messages} in the chat template, ending with the assistant's
     * header, tokenized with BOS and special-token text parsed.
     */
    public int[] chatPrompt(List<ChatMessage> messages) {
        return tokenize(chatTemplate().apply(List.copyOf(messages), true));
    }

    // ---- generation

    /**
     * Continues {@code prompt} (tokenized with BOS, special-token text parsed, as
     * {@code kiln generate} does) in a new session. {@code onText} receives the continuation as
     * it is generated, in pieces of whole characters; an exception it throws ends the generation.
     *
     * @throws dev.kiln.runtime.generate.ContextLengthException if the prompt does not fit the context
     */
    public Completion generate(String prompt, GenerateParams params, Consumer<String> onText) {
        return generate(tokenize(prompt), params, onText);
    }

    /** {@link #generate(String, GenerateParams, Consumer)} from token ids. */
    public Completion generate(int[] prompt, GenerateParams params, Consumer<String> onText) {
        Objects.requireNonNull(params, "params is null");
        KilnSession session = newSession(contextFor(prompt.length, params.maxTokens()));
        return new Generator(session, tokenizer).generate(prompt, new Sampler(params.sampling()), params.options(), onText);
    }

    /**
     * The assistant's reply to {@code messages} (in the {@link #chatTemplate()}), in a new
     * session. Generation also stops at the template's end-of-turn text.
     */
    public Completion chat(List<ChatMessage> messages, GenerateParams params, Consumer<String> onText) {
        Objects.requireNonNull(params, "params is null");
        ChatTemplate template = chatTemplate();
        int[] prompt = tokenize(template.apply(List.copyOf(messages), true));
        List<String> stops = new ArrayList<>(params.stop());
        stops.add(template.endOfTurn());
        return generate(prompt, params.withStop(stops), onText);
    }

    /**
     * The context a one-off generation needs: the options' context size if set, else the prompt
     * plus {@code maxTokens} (at least 4096 when unbounded), at most the trained context.
     */
    public int contextFor(int promptTokens, int maxTokens) {
        if (options.contextSize() > 0) {
            return options.contextSize();
        }
        int trained = model.contextLength();
        if (maxTokens < 0) {
            return Math.min(trained, Math.max(ModelOptions.DEFAULT_CONTEXT_CAP, promptTokens + 1));
        }
        long wanted = (long) promptTokens + maxTokens;
        return (int) Math.min(trained, Math.max(1, wanted));
    }

    // ---- sessions

    /** A new session (its own KV cache) of {@link #contextSize()} positions. */
    public KilnSession newSession() {
        return newSession(contextSize());
    }

    /** A new session whose KV cache holds up to {@code contextSize} positions. */
    public KilnSession newSession(int contextSize) {
        requireOpen();
        if (contextSize < 1) {
            throw new KilnException("context size must be at least 1, got " + contextSize);
        }
        Session raw;
        lock.lock();
        try {
            raw = model.newSession(contextSize);
        } finally {
            lock.unlock();
        }
        return new KilnSession(this, raw);
    }

    /**
     * Evaluates one token for each session in one pass over the weights (continuous batching);
     * each session's logits are exactly those it would get alone, and each advances by one.
     *
     * @return the logits of each session, in order
     */
    public float[][] decode(List<KilnSession> sessions, int[] tokens) {
        List<Session> raw = new ArrayList<>(sessions.size());
        for (KilnSession s : sessions) {
            if (s.model() != this) {
                throw new KilnException("decode: a session of another model");
            }
            raw.add(s.raw());
        }
        return locked(() -> model.decode(raw, tokens));
    }

    // ---- warm-up

    /** Single-token steps of the warm-up, after its two-token batch. */
    private static final int WARM_UP_STEPS = 2;

    /**
     * Runs the model once, as llama.cpp does before a server takes requests, so that the first
     * real request does not wait for the JIT to compile the kernels: a throwaway session
     * evaluates BOS and EOS as one batch (the prompt path), then two single tokens (the
     * generation path). Nothing of it stays; sessions and outputs are as if it never ran.
     *
     * @return how long it took
     */
    public Duration warmUp() {
        long start = System.nanoTime();
        int[] tokens = warmUpTokens();
        if (tokens.length > contextSize()) {
            tokens = new int[] {tokens[0]}; // a one-position context (--ctx-size 1)
        }
        KilnSession session = newSession(Math.min(contextSize(), tokens.length + WARM_UP_STEPS));
        session.forward(tokens, 0, tokens.length, false);
        for (int i = 0; i < WARM_UP_STEPS && session.position() < session.contextLength(); i++) {
            decode(List.of(session), new int[] {tokens[tokens.length - 1]});
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** BOS and EOS where the vocabulary has them (llama.cpp's warm-up batch), else token 0. */
    private int[] warmUpTokens() {
        int bos = tokenizer.bos();
        int eos = tokenizer.eos();
        if (bos >= 0 && eos >= 0 && eos != bos) {
            return new int[] {bos, eos};
        }
        if (bos >= 0 || eos >= 0) {
            return new int[] {Math.max(bos, eos)};
        }
        return new int[] {0};
    }

    /** Runs {@code body} holding the compute context. */
    <T> T locked(java.util.function.Supplier<T> body) {
        lock.lock();
        try {
            requireOpen();
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new KilnException(path.getFileName() + ": the model is closed");
        }
    }

    /** Stops the compute threads and unmaps the file, after any forward pass in progress. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                compute.close();
            } finally {
                file.close();
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@link #model()}: the SPI's view, with sessions that take turns on the compute context. */
    private final class GuardedModel implements Model {
        @Override
        public int vocabularySize() {
            return model.vocabularySize();
        }

        @Override
        public int contextLength() {
            return model.contextLength();
        }

        @Override
        public Session newSession(int contextLength) {
            return KilnModel.this.newSession(contextLength);
        }

        @Override
        public float[][] decode(List<? extends Session> sessions, int[] tokens) {
            List<KilnSession> own = new ArrayList<>(sessions.size());
            for (Session s : sessions) {
                if (!(s instanceof KilnSession k)) {
                    throw new KilnException("decode: a session this model did not make");
                }
                own.add(k);
            }
            return KilnModel.this.decode(own, tokens);
        }
    }
}
