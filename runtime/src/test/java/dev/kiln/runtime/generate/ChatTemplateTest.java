package dev.kiln.runtime.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Expected strings are llama.cpp's: the conversation and the ChatML and Llama 3 outputs are
 * those of tests/test-chat-template.cpp ({@code llama_chat_apply_template}); the Zephyr output
 * is what the Zephyr / TinyLlama-Chat Jinja template renders with EOS {@code </s>}, and with EOS
 * {@code <|endoftext|>} what llama.cpp's built-in {@code zephyr} writes.
 */
class ChatTemplateTest {
    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant"),
            ChatMessage.user("Hello"),
            ChatMessage.assistant("Hi there"),
            ChatMessage.user("Who are you"),
            ChatMessage.assistant("   I am an assistant   "),
            ChatMessage.user("Another question"));

    /** teknium/OpenHermes-2.5-Mistral-7B's template, from llama.cpp's test. */
    static final String CHATML_JINJA = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    /** TinyLlama-1.1B-Chat-v1.0's (= HuggingFaceH4/zephyr-7b-beta's) template. */
    static final String ZEPHYR_JINJA = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";
    /** The Llama 3 template of fixtures/vocab/ggml-vocab-llama-bpe.gguf (as in llama.cpp's test). */
    static final String LLAMA3_JINJA = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
    /** eachadea/vicuna-13b-1.1's, from llama.cpp's test: a family Kiln does not write. */
    static final String VICUNA_JINJA = "{%- for message in messages %}{%- if message['role'] == 'system' -%}{{- '' + message['content'] + '\n\n' -}}{%- else -%}{%- if message['role'] == 'user' -%}{{-'USER: ' + message['content'] + '\n'-}}{%- else -%}{{-'ASSISTANT: ' + message['content'] + '</s>\n' -}}{%- endif -%}{%- endif -%}{%- endfor -%}{%- if add_generation_prompt -%}{{-'ASSISTANT:'-}}{%- endif -%}";

    @Test
    void chatmlMatchesLlamaCpp() {
        ChatTemplate t = ChatTemplate.forModel(Optional.of(CHATML_JINJA), "</s>", null);
        assertEquals("chatml", t.name());
        assertEquals("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n"
                + "<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n"
                + "<|im_start|>assistant\n", t.apply(CONVERSATION, true));
        assertEquals("<|im_end|>", t.endOfTurn());
    }

    @Test
    void llama3MatchesLlamaCpp() {
        ChatTemplate t = ChatTemplate.forModel(Optional.of(LLAMA3_JINJA), "<|eot_id|>", null);
        assertEquals("llama3", t.name());
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.apply(CONVERSATION, true));
        assertEquals("<|eot_id|>", t.endOfTurn());
    }

    @Test
    void zephyrMatchesTheTinyLlamaTemplate() {
        ChatTemplate t = ChatTemplate.forModel(Optional.of(ZEPHYR_JINJA), "</s>", null);
        assertEquals("zephyr", t.name());
        assertEquals("<|system|>\nYou are a helpful assistant</s>\n<|user|>\nHello</s>\n<|assistant|>\nHi there</s>\n"
                + "<|user|>\nWho are you</s>\n<|assistant|>\n   I am an assistant   </s>\n<|user|>\nAnother question</s>\n"
                + "<|assistant|>\n", t.apply(CONVERSATION, true));
        assertEquals("</s>", t.endOfTurn());
    }

    @Test
    void zephyrWithEndOfTextMatchesLlamaCppsBuiltIn() {
        ChatTemplate t = ChatTemplate.named("zephyr", "<|endoftext|>");
        assertEquals("<|system|>\nYou are a helpful assistant<|endoftext|>\n<|user|>\nHello<|endoftext|>\n"
                + "<|assistant|>\nHi there<|endoftext|>\n<|user|>\nWho are you<|endoftext|>\n"
                + "<|assistant|>\n   I am an assistant   <|endoftext|>\n<|user|>\nAnother question<|endoftext|>\n"
                + "<|assistant|>\n", t.apply(CONVERSATION, true));
    }

    @Test
    void withoutTheAssistantHeaderTheTextEndsAfterTheLastTurn() {
        assertEquals("<|im_start|>user\nHi<|im_end|>\n",
                ChatTemplate.named("chatml", "</s>").apply(List.of(ChatMessage.user("Hi")), false));
    }

    @Test
    void aNameOverridesTheModelsTemplate() {
        assertEquals("llama3", ChatTemplate.forModel(Optional.of(CHATML_JINJA), "</s>", "LLAMA3").name());
        assertEquals("chatml", ChatTemplate.forModel(Optional.empty(), "</s>", "chatml").name());
    }

    @Test
    void aMissingTemplateAsksForAName() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.forModel(Optional.empty(), "</s>", null));
        assertTrue(e.getMessage().contains("no chat template") && e.getMessage().contains("--chat-template"), e.getMessage());
    }

    @Test
    void anUnrecognisedTemplateIsAClearError() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.forModel(Optional.of(VICUNA_JINJA), "</s>", null));
        assertTrue(e.getMessage().contains("not one Kiln recognises") && e.getMessage().contains("zephyr|llama3|chatml"),
                e.getMessage());
        assertThrows(ChatTemplateException.class, () -> ChatTemplate.named("vicuna", "</s>"));
    }

    /** Found by ChatTemplateFuzzTest: a name holding line breaks was echoed over several lines. */
    @Test
    void anUnknownNameIsEchoedOnOneLine() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.named("{% for m in messages %}\n{{ m }}\u001b[2J", "</s>"));
        assertTrue(e.getMessage().startsWith("unknown chat template '{% for m in messages %}\\n{{ m }}\\u001b[2J'"),
                e.getMessage());
    }

    @Test
    void lookalikesAreNotMistakenForChatml() {
        assertTrue(ChatTemplate.detect("{{'<|im_start|>' + role + '<|im_sep|>'}}").isEmpty());
        assertEquals(Optional.of(ChatTemplate.Family.PHI3), ChatTemplate.detect("<|user|>{{content}}<|end|><|assistant|>"));
    }
}
