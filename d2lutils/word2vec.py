"""Word2vec: the vocabulary, subsampling, Huffman codes and a fast skip-gram trainer.

What the word2vec chapter, its benchmark and its tests share, each defined once:

- ``Vocab(sentences, min_count=5)``: ``idx_to_token`` (most frequent first, ties in order of
  first appearance), ``token_to_idx``, ``counts`` (int64, aligned with ``idx_to_token``),
  ``len(vocab)``, ``vocab[token]``, ``token in vocab``, and
  ``vocab.encode(sentences) -> (ids, sentence_starts)``: ``ids`` holds the in-vocabulary tokens
  of all sentences back to back (int64) and ``sentence_starts`` (int64, one entry per sentence
  plus a last one equal to ``len(ids)``) says where each sentence begins, so sentence ``k`` is
  ``ids[sentence_starts[k]:sentence_starts[k + 1]]``. An unknown word raises
  ``UnknownWordError`` (a ``KeyError``) that names it, says why and lists the closest words.
- ``keep_probability(counts, t=1e-4, formula="paper")``: the chance that subsampling keeps a
  token of each word, ``min(1, sqrt(t / f(w)))`` with ``f(w)`` its share of the tokens;
  ``formula="word2vec"`` gives ``min(1, sqrt(t / f) + t / f)``, what word2vec's C code and
  gensim use (and so what ``train_skipgram`` uses unless told otherwise).
- ``negative_distribution(counts, power=0.75)``: the unigram^0.75 distribution of negatives.
- ``huffman_codes(counts) -> HuffmanCodes``: the Huffman tree of hierarchical softmax;
  ``codes``, ``points`` (inner nodes, root ``V - 2`` first) and ``lengths`` per word, also as
  lists by ``tree.code(w)`` and ``tree.path(w)``; ``hs_leaf_probabilities(tree, node_vectors,
  h)`` gives every word's probability.
- ``sgns_block_loss_and_grads(v, u, mask, neg_scale, with_loss=True) -> (loss, dv, du)``: the
  loss of skip-gram with negative sampling on a batch of blocks and its hand-written gradients
  (a pure function: no state, no autograd).
- ``make_blocks(ids, sentence_starts, rng, ...) -> Blocks``: one epoch's subsampling, windows
  and negatives, cut into blocks (numpy, vectorized); ``blocks.mask(lo, hi)`` gives the masks.
- ``train_skipgram(ids, sentence_starts, vocab, *, dim=100, window=5, negatives=5, t=1e-4,
  epochs=5, lr=0.025, min_lr=1e-4, block=32, block_negatives=32, blocks_per_step=32,
  loss_every=10, subsampling="word2vec", seed=0, progress=False) -> SkipGramResult``:
  the fast trainer. The result has ``.vectors`` (V x dim float32 numpy input embeddings, the word
  vectors), ``.output_vectors``, ``.seconds`` (all per-epoch work included),
  ``.words_per_second`` (``len(ids) * epochs / seconds``), ``.losses`` (mean loss per pair of
  every ``loss_every``-th step), ``.epoch_losses`` and ``.pairs``.
- ``train_gensim(sentences, *, dim=100, window=5, negatives=5, t=1e-4, epochs=5, lr=0.025,
  min_lr=1e-4, seed=0, workers=1, min_count=5) -> (gensim Word2Vec, seconds)``: the same model
  in gensim, timed the same way.
- ``keyed_vectors(vectors, vocab)``, ``evaluate(kv)`` (WordSim-353, SimLex-999, Google's
  analogies, each with its out-of-vocabulary share) and ``nearest(kv, word, k=5)``: ours and
  gensim's vectors evaluated by the same gensim ``KeyedVectors`` code.

The fast trainer follows word2vec (Mikolov et al., 2013) and gensim: per epoch each token is
kept with ``keep_probability``, every center gets a window size drawn uniformly from
1..``window`` (cut at the ends of its sentence), negatives are drawn from unigram^0.75, and the
learning rate decays linearly from ``lr`` to ``min_lr`` over all epochs. What differs is the
arrangement of the work. The subsampled corpus is cut into blocks of ``block`` consecutive
centers. One batched matrix product scores every center of a block against every token within
``window`` of the block (a banded mask picks each center's own window) and against one set of
``block_negatives`` negatives shared by the block's centers. The gradients are written by hand
and added to both embedding matrices with ``scatter_add_`` (no autograd, no optimizer), one
step per ``blocks_per_step`` blocks; rows that occur several times in a step get the sum of
their gradients, which is SGD on the sum of those pairs' losses. Scaling the
shared negatives' term by ``negatives / block_negatives`` keeps the expected objective of
``negatives`` independent negatives per pair: each center sees more negatives, each with a
smaller weight.
"""

