"""Tests of mnist_tutorial.exercises: every exercise accepts its answer and rejects wrong ones.

The right answers are computed here a second way (or written out where the arithmetic is
short), not by calling the checker's own code.
"""

from __future__ import annotations

import ast
import math
import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mnist_tutorial.data import BLACK, TensorLoader
from mnist_tutorial.evaluation import confusion_matrix, evaluate, predict, shift_images
from mnist_tutorial.exercises import EXERCISES, STEP_TIMEOUT_S, check
from mnist_tutorial.models import ConvNet, feature_maps


@pytest.fixture(scope="module")
def linear_net(mnist_train) -> nn.Module:
    """A linear classifier trained for a moment: cheap, sure of some images, often wrong."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    optim = torch.optim.SGD(net.parameters(), lr=0.1)
    for images, labels in TensorLoader(*mnist_train, batch_size=500):
        optim.zero_grad()
        nn.functional.cross_entropy(net(images), labels).backward()
        optim.step()
    return net


def assert_marked(name: str, right: object, wrong: list[object], **context: object) -> None:
    """``right`` is accepted; each of ``wrong`` is refused with a hint that hides ``right``."""
    assert check(name, right, **context) is True
    for answer in wrong:
        judge = EXERCISES[name].judge
        hint = judge(answer, **context)
        assert hint, f"{name}: {answer!r} was accepted"
        if isinstance(right, int | float) and not isinstance(right, bool):
            assert f"{right}" not in hint, f"{name}: the hint gives the answer away"
        assert check(name, answer, **context) is False


def exercises_named(path: Path, accepted_only: bool = False) -> set[str]:
    """The exercise names that ``path`` passes to ``check`` (or ``assert_marked``) as literals.

    With ``accepted_only``, only the calls that a test asserts to be right: ``assert_marked``,
    and ``assert check(...)`` itself (not ``assert check(...) is False``).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    if accepted_only:
        asserted = [n.test for n in ast.walk(tree) if isinstance(n, ast.Assert)]
        calls = [
            c for c in calls if getattr(c.func, "id", None) == "assert_marked" or c in asserted
        ]
    return {
        call.args[0].value
        for call in calls
        if getattr(call.func, "id", None) in ("check", "assert_marked")
        and call.args
        and isinstance(call.args[0], ast.Constant)
    }


def test_every_exercise_is_tested() -> None:
    # read from the tests below, not a list kept by hand: an exercise added to the registry
    # without a test that accepts its right answer fails here
    assert set(EXERCISES) == exercises_named(Path(__file__), accepted_only=True)


def test_the_sections_ask_exactly_the_registered_exercises() -> None:
    # every check() of a section names a registered exercise, and every exercise is asked
    examples = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))
    asked = set().union(*(exercises_named(path) for path in examples))
    assert asked == set(EXERCISES)


def test_check_prints_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    check("momentum-limit", 10)
    assert "Correct!" in capsys.readouterr().out
    check("momentum-limit", 3)
    out = capsys.readouterr().out
    assert "Not quite" in out
    assert "solve for v" in out


def test_unknown_exercise_lists_the_names() -> None:
    with pytest.raises(KeyError, match="flattened-size"):
        check("flatened-size", 1024)


def test_missing_network_says_how_to_pass_it() -> None:
    with pytest.raises(TypeError, match=r"net=net"):
        check("misclassified-images", 100)


def test_answers_of_the_wrong_kind_get_a_clear_hint() -> None:
    assert "number" in EXERCISES["flattened-size"].judge("1024")
    assert "number" in EXERCISES["flattened-size"].judge(True)
    assert "tuple of 2" in EXERCISES["batches-per-epoch"].judge(469)


def test_data_exercises(mnist_train) -> None:
    images = mnist_train[0]  # normalized: a 0 on disk is exactly -1 here
    fraction = (images == -1).sum().item() / images.numel()
    assert_marked("background-fraction", fraction, [fraction + 0.01, 1 - fraction, "0.8"])
    loader = TensorLoader(*mnist_train, batch_size=128)
    last = len(list(loader)[-1][1])
    assert_marked("batches-per-epoch", (len(loader), last), [(len(loader) - 1, 128), (469, 128)])
    assert_marked("batches-per-epoch", [len(loader), last], [])  # a list is as good as a tuple


