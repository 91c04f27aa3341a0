"""Tests of mnist_tutorial.source: the code shown on a page is the package's own source."""

from __future__ import annotations

import html
import inspect
import re

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
