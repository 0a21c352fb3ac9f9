import pytest

from d2lutils.exercises import answer_digest, check


def verdict(capsys, answer, key, **kw):
    check(answer, key, **kw)
    return capsys.readouterr().out


def test_right_and_wrong(capsys):
    key = answer_digest(0.1234)
    assert verdict(capsys, 0.12341, key).startswith("Right")
    wrong = verdict(capsys, 0.125, key)
    assert wrong.startswith("Not yet") and "0.123" not in wrong
    assert verdict(capsys, None, key).startswith("Replace None")


def test_lists_strings_and_negative_zero(capsys):
    assert verdict(capsys, [1, 2.0], answer_digest([1.0, 2])).startswith("Right")
    assert verdict(capsys, " Add ", answer_digest("add")).startswith("Right")
    assert answer_digest(-0.0001) == answer_digest(0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="decimals"):
        answer_digest(1.0, decimals=-1)
    with pytest.raises(ValueError, match="digest"):
        check(1.0, "abc")
    with pytest.raises(TypeError, match="answer"):
        answer_digest(object())
