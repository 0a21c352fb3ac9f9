"""Decoding a sequence model: greedy, beam and exhaustive search, and a small translator.

**The step interface.** Every decoder here drives its model through two methods, so the same
code decodes a toy table, the translator and the random tables of the tests:

- ``model.start(sources) -> state`` reads a batch of source sentences (lists of token ids) once
  and returns the decoder state of one empty hypothesis per sentence: row ``b`` of the state
  belongs to ``sources[b]``.
- ``model.step(tokens, state, index) -> (log_probs, new_state)`` advances ``N`` hypotheses by
  one token. Hypothesis ``i`` continues from row ``index[i]`` of ``state`` (an int64 tensor of
  shape ``(N,)``: it reorders, duplicates or drops rows, so beams are selected by index and
  the stored state is never copied to reorder them) and is fed ``tokens[i]``, the token it
  ended with (``model.bos`` at the first step). ``log_probs`` is ``(N, V)``: the
  log-probability of each next token; ``new_state`` has one row per hypothesis. What a state
  holds is the model's business: the translator's rows are a hidden vector and the number of
  their sentence, and the state stores each sentence's encoder outputs once, for all its beams
  (each step gathers the rows it needs).
- ``model.bos`` and ``model.eos`` are the ids of the start and end tokens.

**What a search returns.** A :class:`Hypothesis`: the generated tokens (``<eos>`` included when
the hypothesis ended with it; one that reached ``max_len`` tokens without it stops there), its
log-probability ``log P`` and its score ``log P / L**alpha``, ``L`` the number of tokens
(``<eos>`` counted). ``alpha = 0`` ranks by probability; ``alpha = 0.75`` is a
middle ground. A hypothesis of probability zero (``log P = -inf``) is never kept.

**Beam search, exactly.** At each step every live hypothesis of a sentence is extended by every
token; of these candidates the ``k - f`` with the highest ``log P`` are kept, ``f`` being the
number of the sentence's hypotheses already finished. Kept candidates that end with ``<eos>``
(or reach ``max_len``) are finished, the others live on. A sentence is done when it has no live
hypothesis left, and the search stops when every sentence is done (or after ``max_len`` steps).
Candidates of equal ``log P`` are ranked by their parent's place in the beam, then by token id;
the finished hypotheses are returned by score (ties: by token ids), best first. With ``k = 1``
this is greedy decoding; with ``k`` at least ``V**max_len`` nothing is pruned and it returns
every possible output, as :func:`exhaustive_search` does. Log-probabilities are summed in
float64 in the same order by every decoder here, so :func:`beam_search` (batched) and
:func:`beam_search_reference` (one hypothesis at a time) agree exactly whenever the model gives
each hypothesis the same log-probabilities in a batch as alone (the tables do; a network's
matrix products may differ in the last bits between one row and many).

**Contents.** Decoders: :func:`greedy_search` and :func:`beam_search` (a batch of sources),
:func:`beam_search_reference` (one source; ``trace=`` records the beam tree) and
:func:`exhaustive_search` (one source, tiny vocabularies). Toy models: :class:`TableDecoder`
and :func:`random_table`. The translator: :func:`tokenize`, :class:`Vocab`,
:func:`translation_splits` (train / valid / held-out test, deterministic),
:func:`translation_loader` and :func:`sequence_loss` (for :func:`d2lutils.fit`), and
:class:`Seq2Seq`. Decode a translator in eval mode (``model.eval()``); sources are the
English token ids without ``<eos>`` (``src_vocab.encode(tokenize(text))``), and
``tgt_vocab.decode(h.tokens)`` gives the French tokens.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from d2lutils._checks import check_int as _check_int

# --------------------------------------------------------------------------------------------
# The step interface and what the searches return


@runtime_checkable
class StepModel(Protocol):
    """What a decoder needs from a model (see the module docstring)."""

    bos: int
    eos: int

    def start(self, sources: Sequence[Sequence[int]]) -> Any: ...

    def step(
        self, tokens: torch.Tensor, state: Any, index: torch.Tensor
    ) -> tuple[torch.Tensor, Any]: ...


@dataclass(frozen=True)
class Hypothesis:
    """A decoded output: its tokens (``<eos>`` included if it ended so), ``log P`` and score."""

    tokens: tuple[int, ...]
    log_prob: float
    score: float


class Candidate(NamedTuple):
    """One extension considered by :func:`beam_search_reference`'s ``trace``."""

    tokens: tuple[int, ...]
    log_prob: float
    status: str  # "live" (kept, goes on), "finished" (kept, ended) or "pruned"


