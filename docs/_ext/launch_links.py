"""Under each section's title: launch and download links, and the facts of this build.

Every link comes from one place, ``launch_links``: the page's own example name and the
repository of this build (repository.py). Colab opens notebooks from a GitHub branch, so the
GPU workflow publishes the built notebooks to the branch ``NOTEBOOK_BRANCH``; a build whose
repository is not on GitHub (a local clone, say) has no Colab or source link to offer.
"""

from __future__ import annotations

import dataclasses

from build_facts import format_minutes
from incremental import section_run
from sections import insert_under_title
from sphinx.application import Sphinx

from site_tools.repository import Repository, this_build
from site_tools.section_list import example_stem

NOTEBOOK_BRANCH = "notebooks"  # .github/workflows/docs-gpu.yml pushes the notebooks there
SEPARATOR = " \N{MIDDLE DOT} "


@dataclasses.dataclass(frozen=True)
class LaunchLinks:
    """Where a section's notebook and script can be opened, downloaded and read."""

    notebook: str  # the downloadable files, next to the page's source (a :download: target)
    script: str
    colab: str | None  # None unless the repository is on GitHub
    source: str | None


def launch_links(stem: str, repository: Repository | None) -> LaunchLinks:
    """The links of the section whose example is ``examples/<stem>.py``."""
    github = repository.github if repository else None
    colab = source = None
    if github:
        colab = (
            f"https://colab.research.google.com/github/{github}/blob/{NOTEBOOK_BRANCH}/{stem}.ipynb"
        )
        source = f"https://github.com/{github}/blob/{repository.commit}/examples/{stem}.py"
    return LaunchLinks(f"{stem}.ipynb", f"{stem}.py", colab, source)


def launch_rst(links: LaunchLinks) -> str:
    items = []
    if links.colab:
        items.append(f"`Open in Colab <{links.colab}>`__")
    items.append(f":download:`Download notebook <{links.notebook}>`")
    items.append(f":download:`Download script <{links.script}>`")
    if links.source:
        items.append(f"`View source <{links.source}>`__")
    return ".. rst-class:: launch-links\n\n" + SEPARATOR.join(items) + "\n\n"


def facts_rst(stem: str) -> str:
    """Where, when and from which commit this section's outputs were made (the build's record).

    In an incremental build a section that did not run keeps the outputs, and so the facts,
    of the build that ran it (incremental.py).
    """
    run = section_run(stem)
    if run is None:
        made = "This section's code did not run in this build"
    else:
        made = (
            f"Built on {run['device']} on {run['date']} UTC from commit {run['commit']}; "
            f"this section's code ran in {format_minutes(run['seconds'])} (minutes:seconds)"
        )
    return f".. rst-class:: page-facts\n\n{made}. See :doc:`/build`.\n\n"


def _insert(app: Sphinx, docname: str, source: list[str]) -> None:
    stem = example_stem(docname)
    if stem is not None:
        rst = launch_rst(launch_links(stem, this_build())) + facts_rst(stem)
        insert_under_title(source, docname, rst)


def setup(app: Sphinx) -> dict[str, object]:
    # After the breadcrumb's handler (priority 500), so these lines go above the breadcrumb.
    app.connect("source-read", _insert, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