def test_cnn_exercises() -> None:
    # Without padding each 5 x 5 convolution takes 4 pixels off a side: 28, 24, 12, 8, 4.
    assert_marked("flattened-size", 64 * 4 * 4, [64 * 7 * 7, 3136, 64 * 5 * 5])
    conv1 = 16 * 1 * 5 * 5 + 16
    conv2 = 32 * 16 * 5 * 5 + 32
    fc1 = 32 * 7 * 7 * 512 + 512
    fc2 = 512 * 10 + 10
    total = conv1 + conv2 + fc1 + fc2
    assert_marked("parameter-count", total, [total - 16 - 32 - 512 - 10, 1_663_370])


def good_step(net, optim, loss_function, images, labels) -> float:
    optim.zero_grad()
    loss = loss_function(net(images), labels)
    loss.backward()
    optim.step()
    return loss.item()


def no_zero_grad(net, optim, loss_function, images, labels) -> float:
    loss = loss_function(net(images), labels)
    loss.backward()
    optim.step()
    return loss.item()


def no_step(net, optim, loss_function, images, labels) -> float:
    optim.zero_grad()
    loss = loss_function(net(images), labels)
    loss.backward()
    return loss.item()


def no_return(net, optim, loss_function, images, labels) -> None:
    good_step(net, optim, loss_function, images, labels)


def test_training_exercises() -> None:
    assert check("training-step", good_step)
    hints = {f.__name__: EXERCISES["training-step"].judge(f) for f in (no_zero_grad, no_step)}
    assert "cleared" in hints["no_zero_grad"]
    assert "step" in hints["no_step"]
    assert "float" in EXERCISES["training-step"].judge(no_return)
    assert "function" in EXERCISES["training-step"].judge(0.5)
    # v = 0.9 v + g settles at v = g / (1 - 0.9)
    assert_marked("momentum-limit", 1 / (1 - 0.9), [9, 0.9, 1.9])


def test_evaluation_exercises(linear_net, mnist_test) -> None:
    errors = evaluate(linear_net, TensorLoader(*mnist_test, batch_size=256)).errors
    assert_marked("misclassified-images", errors, [errors + 1, 40], net=linear_net)
    # 100 batches of 100: at most 100 errors over 10,000 images
    assert_marked("batch-counting-floor", 99.0, [98.0, 99.6, 100])


def test_error_exercises(linear_net, mnist_test) -> None:
    result = predict(linear_net, TensorLoader(*mnist_test, batch_size=500))
    mistakes = confusion_matrix(result.labels, result.predicted).fill_diagonal_(0)
    pairs = {(a, b): int(mistakes[a, b] + mistakes[b, a]) for a in range(10) for b in range(a)}
    (a, b), count = max(pairs.items(), key=lambda item: item[1])
    one_way = int(mistakes[a, b])
    wrong = [(a, b, count - 1), (a, b, one_way), (a, a, count), (a, b), "4 9", (a, 10, count)]
    assert_marked("most-confused-pair", (a, b, count), wrong, net=linear_net)
    assert check("most-confused-pair", [b, a, count], net=linear_net)  # either order
    sure = result.confidence >= 0.99
    accuracy = 100 * (result.predicted[sure] == result.labels[sure]).float().mean().item()
    assert 0 < sure.sum() < len(sure)
    assert_marked("confident-accuracy", accuracy, [accuracy + 1], net=linear_net)
    untrained = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    assert "undefined" in EXERCISES["confident-accuracy"].judge(50.0, net=untrained)


def test_layer_exercises(mnist_train) -> None:
    edge = torch.tensor([[-1.0, 0.0, 1.0]] * 3)
    assert check("vertical-edge-filter", edge)
    assert check("vertical-edge-filter", -2 * edge)  # dark on the right is an edge too
    judge = EXERCISES["vertical-edge-filter"].judge
    assert "add up to zero" in judge(torch.tensor([[0.0, 1.0, 2.0]] * 3))
    assert "horizontal" in judge(edge + edge.T)
    assert "3 x 3" in judge(torch.ones(5, 5))
    assert "nothing" in judge(torch.zeros(3, 3))

    net = ConvNet().eval()
    with torch.no_grad():
        maps = feature_maps(net, mnist_train[0][:1])
    fraction = (maps == 0).float().mean().item()
    assert_marked("zero-activations", fraction, [fraction + 0.01, 1 - fraction], net=net)