from __future__ import annotations

import difflib
import heapq
import math
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from d2lutils._checks import check_int as _check_int

__all__ = [
    "Blocks",
    "HuffmanCodes",
    "SkipGramResult",
    "UnknownWordError",
    "Vocab",
    "evaluate",
    "hs_leaf_probabilities",
    "huffman_codes",
    "keep_probability",
    "keyed_vectors",
    "make_blocks",
    "nearest",
    "negative_distribution",
    "sgns_block_loss_and_grads",
    "train_gensim",
    "train_skipgram",
]


class UnknownWordError(KeyError):
    """A word that is not in the vocabulary; the message names it and the closest known words."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


def _unknown_word(word: object, known: Sequence[str], why: str) -> UnknownWordError:
    close = difflib.get_close_matches(str(word), known, n=5) if isinstance(word, str) else []
    hint = f"; closest words in the vocabulary: {', '.join(close)}" if close else ""
    return UnknownWordError(f"{word!r} is not in the vocabulary ({why}){hint}")


def _check_positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)


def _check_counts(counts: object) -> np.ndarray:
    array = np.asarray(counts)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"counts must be a non-empty 1-D array of numbers, got {counts!r}")
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise ValueError("counts must be positive and finite; drop words that never occur")
    return array.astype(np.float64)


def _check_sentences(sentences: object) -> list:
    if isinstance(sentences, str) or not isinstance(sentences, Iterable):
        raise TypeError(f"sentences must be a list of lists of tokens, got {type(sentences)}")
    sentences = list(sentences)
    for k, sentence in enumerate(sentences):
        if isinstance(sentence, str) or not isinstance(sentence, Sequence):
            raise TypeError(
                f"sentences[{k}] must be a list of tokens (strings), got {sentence!r}; "
                "split each sentence into words first, e.g. line.split()"
            )
    return sentences


class Vocab:
    """The words seen at least ``min_count`` times, most frequent first.

    Ties in count keep the order of first appearance. ``idx_to_token`` lists the words,
    ``token_to_idx`` maps a word to its id and ``counts`` (int64) holds how often each occurs.
    Raises ``TypeError`` when ``sentences`` is not a list of lists of strings and ``ValueError``
    when ``min_count < 1`` or no word occurs ``min_count`` times.
    """

    def __init__(self, sentences: Iterable[Sequence[str]], min_count: int = 5) -> None:
        self.min_count = _check_int("min_count", min_count, 1)
        sentences = _check_sentences(sentences)
        counter = Counter(token for sentence in sentences for token in sentence)
        for token in counter:
            if not isinstance(token, str):
                raise TypeError(f"tokens must be strings, got {token!r}")
        kept = [(token, c) for token, c in counter.items() if c >= self.min_count]
        if not kept:
            raise ValueError(
                f"no word occurs at least min_count={self.min_count} times in "
                f"{sum(counter.values())} tokens; lower min_count or pass a larger corpus"
            )
        kept.sort(key=lambda item: -item[1])  # stable: ties keep their first appearance
        self.idx_to_token: list[str] = [token for token, _ in kept]
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}
        self.counts: np.ndarray = np.array([c for _, c in kept], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self.token_to_idx

    def __getitem__(self, token: str) -> int:
        try:
            return self.token_to_idx[token]
        except (KeyError, TypeError):
            raise _unknown_word(
                token, self.idx_to_token, f"words seen fewer than min_count={self.min_count} "
                "times are left out"
            ) from None

    def __repr__(self) -> str:
        return f"Vocab({len(self)} words, min_count={self.min_count})"

    def encode(self, sentences: Iterable[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The in-vocabulary tokens of ``sentences`` as ids, and where each sentence starts.

        Returns ``(ids, sentence_starts)``, both int64: ``ids`` all sentences back to back with
        unknown words dropped, ``sentence_starts`` of length ``len(sentences) + 1`` (the last
        entry is ``len(ids)``). Raises ``TypeError`` for anything but a list of token lists.
        """
        sentences = _check_sentences(sentences)
        lookup = self.token_to_idx.get
        ids = np.fromiter(
            (i for sentence in sentences for i in map(lookup, sentence) if i is not None),
            dtype=np.int64,
        )
        lengths = [sum(token in self.token_to_idx for token in s) for s in sentences]
        sentence_starts = np.zeros(len(sentences) + 1, dtype=np.int64)
        np.cumsum(lengths, out=sentence_starts[1:])
        return ids, sentence_starts


