import logging
import math

import numpy as np
import pytest
import torch

from d2lutils import check_grad
from d2lutils import word2vec as w2v

logging.getLogger("gensim").setLevel(logging.WARNING)

SENTENCES = [
    "the cat sat on the mat".split(),
    "the dog sat on the log".split(),
    "a cat and a dog".split(),
    "zebra".split(),
]


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def topic_corpus(seed=0, n_sentences=600, length=12):
    """Sentences each drawn from one of three disjoint groups of ten words."""
    rng = np.random.default_rng(seed)
    groups = [[f"{g}{k}" for k in range(10)] for g in "abc"]
    return [list(rng.choice(groups[rng.integers(3)], size=length)) for _ in range(n_sentences)]


# -- vocabulary -------------------------------------------------------------------------------


def test_vocab_orders_by_count_then_first_appearance_and_drops_rare_words():
    vocab = w2v.Vocab(SENTENCES, min_count=2)
    assert vocab.idx_to_token == ["the", "cat", "sat", "on", "dog", "a"]
    assert vocab.counts.dtype == np.int64
    assert vocab.counts.tolist() == [4, 2, 2, 2, 2, 2]
    assert len(vocab) == 6 and "dog" in vocab and "mat" not in vocab
    assert [vocab[t] for t in vocab.idx_to_token] == list(range(6))
    assert all(vocab.token_to_idx[t] == i for i, t in enumerate(vocab.idx_to_token))


def test_encode_drops_unknown_words_and_keeps_sentence_boundaries():
    vocab = w2v.Vocab(SENTENCES, min_count=2)
    ids, starts = vocab.encode(SENTENCES)
    assert ids.dtype == np.int64 and starts.dtype == np.int64
    assert starts.tolist() == [0, 5, 10, 14, 14]  # "mat", "log", "and", "zebra" dropped
    for k, sentence in enumerate(SENTENCES):
        kept = [vocab[t] for t in sentence if t in vocab]
        assert ids[starts[k] : starts[k + 1]].tolist() == kept


def test_an_unknown_word_names_itself_the_reason_and_the_closest_words():
    vocab = w2v.Vocab(SENTENCES, min_count=2)
    with pytest.raises(KeyError) as info:
        vocab["cats"]
    message = str(info.value)
    assert message.startswith("'cats' is not in the vocabulary")
    assert "min_count=2" in message
    assert "closest words in the vocabulary: cat" in message
    assert isinstance(info.value, w2v.UnknownWordError)


def test_vocab_rejects_bad_input():
    with pytest.raises(ValueError, match="min_count=10"):
        w2v.Vocab(SENTENCES, min_count=10)
    with pytest.raises(ValueError, match="min_count must be at least 1"):
        w2v.Vocab(SENTENCES, min_count=0)
    with pytest.raises(TypeError, match=r"sentences\[0\] must be a list of tokens"):
        w2v.Vocab(["the cat sat"])
    with pytest.raises(TypeError, match="list of lists"):
        w2v.Vocab("the cat sat")
    with pytest.raises(TypeError, match="tokens must be strings"):
        w2v.Vocab([[1, 2, 2]], min_count=1)


# -- subsampling and negatives ----------------------------------------------------------------


def test_keep_probability_follows_both_formulas_and_is_capped_at_one():
    counts = np.array([900, 90, 9, 1])
    share = counts / 1000
    paper = w2v.keep_probability(counts, t=1e-2)
    np.testing.assert_allclose(paper, np.minimum(1, np.sqrt(1e-2 / share)), rtol=1e-15)
    assert paper[0] == pytest.approx(math.sqrt(1e-2 / 0.9)) and paper[2:].tolist() == [1, 1]
    word2vec = w2v.keep_probability(counts, t=1e-2, formula="word2vec")
    expected = np.minimum(1, np.sqrt(1e-2 / share) + 1e-2 / share)
    np.testing.assert_allclose(word2vec, expected, rtol=1e-15)
    assert np.all(word2vec[:2] > paper[:2])


@pytest.mark.parametrize(
    "kwargs, error",
    [({"t": 0}, ValueError), ({"t": -1e-4}, ValueError), ({"t": "1e-4"}, TypeError),
     ({"formula": "gensim"}, ValueError)],
)
def test_keep_probability_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error):
        w2v.keep_probability([3, 2, 1], **kwargs)


