"""Tests of mnist_tutorial.source: the code shown on a page is the package's own source."""

from __future__ import annotations

import functools
import html
import inspect
import re
import sys
from pathlib import Path

import pytest

from mnist_tutorial.models import ConvNet
from mnist_tutorial.source import show_source
from mnist_tutorial.training import Trainer


def test_text_is_the_source_of_a_class() -> None:
    shown = show_source(ConvNet)
    assert repr(shown) == inspect.getsource(ConvNet)
    assert shown.name == "mnist_tutorial.models.ConvNet"


def test_a_method_is_dedented() -> None:
    shown = show_source(Trainer.train)
    assert shown.text.startswith("def train(self")
    assert shown.name == "mnist_tutorial.training.Trainer.train"


def test_html_is_highlighted_and_holds_the_same_code() -> None:
    page = show_source(ConvNet)._repr_html_()
    assert 'data-source="mnist_tutorial.models.ConvNet"' in page
    assert '<div class="highlight">' in page
    assert '<span class="k">class</span>' in page  # highlighted, not a plain <pre>
    code = re.search(r"<pre>(.*)</pre>", page, re.S).group(1)
    text = html.unescape(re.sub(r"<[^>]+>", "", code))
    assert text == inspect.getsource(ConvNet)


def test_objects_without_source_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot show the source of 3"):
        show_source(3)


def test_a_module_is_shown_whole_under_its_own_name() -> None:
    # It used to raise a bare AttributeError (a module has no __qualname__).
    import mnist_tutorial.throughput as module

    shown = show_source(module)
    assert shown.text == Path(module.__file__).read_text()
    assert shown.name == "mnist_tutorial.throughput"
    assert 'data-source="mnist_tutorial.throughput"' in shown._repr_html_()


@pytest.mark.parametrize(
    ("obj", "kind"),
    [
        (Trainer.train.__code__, "code"),
        (functools.partial(show_source, ConvNet), "partial"),
        (ConvNet.__dict__["forward"].__get__, "method-wrapper"),
        (sys, "module"),  # built in: no Python file
    ],
)
def test_objects_without_a_name_or_a_file_are_refused_clearly(obj: object, kind: str) -> None:
    with pytest.raises(TypeError, match="pass a module, class, function or method"):
        show_source(obj)