def length_normalized(log_prob: float, length: int, alpha: float) -> float:
    """The score ``log_prob / length**alpha`` of a hypothesis of ``length`` tokens."""
    return log_prob / length**alpha


def _sort_key(h: Hypothesis) -> tuple[float, tuple[int, ...]]:
    return (-h.score, h.tokens)


def _check_model(model: object) -> None:
    missing = [a for a in ("start", "step", "bos", "eos") if not hasattr(model, a)]
    if missing:
        raise TypeError(
            f"model must implement the step interface (start, step, bos, eos; see "
            f"d2lutils.decoding), {type(model).__name__} lacks {', '.join(missing)}"
        )


def _check_alpha(alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating, np.integer)):
        raise TypeError(f"alpha must be a number, got {alpha!r}")
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError(
            f"alpha must be a finite number >= 0 (0: no length normalization, 0.75 usual), "
            f"got alpha={alpha}"
        )
    return float(alpha)


def _check_source(source: object, name: str = "source") -> list[int]:
    if isinstance(source, torch.Tensor):
        if source.ndim != 1:
            raise ValueError(f"{name} must be one sentence (1-D), got shape {tuple(source.shape)}")
        source = source.tolist()
    if isinstance(source, str) or not isinstance(source, Sequence):
        raise TypeError(f"{name} must be a list of token ids, got {source!r}")
    if not all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in source):
        raise TypeError(f"{name} must hold int token ids, got {list(source)!r}")
    return [int(t) for t in source]


def _check_sources(sources: object) -> list[list[int]]:
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise TypeError(
            f"sources must be a list of sentences (lists of token ids), got {sources!r}"
        )
    return [_check_source(s, f"sources[{i}]") for i, s in enumerate(sources)]


# --------------------------------------------------------------------------------------------
# Decoders


@torch.no_grad()
def greedy_search(
    model: StepModel, sources: Sequence[Sequence[int]], max_len: int, alpha: float = 0.75
) -> list[Hypothesis]:
    """The most likely next token at every step (ties: the smallest id), for a batch at once.

    Raises ``TypeError`` for a model without the step interface, sources that are not lists
    of int ids, a non-int ``max_len`` or an ``alpha`` that is not a number; ``ValueError``
    for ``max_len < 1`` or ``alpha < 0``.
    """
    _check_model(model)
    sources = _check_sources(sources)
    max_len, alpha = _check_int("max_len", max_len, 1), _check_alpha(alpha)
    results: list[Hypothesis | None] = [None] * len(sources)
    if not sources:
        return []
    state = model.start(sources)
    index = torch.arange(len(sources))
    sentence = index.clone()
    tokens = torch.full((len(sources),), model.bos)
    log_prob = torch.zeros(len(sources), dtype=torch.float64)
    sequences = torch.zeros(len(sources), 0, dtype=torch.int64)
    for t in range(1, max_len + 1):
        log_probs, state = model.step(tokens, state, index)
        best = log_probs.to(torch.float64).max(dim=1)  # max returns the first maximal index
        log_prob = log_prob.to(best.values.device) + best.values
        tokens = best.indices
        sequences = torch.cat([sequences.to(tokens.device), tokens[:, None]], dim=1)
        ended = (tokens == model.eos) | (t == max_len)
        for b, seq, lp in zip(
            sentence[ended.cpu()].tolist(),
            sequences[ended].tolist(),
            log_prob[ended].tolist(),
            strict=True,
        ):
            results[b] = Hypothesis(tuple(seq), lp, length_normalized(lp, t, alpha))
        live = ~ended  # finished sentences leave the batch
        index = live.nonzero().squeeze(1)
        sentence, tokens = sentence[live.cpu()], tokens[live]
        log_prob, sequences = log_prob[live], sequences[live]
        if len(index) == 0:
            break
    return results  # type: ignore[return-value]