@pytest.mark.parametrize("counts", [[], [3, 0, 1], [[1, 2]], [1.0, float("nan")]])
def test_counts_must_be_positive(counts):
    with pytest.raises(ValueError, match="counts"):
        w2v.keep_probability(counts)


def test_negative_distribution_is_unigram_to_the_three_quarters():
    counts = np.array([16.0, 1.0])
    np.testing.assert_allclose(w2v.negative_distribution(counts), [8 / 9, 1 / 9])


# -- Huffman codes ----------------------------------------------------------------------------


@pytest.fixture(params=[0, 1, 2])
def zipf_counts(request):
    rng = np.random.default_rng(request.param)
    counts = np.sort(rng.zipf(1.3, size=200).clip(max=10**6))[::-1]
    return counts.astype(np.int64)


def test_huffman_codes_are_prefix_free_and_complete(zipf_counts):
    tree = w2v.huffman_codes(zipf_counts)
    codes = ["".join(map(str, tree.code(w))) for w in range(len(zipf_counts))]
    assert len(set(codes)) == len(codes)
    ordered = sorted(codes)
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:], strict=False))
    assert sum(2.0 ** -len(c) for c in codes) == pytest.approx(1.0, abs=1e-12)  # Kraft


def test_huffman_code_lengths_do_not_grow_with_frequency(zipf_counts):
    tree = w2v.huffman_codes(zipf_counts)
    for c in np.unique(zipf_counts):
        longest_here = tree.lengths[zipf_counts == c].max()
        rarer = tree.lengths[zipf_counts < c]
        assert rarer.size == 0 or longest_here <= rarer.min()
    assert np.all(np.diff(tree.lengths) >= 0)  # along the vocabulary, most frequent first


def test_huffman_expected_length_is_within_one_bit_of_the_entropy(zipf_counts):
    tree = w2v.huffman_codes(zipf_counts)
    p = zipf_counts / zipf_counts.sum()
    entropy = -(p * np.log2(p)).sum()
    assert entropy <= (p * tree.lengths).sum() < entropy + 1


def test_huffman_paths_start_at_the_root_and_visit_inner_nodes():
    counts = np.array([5, 3, 2, 1, 1])
    tree = w2v.huffman_codes(counts)
    assert all(tree.path(w)[0] == len(counts) - 2 for w in range(len(counts)))
    assert tree.points.max() <= len(counts) - 2 and tree.points.min() >= 0
    assert tree.lengths.tolist() == [1, 2, 3, 4, 4]  # a chain: every merge takes the new node
    assert w2v.huffman_codes([7]).lengths.tolist() == [1]


@pytest.mark.parametrize("seed", [0, 1])
def test_hierarchical_softmax_leaf_probabilities_sum_to_one(seed, zipf_counts):
    tree = w2v.huffman_codes(zipf_counts)
    g = torch.Generator().manual_seed(seed)
    nodes = torch.randn(len(zipf_counts) - 1, 8, generator=g, dtype=torch.float64)
    h = torch.randn(8, generator=g, dtype=torch.float64)
    p = w2v.hs_leaf_probabilities(tree, nodes, h)
    assert p.shape == (len(zipf_counts),) and torch.all(p > 0)
    assert float(p.sum()) == pytest.approx(1.0, abs=1e-12)
    word = 17  # one word by hand: a product of sigmoids along its path
    by_hand = math.prod(
        float(torch.sigmoid((1 - 2 * c) * nodes[n] @ h))
        for c, n in zip(tree.code(word), tree.path(word), strict=True)
    )
    assert float(p[word]) == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError, match="one row per inner node"):
        w2v.hs_leaf_probabilities(tree, nodes[1:], h)


# -- the blocked loss and its gradients --------------------------------------------------------


def toy_block(seed=0, n=3, centers=4, span=8, negatives=5, d=6):
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(n, centers, d, generator=g, dtype=torch.float64)
    u = torch.randn(n, span + negatives, d, generator=g, dtype=torch.float64)
    mask = (torch.rand(n, centers, span, generator=g) < 0.4).double()
    return v, u, mask


