"""Beam search: the batched decoder against the one-hypothesis-at-a-time reference.

Both are the chapter's code, ``d2lutils.decoding.beam_search`` and ``beam_search_reference``,
decoding the same 64 held-out English sentences (k = 5, max_len = 12, alpha = 0.75) with the
same translator: the chapter's GRU encoder-decoder with additive attention (embedding 128,
hidden 256), seeded and trained briefly (``--train-steps`` batches of 64 pairs) so that it ends
its sentences at different steps, as a trained model does. On the CPU, with one torch thread by
default (``--threads``: both contenders get the same number): on a 2-core machine shared with
other work a 2-thread run can lose half its speed from one run to the next, while 1-thread runs
hold.

The reference is a fair opponent: it encodes each sentence once and advances each live
hypothesis by one decoder step from its cached state. The batched decoder advances all live
hypotheses of all sentences with one decoder call per step, drops the sentences that are done
and shares each sentence's encoder outputs across its beams.

Where the time goes: both do the same hypothesis steps (1,856 with the defaults). The batched
decoder spends about three fifths of its time in the output layer's matrix product (512 inputs
by 6,152 French tokens for every live hypothesis), which on one core runs close to the
processor's float32 peak. The reference multiplies each hypothesis by the decoder's 15 MB of
weights on its own, so its time is set by where those weights sit: it is several times faster
when they stay in the processor's last-level cache than when other work on the machine evicts
them, and the ratio moves with it. Compare ratios from the same machine and report their range.

The outputs are checked: the same hypotheses, token for token, in the same order, for every
sentence; the scores agree to 1e-4 (a matrix product over one row and over many rows may round
differently in the last bits, so they are not compared bit for bit). Each run times both; the
last line gives the medians over the runs and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")

import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import d2lutils  # noqa: E402
from d2lutils import decoding  # noqa: E402

TARGET, GOAL = 10.0, 20.0
SCORE_TOLERANCE = 1e-4


def build_model(data: decoding.TranslationData, steps: int, seed: int) -> decoding.Seq2Seq:
    """The chapter's translator, seeded, after ``steps`` Adam steps on batches of 64 pairs."""
    d2lutils.seed_everything(seed)
    model = decoding.Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), 128, 256)
    if steps > 0:
        loader = decoding.translation_loader(
            data.train[: 64 * steps], data.src_vocab, data.tgt_vocab, 64, shuffle=True, seed=seed
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        d2lutils.fit(model, decoding.sequence_loss, optimizer, loader, 1, device="cpu",
                     progress=False, plot=False, clip_grad_norm=1.0)
    return model.eval()


def compare(batched: list, reference: list) -> float:
    """The largest score difference; raises if any hypothesis differs."""
    worst = 0.0
    for i, (ours, theirs) in enumerate(zip(batched, reference, strict=True)):
        if [h.tokens for h in ours] != [h.tokens for h in theirs]:
            raise SystemExit(f"sentence {i}: batched {ours} != reference {theirs}")
        for a, b in zip(ours, theirs, strict=True):
            worst = max(worst, abs(a.score - b.score), abs(a.log_prob - b.log_prob))
    if worst > SCORE_TOLERANCE:
        raise SystemExit(f"scores differ by {worst:.2e} > {SCORE_TOLERANCE:g}")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=150)
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--max-len", type=int, default=12)
    parser.add_argument("--alpha", type=float, default=0.75)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="threads for both (default 1)")
    args = parser.parse_args(argv)
    sizes = (args.runs, args.sentences, args.k, args.max_len, args.threads)
    if min(sizes) < 1 or args.train_steps < 0:
        parser.error("--runs, --sentences, --k, --max-len and --threads must be at least 1, "
                     "--train-steps at least 0")
    torch.set_num_threads(args.threads)

    data = decoding.translation_splits(d2lutils.load_fra_eng(), seed=args.seed)
    start = time.perf_counter()
    model = build_model(data, args.train_steps, args.seed)
    trained = time.perf_counter() - start
    sources = [data.src_vocab.encode(s) for s, _ in data.test[: args.sentences]]
    print(
        f"translator: GRU encoder-decoder with additive attention, embedding 128, hidden 256, "
        f"{len(data.src_vocab)} English and {len(data.tgt_vocab)} French tokens, "
        f"{args.train_steps} training steps ({trained:.0f} s)"
    )
    print(
        f"decoding {len(sources)} held-out sentences, k = {args.k}, max_len = {args.max_len}, "
        f"alpha = {args.alpha}; torch threads: {torch.get_num_threads()}, CPU"
    )

    calls = {"n": 0, "rows": []}
    step = model.step

    def counted(tokens, state, index):
        calls["n"] += 1
        calls["rows"].append(len(index))
        return step(tokens, state, index)

    model.step = counted
    times: dict[str, list[float]] = {"batched": [], "reference": []}
    worst = 0.0
    for run in range(1, args.runs + 1):
        calls.update(n=0, rows=[])
        t0 = time.perf_counter()
        batched = decoding.beam_search(model, sources, args.k, args.max_len, args.alpha)
        t1 = time.perf_counter()
        batched_calls, rows = calls["n"], calls["rows"]
        calls.update(n=0, rows=[])
        reference = [
            decoding.beam_search_reference(model, s, args.k, args.max_len, args.alpha)
            for s in sources
        ]
        t2 = time.perf_counter()
        worst = max(worst, compare(batched, reference))
        times["batched"].append(t1 - t0)
        times["reference"].append(t2 - t1)
        print(
            f"run {run}: batched {t1 - t0:.2f} s ({batched_calls} decoder calls), reference "
            f"{t2 - t1:.2f} s ({calls['n']} calls), speedup {(t2 - t1) / (t1 - t0):.1f}x"
        )
    lengths = sorted({max(len(h.tokens) for h in hyps) for hyps in batched})
    batched_s = statistics.median(times["batched"])
    reference_s = statistics.median(times["reference"])
    print(
        f"per hypothesis step (median run): batched {batched_s / sum(rows) * 1e6:.0f} us "
        f"({sum(rows)} steps), reference {reference_s / calls['n'] * 1e6:.0f} us "
        f"({calls['n']} steps, one decoder call each)"
    )
    print(f"hypotheses per decoder call, step by step (batched): {rows}")
    print(f"sentences were done after {lengths[0]} to {lengths[-1]} steps")
    print(
        f"outputs: the same {sum(map(len, batched))} hypotheses, token for token and in order; "
        f"scores agree to {worst:.1e} (tolerance {SCORE_TOLERANCE:g})"
    )
    ratios = [r / b for b, r in zip(times["batched"], times["reference"], strict=True)]
    print(
        f"range over {args.runs} runs: batched {min(times['batched']):.2f}-"
        f"{max(times['batched']):.2f} s, reference {min(times['reference']):.1f}-"
        f"{max(times['reference']):.1f} s, speedup {min(ratios):.1f}-{max(ratios):.1f}x "
        f"(target {TARGET:.0f}x, goal {GOAL:.0f}x)"
    )
    print(
        f"beam search: batched {batched_s:.2f} s, reference {reference_s:.1f} s, "
        f"speedup {reference_s / batched_s:.0f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