SUBSAMPLING_FORMULAS = ("paper", "word2vec")


def keep_probability(
    counts: np.ndarray | Sequence[float], t: float = 1e-4, *, formula: str = "paper"
) -> np.ndarray:
    """Chance that subsampling keeps a token of each word, from the words' counts.

    With ``f(w) = counts[w] / counts.sum()`` the word's share of the tokens, ``"paper"`` is
    ``min(1, sqrt(t / f(w)))``: a token is discarded with probability ``1 - sqrt(t / f(w))``
    (Mikolov et al., 2013). ``"word2vec"`` is ``min(1, sqrt(t / f(w)) + t / f(w))``, what
    word2vec's C code and gensim use; it keeps a little more of every frequent word. Raises
    ``ValueError`` for empty or non-positive counts, ``t <= 0`` or an unknown formula, and
    ``TypeError`` for a ``t`` that is not a number.
    """
    counts = _check_counts(counts)
    t = _check_positive("t", t)
    if formula not in SUBSAMPLING_FORMULAS:
        raise ValueError(f"formula must be one of {SUBSAMPLING_FORMULAS}, got {formula!r}")
    ratio = t / (counts / counts.sum())
    keep = np.sqrt(ratio) if formula == "paper" else np.sqrt(ratio) + ratio
    return np.minimum(1.0, keep)


def negative_distribution(counts: np.ndarray | Sequence[float], power: float = 0.75) -> np.ndarray:
    """The distribution negatives are drawn from: ``counts ** power``, normalized (float64).

    Raises ``ValueError`` for empty or non-positive counts, or a ``power`` that is not a number
    >= 0.
    """
    counts = _check_counts(counts)
    if isinstance(power, bool) or not isinstance(power, (int, float)) or not power >= 0:
        raise ValueError(f"power must be a number >= 0, got {power!r}")
    weights = counts**power
    return weights / weights.sum()


@dataclass(frozen=True)
class HuffmanCodes:
    """The Huffman tree of hierarchical softmax, one row per word (padded to the longest code).

    Word ``w``'s path from the root has ``lengths[w]`` steps: at step ``l`` it passes inner node
    ``points[w, l]`` (ids ``0 .. V - 2``, the root is ``V - 2``) and goes to its child
    ``codes[w, l]`` (0 or 1). With node vectors ``u`` and a hidden vector ``h`` the step has
    probability ``sigmoid((1 - 2 * code) * u[point] @ h)``, as in word2vec and gensim.
    """

    codes: np.ndarray  # (V, L) uint8, zero-padded
    points: np.ndarray  # (V, L) int64, zero-padded
    lengths: np.ndarray  # (V,) int64

    def code(self, word: int) -> list[int]:
        """Word ``word``'s code from the root as a list of 0/1."""
        return self.codes[word, : self.lengths[word]].tolist()

    def path(self, word: int) -> list[int]:
        """The inner nodes on word ``word``'s path, root first."""
        return self.points[word, : self.lengths[word]].tolist()


def huffman_codes(counts: np.ndarray | Sequence[float]) -> HuffmanCodes:
    """Build the Huffman tree of the word counts (frequent words get short codes).

    The two least frequent nodes are merged first; ties go to the node made first, the rarer
    (later) word first, so code lengths never decrease along a vocabulary sorted by count.
    A vocabulary of one word gets one inner node. Raises ``ValueError`` for empty or
    non-positive counts.
    """
    counts = _check_counts(counts)
    n_words = len(counts)
    if n_words == 1:
        return HuffmanCodes(np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int64),
                            np.ones(1, np.int64))
    # Heap entries (count, tie-break, node); leaves are 0..V-1, inner node k is V + k.
    heap = [(float(c), n_words - 1 - w, w) for w, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * n_words - 1, dtype=np.int64)
    bit = np.zeros(2 * n_words - 1, dtype=np.uint8)
    for k in range(n_words - 1):
        c1, _, a = heapq.heappop(heap)
        c2, _, b = heapq.heappop(heap)
        node = n_words + k
        parent[a], bit[a] = node, 0
        parent[b], bit[b] = node, 1
        heapq.heappush(heap, (c1 + c2, n_words + k, node))
    root = 2 * n_words - 2
    paths = []
    for w in range(n_words):
        steps = []
        node = w
        while node != root:
            steps.append((parent[node] - n_words, bit[node]))
            node = parent[node]
        paths.append(steps[::-1])
    lengths = np.array([len(p) for p in paths], dtype=np.int64)
    codes = np.zeros((n_words, lengths.max()), dtype=np.uint8)
    points = np.zeros((n_words, lengths.max()), dtype=np.int64)
    for w, steps in enumerate(paths):
        points[w, : len(steps)] = [p for p, _ in steps]
        codes[w, : len(steps)] = [c for _, c in steps]
    return HuffmanCodes(codes, points, lengths)


