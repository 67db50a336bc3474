#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs (tests/fuzz/seeds) from the fixtures: small cuts of the real
files, so a seed is a few kilobytes and every one parses. Run it again when the fixtures change.
Usage: make_seeds.py FIXTURES_DIR"""
import json
import pathlib
import shutil
import struct
import sys
import zipfile

fixtures = pathlib.Path(sys.argv[1])
seeds = pathlib.Path(__file__).resolve().parent / "seeds" / "org" / "tramontane" / "fuzz"


def out(cls, method, name, data):
    d = seeds / (cls + "Inputs") / method
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def safetensors_cut(path, keep):
    """The tensors of `path` named in `keep`, with their bytes, as a new safetensors file."""
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    body, new = b"", {"__metadata__": header.get("__metadata__", {})}
    for name in keep:
        t = header[name]
        b, e = t["data_offsets"]
        new[name] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [len(body), len(body) + e - b]}
        body += raw[8 + n + b:8 + n + e]
    h = json.dumps(new, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + body


# safetensors: one cut per stored dtype (F32, BF16, F16, I8 with its F32 scales)
layer0 = "model.layers.0."
cuts = {
    "f32.safetensors": ("tiny-mixtral/model.safetensors",
                        ["model.norm.weight", layer0 + "input_layernorm.weight", layer0 + "block_sparse_moe.gate.weight"]),
    "bf16.safetensors": ("tiny-mixtral-bf16/model.safetensors",
                         [layer0 + "self_attn.k_proj.weight", "model.norm.weight"]),
    "f16.safetensors": ("tiny-mixtral-swa/model-00001-of-00002.safetensors",
                        [layer0 + "input_layernorm.weight", layer0 + "block_sparse_moe.gate.weight"]),
    "i8.safetensors": ("tiny-mixtral-w8a8/quant_model_weight_w8a8_dynamic.safetensors",
                       [layer0 + "self_attn.k_proj.weight", layer0 + "self_attn.k_proj.weight_scale",
                        layer0 + "self_attn.k_proj.weight_offset"]),
}
for name, (src, keep) in cuts.items():
    out("WeightsFuzzTest", "safetensorsHeader", name, safetensors_cut(fixtures / src, keep))

# the sharded index: the real one, and a cut naming four tensors over both shards
index = json.loads((fixtures / "tiny-mixtral-swa/model.safetensors.index.json").read_text())
out("WeightsFuzzTest", "shardedIndex", "swa.index.json", json.dumps(index, indent=2))
names = ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight", layer0 + "input_layernorm.weight"]
cut = {"metadata": index["metadata"], "weight_map": {k: index["weight_map"][k] for k in names}}
out("WeightsFuzzTest", "shardedIndex", "cut.index.json", json.dumps(cut, indent=2))

for d in sorted(fixtures.glob("tiny-mixtral*/config.json")):
    out("ConfigFuzzTest", "configJson", d.parent.name + ".json", d.read_bytes())

for d in sorted(fixtures.glob("tiny-mixtral*/quant_model_description.json")):
    out("ConfigFuzzTest", "quantDescription", d.parent.name + ".json", d.read_bytes())

# tokenizer.json: the Mixtral one cut to its first 400 pieces, the pieces their merges are made of, and
# those merges
tok = json.loads((fixtures / "tiny-mixtral/tokenizer.json").read_text())
full = tok["model"]["vocab"]
pairs = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in tok["model"]["merges"]]
made_of = {}
for a, b in pairs:
    made_of.setdefault(a + b, (a, b))
keep, todo = set(), [p for p, i in full.items() if i < 400]
while todo:
    p = todo.pop()
    if p in keep or p not in full:
        continue
    keep.add(p)
    todo.extend(made_of.get(p, ()))
ordered = sorted(keep, key=full.get)
vocab = {p: i for i, p in enumerate(ordered)}
tok["model"]["vocab"] = vocab
tok["model"]["merges"] = [a + " " + b for a, b in pairs if a in vocab and b in vocab and a + b in vocab]
tok["added_tokens"] = [t for t in tok["added_tokens"] if t["id"] < 400]
out("TokenizerFuzzTest", "tokenizerJson", "mixtral-cut.json", json.dumps(tok, ensure_ascii=False))
out("TokenizerFuzzTest", "sentencePieceModel", "spm-bpe-1k.model",
    (fixtures / "tokenizer/spm-bpe-1k/tokenizer.model").read_bytes())

# torch.save's data.pkl: the fixture's (23 tensors) and a two-tensor one over the storages the target
# packs beside it (data/0: 16 floats, data/1: 8 floats)
pt = zipfile.ZipFile(fixtures / "tiny-mixtral-consolidated/consolidated.00.pt")
out("TorchFuzzTest", "torchPickle", "consolidated.pkl", pt.read("consolidated.00/data.pkl"))


def s(text):
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def tensor(name, key, elems, shape, stride):
    tup = lambda v: b"(" + b"".join(b"K" + bytes([x]) for x in v) + b"t"
    return (s(name) + b"ctorch._utils\n_rebuild_tensor_v2\n(" + b"(" + s("storage") + b"ctorch\nFloatStorage\n"
            + s(key) + s("cpu") + b"K" + bytes([elems]) + b"tQK\x00" + tup(shape) + tup(stride)
            + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


pkl = (b"\x80\x02}(" + tensor("norm.weight", "0", 16, [16], [1])
       + tensor("layers.0.attention.wq.weight", "1", 8, [2, 4], [4, 1]) + b"u.")
out("TorchFuzzTest", "torchPickle", "two-tensors.pkl", pkl)

# serve's request bodies: what the OpenAI clients send, one field family each
chat = {
    "plain.json": {"model": "tiny", "messages": [{"role": "user", "content": "Name three winds."}], "max_tokens": 4},
    "sampled.json": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                  {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Again"}],
                     "max_completion_tokens": 3, "temperature": 0.7, "top_p": 0.9, "top_k": 20, "seed": 7, "n": 2,
                     "stop": ["\n"], "presence_penalty": 0.5, "logit_bias": {"13": -5}},
    "stream.json": {"messages": [{"role": "user", "content": [{"type": "text", "text": "Count"}]}], "max_tokens": 3,
                    "stream": True, "stream_options": {"include_usage": True}, "logprobs": True, "top_logprobs": 2},
}
for name, body in chat.items():
    out("ServeFuzzTest", "chatCompletions", name, json.dumps(body))
completion = {
    "text.json": {"model": "tiny", "prompt": "The mistral blows", "max_tokens": 4, "temperature": 0},
    "ids.json": {"prompt": [[1, 415, 16862], [1, 22557]], "max_tokens": 2, "logprobs": 3, "stop_token_ids": [2],
                 "ignore_eos": True, "repetition_penalty": 1.1, "min_p": 0.05},
    "echo.json": {"prompt": ["a", "b"], "max_tokens": 2, "echo": True, "stream": True, "frequency_penalty": -0.5,
                  "stop": "x", "user": "u"},
}
for name, body in completion.items():
    out("ServeFuzzTest", "completions", name, json.dumps(body))

# inputs the torch target once failed on, kept as seeds so every mvn verify replays them: a list holding
# itself as a dict key, and as a storage key through a tuple
out("TorchFuzzTest", "torchPickle", "self-holding-key.pkl", b"\x80\x02}]2aNs.")
out("TorchFuzzTest", "torchPickle", "self-holding-storage-key.pkl",
    b"\x80\x02(" + s("storage") + b"ctorch\nFloatStorage\n]2\x85a" + s("cpu") + b"K\x10tQ.")

# found by fuzzing: a body that is not UTF-8 was a 500 (Jetty's decoder threw past the checks)
plain = json.dumps(chat["plain.json"]).encode()
out("ServeFuzzTest", "chatCompletions", "not-utf8.json", plain.replace(b"three", b"thr\xa6e"))
# found by fuzzing: the same with the JSON broken too hung the handler (Jetty's decoder failed where the
# content arrived); the fuzzer's inputs as it saved them
out("ServeFuzzTest", "chatCompletions", "not-utf8-not-json.json",
    b'{"modet" "il:ny", "messages": [{"role": "user", "conte(nt": "Name thr\xa6e winds."}], "max_tokun3": 4}')
out("ServeFuzzTest", "completions", "not-utf8-not-json.json",
    b'{"model": "tiny", "prompt": "The m\xbf\xda;\xc8\t\xd7\x01ilows", "max_tokens": 4, "temperature"8 0}')