def reference_loss(v, u, mask, neg_scale):
    """Every pair's loss, one pair at a time: -log s(u_j.v_i) - scale * sum_k log s(-u_k.v_i)."""
    span = mask.shape[2]
    total = 0.0
    for b, i, j in mask.nonzero().tolist():
        total = total - torch.nn.functional.logsigmoid(u[b, j] @ v[b, i])
        negatives = u[b, span:] @ v[b, i]
        total = total - neg_scale * torch.nn.functional.logsigmoid(-negatives).sum()
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_block_gradients_match_autograd(seed):
    v, u, mask = toy_block(seed)
    loss, grad_v, grad_u = w2v.sgns_block_loss_and_grads(v, u, mask, 0.7)
    v_, u_ = v.clone().requires_grad_(), u.clone().requires_grad_()
    ref = reference_loss(v_, u_, mask, 0.7)
    ref.backward()
    assert float(loss) == pytest.approx(ref.item(), rel=1e-12)
    torch.testing.assert_close(grad_v, v_.grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_u, u_.grad, rtol=1e-12, atol=1e-12)
    assert torch.any(grad_u[:, mask.shape[2] :] != 0)  # the negatives get gradients too


def test_block_gradients_match_finite_differences():
    v, u, mask = toy_block(3, n=2, centers=3, span=5, negatives=2, d=3)
    _, grad_v, grad_u = w2v.sgns_block_loss_and_grads(v, u, mask, 1.5)
    check_grad(lambda x: w2v.sgns_block_loss_and_grads(x, u, mask, 1.5)[0], v, grad_v)
    check_grad(lambda x: w2v.sgns_block_loss_and_grads(v, x, mask, 1.5)[0], u, grad_u)


def test_block_loss_can_be_skipped_and_inputs_are_left_alone():
    v, u, mask = toy_block(4)
    saved = v.clone(), u.clone()
    loss, grad_v, grad_u = w2v.sgns_block_loss_and_grads(v, u, mask, 0.5)
    none, grad_v2, grad_u2 = w2v.sgns_block_loss_and_grads(v, u, mask, 0.5, with_loss=False)
    assert none is None and loss is not None
    assert torch.equal(grad_v, grad_v2) and torch.equal(grad_u, grad_u2)
    assert torch.equal(v, saved[0]) and torch.equal(u, saved[1])


def test_block_loss_rejects_mismatched_shapes():
    v, u, mask = toy_block()
    with pytest.raises(ValueError, match="shapes do not fit"):
        w2v.sgns_block_loss_and_grads(v, u[:, :4], mask, 1.0)
    with pytest.raises(ValueError, match="3-D"):
        w2v.sgns_block_loss_and_grads(v[0], u, mask, 1.0)


# -- blocks ---------------------------------------------------------------------------------


