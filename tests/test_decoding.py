"""Tests of d2lutils.decoding: the laws the decoders obey, on random tables and the translator."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from d2lutils import decoding as D

PROPERTY = settings(max_examples=60, deadline=None, database=None, derandomize=True)


@st.composite
def tables(draw, max_vocab=5, max_depth=5):
    """A random table, a batch of sources (prefixes of it) and a max_len that fits them all."""
    vocab = draw(st.integers(2, max_vocab))
    depth = draw(st.integers(1, max_depth))
    ties = draw(st.booleans())
    table = D.random_table(vocab, depth, draw(st.integers(0, 10**6)), ties=ties)
    prefix = st.lists(st.integers(0, vocab - 2), max_size=depth - 1).map(tuple)
    sources = draw(st.lists(prefix, min_size=1, max_size=5))
    max_len = draw(st.integers(1, depth - max(map(len, sources))))
    return D.TableDecoder(table), sources, max_len


alphas = st.sampled_from([0.0, 0.5, 0.75, 1.0, 2.0])


def toy_table():
    """The table of the chapter's opening example, filled with uniform rows elsewhere.

    Greedy: A (0.5), B (0.4), C (0.4), <eos> (0.6): P = 0.048. Better: A, C (0.3), B (0.6),
    <eos> (0.6): P = 0.054.
    """
    vocab = ["A", "B", "C", "<eos>"]
    table = {}
    level = [()]
    for _ in range(4):
        for prefix in level:
            table[prefix] = [0.25] * 4
        level = [(*p, t) for p in level for t in range(3)]
    table[()] = [0.5, 0.2, 0.2, 0.1]
    table[(0,)] = [0.1, 0.4, 0.3, 0.2]
    table[(0, 1)] = [0.2, 0.2, 0.4, 0.2]
    table[(0, 1, 2)] = [0.1, 0.2, 0.1, 0.6]
    table[(0, 2)] = [0.1, 0.6, 0.2, 0.1]
    table[(0, 2, 1)] = [0.1, 0.1, 0.2, 0.6]
    return D.TableDecoder(table, vocab=vocab, eos="<eos>")


# ----------------------------------------------------------------------------- the toy example


def test_toy_greedy_misses_the_better_sequence():
    model = toy_table()
    (greedy,) = D.greedy_search(model, [()], max_len=4)
    assert model.decode(greedy.tokens) == "A B C <eos>"
    assert math.exp(greedy.log_prob) == pytest.approx(0.048, rel=1e-12)
    for k in (2, 3):
        best = D.beam_search(model, [()], k, max_len=4)[0][0]
        assert model.decode(best.tokens) == "A C B <eos>"
        assert math.exp(best.log_prob) == pytest.approx(0.054, rel=1e-12)
    assert D.exhaustive_search(model, (), max_len=4)[0].tokens == best.tokens


def test_without_length_normalization_short_outputs_win():
    model = toy_table()
    best = D.exhaustive_search(model, (), max_len=4, alpha=0.0)[0]
    assert best.tokens in ((3,), (0, 3))  # P = 0.1 each, above any four-token output
    assert best.tokens == (0, 3)  # the tie on score broken by token ids: (0, 3) < (3,)
    assert best.score == pytest.approx(math.log(0.1), rel=1e-12)


def test_score_is_length_normalized_log_probability():
    for h in D.exhaustive_search(toy_table(), (), max_len=3, alpha=0.75):
        assert h.score == h.log_prob / len(h.tokens) ** 0.75


# ----------------------------------------------------------------------------- the laws


@PROPERTY
@given(tables(), alphas)
def test_beam_of_one_is_greedy(case, alpha):
    model, sources, max_len = case
    greedy = D.greedy_search(model, sources, max_len, alpha)
    assert [b[0] for b in D.beam_search(model, sources, 1, max_len, alpha)] == greedy
    assert [D.beam_search_reference(model, s, 1, max_len, alpha) for s in sources] == [
        [g] for g in greedy
    ]


@PROPERTY
@given(tables(max_vocab=4, max_depth=4), alphas)
def test_a_beam_of_every_sequence_is_exhaustive(case, alpha):
    model, sources, max_len = case
    k = model.vocab_size**max_len
    everything = [D.exhaustive_search(model, s, max_len, alpha) for s in sources]
    assert D.beam_search(model, sources, k, max_len, alpha) == everything
    assert [D.beam_search_reference(model, s, k, max_len, alpha) for s in sources] == everything


@PROPERTY
@given(tables(), st.integers(1, 8), alphas)
def test_batched_equals_reference(case, k, alpha):
    model, sources, max_len = case
    batched = D.beam_search(model, sources, k, max_len, alpha)
    assert batched == [D.beam_search_reference(model, s, k, max_len, alpha) for s in sources]
    for hyps in batched:
        assert 1 <= len(hyps) <= k
        assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
        assert len({h.tokens for h in hyps}) == len(hyps)


def test_batched_equals_reference_when_sentences_finish_at_different_steps():
    table = D.random_table(4, 7, seed=3)
    model = D.TableDecoder(table)
    sources = [(), (0,), (1,), (2,), (0, 1), (2, 2), (1, 0)]
    steps_checked = 0
    for k in (2, 3, 5):
        for max_len in (3, 5):
            batched = D.beam_search(model, sources, k, max_len, 0.75)
            reference = [D.beam_search_reference(model, s, k, max_len, 0.75) for s in sources]
            assert batched == reference
            # the search of a sentence lasts as long as its longest hypothesis
            lasted = {max(len(h.tokens) for h in hyps) for hyps in batched}
            steps_checked += len(lasted) > 1
    assert steps_checked > 0  # the batch did have sentences that finished early


@PROPERTY
@given(tables(max_vocab=4, max_depth=4), alphas)
def test_exhaustive_lists_every_output_once_with_its_probability(case, alpha):
    model, sources, max_len = case
    for source in sources:
        found = D.exhaustive_search(model, source, max_len, alpha)
        assert math.fsum(math.exp(h.log_prob) for h in found) == pytest.approx(1.0, abs=1e-9)
        for h in found:
            assert h.tokens[-1] == model.eos or len(h.tokens) == max_len
            assert model.eos not in h.tokens[:-1]
            probs = [
                math.exp(model._log[(*source, *h.tokens[:i])][t].item())
                for i, t in enumerate(h.tokens)
            ]
            assert h.log_prob == pytest.approx(math.log(math.prod(probs)), abs=1e-9)
        assert len({h.tokens for h in found}) == len(found)


def test_ties_are_broken_by_token_id():
    model = D.TableDecoder({(): [0.25] * 4, **{(t,): [0.25] * 4 for t in range(3)}})
    (greedy,) = D.greedy_search(model, [()], 2)
    assert greedy.tokens == (0, 0)
    hyps = D.beam_search(model, [()], 3, 2)[0]
    # step 1 keeps 0, 1, 2 (the lowest ids of four equal tokens); step 2: 0->0 then <eos>...
    assert [h.tokens for h in hyps] == [(0, 0), (0, 1), (0, 2)]
    assert hyps == D.beam_search_reference(model, (), 3, 2)


def test_zero_probability_outputs_are_never_kept():
    model = D.TableDecoder({(): [0.0, 0.0, 1.0], (0,): [0, 0, 1], (1,): [0, 0, 1]})
    for hyps in (
        D.beam_search(model, [()], 3, 2)[0],
        D.beam_search_reference(model, (), 3, 2),
        D.exhaustive_search(model, (), 2),
    ):
        assert [h.tokens for h in hyps] == [(2,)]
        assert hyps[0].log_prob == 0.0


def test_a_larger_beam_can_score_worse():
    """Beam search is not monotone in k: on this random table (found by trying seeds 0-299 of
    random_table(5, 4, seed)) k = 2 prunes at step 1 a prefix whose k = 1 path scores better."""
    model = D.TableDecoder(D.random_table(5, 4, seed=102))
    one = D.beam_search(model, [()], 1, 4, alpha=0.0)[0][0]
    two = D.beam_search(model, [()], 2, 4, alpha=0.0)[0][0]
    best = D.exhaustive_search(model, (), 4, alpha=0.0)[0]
    assert two.score < one.score < best.score


def test_results_follow_the_order_of_the_sources():
    model = D.TableDecoder(D.random_table(4, 5, seed=1))
    sources = [(), (0,), (1, 2), (2,)]
    forward = D.beam_search(model, sources, 3, 3)
    assert D.beam_search(model, sources[::-1], 3, 3) == forward[::-1]
    assert D.beam_search(model, [], 3, 3) == [] == D.greedy_search(model, [], 3)


def test_random_table_covers_every_prefix_with_distributions():
    table = D.random_table(3, 3, seed=0)
    assert set(table) == {(), (0,), (1,), (0, 0), (0, 1), (1, 0), (1, 1)}
    for probs in table.values():
        assert len(probs) == 3 and math.fsum(probs) == pytest.approx(1.0) and min(probs) > 0
    assert D.random_table(3, 3, seed=0) == table != D.random_table(3, 3, seed=1)
    assert any(0.0 in p for p in D.random_table(4, 3, seed=0, ties=True).values())


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"k": 0}, ValueError, "k must be at least 1, got k=0"),
        ({"k": 2.0}, TypeError, "k must be an int"),
        ({"k": True}, TypeError, "k must be an int"),
        ({"max_len": 0}, ValueError, "max_len must be at least 1, got max_len=0"),
        ({"alpha": -0.5}, ValueError, "alpha must be a finite number >= 0"),
        ({"alpha": math.nan}, ValueError, "alpha=nan"),
        ({"alpha": "0.75"}, TypeError, "alpha must be a number"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, message):
    model = toy_table()
    args = {"k": 2, "max_len": 3, "alpha": 0.75, **kwargs}
    with pytest.raises(error, match=message):
        D.beam_search(model, [()], **args)
    with pytest.raises(error, match=message):
        D.beam_search_reference(model, (), **args)
    if "k" not in kwargs:
        del args["k"]
        with pytest.raises(error, match=message):
            D.greedy_search(model, [()], **args)
        with pytest.raises(error, match=message):
            D.exhaustive_search(model, (), **args)


def test_bad_models_and_sources_raise_clear_errors():
    with pytest.raises(TypeError, match="step interface.*lacks start, step, bos, eos"):
        D.beam_search(object(), [()], 2, 3)
    with pytest.raises(TypeError, match="sources must be a list of sentences"):
        D.beam_search(toy_table(), "abc", 2, 3)
    with pytest.raises(TypeError, match=r"sources\[1\] must hold int token ids"):
        D.greedy_search(toy_table(), [(), ("A",)], 3)
    with pytest.raises(ValueError, match="too big|would visit"):
        D.exhaustive_search(D.Seq2Seq(5, 50), [1], max_len=6)


def test_table_decoder_rejects_bad_tables():
    with pytest.raises(ValueError, match="sums to 0.9, not 1"):
        D.TableDecoder({(): [0.5, 0.4]})
    with pytest.raises(ValueError, match="probabilities >= 0"):
        D.TableDecoder({(): [1.5, -0.5]})
    with pytest.raises(ValueError, match="same length"):
        D.TableDecoder({(): [0.5, 0.5], (0,): [1.0]})
    with pytest.raises(ValueError, match="vocab has 3 tokens"):
        D.TableDecoder({(): [0.5, 0.5]}, vocab=["a", "b", "c"])
    with pytest.raises(ValueError, match="unknown token name"):
        D.TableDecoder({("x",): [0.5, 0.5]}, vocab=["a", "b"])
    with pytest.raises(ValueError, match="no next-token probabilities after A B"):
        D.greedy_search(D.TableDecoder({(): [1, 0, 0], (0,): [0, 1, 0]}, ["A", "B", "<eos>"]),
                        [()], 3)


# ----------------------------------------------------------------------------- the translator


def seeded_translator(seed=0, src=40, tgt=60):
    torch.manual_seed(seed)
    return D.Seq2Seq(src, tgt, embed_size=16, hidden_size=24).eval()


def test_translator_batched_matches_reference():
    """The translator's matrix products may differ in the last bits between one row and many,
    so scores agree to rounding (the tokens exactly)."""
    model = seeded_translator()
    sources = [[5, 6, 7], [], [3, 3], [10, 11, 12, 13, 14, 15, 16, 17], [20]]
    for k in (1, 3):
        batched = D.beam_search(model, sources, k, 6)
        for hyps, source in zip(batched, sources, strict=True):
            reference = D.beam_search_reference(model, source, k, 6)
            assert [h.tokens for h in hyps] == [h.tokens for h in reference]
            for h, r in zip(hyps, reference, strict=True):
                assert h.log_prob == pytest.approx(r.log_prob, abs=1e-4)
    greedy = D.greedy_search(model, sources, 6)
    assert [h.tokens for h in greedy] == [b[0].tokens for b in D.beam_search(model, sources, 1, 6)]


def test_translator_steps_compute_the_teacher_forced_forward():
    model = seeded_translator(1)
    sources, target = [[4, 5, 6], [7]], [[1, 9, 10, 11], [1, 12, 13, 14]]
    src, src_len = D._encode_sources(sources, model.pad, model.eos)
    logits, weights = model.forward_with_attention(src, src_len, torch.tensor(target))
    assert logits.shape == (2, 4, 60) and weights.shape == (2, 4, 4)
    assert torch.allclose(weights.sum(2), torch.ones(2, 4))
    assert (weights[1, :, 2:] == 0).all()  # padding gets no attention
    state, index = model.start(sources), torch.arange(2)
    for t in range(4):
        log_probs, state = model.step(torch.tensor([r[t] for r in target]), state, index)
        assert torch.allclose(log_probs, torch.log_softmax(logits[:, t], 1), atol=1e-5)


def test_empty_and_unknown_sources_decode():
    vocab = D.Vocab([["a", "b"], ["a", "c"]], min_freq=1)
    sources = [vocab.encode(D.tokenize("")), vocab.encode(D.tokenize("zzz qqq!"))]
    assert sources == [[], [vocab.unk] * 3]
    model = seeded_translator(2, src=len(vocab))
    for hyps in D.beam_search(model, sources, 3, 5):
        assert 1 <= len(hyps) <= 3 and all(math.isfinite(h.score) for h in hyps)
    assert len(D.greedy_search(model, sources, 5)) == 2
    assert D.beam_search_reference(model, [], 2, 5)


def test_translator_trains_with_fit():
    from d2lutils import fit

    pairs = [(["a", "b"], ["x", "y"]), (["b"], ["y"]), (["a"], ["x"])] * 8
    src, tgt = D.Vocab([s for s, _ in pairs]), D.Vocab([t for _, t in pairs])
    torch.manual_seed(0)
    model = D.Seq2Seq(len(src), len(tgt), 8, 16)
    loader = D.translation_loader(pairs, src, tgt, batch_size=8, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    history = fit(model, D.sequence_loss, opt, loader, 30, device="cpu", progress=False,
                  plot=False)
    assert history["train_loss"][-1] < 0.1 * history["train_loss"][0]
    model.eval()
    outputs = D.beam_search(model, [src.encode(s) for s in (["a", "b"], ["b"])], 2, 4)
    assert [tgt.decode(h[0].tokens) for h in outputs] == [["x", "y"], ["y"]]


# ----------------------------------------------------------------------------- text and data


def test_tokenize_lowercases_and_splits_punctuation():
    assert D.tokenize("Go.") == ["go", "."]
    assert D.tokenize("J'ai faim\u202f!") == ["j'ai", "faim", "!"]
    assert D.tokenize("Est-ce vrai ?  Oui, «\u00a0bien\u00a0»") == [
        "est-ce", "vrai", "?", "oui", ",", "«", "bien", "»",
    ]
    with pytest.raises(TypeError, match="text must be a str"):
        D.tokenize(["go"])


def test_vocab_encodes_and_decodes():
    vocab = D.Vocab([["a", "b", "a"], ["b", "c"]], min_freq=2)
    assert vocab.tokens == ["<pad>", "<bos>", "<eos>", "<unk>", "a", "b"]
    assert vocab.encode(["a", "c", "b"]) == [4, 3, 5]
    assert vocab.decode([1, 4, 5, 2, 4]) == ["a", "b"]
    with pytest.raises(TypeError, match="tokenize"):
        vocab.encode("a b")


def test_translation_splits_are_deterministic_and_disjoint():
    pairs = [(f"Sentence {i % 50}.", f"Phrase {i} numéro {i % 7} .") for i in range(200)]
    pairs.append(("This one is much too long for the limit we set.", "Trop long."))
    data = D.translation_splits(pairs, train_size=100, valid_size=10, test_size=10, seed=4)
    again = D.translation_splits(pairs, train_size=100, valid_size=10, test_size=10, seed=4)
    assert (data.train, data.valid, data.test) == (again.train, again.valid, again.test)
    assert (len(data.train), len(data.valid), len(data.test)) == (100, 10, 10)
    held = {tuple(s) for s, _ in data.valid + data.test}
    assert len(held) == 20 and not held & {tuple(s) for s, _ in data.train}
    assert all(len(s) <= 8 and len(t) <= 8 for s, t in data.train + data.valid + data.test)
    for s, t in data.test:
        assert t in data.references[tuple(s)] and len(data.references[tuple(s)]) == 4
    other = D.translation_splits(pairs, train_size=100, valid_size=10, test_size=10, seed=5)
    assert other.test != data.test
    with pytest.raises(ValueError, match="exceeds the 50 distinct English sentences"):
        D.translation_splits(pairs, valid_size=30, test_size=30)


def test_translation_loader_and_sequence_loss():
    pairs = [(["a", "b"], ["x"]), (["b"], ["x", "y", "z"])]
    src, tgt = D.Vocab([s for s, _ in pairs], 1), D.Vocab([t for _, t in pairs], 1)
    (batch,) = list(D.translation_loader(pairs, src, tgt, batch_size=2))
    s, s_len, t_in, t_out = batch
    assert s.tolist() == [[5, 4, 2], [4, 2, 0]]  # "b" (seen twice) is id 4, "a" 5
    assert s_len.tolist() == [3, 2]
    assert t_in.tolist() == [[1, 4, 0, 0], [1, 4, 5, 6]]
    assert t_out.tolist() == [[4, 2, 0, 0], [4, 5, 6, 2]]
    logits = torch.randn(2, 4, len(tgt))
    real = t_out != 0
    expected = torch.nn.functional.cross_entropy(logits[real], t_out[real])
    assert torch.allclose(D.sequence_loss(logits, t_out), expected)
    with pytest.raises(ValueError, match=r"logits \(B, T, V\) and target \(B, T\)"):
        D.sequence_loss(logits[0], t_out)


def test_extensions_keep_each_rows_best_tokens_or_all_of_them():
    log_probs = torch.log(torch.tensor([[0.1, 0.4, 0.2, 0.3], [0.25, 0.25, 0.25, 0.25]]))
    base = torch.tensor([0.0, -1.0], dtype=torch.float64)
    value, token = D._extensions(log_probs[:1], base[:1], 2)  # strict: only tokens 1 and 3
    assert token.tolist() == [[1, 3]]
    assert value.tolist() == [[log_probs[0, 1].item(), log_probs[0, 3].item()]]
    value, token = D._extensions(log_probs, base, 2)  # a tie at the cut in row 2: all tokens
    assert token is None and value.shape == (2, 4) and value.dtype == torch.float64
    assert value[1].tolist() == [-1.0 + log_probs[1, 0].item()] * 4
    assert D._extensions(log_probs, base, 4)[1] is None  # k >= V: all tokens
    # the fast path and the full one pick the same hypotheses
    model = D.TableDecoder(D.random_table(6, 4, seed=5))
    assert D.beam_search(model, [(), (1,)], 2, 3) == [
        D.beam_search_reference(model, s, 2, 3) for s in [(), (1,)]
    ]


def test_trace_records_every_extension_and_its_fate():
    model = toy_table()
    trace = []
    hyps = D.beam_search_reference(model, (), 2, 4, trace=trace)
    first = {model.decode(c.tokens): (round(math.exp(c.log_prob), 12), c.status) for c in trace[0]}
    assert first == {
        "A": (0.5, "live"), "B": (0.2, "live"), "C": (0.2, "pruned"), "<eos>": (0.1, "pruned"),
    }  # B and C tie: the smaller id is kept
    assert len(trace) == 4 and all(len(step) == 8 for step in trace[1:])  # 2 live x 4 tokens
    for before, step in zip(trace, trace[1:], strict=False):
        live = {c.tokens for c in before if c.status == "live"}
        assert {c.tokens[:-1] for c in step} == live
        assert sum(c.status != "pruned" for c in step) <= 2
    finished = {c.tokens for step in trace for c in step if c.status == "finished"}
    assert finished == {h.tokens for h in hyps}
    with pytest.raises(TypeError, match="trace must be a list"):
        D.beam_search_reference(model, (), 2, 4, trace=())
