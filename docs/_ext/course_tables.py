"""The tables of the "For teachers" page, rendered from the course's registry (course/tasks.py).

``.. course-tasks::`` lists every activity of the assignment with its section, its points and
how it is graded; ``.. course-rubric::`` the rubric of the written questions. The grader gives
exactly these points, since it reads the same registry.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from course import teacher
from course.tasks import QUESTIONS, TASKS, total_points


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> nodes.table:
    table = nodes.table(classes=["course-tasks"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    for target, cells in ((head, header), *((body, row) for row in rows)):
        row_node = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=cell)
            row_node += entry
        target += row_node
    return table


class CourseTasks(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        from site_tools.section_list import tutorial_sections

        titles = {s.stem: f"{s.number}. {s.title}" for s in tutorial_sections()}
        rows = [(a, titles.get(stem, stem), *rest) for a, stem, *rest in teacher.task_rows()]
        manual = sum(q.points for q in QUESTIONS)
        summary = nodes.paragraph(
            text=f"{len(TASKS)} autograded tasks, {total_points()} points; "
            f"{len(QUESTIONS)} written questions graded by hand, {manual} points."
        )
        header = ("Activities", "Section", "Task", "Points", "Graded")
        return [_table(header, rows), summary]


class CourseRubric(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        items = nodes.bullet_list()
        for question in QUESTIONS:
            item = nodes.list_item()
            item += nodes.paragraph(
                text=f"{question.title} ({question.activities}, {question.points} points):"
            )
            lines = nodes.bullet_list()
            for line in question.rubric:
                entry = nodes.list_item()
                entry += nodes.paragraph(text=line)
                lines += entry
            item += lines
            items += item
        return [items]


class CourseCommands(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        text = f"{teacher.BUILD_COMMAND}\n{teacher.GRADE_COMMAND}"
        return [nodes.literal_block(text, text, language="console")]


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("course-tasks", CourseTasks)
    app.add_directive("course-rubric", CourseRubric)
    app.add_directive("course-commands", CourseCommands)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