def test_blocks_hold_every_in_window_pair_of_the_sentence_and_nothing_else():
    vocab = w2v.Vocab(topic_corpus(n_sentences=40, length=7), min_count=1)
    ids, starts = vocab.encode(topic_corpus(n_sentences=40, length=7))
    window, block = 3, 8
    blocks = w2v.make_blocks(ids, starts, np.random.default_rng(0), keep=np.ones(len(vocab)),
                             negative_cdf=np.cumsum(np.full(len(vocab), 1 / len(vocab))),
                             window=window, block=block, block_negatives=4)
    n_blocks = blocks.centers.shape[0]
    assert blocks.tokens == len(ids) and n_blocks == -(-len(ids) // block)
    mask = blocks.mask(0, n_blocks)
    assert mask.shape == (n_blocks, block, block + 2 * window)
    sentence = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    positions = np.arange(n_blocks * block).reshape(n_blocks, block)
    before, after = blocks.before.numpy(), blocks.after.numpy()
    for b in range(n_blocks):
        for i in range(block):
            p = positions[b, i]
            if p >= len(ids):
                assert mask[b, i].sum() == 0
                continue
            assert blocks.centers[b, i] == ids[p]
            lo, hi = starts[sentence[p]], starts[sentence[p] + 1] - 1
            radius = max(before[b, i], after[b, i])
            assert 1 <= radius <= window
            assert before[b, i] == min(radius, p - lo) and after[b, i] == min(radius, hi - p)
            contexts = [j - window + p - i for j in np.flatnonzero(mask[b, i].numpy())]
            expected = [q for q in range(p - before[b, i], p + after[b, i] + 1) if q != p]
            assert contexts == expected
            assert blocks.columns[b, : block + 2 * window][mask[b, i] > 0].tolist() == [
                ids[q] for q in expected
            ]
    assert blocks.pairs == int(mask.sum())
    negatives = blocks.columns[:, block + 2 * window :]
    assert negatives.shape == (n_blocks, 4) and negatives.max() < len(vocab)


def test_window_sizes_are_uniform_from_one_to_window():
    ids = np.zeros(40000, dtype=np.int64)  # one long sentence: no window is cut
    blocks = w2v.make_blocks(ids, np.array([0, 40000]), np.random.default_rng(2),
                             keep=np.array([1.0]), negative_cdf=np.array([np.inf]), window=4,
                             block=16, block_negatives=2)
    before, after = blocks.before.numpy().ravel()[4:-4], blocks.after.numpy().ravel()[4:-4]
    assert np.array_equal(before, after)
    share = np.bincount(before, minlength=5) / before.size
    np.testing.assert_allclose(share, [0, 0.25, 0.25, 0.25, 0.25], atol=0.015)


def test_blocks_subsample_with_the_keep_probability():
    ids = np.zeros(20000, dtype=np.int64)
    blocks = w2v.make_blocks(ids, np.array([0, 20000]), np.random.default_rng(1),
                             keep=np.array([0.25]), negative_cdf=np.array([np.inf]), window=2,
                             block=16, block_negatives=2)
    assert abs(blocks.tokens - 5000) < 4 * math.sqrt(20000 * 0.25 * 0.75)


# -- the trainer ------------------------------------------------------------------------------


def small_run(seed=0, **kwargs):
    sentences = topic_corpus()
    vocab = w2v.Vocab(sentences, min_count=1)
    ids, starts = vocab.encode(sentences)
    options = dict(dim=16, window=3, epochs=3, t=1e-2, block=16, block_negatives=8,
                   blocks_per_step=8, loss_every=1, seed=seed)
    return vocab, w2v.train_skipgram(ids, starts, vocab, **(options | kwargs))


def test_trainer_is_deterministic_for_a_seed():
    _, a = small_run(seed=3)
    _, b = small_run(seed=3)
    _, c = small_run(seed=4)
    assert a.vectors.dtype == np.float32
    assert np.array_equal(a.vectors, b.vectors) and a.losses == b.losses
    assert not np.array_equal(a.vectors, c.vectors)


def test_trainer_lowers_the_loss_and_learns_the_topics():
    vocab, result = small_run(epochs=6)
    assert result.epoch_losses[-1] < 0.9 * result.epoch_losses[0]
    assert result.losses[-1] < result.losses[0]
    assert result.seconds > 0
    assert result.words_per_second == pytest.approx(600 * 12 * 6 / result.seconds)
    x = result.vectors / np.linalg.norm(result.vectors, axis=1, keepdims=True)
    topic = np.array([t[0] for t in vocab.idx_to_token])
    cosine = x @ x.T
    same = topic[:, None] == topic[None, :]
    np.fill_diagonal(same, False)
    different = topic[:, None] != topic[None, :]
    assert cosine[same].mean() > cosine[different].mean() + 0.3


def test_trainer_starts_as_gensim_does():
    """Inputs uniform in +-1/dim (as gensim's), outputs zero, so every score is 0 and the first
    loss per pair is (1 + negatives) log 2, whatever the number of shared negatives."""
    for negatives, block_negatives in [(5, 8), (3, 16)]:
        _, result = small_run(negatives=negatives, block_negatives=block_negatives, epochs=1,
                              lr=1e-30, min_lr=0.0)
        assert result.losses[0] == pytest.approx((1 + negatives) * math.log(2), rel=1e-6)
    bound = 1.0 / 16
    assert np.abs(result.vectors).max() <= bound and np.abs(result.vectors).max() > 0.9 * bound
    assert np.abs(result.vectors.mean()) < 0.05 * bound
    assert np.abs(result.output_vectors).max() < 1e-20
    _, other = small_run(seed=1, epochs=1, lr=1e-30, min_lr=0.0)
    assert not np.array_equal(result.vectors, other.vectors)


def test_trainer_decays_the_learning_rate_and_ignores_zero_negatives():
    _, decayed = small_run(epochs=1, lr=0.02, min_lr=0.0)
    _, constant = small_run(epochs=1, lr=0.02, min_lr=0.02)
    assert not np.array_equal(decayed.vectors, constant.vectors)
    # Negatives are drawn last in an epoch: with a weight of zero, how many does not matter.
    _, a = small_run(epochs=1, negatives=0, block_negatives=4)
    _, b = small_run(epochs=1, negatives=0, block_negatives=12)
    assert np.array_equal(a.vectors, b.vectors)


def test_a_diverging_run_stops_with_advice():
    """30 words and little subsampling: a step of 1024 centers meets each word dozens of times
    and the sum of its gradients overshoots; smaller steps train."""
    sentences = topic_corpus(n_sentences=3000)
    vocab = w2v.Vocab(sentences, min_count=1)
    ids, starts = vocab.encode(sentences)
    with pytest.raises(FloatingPointError, match="training diverged in epoch 1.*lower lr "
                                                 r"\(now 0.025\) or blocks_per_step \(now 32\)"):
        w2v.train_skipgram(ids, starts, vocab, dim=32, epochs=3, t=1e-2, loss_every=1)
    result = w2v.train_skipgram(ids, starts, vocab, dim=32, epochs=3, t=1e-2, blocks_per_step=4)
    assert result.epoch_losses[-1] < 2.0


def test_trainer_shows_a_progress_bar_only_when_asked(capsys):
    small_run(epochs=1)
    assert capsys.readouterr().err == ""
    small_run(epochs=1, progress=True)
    assert "skip-gram" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"dim": 0}, ValueError, "dim must be at least 1"),
        ({"dim": 2.5}, TypeError, "dim must be an int"),
        ({"window": 0}, ValueError, "window must be at least 1"),
        ({"negatives": -1}, ValueError, "negatives must be at least 0"),
        ({"t": 0.0}, ValueError, "t must be a positive"),
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"block": 1}, ValueError, "block must be at least 2"),
        ({"block_negatives": 0}, ValueError, "block_negatives must be at least 1"),
        ({"lr": -0.1}, ValueError, "lr must be a positive"),
        ({"min_lr": 0.5}, ValueError, "min_lr must be"),
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        ({"subsampling": "gensim"}, ValueError, "subsampling must be one of"),
        ({"progress": 1}, TypeError, "progress must be True or False"),
    ],
)
def test_trainer_rejects_bad_hyperparameters(kwargs, error, match):
    vocab = w2v.Vocab(SENTENCES, min_count=1)
    ids, starts = vocab.encode(SENTENCES)
    with pytest.raises(error, match=match):
        w2v.train_skipgram(ids, starts, vocab, **kwargs)