def hs_leaf_probabilities(
    tree: HuffmanCodes, node_vectors: torch.Tensor, h: torch.Tensor
) -> torch.Tensor:
    """P(w | h) of every word under hierarchical softmax: a product of sigmoids along its path.

    ``node_vectors`` is ``(V - 1, d)`` (one per inner node), ``h`` is ``(d,)``; returns ``(V,)``.
    Raises ``ValueError`` when the shapes do not fit the tree.
    """
    n_inner = max(len(tree.lengths) - 1, 1)
    if node_vectors.ndim != 2 or node_vectors.shape[0] != n_inner:
        raise ValueError(
            f"node_vectors must be ({n_inner}, d), one row per inner node, "
            f"got {tuple(node_vectors.shape)}"
        )
    if h.shape != node_vectors.shape[1:]:
        raise ValueError(f"h must have shape ({node_vectors.shape[1]},), got {tuple(h.shape)}")
    points = torch.from_numpy(tree.points)
    sign = 1.0 - 2.0 * torch.from_numpy(tree.codes).to(h.dtype)
    steps = torch.arange(points.shape[1])[None, :] < torch.from_numpy(tree.lengths)[:, None]
    scores = node_vectors[points] @ h  # (V, L)
    log_p = torch.nn.functional.logsigmoid(sign * scores) * steps
    return log_p.sum(1).exp()


def sgns_block_loss_and_grads(
    v: torch.Tensor,
    u: torch.Tensor,
    mask: torch.Tensor,
    neg_scale: float,
    *,
    with_loss: bool = True,
) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """Loss of skip-gram with negative sampling on a batch of blocks, and its gradients.

    A block has ``P`` centers and ``C = S + K`` output columns: ``v`` (n, P, d) holds the input
    vectors of the centers, ``u`` (n, S + K, d) the output vectors of the ``S`` tokens around
    the block followed by its ``K`` shared negatives, and ``mask`` (n, P, S) is 1 where token
    ``j`` is a context of center ``i``. With scores ``s = v @ u^T`` the loss is

        sum_ij mask_ij * softplus(-s_ij) + neg_scale * sum_i n_i * sum_k softplus(s_ik),

    where ``n_i = sum_j mask_ij`` is the number of contexts of center ``i``: each of its pairs
    has the block's negatives, weighted by ``neg_scale`` (``negatives / K`` keeps the objective
    of ``negatives`` negatives per pair in expectation). Returns ``(loss, dloss/dv, dloss/du)``,
    written by hand (no autograd); ``with_loss=False`` skips the loss (``None``) and saves its
    time. Raises ``ValueError`` when the shapes do not fit together.
    """
    if v.ndim != 3 or u.ndim != 3 or mask.ndim != 3:
        raise ValueError(
            f"v, u and mask must be 3-D (blocks first), got {v.ndim}, {u.ndim}, {mask.ndim} dims"
        )
    n, n_centers, d = v.shape
    span = mask.shape[2]
    if (
        u.shape[0] != n
        or u.shape[2] != d
        or mask.shape[:2] != (n, n_centers)
        or u.shape[1] < span
    ):
        raise ValueError(
            f"shapes do not fit: v {tuple(v.shape)}, u {tuple(u.shape)}, mask "
            f"{tuple(mask.shape)}; need v (n, P, d), u (n, S + K, d), mask (n, P, S)"
        )
    scores = torch.bmm(v, u.transpose(1, 2))  # (n, P, S + K): every score of every block
    neg_weight = mask.sum(2, keepdim=True) * neg_scale  # (n, P, 1)
    loss = None
    if with_loss:
        softplus = torch.nn.functional.softplus
        loss = (softplus(-scores[:, :, :span]) * mask).sum() + (
            softplus(scores[:, :, span:]).sum(2, keepdim=True) * neg_weight
        ).sum()
    grad = scores.sigmoid_()  # dloss/ds: sigmoid(s) - 1 on pairs, sigmoid(s) on negatives
    grad[:, :, :span].sub_(1).mul_(mask)
    grad[:, :, span:].mul_(neg_weight)
    grad_v = torch.bmm(grad, u)
    grad_u = torch.bmm(grad.transpose(1, 2), v)
    return loss, grad_v, grad_u


