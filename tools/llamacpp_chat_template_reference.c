// llama.cpp's own llama_chat_apply_template (the built-in templates it recognises without Jinja) on
// the conversation of its tests/test-chat-template.cpp, for ChatTemplateTest's expected strings.
// Built against the libllama node-llama-cpp 3.22.1 ships (llama.cpp v0.5.0; its llama.h comes with
// the npm package's gitRelease.bundle): see tools/make_chat_template_reference.py, which runs it.
//   llamacpp_chat_template_reference TEMPLATE_FILE   prints two JSON lines: add_ass false, then true
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llama.h"

static void json_string(const char * s, int n) {
    putchar('"');
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c == '"' || c == '\\') { putchar('\\'); putchar(c); }
        else if (c == '\n') { fputs("\\n", stdout); }
        else if (c < 0x20) { printf("\\u%04x", c); }
        else { putchar(c); }
    }
    putchar('"');
}

int main(int argc, char ** argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s TEMPLATE_FILE\n", argv[0]); return 2; }
    FILE * f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    static char tmpl[1 << 20];
    size_t len = fread(tmpl, 1, sizeof(tmpl) - 1, f);
    tmpl[len] = 0;
    fclose(f);
    struct llama_chat_message chat[] = {
        {"system", "You are a helpful assistant"},
        {"user", "Hello"},
        {"assistant", "Hi there"},
        {"user", "Who are you"},
        {"assistant", "   I am an assistant   "},
        {"user", "Another question"},
    };
    static char buf[1 << 16];
    for (int add_ass = 0; add_ass <= 1; add_ass++) {
        int32_t n = llama_chat_apply_template(tmpl, chat, 6, add_ass, buf, sizeof(buf));
        printf("{\"add_ass\": %s, \"output\": ", add_ass ? "true" : "false");
        if (n < 0) { fputs("null", stdout); } else { json_string(buf, n); }
        puts("}");
    }
    return 0;
}
