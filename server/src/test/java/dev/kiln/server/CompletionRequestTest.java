package dev.kiln.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.generate.ChatMessage;
import dev.kiln.runtime.generate.SamplingSettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How request fields map onto generation parameters (OpenAI's names, llama-server's defaults). */
class CompletionRequestTest {

    private static CompletionRequest text(String json) {
        return CompletionRequest.parse(CompletionRequest.Kind.TEXT, json.getBytes(StandardCharsets.UTF_8), 512);
    }

    private static CompletionRequest chat(String json) {
        return CompletionRequest.parse(CompletionRequest.Kind.CHAT, json.getBytes(StandardCharsets.UTF_8), 512);
    }

    @Test
    void defaults_are_llama_servers() {
        CompletionRequest r = text("{\"prompt\": \"Once\"}");
        SamplingSettings s = r.params().sampling();
        assertEquals(0.8f, s.temperature());
        assertEquals(40, s.topK());
        assertEquals(0.95f, s.topP());
        assertEquals(0.05f, s.minP());
        assertEquals(1.0f, s.repeatPenalty());
        assertEquals(0f, s.frequencyPenalty());
        assertEquals(0f, s.presencePenalty());
        assertEquals(-1, r.params().maxTokens(), "no limit but the context");
        assertEquals(List.of(), r.params().stop());
        assertFalse(r.stream());
        assertFalse(r.includeUsage());
        assertEquals(Optional.empty(), r.model());
        assertEquals(new CompletionRequest.Prompt.Text("Once"), r.prompt());
    }

    @Test
    void openai_fields_map_onto_the_sampler() {
        CompletionRequest r = chat("""
                {"model": "m", "messages": [{"role": "developer", "content": "Be brief."},
                  {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]},
                  {"role": "assistant", "content": null}],
                 "temperature": 0, "top_p": 0.5, "seed": 42, "max_tokens": 7, "max_completion_tokens": 9,
                 "stop": "END", "presence_penalty": 0.5, "frequency_penalty": -1, "top_k": 3, "min_p": 0.1,
                 "repeat_penalty": 1.1, "stream": true, "stream_options": {"include_usage": true},
                 "n": 1, "user": "ignored", "store": false, "logit_bias": {}, "tools": [], "response_format": {"type": "text"}}
                """);
        SamplingSettings s = r.params().sampling();
        assertTrue(s.isGreedy());
        assertEquals(0.5f, s.topP());
        assertEquals(42L, s.seed());
        assertEquals(3, s.topK());
        assertEquals(0.1f, s.minP());
        assertEquals(1.1f, s.repeatPenalty());
        assertEquals(-1f, s.frequencyPenalty());
        assertEquals(0.5f, s.presencePenalty());
        assertEquals(9, r.params().maxTokens(), "max_completion_tokens wins over max_tokens");
        assertEquals(List.of("END"), r.params().stop());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        assertEquals(Optional.of("m"), r.model());
        assertEquals(new CompletionRequest.Prompt.Chat(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi there"),
                ChatMessage.assistant(""))), r.prompt());
    }

    @Test
    void a_prompt_is_text_ids_or_one_of_those_in_an_array() {
        assertEquals(new CompletionRequest.Prompt.Text("a"), text("{\"prompt\": [\"a\"]}").prompt());
        assertArrayEquals(new int[] {1, 403, 511},
                ((CompletionRequest.Prompt.Ids) text("{\"prompt\": [1, 403, 511]}").prompt()).ids());
        assertArrayEquals(new int[] {1, 2}, ((CompletionRequest.Prompt.Ids) text("{\"prompt\": [[1, 2.0]]}").prompt()).ids());
        assertEquals(List.of("a", "b"), text("{\"prompt\": \"x\", \"stop\": [\"a\", \"b\"]}").params().stop());
        assertEquals(-1, text("{\"prompt\": \"x\", \"max_tokens\": -1}").params().maxTokens());
    }

    @Test
    void each_request_without_a_seed_gets_its_own() {
        long a = text("{\"prompt\": \"x\"}").params().sampling().seed();
        long b = text("{\"prompt\": \"x\"}").params().sampling().seed();
        long c = text("{\"prompt\": \"x\"}").params().sampling().seed();
        assertFalse(a == b && b == c, "three random seeds were equal");
    }
}