@dataclass
class Blocks:
    """One epoch's blocks (from ``make_blocks``): ids, windows and negatives of every block.

    Block ``b`` has centers ``centers[b]`` (``P`` ids) and output columns ``columns[b]``: the
    ``S = P + 2 * window`` tokens from ``window`` before its first center to ``window`` after its
    last, then its ``K`` negatives. Center ``i`` sits at span index ``i + window``; its contexts
    are its window's tokens, cut at its sentence's ends: ``before[b, i]`` tokens to its left and
    ``after[b, i]`` to its right.
    """

    centers: torch.Tensor  # (n_blocks, P) int64
    columns: torch.Tensor  # (n_blocks, S + K) int64
    before: torch.Tensor  # (n_blocks, P) int64, contexts left of each center (0..window)
    after: torch.Tensor  # (n_blocks, P) int64, contexts right of each center (0..window)
    window: int
    pairs: int  # (center, context) pairs in the epoch
    tokens: int  # tokens kept by subsampling

    def __post_init__(self) -> None:
        # Every row a mask can have: for center slot i and counts (before, after), the row of
        # length S with ones on span indices i + window - before .. i + window + after but not
        # i + window. A mask is then one lookup per center instead of comparisons per entry.
        n_centers, w = self.centers.shape[1], self.window
        slot = torch.arange(n_centers)[:, None, None, None] + w
        before = torch.arange(w + 1)[None, :, None, None]
        after = torch.arange(w + 1)[None, None, :, None]
        j = torch.arange(n_centers + 2 * w)
        rows = (j >= slot - before) & (j <= slot + after) & (j != slot)
        self._table = rows.reshape(-1, n_centers + 2 * w).float()
        codes = (torch.arange(n_centers) * (w + 1) ** 2)[None, :]
        self._codes = codes + self.before * (w + 1) + self.after

    def mask(self, start: int, stop: int) -> torch.Tensor:
        """The (stop - start, P, S) float32 mask of blocks ``start:stop``, 1 on each pair."""
        codes = self._codes[start:stop]
        return self._table.index_select(0, codes.reshape(-1)).view(*codes.shape, -1)


