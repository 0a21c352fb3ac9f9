import pytest

from d2lutils.exercises import answer_digest, check


def test_right_and_wrong(capsys):
    key = answer_digest(0.1234)
    assert check(0.12341, key)
    assert not check(0.125, key)
    out = capsys.readouterr().out
    assert "Right" in out and "Not yet" in out and "0.123" not in out.split("Right")[0]


def test_lists_strings_and_negative_zero():
    assert check([1, 2.0], answer_digest([1.0, 2]))
    assert check(" Add ", answer_digest("add"))
    assert answer_digest(-0.0001) == answer_digest(0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="decimals"):
        answer_digest(1.0, decimals=-1)
    with pytest.raises(ValueError, match="digest"):
        check(1.0, "abc")
    with pytest.raises(TypeError, match="answer"):
        answer_digest(object())