def test_trainer_rejects_a_bad_corpus():
    vocab = w2v.Vocab(SENTENCES, min_count=1)
    ids, starts = vocab.encode(SENTENCES)
    with pytest.raises(ValueError, match="corpus is empty"):
        w2v.train_skipgram(np.array([], dtype=np.int64), np.array([0]), vocab)
    bad = np.append(ids, len(vocab))
    message = rf"ids must be in \[0, {len(vocab)}\) for this vocab, found {len(vocab)}"
    with pytest.raises(ValueError, match=message):
        w2v.train_skipgram(bad, np.append(starts[:-1], len(bad)), vocab)
    with pytest.raises(ValueError, match="sentence_starts"):
        w2v.train_skipgram(ids, starts[:-1], vocab)
    with pytest.raises(TypeError, match="ids must be a 1-D integer array"):
        w2v.train_skipgram(ids.astype(float), starts, vocab)
    with pytest.raises(TypeError, match="vocab must be a Vocab"):
        w2v.train_skipgram(ids, starts, vocab.token_to_idx)


# -- evaluation and gensim --------------------------------------------------------------------


def word_vectors():
    """Unit vectors at angles 0, 10, 40 and 90 degrees, and one far away."""
    angles = np.radians([0, 10, 40, 90, 180])
    vectors = np.stack([np.cos(angles), np.sin(angles), np.zeros(5)], axis=1)
    vocab = w2v.Vocab([["north", "northish", "east", "up", "south"]], min_count=1)
    return w2v.keyed_vectors(vectors, vocab), vocab