@torch.no_grad()
def beam_search_reference(
    model: StepModel,
    source: Sequence[int],
    k: int,
    max_len: int,
    alpha: float = 0.75,
    trace: list[list[Candidate]] | None = None,
) -> list[Hypothesis]:
    """Beam search for one sentence, one hypothesis at a time: the plain version to read.

    The source is encoded once; each live hypothesis keeps the state it is to be advanced
    from, so extending it costs one decoder step. Returns the finished hypotheses, best first.
    With a list as ``trace``, each step appends every extension of probability > 0 of every
    live hypothesis as a :class:`Candidate`, marked live, finished or pruned (for drawing the
    beam tree). Raises ``TypeError`` for a model without the step interface, a source that
    is not a list of int ids, a non-int ``k`` or ``max_len``, an ``alpha`` that is not a
    number or a ``trace`` that is not a list; ``ValueError`` for ``k < 1``, ``max_len < 1``
    or ``alpha < 0``.
    """
    if trace is not None and not isinstance(trace, list):
        raise TypeError(f"trace must be a list to append the steps to, or None, got {trace!r}")
    _check_model(model)
    source = _check_source(source)
    k, max_len = _check_int("k", k, 1), _check_int("max_len", max_len, 1)
    alpha = _check_alpha(alpha)
    # A live hypothesis: (tokens, log P, the state its last token is fed into).
    beam = [((), 0.0, model.start([source]))]
    finished: list[Hypothesis] = []
    for t in range(1, max_len + 1):
        width = k - len(finished)  # how many candidates this step keeps
        candidates, every = [], []
        for rank, (tokens, log_prob, state) in enumerate(beam):
            last = tokens[-1] if tokens else model.bos
            log_probs, new_state = model.step(torch.tensor([last]), state, torch.tensor([0]))
            total = log_probs[0].to(torch.float64) + log_prob
            # Only this hypothesis' `width` best extensions (and ties) can be kept.
            kth = total.topk(min(width, len(total))).values[-1]
            for token in ((total >= kth) & (total > -math.inf)).nonzero()[:, 0].tolist():
                candidates.append((total[token].item(), rank, token, tokens, new_state))
            if trace is not None:
                every += [
                    ((*tokens, v), lp) for v, lp in enumerate(total.tolist()) if lp > -math.inf
                ]
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))  # by log P, parent, token
        beam = []
        for log_prob, _, token, tokens, state in candidates[:width]:
            tokens = (*tokens, token)
            if token == model.eos or t == max_len:
                finished.append(Hypothesis(tokens, log_prob, length_normalized(log_prob, t, alpha)))
            else:
                beam.append((tokens, log_prob, state))
        if trace is not None:
            status = {h.tokens: "finished" for h in finished} | {b[0]: "live" for b in beam}
            trace.append([Candidate(seq, lp, status.get(seq, "pruned")) for seq, lp in every])
        if not beam:
            break
    return sorted(finished, key=_sort_key)