def test_comparison_exercises(linear_net, mnist_test) -> None:
    outputs = 32 * 28 * 28
    assert_marked("no-weight-sharing", 784 * outputs + outputs, [784 * outputs, 32 * 26])
    images, labels = mnist_test[0][:2000], mnist_test[1][:2000]
    moved = shift_images(images, dx=3, dy=0, fill=BLACK)
    accuracy = evaluate(linear_net, [(moved, labels)]).accuracy
    assert math.isfinite(accuracy)
    assert_marked("shift-right-accuracy", accuracy, [accuracy - 1], net=linear_net)


def test_recap_exercises(linear_net, mnist_test) -> None:
    fc1 = 64 * 7 * 7 * 512 + 512
    assert_marked("fc1-share", fc1 / 1_663_370, [0.5, fc1 / 3_184_010])
    torch.manual_seed(1)
    other = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))  # untrained: many more errors
    loader = TensorLoader(*mnist_test, batch_size=1000)
    ratio = evaluate(other, loader).errors / evaluate(linear_net, loader).errors
    nets = {"convnet": linear_net, "fcnet": other}
    assert_marked("error-ratio", ratio, [1 / ratio, ratio + 0.1], **nets)
    with pytest.raises(TypeError, match="fcnet=fcnet"):
        check("error-ratio", ratio, convnet=linear_net)


def test_export_exercises(tmp_path, mnist_test_dataset) -> None:
    from mnist_tutorial.export import export_onnx, load_session, onnx_logits

    assert_marked("float16-bytes", 2 * 1_663_370, [4 * 1_663_370, 1_663_370])
    torch.manual_seed(0)
    session = load_session(export_onnx(ConvNet(), tmp_path / "convnet.onnx"))
    targets = mnist_test_dataset.targets
    first = [int((targets == digit).nonzero()[0]) for digit in range(10)]
    images = torch.stack([mnist_test_dataset[i][0] for i in first])  # (10, 1, 28, 28)
    moved = torch.full_like(images, -1.0)
    moved[:, :, 4:, :] = images[:, :, :-4, :]  # 4 pixels down, black above
    right = int((onnx_logits(session, moved).argmax(axis=1) == list(range(10))).sum())
    assert_marked("shift-down-onnx", right, [right + 1, 11], session=session)


# --- Answers that are not finite, too large, or never come ------------------------------------


@pytest.mark.parametrize(
    "answer",
    [math.nan, -math.inf, np.float64("nan"), torch.tensor(math.inf), 10**400, -(10**400)],
    ids=["nan", "-inf", "numpy-nan", "tensor-inf", "10**400", "-10**400"],
)
def test_a_non_finite_or_huge_number_gets_a_hint(answer: object) -> None:
    # 10**400 used to crash float() with OverflowError; NaN and inf got a hint that did not say
    # what was wrong with them.
    for name in ("parameter-count", "momentum-limit", "fc1-share"):
        hint = EXERCISES[name].judge(answer)
        assert "finite number" in hint, name
    assert check("parameter-count", answer) is False


def test_a_fraction_too_large_for_a_float_gets_a_hint() -> None:
    assert "finite number" in EXERCISES["flattened-size"].judge(Fraction(10**400, 3))


@pytest.mark.parametrize("answer", [(10**400, 5), (math.nan, 96), (469, math.inf)])
def test_a_tuple_with_a_non_finite_or_huge_part_gets_a_hint(answer: tuple) -> None:
    assert "finite number" in EXERCISES["batches-per-epoch"].judge(answer)


def returns(value: object):
    """A correct training step that returns ``value`` instead of the loss."""

    def step(net, optim, loss_function, images, labels) -> object:
        good_step(net, optim, loss_function, images, labels)
        return value

    return step