def make_blocks(
    ids: np.ndarray,
    sentence_starts: np.ndarray,
    rng: np.random.Generator,
    *,
    keep: np.ndarray,
    negative_cdf: np.ndarray,
    window: int,
    block: int,
    block_negatives: int,
) -> Blocks:
    """One epoch's work, drawn with numpy: subsample, draw windows and negatives, cut blocks.

    Each token of word ``w`` is kept with probability ``keep[w]``; each kept center gets a
    window ``b`` uniform in 1..``window``, cut at its sentence's ends (windows count kept
    tokens, as in word2vec); each block draws ``block_negatives`` negatives by inverting the
    cumulative distribution ``negative_cdf``. Vectorized: no Python loop over tokens.
    """
    kept = rng.random(len(ids)) < keep[ids]
    sub = ids[kept]
    n = len(sub)
    # Where each kept token's sentence begins and ends among the kept tokens.
    n_sentences = len(sentence_starts) - 1
    sentence_of = np.repeat(np.arange(n_sentences), np.diff(sentence_starts))[kept]
    per_sentence = np.bincount(sentence_of, minlength=n_sentences)
    ends = np.cumsum(per_sentence)
    first, last = (ends - per_sentence)[sentence_of], ends[sentence_of] - 1
    position = np.arange(n)
    radius = rng.integers(1, window + 1, size=n)
    low = np.maximum(position - radius, first)
    high = np.minimum(position + radius, last)
    n_blocks = max(1, -(-n // block))
    before = np.zeros(n_blocks * block, dtype=np.int64)  # padding: no pairs
    after = np.zeros(n_blocks * block, dtype=np.int64)
    before[:n], after[:n] = position - low, high - position
    padded = np.zeros(n_blocks * block + 2 * window, dtype=np.int64)
    padded[window : window + n] = sub
    span = np.arange(n_blocks)[:, None] * block + np.arange(block + 2 * window)[None, :]
    negatives = np.searchsorted(negative_cdf, rng.random((n_blocks, block_negatives)))
    return Blocks(
        centers=torch.from_numpy(padded[window : window + n_blocks * block].reshape(-1, block)),
        columns=torch.from_numpy(np.concatenate([padded[span], negatives], axis=1)),
        before=torch.from_numpy(before.reshape(n_blocks, block)),
        after=torch.from_numpy(after.reshape(n_blocks, block)),
        window=window,
        pairs=int((high - low).sum()),
        tokens=n,
    )


@dataclass
class SkipGramResult:
    """What ``train_skipgram`` returns: the embeddings, the time it took and the loss history."""

    vectors: np.ndarray  # (V, dim) float32 input embeddings, the word vectors
    output_vectors: np.ndarray  # (V, dim) float32 output embeddings
    seconds: float  # training time, all per-epoch work included
    words_per_second: float  # corpus tokens x epochs / seconds
    losses: list[float] = field(default_factory=list)  # mean loss per pair, every loss_every steps
    epoch_losses: list[float] = field(default_factory=list)  # mean of those steps, per epoch
    pairs: int = 0  # positive pairs trained on, all epochs


def _check_corpus(ids: object, sentence_starts: object, vocab: Vocab) -> tuple:
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    ids = np.asarray(ids)
    starts = np.asarray(sentence_starts)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be a 1-D integer array (from vocab.encode), got {ids.dtype}")
    if ids.size == 0:
        raise ValueError("the corpus is empty: ids has no tokens")
    if ids.min() < 0 or ids.max() >= len(vocab):
        bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
        raise ValueError(f"ids must be in [0, {len(vocab)}) for this vocab, found {bad}")
    if (
        starts.ndim != 1
        or not np.issubdtype(starts.dtype, np.integer)
        or starts.size < 2
        or starts[0] != 0
        or starts[-1] != ids.size
        or np.any(np.diff(starts) < 0)
    ):
        raise ValueError(
            "sentence_starts must be non-decreasing integers from 0 to len(ids) "
            "(one per sentence plus len(ids)), as vocab.encode returns"
        )
    return ids.astype(np.int64), starts.astype(np.int64)


def train_skipgram(
    ids: np.ndarray,
    sentence_starts: np.ndarray,
    vocab: Vocab,
    *,
    dim: int = 100,
    window: int = 5,
    negatives: int = 5,
    t: float = 1e-4,
    epochs: int = 5,
    lr: float = 0.025,
    min_lr: float = 1e-4,
    block: int = 32,
    block_negatives: int = 32,
    blocks_per_step: int = 32,
    loss_every: int = 10,
    subsampling: str = "word2vec",
    seed: int = 0,
    progress: bool = False,
) -> SkipGramResult:
    """Train skip-gram with negative sampling on a corpus encoded by ``vocab.encode``.

    ``dim`` is the embedding size, ``window`` the largest window, ``negatives`` the number of
    negatives per pair, ``t`` the subsampling threshold, ``lr`` decays linearly to ``min_lr``
    over the ``epochs``. ``blocks_per_step`` blocks of ``block`` centers are scored by one batched
    matrix product, each block sharing ``block_negatives`` negatives (see the module
    docstring). The loss is computed on every ``loss_every``-th step only (it costs time);
    ``subsampling`` names the formula of ``keep_probability``. Input vectors start uniform in
    ``±1 / dim``, as gensim's do (word2vec's C code uses ``±0.5 / dim``), output vectors at zero.
    Runs on the CPU with the threads ``torch.get_num_threads()`` allows; on one thread the result
    depends only on ``seed``.
    ``progress=True`` shows a progress bar over the epochs. Raises ``ValueError``/``TypeError``
    for a bad corpus or hyperparameter, and ``FloatingPointError`` when training diverges: a
    step sums the gradients of every occurrence of a word, which overshoots when a small
    vocabulary repeats each word many times a step (lower ``lr`` or ``blocks_per_step``).
    """
    ids, starts = _check_corpus(ids, sentence_starts, vocab)
    dim = _check_int("dim", dim, 1)
    window = _check_int("window", window, 1)
    negatives = _check_int("negatives", negatives, 0)
    epochs = _check_int("epochs", epochs, 1)
    block = _check_int("block", block, 2)
    block_negatives = _check_int("block_negatives", block_negatives, 1)
    blocks_per_step = _check_int("blocks_per_step", blocks_per_step, 1)
    loss_every = _check_int("loss_every", loss_every, 1)
    seed = _check_int("seed", seed, 0)
    t = _check_positive("t", t)
    lr = _check_positive("lr", lr)
    if isinstance(min_lr, bool) or not isinstance(min_lr, (int, float)) or not 0 <= min_lr <= lr:
        raise ValueError(f"min_lr must be a number in [0, lr={lr}], got {min_lr!r}")
    if subsampling not in SUBSAMPLING_FORMULAS:
        raise ValueError(f"subsampling must be one of {SUBSAMPLING_FORMULAS}, got {subsampling!r}")
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")

    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    w_in = (2 * torch.rand(len(vocab), dim, generator=gen) - 1) / dim
    w_out = torch.zeros(len(vocab), dim)
    keep = keep_probability(vocab.counts, t, formula=subsampling)
    cdf = np.cumsum(negative_distribution(vocab.counts))
    cdf[-1] = np.inf  # so that searchsorted never returns len(vocab)
    neg_scale = negatives / block_negatives
    start_loss = (1 + negatives) * math.log(2)  # every score is 0 at the start
    diverged = 10 * start_loss

    result = SkipGramResult(vectors=np.empty(0), output_vectors=np.empty(0), seconds=0.0,
                            words_per_second=0.0)
    bar = tqdm(total=epochs, desc="skip-gram", unit="epoch", disable=not progress)
    start = time.perf_counter()
    for epoch in range(epochs):
        blocks = make_blocks(ids, starts, rng, keep=keep, negative_cdf=cdf, window=window,
                             block=block, block_negatives=block_negatives)
        n_blocks = blocks.centers.shape[0]
        epoch_loss, epoch_pairs = 0.0, 0.0
        for step, lo in enumerate(range(0, n_blocks, blocks_per_step)):
            hi = min(lo + blocks_per_step, n_blocks)
            step_lr = lr - (lr - min_lr) * (epoch + lo / n_blocks) / epochs
            centers, columns = blocks.centers[lo:hi], blocks.columns[lo:hi]
            mask = blocks.mask(lo, hi)
            v = w_in.index_select(0, centers.reshape(-1)).view(*centers.shape, dim)
            u = w_out.index_select(0, columns.reshape(-1)).view(*columns.shape, dim)
            with_loss = step % loss_every == 0
            loss, grad_v, grad_u = sgns_block_loss_and_grads(v, u, mask, neg_scale,
                                                             with_loss=with_loss)
            # scatter_add_ sums the rows of repeated ids: SGD on the sum of their gradients.
            grad_v = grad_v.view(-1, dim).mul_(-step_lr)
            grad_u = grad_u.view(-1, dim).mul_(-step_lr)
            w_in.scatter_add_(0, centers.reshape(-1, 1).expand(-1, dim), grad_v)
            w_out.scatter_add_(0, columns.reshape(-1, 1).expand(-1, dim), grad_u)
            if with_loss:
                pairs = float(mask.sum())
                result.losses.append(float(loss) / max(pairs, 1.0))
                if not result.losses[-1] <= diverged:
                    raise FloatingPointError(
                        f"training diverged in epoch {epoch + 1}: the loss per pair is "
                        f"{result.losses[-1]:.3g}, it starts at {start_loss:.3g}; lower lr "
                        f"(now {lr}) or blocks_per_step (now {blocks_per_step}): one step sums "
                        "the gradients of every occurrence of a word"
                    )
                epoch_loss += float(loss)
                epoch_pairs += pairs
        result.epoch_losses.append(epoch_loss / max(epoch_pairs, 1.0))
        result.pairs += blocks.pairs
        bar.set_postfix(loss=f"{result.epoch_losses[-1]:.3f}", refresh=False)
        bar.update()
    result.seconds = time.perf_counter() - start
    bar.close()
    result.vectors = w_in.numpy()
    result.output_vectors = w_out.numpy()
    result.words_per_second = len(ids) * epochs / result.seconds
    return result


def _stable_hash(text: str) -> int:
    """A hash of a string that is the same in every process (Python's ``hash`` is salted)."""
    return zlib.crc32(text.encode("utf-8"))


def train_gensim(
    sentences: Sequence[Sequence[str]],
    *,
    dim: int = 100,
    window: int = 5,
    negatives: int = 5,
    t: float = 1e-4,
    epochs: int = 5,
    lr: float = 0.025,
    min_lr: float = 1e-4,
    seed: int = 0,
    workers: int = 1,
    min_count: int = 5,
):
    """gensim's skip-gram with negative sampling with the same hyperparameters as ours.

    Returns ``(model, seconds)``: the trained ``gensim.models.Word2Vec`` and the time of
    ``model.train`` alone (subsampling, windows and negatives included, the vocabulary not).
    gensim draws the initial vectors from ``seed``; ``hashfxn`` is set to a stable hash
    (CRC-32) for the code paths that seed a word's vector by hashing it, where Python's salted
    ``hash`` would differ between processes. One worker gives the same model every run;
    several workers do not. Raises ``ValueError``/``TypeError`` for a bad hyperparameter.
    """
    from gensim.models import Word2Vec

    sentences = _check_sentences(sentences)
    for name, value, low in [("dim", dim, 1), ("window", window, 1), ("negatives", negatives, 0),
                             ("epochs", epochs, 1), ("seed", seed, 0), ("workers", workers, 1),
                             ("min_count", min_count, 1)]:
        _check_int(name, value, low)
    t, lr = _check_positive("t", t), _check_positive("lr", lr)
    model = Word2Vec(vector_size=dim, window=window, negative=negatives, hs=0, sg=1, sample=t,
                     alpha=lr, min_alpha=min_lr, min_count=min_count, workers=workers, seed=seed,
                     hashfxn=_stable_hash)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    return model, time.perf_counter() - start


def keyed_vectors(vectors: np.ndarray | torch.Tensor, vocab: Vocab):
    """Our vectors as gensim ``KeyedVectors`` (keys in vocabulary order), for evaluation.

    Raises ``ValueError`` when ``vectors`` is not ``(len(vocab), dim)``.
    """
    from gensim.models import KeyedVectors

    if isinstance(vectors, torch.Tensor):
        vectors = vectors.detach().cpu().numpy()
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(vocab):
        raise ValueError(
            f"vectors must be (len(vocab)={len(vocab)}, dim), got {tuple(vectors.shape)}"
        )
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(vocab.idx_to_token, vectors)
    return kv


def evaluate(
    kv,
    *,
    wordsim: str | None = None,
    simlex: str | None = None,
    analogies: str | None = None,
) -> dict[str, float]:
    """Word similarity and analogy scores of any gensim ``KeyedVectors`` (ours or ``model.wv``).

    Returns ``wordsim353`` and ``simlex999`` (Spearman correlation of cosine similarity with
    the human ratings), ``analogy`` (accuracy of 3CosAdd on Google's analogy questions), and for
    each the share of its pairs or questions left out because a word is not in the vocabulary
    (``wordsim353_oov`` and so on, between 0 and 1); a score is NaN when fewer than two of
    its pairs are in the vocabulary. Words are compared case-insensitively.
    The three test sets ship with gensim; ``wordsim``, ``simlex`` and ``analogies`` replace
    them by other files of the same format.
    """
    from gensim.test.utils import datapath

    scores = {}
    for name, path in [("wordsim353", wordsim or datapath("wordsim353.tsv")),
                       ("simlex999", simlex or datapath("simlex999.txt"))]:
        known = {key.upper() for key in kv.index_to_key}
        with open(path, encoding="utf-8") as fh:
            pairs = [line.split("\t")[:2] for line in fh if line.strip() and line[0] != "#"]
        n_known = sum(a.upper() in known and b.upper() in known for a, b in pairs)
        if n_known < 2:  # no correlation from fewer than two pairs
            scores[name], scores[f"{name}_oov"] = math.nan, 1 - n_known / max(len(pairs), 1)
            continue
        _, spearman, oov_percent = kv.evaluate_word_pairs(path)
        scores[name] = float(spearman.statistic)
        scores[f"{name}_oov"] = oov_percent / 100
    path = analogies or datapath("questions-words.txt")
    with open(path, encoding="utf-8") as fh:
        total = sum(1 for line in fh if line.strip() and not line.startswith(":"))
    accuracy, sections = kv.evaluate_word_analogies(path)
    overall = sections[-1]
    asked = len(overall["correct"]) + len(overall["incorrect"])
    scores["analogy"] = float(accuracy)
    scores["analogy_oov"] = 1 - asked / total if total else 0.0
    return scores


def nearest(kv, word: str, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` nearest words to ``word`` by cosine similarity, as ``(word, cosine)`` pairs.

    Raises ``UnknownWordError`` (a ``KeyError``) naming the word and the closest words that are
    in the vocabulary, ``ValueError`` for ``k < 1`` and ``TypeError`` for a ``k`` that is not
    an int.
    """
    k = _check_int("k", k, 1)
    if word not in kv.key_to_index:
        raise _unknown_word(word, kv.index_to_key, "it was not seen often enough in training")
    return [(w, float(c)) for w, c in kv.most_similar(word, topn=k)]
