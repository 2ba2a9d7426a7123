"""HellaSwag accuracy of a GPT, the downstream check of the full training run.

HellaSwag (Zellers et al., 2019) gives a context and four endings, one of them right. A language
model answers by likelihood: append each ending to the context and pick the ending whose tokens get
the lowest mean loss ("acc_norm", the figure build-nanogpt and llm.c report; "acc" uses the summed
loss instead, which favours short endings). On the 10,042 validation examples OpenAI's GPT-2 small
scores acc_norm 0.2955 and acc 0.2859 this way, as the header of build-nanogpt's hellaswag.py
records; chance is 0.25.

    python hellaswag.py --pretrained gpt2            # OpenAI's weights (downloads them)
    python hellaswag.py --checkpoint out/gpt2-124M/ckpt.pt --limit 1000

The validation file (about 11 MB of JSONL, one example per line with the fields ctx, endings and
label) is downloaded from the HellaSwag repository on first use.
"""

import argparse
import json
import urllib.request
from pathlib import Path

import torch
from torch.nn import functional as F

VAL_URL = "https://raw.githubusercontent.com/rowanz/hellaswag/master/data/hellaswag_val.jsonl"


def download(path):
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            urllib.request.urlretrieve(VAL_URL, path)
        except OSError as error:
            raise RuntimeError(f"Could not download {VAL_URL} ({error}); put the file at {path.resolve()}") from error
    return path


def read_examples(path, limit=None):
    """The examples of a HellaSwag JSONL file: dicts with ctx, endings (4 strings) and label (0-3)."""
    examples = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                examples.append(json.loads(line))
            if limit is not None and len(examples) == limit:
                break
    return examples


def render(example, encode):
    """(tokens (4, T), mask (4, T), label): each row is the context then one ending, zero-padded;
    mask is 1 on the ending's tokens, the ones that are scored."""
    context = encode(example["ctx"])
    rows, masks = [], []
    for ending in example["endings"]:
        ending_tokens = encode(" " + ending)  # GPT-2's BPE attaches the space to the next word
        rows.append(context + ending_tokens)
        masks.append([0] * len(context) + [1] * len(ending_tokens))
    width = max(len(row) for row in rows)
    tokens = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, (row, row_mask) in enumerate(zip(rows, masks, strict=True)):
        tokens[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = torch.tensor(row_mask)
    return tokens, mask, int(example["label"])


@torch.no_grad()
def ending_losses(model, tokens, mask):
    """(summed loss, mean loss) of each row's ending tokens, each of shape (4,)."""
    logits, _ = model(tokens)  # (4, T, V)
    losses = F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), tokens[:, 1:].flatten(), reduction="none")
    losses = losses.view(tokens.size(0), -1) * mask[:, 1:]  # the loss of predicting token t+1, where scored
    total = losses.sum(dim=1)
    return total, total / mask[:, 1:].sum(dim=1)


def evaluate(model, examples, encode, device="cpu"):
    """{"n", "acc", "acc_norm"} of model on the examples."""
    model.eval()
    correct = correct_norm = 0
    for example in examples:
        tokens, mask, label = render(example, encode)
        total, mean = ending_losses(model, tokens.to(device), mask.to(device))
        correct += int(total.argmin().item() == label)
        correct_norm += int(mean.argmin().item() == label)
    n = len(examples)
    return {"n": n, "acc": correct / n, "acc_norm": correct_norm / n}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pretrained", help="a GPT-2 size on the Hugging Face Hub, e.g. gpt2")
    source.add_argument("--checkpoint", type=Path, help="a checkpoint written by the training notebook")
    parser.add_argument("--data", type=Path, default=Path("data/hellaswag_val.jsonl"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N examples")
    args = parser.parse_args(argv)

    import tiktoken

    from model import GPT, GPTConfig

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.pretrained:
        model = GPT.from_pretrained(args.pretrained)
    else:
        state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
        model = GPT(GPTConfig(**state["model_config"]))
        model.load_state_dict(state["model"])
    encode = tiktoken.get_encoding("r50k_base").encode_ordinary
    result = evaluate(model.to(device), read_examples(download(args.data), args.limit), encode, device)
    print(f"HellaSwag: {result['n']} examples, acc {result['acc']:.4f}, acc_norm {result['acc_norm']:.4f}")


if __name__ == "__main__":
    main()