def test_nearest_ranks_by_cosine():
    kv, _ = word_vectors()
    got = w2v.nearest(kv, "north", k=3)
    assert [w for w, _ in got] == ["northish", "east", "up"]
    assert [c for _, c in got] == pytest.approx(np.cos(np.radians([10, 40, 90])), abs=1e-6)
    with pytest.raises(KeyError, match="'nort' is not in the vocabulary.*closest words in the "
                                       "vocabulary: north"):
        w2v.nearest(kv, "nort")
    with pytest.raises(ValueError, match="k must be at least 1"):
        w2v.nearest(kv, "north", k=0)


def test_keyed_vectors_keep_our_order_and_check_the_shape():
    kv, vocab = word_vectors()
    assert kv.index_to_key == vocab.idx_to_token
    with pytest.raises(ValueError, match=r"vectors must be \(len\(vocab\)=5, dim\)"):
        w2v.keyed_vectors(np.zeros((4, 3)), vocab)


def test_evaluate_scores_and_out_of_vocabulary_shares(tmp_path):
    kv, _ = word_vectors()
    pairs = tmp_path / "pairs.tsv"
    # Human scores in the order of the cosines (0.98 > 0.77 > 0 > -1); one pair is unknown.
    pairs.write_text("# pairs\nnorth\tnorthish\t9\nnorth\teast\t7\nnorth\tup\t3\n"
                     "NORTH\tsouth\t1\nnorth\tmoon\t5\n")
    reversed_pairs = tmp_path / "reversed.tsv"
    reversed_pairs.write_text("north\tnorthish\t1\nnorth\teast\t3\nnorth\tup\t7\n")
    questions = tmp_path / "questions.txt"
    questions.write_text(": one\nnorth northish east up\nnorth south up east\nmoon sun a b\n")
    scores = w2v.evaluate(kv, wordsim=str(pairs), simlex=str(reversed_pairs),
                          analogies=str(questions))
    assert scores["wordsim353"] == pytest.approx(1.0)
    assert scores["wordsim353_oov"] == pytest.approx(0.2)
    assert scores["simlex999"] == pytest.approx(-1.0)
    assert scores["simlex999_oov"] == 0.0
    assert scores["analogy_oov"] == pytest.approx(1 / 3)
    assert 0.0 <= scores["analogy"] <= 1.0


def test_evaluate_on_the_shipped_test_sets():
    words = ["tiger", "cat", "love", "sex", "book", "paper", "king", "queen", "man", "woman"]
    vocab = w2v.Vocab([words], min_count=1)
    kv = w2v.keyed_vectors(np.random.default_rng(0).normal(size=(len(words), 4)), vocab)
    scores = w2v.evaluate(kv)
    assert set(scores) == {"wordsim353", "wordsim353_oov", "simlex999", "simlex999_oov",
                           "analogy", "analogy_oov"}
    assert -1 <= scores["wordsim353"] <= 1 and 0.9 < scores["wordsim353_oov"] < 1
    assert 0.99 < scores["analogy_oov"] < 1  # ten words answer a few questions only
    nothing_known, _ = word_vectors()
    scores = w2v.evaluate(nothing_known)
    assert math.isnan(scores["wordsim353"]) and scores["wordsim353_oov"] == 1.0


def test_train_gensim_repeats_with_one_worker_and_takes_our_hyperparameters():
    sentences = topic_corpus(n_sentences=100)
    a, seconds = w2v.train_gensim(sentences, dim=12, window=3, negatives=4, t=1e-3, epochs=2,
                                  seed=5, min_count=1)
    b, _ = w2v.train_gensim(sentences, dim=12, window=3, negatives=4, t=1e-3, epochs=2, seed=5,
                            min_count=1)
    c, _ = w2v.train_gensim(sentences, dim=12, window=3, negatives=4, t=1e-3, epochs=2, seed=6,
                            min_count=1)
    assert seconds > 0 and np.array_equal(a.wv.vectors, b.wv.vectors)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)
    assert (a.vector_size, a.window, a.negative, a.sample, a.epochs, a.sg, a.hs) == (
        12, 3, 4, 1e-3, 2, 1, 0)
    with pytest.raises(ValueError, match="dim must be at least 1"):
        w2v.train_gensim(sentences, dim=0)

