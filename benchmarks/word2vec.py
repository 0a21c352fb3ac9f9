"""Word2vec speed and quality: our blocked skip-gram against gensim's, on PTB, in one process.

Both train skip-gram with negative sampling on the training part of PTB with the same
hyperparameters: dimension 100, window 5, 5 negatives, subsampling t = 1e-4 (the formula of
word2vec's C code, which gensim uses), minimum count 5, learning rate 0.025 decaying linearly
to 0.0001, and the same number of threads (``--threads``: ours runs with
``torch.set_num_threads``, gensim with that many workers). The default is 1 thread: on a
2-core machine shared with other work a 2-thread run of either can lose half its speed from
one seed to the next, while 1-thread runs hold. Speed is words per second: the
corpus's in-vocabulary tokens times the epochs, divided by the training time, which includes
every per-epoch step (subsampling, windows, negatives), as gensim's ``train`` does; building
the vocabulary is left out for both. Quality is the Spearman correlation with WordSim-353.

Each seed trains both, one after the other (the order alternates between seeds, so neither
always runs on a warmer or quieter machine); the figures are medians over the seeds, the ratio
is the median of the per-seed ratios (ours / gensim) and its range is printed too. Peak memory
is the process's maximum resident set size. The last line reads, e.g.,
``word2vec: ours 2.1M words/s (spearman 0.14), gensim 0.85M words/s (spearman 0.14), ratio 2.47``.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from d2lutils import load_ptb  # noqa: E402
from d2lutils import word2vec as w2v  # noqa: E402

HYPERPARAMETERS = dict(dim=100, window=5, negatives=5, t=1e-4)


def millions(words_per_second: float) -> str:
    return f"{words_per_second / 1e6:.2g}M"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for both (default 1)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs (default 5)")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.seeds < 1 or args.epochs < 1:
        parser.error("--threads, --seeds and --epochs must be at least 1")
    logging.getLogger("gensim").setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)

    sentences = load_ptb("train")
    vocab = w2v.Vocab(sentences, min_count=5)
    ids, sentence_starts = vocab.encode(sentences)
    words = len(ids) * args.epochs
    print(f"PTB train: {len(ids)} tokens in the vocabulary of {len(vocab)} words, "
          f"{args.epochs} epochs, {args.threads} thread(s), seeds 0..{args.seeds - 1}")

    ours, gensim, ratios = [], [], []
    for seed in range(args.seeds):
        runs = {}
        for name in ("gensim", "ours") if seed % 2 == 0 else ("ours", "gensim"):
            if name == "ours":
                result = w2v.train_skipgram(ids, sentence_starts, vocab, epochs=args.epochs,
                                            seed=seed, **HYPERPARAMETERS)
                kv, seconds = w2v.keyed_vectors(result.vectors, vocab), result.seconds
            else:
                model, seconds = w2v.train_gensim(sentences, epochs=args.epochs, seed=seed,
                                                  workers=args.threads, min_count=5,
                                                  **HYPERPARAMETERS)
                kv = model.wv
            runs[name] = (words / seconds, w2v.evaluate(kv)["wordsim353"])
        ours.append(runs["ours"])
        gensim.append(runs["gensim"])
        ratios.append(runs["ours"][0] / runs["gensim"][0])
        print(f"seed {seed}: ours {millions(runs['ours'][0])} words/s (spearman "
              f"{runs['ours'][1]:.3f}), gensim {millions(runs['gensim'][0])} words/s "
              f"(spearman {runs['gensim'][1]:.3f}), ratio {ratios[-1]:.2f}", flush=True)

    def median(runs: list[tuple[float, float]], k: int) -> float:
        return statistics.median(run[k] for run in runs)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"ratio over seeds: median {statistics.median(ratios):.2f}, "
          f"range {min(ratios):.2f}-{max(ratios):.2f}")
    print(f"peak memory (max resident set size): {peak_mb:.0f} MB")
    print(f"word2vec: ours {millions(median(ours, 0))} words/s (spearman {median(ours, 1):.2f}), "
          f"gensim {millions(median(gensim, 0))} words/s (spearman {median(gensim, 1):.2f}), "
          f"ratio {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