def _take_best(flat: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """Mask of the ``width[s]`` largest finite entries of each row ``s`` (ties: lowest index)."""
    k = int(width.max())
    kth = flat.topk(k, dim=1).values.gather(1, (width - 1)[:, None])  # the width-th best value
    chosen = flat >= kth
    if bool(torch.isfinite(kth).all()) and int(chosen.sum()) == int(width.sum()):
        return chosen  # no ties at the threshold: the common case
    above = flat > kth
    at = flat == kth
    need = width - above.sum(dim=1)
    return (above | (at & (at.cumsum(dim=1) <= need[:, None]))) & (flat > -math.inf)


def _extensions(
    log_probs: torch.Tensor, log_prob: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The extensions of each hypothesis that can be kept: their log P (float64), by token id.

    Returns ``(value, None)``, all ``V`` tokens of each row, or, when each row's ``k`` best
    tokens beat the rest strictly, only these: ``(value, token)``, both ``(N, k)``. A token
    outside a row's ``k`` best then trails ``k`` of its siblings and cannot be kept.
    """
    if log_probs.shape[1] > k:
        top = log_probs.topk(k + 1, dim=1)
        total = top.values.to(torch.float64) + log_prob[:, None]
        if bool((total[:, k] < total[:, k - 1]).all()):
            token, order = top.indices[:, :k].sort(dim=1)  # ties are ranked by token id
            return total[:, :k].gather(1, order), token
    return log_probs.to(torch.float64) + log_prob[:, None], None


@torch.no_grad()
def beam_search(
    model: StepModel,
    sources: Sequence[Sequence[int]],
    k: int,
    max_len: int,
    alpha: float = 0.75,
) -> list[list[Hypothesis]]:
    """Beam search for a batch: all sentences' beams advance with one decoder call per step.

    Returns, for each sentence, its finished hypotheses, best first (the same as
    :func:`beam_search_reference`). The live hypotheses of all sentences sit in one flat batch,
    grouped by sentence and in beam order; a sentence with no live hypothesis leaves the batch.
    Raises the errors of :func:`beam_search_reference` (``TypeError``, ``ValueError``).
    """
    _check_model(model)
    sources = _check_sources(sources)
    k, max_len = _check_int("k", k, 1), _check_int("max_len", max_len, 1)
    alpha = _check_alpha(alpha)
    results: list[list[Hypothesis]] = [[] for _ in sources]
    if not sources:
        return results
    state = model.start(sources)
    n = len(sources)
    # One entry per live hypothesis: its row in `state`, last token, log P, tokens so far,
    # the slot of its sentence among the live sentences, and its place in that sentence's beam.
    index = torch.arange(n)
    tokens = torch.full((n,), model.bos)
    log_prob = torch.zeros(n, dtype=torch.float64)
    sequences = torch.zeros(n, 0, dtype=torch.int64)
    slot, rank = torch.arange(n), torch.zeros(n, dtype=torch.int64)
    sentence = torch.arange(n)  # the sentence of each slot
    width = torch.full((n,), k)  # k minus the finished hypotheses of each slot's sentence
    for t in range(1, max_len + 1):
        log_probs, state = model.step(tokens, state, index)
        dev = log_probs.device
        if t == 1:
            index, tokens, log_prob, sequences, slot, rank, sentence, width = (
                x.to(dev) for x in (index, tokens, log_prob, sequences, slot, rank, sentence, width)
            )
        value, token_of = _extensions(log_probs, log_prob, k)
        columns = value.shape[1]
        # Candidates of each sentence side by side: row s holds (beam place, token) pairs.
        grid = torch.full((len(sentence), k, columns), -math.inf, dtype=value.dtype, device=dev)
        grid[slot, rank] = value
        flat = grid.view(len(sentence), k * columns)
        s, position = _take_best(flat, width).nonzero(as_tuple=True)  # by slot, then position
        value = flat[s, position]
        order = torch.sort(value, descending=True, stable=True).indices  # by log P ...
        order = order[torch.sort(s[order], stable=True).indices]  # ... within each slot
        s, position, value = s[order], position[order], value[order]
        row_of = torch.zeros(len(sentence), k, dtype=torch.int64, device=dev)
        row_of[slot, rank] = torch.arange(len(slot), device=dev)
        parent, column = row_of[s, position // columns], position % columns
        token = column if token_of is None else token_of[parent, column]
        sequences = torch.cat([sequences[parent], token[:, None]], dim=1)
        ended = (token == model.eos) | (t == max_len)
        for b, seq, lp in zip(
            sentence[s[ended]].tolist(),
            sequences[ended].tolist(),
            value[ended].tolist(),
            strict=True,
        ):
            results[b].append(Hypothesis(tuple(seq), lp, length_normalized(lp, t, alpha)))
        width = width - torch.bincount(s[ended], minlength=len(sentence))
        live = ~ended
        index, tokens, log_prob = parent[live], token[live], value[live]
        sequences, s = sequences[live], s[live]
        # Renumber: live sentences get consecutive slots, each beam's places start at 0.
        counts = torch.bincount(s, minlength=len(sentence))
        keep = counts > 0
        new_slot = torch.cumsum(keep, dim=0) - 1
        starts = torch.cumsum(counts, dim=0) - counts
        rank = torch.arange(len(s), device=dev) - starts[s]
        slot, sentence, width = new_slot[s], sentence[keep], width[keep]
        if len(index) == 0:
            break
    return [sorted(r, key=_sort_key) for r in results]


@torch.no_grad()
def exhaustive_search(
    model: StepModel, source: Sequence[int], max_len: int, alpha: float = 0.75
) -> list[Hypothesis]:
    """Every output of at most ``max_len`` tokens with probability > 0, best score first.

    Each prefix is advanced once from its cached state; feasible only for tiny vocabularies
    (``V**max_len`` sequences at most). Raises ``TypeError`` for a model without the step
    interface, a bad source, ``max_len`` or ``alpha`` (as :func:`beam_search_reference`), and
    ``ValueError`` for ``max_len < 1``, ``alpha < 0`` or more than a million sequences.
    """
    _check_model(model)
    source = _check_source(source)
    max_len, alpha = _check_int("max_len", max_len, 1), _check_alpha(alpha)
    found: list[Hypothesis] = []
    stack = [((), 0.0, model.start([source]))]
    while stack:
        tokens, log_prob, state = stack.pop()
        last = tokens[-1] if tokens else model.bos
        log_probs, new_state = model.step(torch.tensor([last]), state, torch.tensor([0]))
        if not tokens and log_probs.shape[1] ** max_len > 10**6:
            raise ValueError(
                f"exhaustive search would visit up to {log_probs.shape[1]}**{max_len} sequences; "
                "use a smaller max_len or vocabulary"
            )
        total = (log_probs[0].to(torch.float64) + log_prob).tolist()
        for token, lp in enumerate(total):
            if lp == -math.inf:
                continue
            seq = (*tokens, token)
            if token == model.eos or len(seq) == max_len:
                found.append(Hypothesis(seq, lp, length_normalized(lp, len(seq), alpha)))
            else:
                stack.append((seq, lp, new_state))
    return sorted(found, key=_sort_key)


# --------------------------------------------------------------------------------------------
# Toy models: an explicit table of next-token probabilities


class TableDecoder:
    """A toy model from a table ``prefix -> next-token probabilities`` (no network).

    ``table`` maps tuples of tokens (ids, or names from ``vocab``) to a list of ``V``
    probabilities. The toy has no encoder: a source sentence is a prefix the model continues,
    so the distribution after output ``y`` for source ``x`` is ``table[x + y]`` (with the empty
    source, ``table[y]``). ``eos`` is the id or name of the end token (default: the last id);
    ``bos`` is ``V``, an id outside the table.

    Raises ``TypeError`` for a table that is not a non-empty dict, a key that is not a tuple or
    a token that is neither an id nor a name; ``ValueError`` for distributions of different
    lengths, a ``vocab`` of another size, unknown names or ids, probabilities that are negative
    or do not sum to 1, and (from ``step``) a prefix the table has no entry for.
    """

    def __init__(
        self,
        table: Mapping[Sequence[int | str], Sequence[float]],
        vocab: Sequence[str] | None = None,
        eos: int | str | None = None,
    ) -> None:
        if not isinstance(table, Mapping) or not table:
            raise TypeError(
                f"table must be a non-empty dict prefix -> probabilities, got {table!r}"
            )
        sizes = {len(p) for p in table.values()}
        if len(sizes) != 1:
            raise ValueError(f"every distribution in table must have the same length, got {sizes}")
        self.vocab_size = sizes.pop()
        if vocab is not None and len(vocab) != self.vocab_size:
            raise ValueError(
                f"vocab has {len(vocab)} tokens but the table's distributions have "
                f"{self.vocab_size} entries"
            )
        self.vocab = list(vocab) if vocab is not None else None
        self.eos = self.vocab_size - 1 if eos is None else self._id(eos, "eos")
        self.bos = self.vocab_size
        self._log: dict[tuple[int, ...], torch.Tensor] = {}
        for prefix, probs in table.items():
            if isinstance(prefix, str) or not isinstance(prefix, Sequence):
                raise TypeError(f"table keys must be tuples of tokens, got {prefix!r}")
            key = tuple(self._id(t, f"token {t!r} of prefix {prefix!r}") for t in prefix)
            p = torch.as_tensor(np.asarray(probs, dtype=np.float64))
            if not (bool(torch.isfinite(p).all()) and bool((p >= 0).all())):
                raise ValueError(f"table[{prefix!r}] must hold probabilities >= 0, got {probs!r}")
            if abs(float(p.sum()) - 1.0) > 1e-6:
                raise ValueError(f"table[{prefix!r}] sums to {float(p.sum())}, not 1")
            self._log[key] = torch.log(p)

    def _id(self, token: int | str, what: str) -> int:
        if isinstance(token, str):
            if self.vocab is None or token not in self.vocab:
                raise ValueError(f"{what}: unknown token name; the vocab is {self.vocab}")
            return self.vocab.index(token)
        if isinstance(token, bool) or not isinstance(token, (int, np.integer)):
            raise TypeError(f"{what}: a token must be an int id or a name, got {token!r}")
        if not 0 <= token < self.vocab_size:
            raise ValueError(f"{what}: id out of range [0, {self.vocab_size})")
        return int(token)

    def decode(self, tokens: Sequence[int]) -> str:
        """The tokens' names joined by spaces (their ids without a ``vocab``)."""
        names = self.vocab or [str(i) for i in range(self.vocab_size)]
        return " ".join(names[t] for t in tokens)

    def start(self, sources: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
        return [tuple(s) for s in sources]  # a row of the state is the prefix read so far

    def step(
        self, tokens: torch.Tensor, state: list[tuple[int, ...]], index: torch.Tensor
    ) -> tuple[torch.Tensor, list[tuple[int, ...]]]:
        new_state = []
        for i, token in zip(index.tolist(), tokens.tolist(), strict=True):
            new_state.append(state[i] if token == self.bos else (*state[i], token))
        rows = []
        for prefix in new_state:
            if prefix not in self._log:
                shown = self.decode(prefix) if prefix else "the empty prefix"
                raise ValueError(
                    f"the table has no next-token probabilities after {shown} {prefix}; add "
                    "that prefix to the table or decode with a smaller max_len"
                )
            rows.append(self._log[prefix])
        return torch.stack(rows), new_state


def random_table(
    vocab_size: int, max_len: int, seed: int, ties: bool = False
) -> dict[tuple[int, ...], list[float]]:
    """A random table for :class:`TableDecoder`: every prefix without ``<eos>`` (the last id)
    shorter than ``max_len`` gets a random distribution.

    ``ties=True`` draws probabilities proportional to small integers 0–3, so equal and zero
    probabilities are common (a test of tie-breaking and of impossible tokens). Raises
    ``TypeError`` for a non-int size or seed, ``ValueError`` for ``vocab_size < 2``,
    ``max_len < 1``, ``seed < 0`` or a table of more than a million prefixes.
    """
    vocab_size = _check_int("vocab_size", vocab_size, 2)
    max_len = _check_int("max_len", max_len, 1)
    seed = _check_int("seed", seed, 0)
    if sum((vocab_size - 1) ** t for t in range(max_len)) > 10**6:
        raise ValueError(f"a table for vocab_size={vocab_size}, max_len={max_len} is too big")
    rng = np.random.default_rng(seed)
    table = {}
    level: list[tuple[int, ...]] = [()]
    for _ in range(max_len):
        for prefix in level:
            if ties:
                w = rng.integers(0, 4, vocab_size).astype(np.float64)
                w[rng.integers(vocab_size)] += 1  # never all zero
            else:
                w = rng.dirichlet(np.full(vocab_size, 0.5))
            table[prefix] = (w / w.sum()).tolist()
        level = [(*p, t) for p in level for t in range(vocab_size - 1)]
    return table


# --------------------------------------------------------------------------------------------
# The translator: tokens, vocabularies, splits, batches and a GRU encoder-decoder with attention

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
_TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Lower-case, then split into words (letters, digits, ``'`` and ``-``) and punctuation.

    Raises ``TypeError`` if ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {text!r}")
    return _TOKEN.findall(text.lower())


class Vocab:
    """Token <-> id for the tokens seen at least ``min_freq`` times; ids 0–3 are
    ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>`` (unknown words).

    Raises ``TypeError`` for a non-int ``min_freq``, ``ValueError`` for ``min_freq < 1``.
    """

    def __init__(self, sentences: Sequence[Sequence[str]], min_freq: int = 2) -> None:
        min_freq = _check_int("min_freq", min_freq, 1)
        counts = Counter(t for s in sentences for t in s)
        kept = sorted(
            (t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t)
        )
        self.tokens = [PAD, BOS, EOS, UNK, *(t for t in kept if t not in (PAD, BOS, EOS, UNK))]
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.pad, self.bos, self.eos, self.unk = 0, 1, 2, 3

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of ``tokens`` (``<unk>`` for unknown ones), without ``<eos>``.

        Raises ``TypeError`` for a string (a sentence) instead of a list of tokens.
        """
        if isinstance(tokens, str):
            raise TypeError("encode takes a list of tokens; split a sentence with tokenize()")
        return [self.index.get(t, self.unk) for t in tokens]

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Tokens of ``ids`` up to the first ``<eos>``, without ``<bos>`` and ``<pad>``."""
        out = []
        for i in ids:
            if i == self.eos:
                break
            if i not in (self.pad, self.bos):
                out.append(self.tokens[i])
        return out


Pair = tuple[list[str], list[str]]


@dataclass
class TranslationData:
    """Tokenized (English, French) pairs split three ways, and the vocabularies of ``train``.

    No English sentence of ``valid`` or ``test`` occurs in ``train``; ``references`` maps each
    of their English sentences (a tuple of tokens) to all its French translations in the data.
    """

    train: list[Pair]
    valid: list[Pair]
    test: list[Pair]
    src_vocab: Vocab
    tgt_vocab: Vocab
    references: dict[tuple[str, ...], list[list[str]]] = field(repr=False)


def translation_splits(
    pairs: Sequence[tuple[str, str]],
    max_tokens: int = 8,
    train_size: int = 30_000,
    valid_size: int = 1_000,
    test_size: int = 1_000,
    seed: int = 0,
    min_freq: int = 2,
) -> TranslationData:
    """Tokenize ``pairs``, keep those of at most ``max_tokens`` tokens a side, split them.

    The distinct English sentences are shuffled with ``seed``; ``test`` and then ``valid`` take
    one pair (its first translation) for each of the first ``test_size`` and ``valid_size``
    sentences, and ``train`` takes ``train_size`` pairs of the remaining sentences. The same
    arguments give the same splits on every machine. Raises ``TypeError`` for a non-int size,
    ``max_tokens`` or seed, or a sentence that is not a ``str``; ``ValueError`` for a negative
    size or seed, ``max_tokens < 1``, or sizes larger than the data allow.
    """
    max_tokens = _check_int("max_tokens", max_tokens, 1)
    sizes = [
        _check_int(n, v, 0)
        for n, v in (
            ("train_size", train_size),
            ("valid_size", valid_size),
            ("test_size", test_size),
        )
    ]
    seed = _check_int("seed", seed, 0)
    by_source: dict[tuple[str, ...], list[list[str]]] = {}
    for en, fr in pairs:
        src, tgt = tokenize(en), tokenize(fr)
        if 0 < len(src) <= max_tokens and 0 < len(tgt) <= max_tokens:
            by_source.setdefault(tuple(src), []).append(tgt)
    sources = list(by_source)
    random.Random(seed).shuffle(sources)
    held = sizes[1] + sizes[2]
    if held > len(sources):
        raise ValueError(
            f"valid_size + test_size = {held} exceeds the {len(sources)} distinct English "
            f"sentences of at most {max_tokens} tokens"
        )
    test = [(list(s), by_source[s][0]) for s in sources[: sizes[2]]]
    valid = [(list(s), by_source[s][0]) for s in sources[sizes[2] : held]]
    rest = [(list(s), t) for s in sources[held:] for t in by_source[s]]
    random.Random(seed + 1).shuffle(rest)
    if sizes[0] > len(rest):
        raise ValueError(f"train_size={sizes[0]} exceeds the {len(rest)} pairs left for training")
    train = rest[: sizes[0]]
    return TranslationData(
        train,
        valid,
        test,
        Vocab([s for s, _ in train], min_freq),
        Vocab([t for _, t in train], min_freq),
        {s: by_source[s] for s in sources[:held]},
    )


def _pad(rows: Sequence[Sequence[int]], pad: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([list(r) + [pad] * (width - len(r)) for r in rows], dtype=torch.int64)


def _encode_sources(sources: Sequence[Sequence[int]], pad: int, eos: int):
    """Sources with ``<eos>`` appended (so an empty one has one token), padded, and lengths."""
    rows = [[*s, eos] for s in sources]
    return _pad(rows, pad), torch.tensor([len(r) for r in rows])


def translation_loader(
    pairs: Sequence[Pair],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    batch_size: int = 64,
    shuffle: bool = False,
    seed: int = 0,
) -> torch.utils.data.DataLoader:
    """Batches ``(src, src_len, tgt_in, tgt_out)`` for :func:`d2lutils.fit`.

    ``src`` ends with ``<eos>``; ``tgt_in`` is ``<bos>`` + French, ``tgt_out`` French +
    ``<eos>``; all padded with ``<pad>`` (id 0), which :func:`sequence_loss` ignores. Raises
    ``TypeError`` for a non-int ``batch_size``, ``ValueError`` for ``batch_size < 1`` or no
    pairs.
    """
    batch_size = _check_int("batch_size", batch_size, 1)
    if not pairs:
        raise ValueError("pairs is empty")
    data = [(src_vocab.encode(s), tgt_vocab.encode(t)) for s, t in pairs]

    def collate(batch):
        src, src_len = _encode_sources([s for s, _ in batch], src_vocab.pad, src_vocab.eos)
        tgt_in = _pad([[tgt_vocab.bos, *t] for _, t in batch], tgt_vocab.pad)
        tgt_out = _pad([[*t, tgt_vocab.eos] for _, t in batch], tgt_vocab.pad)
        return src, src_len, tgt_in, tgt_out

    generator = torch.Generator().manual_seed(seed) if shuffle else None
    return torch.utils.data.DataLoader(
        data, batch_size=batch_size, shuffle=shuffle, collate_fn=collate, generator=generator
    )


def sequence_loss(logits: torch.Tensor, target: torch.Tensor, pad: int = 0) -> torch.Tensor:
    """Cross-entropy per target token, averaged over the tokens that are not ``<pad>``.

    Raises ``ValueError`` unless ``logits`` is ``(B, T, V)`` and ``target`` ``(B, T)``.
    """
    if logits.ndim != 3 or target.shape != logits.shape[:2]:
        raise ValueError(
            f"sequence_loss needs logits (B, T, V) and target (B, T), got "
            f"{tuple(logits.shape)} and {tuple(target.shape)}"
        )
    return F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=pad)


@dataclass
class AttentionState:
    """The translator's decoder state: one row per hypothesis, the encoder's outputs shared.

    ``hidden`` (N, H) and ``sentence`` (N,) have a row per hypothesis; ``memory`` (B, S, H),
    ``keys`` (B, S, H) and ``mask`` (B, S) have one per source sentence, and row ``i`` attends
    to sentence ``sentence[i]``. ``attention`` (N, S) holds the last step's attention weights.
    """

    hidden: torch.Tensor
    sentence: torch.Tensor
    memory: torch.Tensor
    keys: torch.Tensor
    mask: torch.Tensor
    attention: torch.Tensor | None = None


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder with additive (Bahdanau) attention; implements the step interface.

    ``model(src, src_len, tgt_in)`` returns next-token logits ``(B, T, V)`` (teacher forcing,
    for training with :func:`d2lutils.fit` and :func:`sequence_loss`). At each step the previous
    decoder state ``h`` attends over the encoder outputs ``m_j`` with scores
    ``v . tanh(W_q h + W_k m_j)``; the context and the previous token's embedding feed a GRU
    cell, and the new state with the context gives the logits. Raises ``TypeError`` for a
    size that is not an int, ``ValueError`` for one below 1.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        embed_size: int = 128,
        hidden_size: int = 256,
        pad: int = 0,
        bos: int = 1,
        eos: int = 2,
    ) -> None:
        super().__init__()
        for name, value in (
            ("src_vocab_size", src_vocab_size),
            ("tgt_vocab_size", tgt_vocab_size),
            ("embed_size", embed_size),
            ("hidden_size", hidden_size),
        ):
            _check_int(name, value, 1)
        self.pad, self.bos, self.eos = pad, bos, eos
        self.src_embed = nn.Embedding(src_vocab_size, embed_size, padding_idx=pad)
        self.encoder = nn.GRU(embed_size, hidden_size, batch_first=True)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, embed_size, padding_idx=pad)
        self.W_q = nn.Linear(hidden_size, hidden_size, bias=False)
        self.W_k = nn.Linear(hidden_size, hidden_size, bias=False)
        self.v = nn.Linear(hidden_size, 1, bias=False)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.out = nn.Linear(2 * hidden_size, tgt_vocab_size)

    def encode(self, src: torch.Tensor, src_len: torch.Tensor) -> AttentionState:
        """Run the encoder once: the state of one empty hypothesis per sentence."""
        memory, _ = self.encoder(self.src_embed(src))
        rows = torch.arange(len(src), device=src.device)
        hidden = memory[rows, src_len.to(src.device) - 1]  # the output at each last real token
        mask = torch.arange(src.shape[1], device=src.device)[None] < src_len.to(src.device)[:, None]
        return AttentionState(hidden, rows, memory, self.W_k(memory), mask)

    def _advance(
        self, embedded: torch.Tensor, state: AttentionState
    ) -> tuple[torch.Tensor, AttentionState]:
        """One decoder step for every row of ``state``: the output layer's input and the next
        state (``self.out`` of the first gives the logits)."""
        s = state.sentence
        scores = self.v(torch.tanh(state.keys[s] + self.W_q(state.hidden)[:, None])).squeeze(2)
        weights = torch.softmax(scores.masked_fill(~state.mask[s], -math.inf), dim=1)
        context = torch.bmm(weights[:, None], state.memory[s]).squeeze(1)
        hidden = self.cell(torch.cat([embedded, context], dim=1), state.hidden)
        features = torch.cat([hidden, context], dim=1)
        return features, AttentionState(hidden, s, state.memory, state.keys, state.mask, weights)

    def forward(
        self, src: torch.Tensor, src_len: torch.Tensor, tgt_in: torch.Tensor
    ) -> torch.Tensor:
        return self.forward_with_attention(src, src_len, tgt_in)[0]

    def forward_with_attention(
        self, src: torch.Tensor, src_len: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(B, T, V)`` and attention weights ``(B, T, S)`` under teacher forcing."""
        state = self.encode(src, src_len)
        embedded = self.tgt_embed(tgt_in)
        features, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_features, state = self._advance(embedded[:, t], state)
            features.append(step_features)
            weights.append(state.attention)
        # One output layer over all steps: a large matrix product is faster than T small ones.
        return self.out(torch.stack(features, dim=1)), torch.stack(weights, dim=1)

    # The step interface used by the decoders.
    def start(self, sources: Sequence[Sequence[int]]) -> AttentionState:
        device = self.out.weight.device
        src, src_len = _encode_sources(sources, self.pad, self.eos)
        return self.encode(src.to(device), src_len.to(device))

    def step(
        self, tokens: torch.Tensor, state: AttentionState, index: torch.Tensor
    ) -> tuple[torch.Tensor, AttentionState]:
        device = state.hidden.device
        index = index.to(device)
        rows = AttentionState(
            state.hidden[index], state.sentence[index], state.memory, state.keys, state.mask
        )
        features, new_state = self._advance(self.tgt_embed(tokens.to(device)), rows)
        return torch.log_softmax(self.out(features), dim=1), new_state
