#!/usr/bin/env python3
"""llama.cpp's chat-template output for ChatTemplateTest (runtime/src/test/resources/.../llamacpp-chat-templates.tsv).

Runs llama.cpp's own llama_chat_apply_template (tools/llamacpp_chat_template_reference.c, linked
against the libllama of node-llama-cpp 3.22.1, i.e. llama.cpp v0.5.0) on the conversation of
llama.cpp's tests/test-chat-template.cpp, once per template and with add_ass false and true, for:
the built-in template names Kiln implements, the Jinja templates of that test file for those
families (detected as llama.cpp's llm_chat_detect_template does), and the chat templates of the
vocab fixtures (Phi-3, Gemma 3, Mistral-Nemo). Output: one line per case and add_ass value,
tab-separated: label, add_ass, template, output (the strings escaped: \\\\, \\n, \\t, \\uXXXX).

Usage (repo root): python3 tools/make_chat_template_reference.py LLAMA_CPP_SOURCE_DIR
  LLAMA_CPP_SOURCE_DIR: a checkout of node-llama-cpp's llama/gitRelease.bundle
    (git clone ~/llamacpp/node_modules/node-llama-cpp/llama/gitRelease.bundle DIR)
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import gguf

NAMES = ["chatml", "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip", "mistral-v1", "mistral-v3",
         "mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken", "phi3", "zephyr", "gemma", "llama3"]
TEST_CASES = ["teknium/OpenHermes-2.5-Mistral-7B", "mistralai/Mistral-7B-Instruct-v0.2 (NOTE: Old pre-v1 without a system prompt)",
              "TheBloke/FusionNet_34Bx2_MoE-AWQ", "bofenghuang/vigogne-2-70b-chat", "google/gemma-7b-it", "Llama-3",
              "Phi-3-mini", "Phi-3-small", "Phi-3-medium", "Phi-3-vision",
              "mistralai/Mistral-7B-Instruct-v0.2 (mistralai 'v1' template with a system prompt)",
              "Mistral-Large-Instruct-2407 (mistralai 'v3' template; modified to have system prompt at start)",
              "Mistral-Nemo-Instruct-2407 (mistralai 'v3-tekken' template; modified to have system prompt at start)",
              "mistralai/Mistral-Large-Instruct-2411 (mistralai 'v7' template)"]
VOCABS = ["phi-3", "gemma3", "mistral-nemo"]
OUT = "runtime/src/test/resources/dev/kiln/runtime/generate/llamacpp-chat-templates.tsv"


def c_string(body):
    # the C string literal's escapes; UTF-8 text passes through
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'"}[m.group(1)], body)


def escape(s):
    return json.dumps(s, ensure_ascii=False)[1:-1].replace("\t", "\\t")


def main():
    src = sys.argv[1]
    bins = glob.glob(os.path.expanduser("~/llamacpp/node_modules/@node-llama-cpp/linux-x64/bins/*/"))[0]
    work = tempfile.mkdtemp()
    exe = os.path.join(work, "chatref")
    subprocess.run(["gcc", "-O1", "-o", exe, "tools/llamacpp_chat_template_reference.c", f"-I{src}/include",
                    f"-I{src}/ggml/include", os.path.join(bins, "libllama.v0.5.0.so"), f"-Wl,-rpath,{bins}"], check=True)
    test = open(os.path.join(src, "tests/test-chat-template.cpp"), encoding="utf-8").read()
    found = dict((n, t) for n, t in re.findall(
        r'/\* \.name= \*/ "([^"]*)",\s*(?://[^\n]*\n\s*)*/\* \.template_str= \*/ "((?:[^"\\]|\\.)*)"', test))
    cases = [(n, n) for n in NAMES] + [("test-chat-template: " + n, c_string(found[n])) for n in TEST_CASES]
    for v in VOCABS:
        r = gguf.GGUFReader(f"fixtures/vocab/ggml-vocab-{v}.gguf")
        cases.append((f"fixtures/vocab/ggml-vocab-{v}.gguf", r.fields["tokenizer.chat_template"].contents()))
    lines = []
    for label, template in cases:
        path = os.path.join(work, "t.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(template)
        out = subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout.splitlines()
        for line in out:
            r = json.loads(line)
            if r["output"] is None:
                sys.exit(f"llama.cpp does not recognise {label}")
            lines.append("\t".join([escape(label), str(r["add_ass"]).lower(), escape(template), escape(r["output"])]))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("# label\tadd_ass\ttemplate\tllama.cpp v0.5.0 llama_chat_apply_template output "
                "(tools/make_chat_template_reference.py)\n")
        f.write("\n".join(lines) + "\n")
    print(f"{OUT}: {len(lines)} lines")


if __name__ == "__main__":
    main()