@pytest.mark.parametrize(
    "value",
    [math.nan, np.float64("nan"), torch.tensor(math.nan), math.inf],
    ids=["nan", "numpy-nan", "tensor-nan", "inf"],
)
def test_a_training_step_that_returns_a_non_finite_loss_is_wrong(value: object) -> None:
    # abs(nan - loss) > tolerance is False: a NaN used to be marked "Correct!"
    hint = EXERCISES["training-step"].judge(returns(value))
    assert "finite" in hint
    assert check("training-step", returns(value)) is False


def test_a_training_step_that_never_returns_is_stopped_with_a_message() -> None:
    release = threading.Event()

    def stuck(net, optim, loss_function, images, labels) -> float:
        release.wait()  # stands for `while True: ...`; released at the end of the test
        return 0.0

    started = time.perf_counter()
    try:
        hint = EXERCISES["training-step"].judge(stuck, timeout=0.3)
    finally:
        release.set()
    assert time.perf_counter() - started < 3
    assert "did not return within 0.3 s" in hint
    assert 1 <= STEP_TIMEOUT_S <= 10  # "a few seconds" by default


def test_the_timeout_passes_through_check_and_a_quick_step_is_unaffected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check("training-step", good_step, timeout=0.3) is True
    assert check("training-step", lambda *args: time.sleep(1), timeout=0.3) is False
    assert "did not return within 0.3 s" in capsys.readouterr().out
    with pytest.raises(ValueError, match="timeout"):
        check("training-step", good_step, timeout=-1)


def test_an_error_in_the_readers_step_reaches_the_reader() -> None:
    def broken(net, optim, loss_function, images, labels) -> float:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        check("training-step", broken)


def test_most_confused_pair_refuses_non_finite_huge_and_fractional_digits(
    linear_net, mnist_test
) -> None:
    # (inf, 1, 5) and a count of 10**400 used to crash with OverflowError, NaN with ValueError,
    # and 4.4 was rounded to 4 and could be marked right.
    judge = EXERCISES["most-confused-pair"].judge
    for answer in [(math.inf, 1, 5), (math.nan, 1, 5), (1, 2, 10**400), (1, 2, math.nan)]:
        assert "finite number" in judge(answer, net=linear_net), answer
    result = predict(linear_net, TensorLoader(*mnist_test, batch_size=1000))
    both_ways = confusion_matrix(result.labels, result.predicted).fill_diagonal_(0)
    both_ways = (both_ways + both_ways.T).triu()
    a, b = divmod(int(both_ways.argmax()), 10)
    count = int(both_ways[a, b])
    assert check("most-confused-pair", (a, b, count), net=linear_net)
    assert "two different digits" in judge((a + 0.4, b, count), net=linear_net)
    assert "two different digits" in judge((a, b + 0.5, count), net=linear_net)


@pytest.mark.parametrize(
    "kernel",
    [
        torch.tensor([[-1.0, 0.0, 1.0]] * 3) / 0.0,  # "normalised" by its sum, which is 0
        torch.tensor([[-math.inf, 0.0, math.inf]] * 3),
        torch.tensor([[-1.0, math.nan, 1.0]] * 3),
    ],
    ids=["divided-by-its-zero-sum", "infinite", "one-nan"],
)
def test_a_filter_with_nan_or_inf_weights_is_wrong(kernel: torch.Tensor) -> None:
    hint = EXERCISES["vertical-edge-filter"].judge(kernel)
    assert "finite" in hint
    assert check("vertical-edge-filter", kernel) is False


def test_a_filter_with_weights_near_a_floats_limit_is_judged_by_what_it_detects() -> None:
    huge = torch.tensor([[1e308, 1e308, -1e308]] * 3, dtype=torch.double)
    # its responses used to overflow into NaN, which passed every test: it is not zero-sum
    assert "add up to zero" in EXERCISES["vertical-edge-filter"].judge(huge)
    edge = torch.tensor([[-1e308, 0.0, 1e308]] * 3, dtype=torch.double)
    assert check("vertical-edge-filter", edge)  # a scaled edge filter is still one
