"""The registry of the course: graded tasks, their checks and points, and the written questions.

One place for everything a teacher sees: the grader scores these checks, the course build
writes the teacher's README from them, and the site's "For teachers" page renders its table
from them. Activities (ACT1-24) are those of the original assignment.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Check:
    """One hidden test of a task: its key in the results, its points, and a hint if it fails."""

    key: str
    points: int
    what: str  # what it tests, for the feedback and the teacher
    hint: str  # said to the student when it fails; never the answer


@dataclasses.dataclass(frozen=True)
class Task:
    """An autograded task: the definition the student writes and the hidden checks of it."""

    name: str
    title: str
    activities: str
    section: str  # the example's stem
    definition: str  # the class or function the grader takes from the submission
    checks: tuple[Check, ...]

    @property
    def points(self) -> int:
        return sum(check.points for check in self.checks)


@dataclasses.dataclass(frozen=True)
class Question:
    """A task the teacher grades by hand, with the rubric to grade it by."""

    name: str
    title: str
    activities: str
    section: str
    points: int
    rubric: tuple[str, ...]


TASKS: tuple[Task, ...] = (
    Task(
        "convnet",
        "The ConvNet's layers and forward pass",
        "ACT1-9",
        "plot_02_build_cnn",
        "ConvNet",
        (
            Check(
                "layers",
                2,
                "the layers' parameters have the reference names and shapes",
                "Compare your layers with the architecture's list: the number of filters, the "
                "kernel size, the padding, and the inputs of fc1 (work out the side of the maps "
                "after two poolings).",
            ),
            Check(
                "output",
                3,
                "with the reference weights, forward gives the reference scores",
                "Walk through forward layer by layer: each convolution is followed by a ReLU "
                "and then a pooling, fc1 by a ReLU, and fc2 by nothing.",
            ),
        ),
    ),
    Task(
        "train_step",
        "One training step",
        "ACT11-15",
        "plot_03_train",
        "Trainer",
        (
            Check(
                "loss",
                2,
                "the first step returns the reference loss of the batch",
                "The loss function takes the raw scores of the network (it applies the softmax "
                "itself) and the labels.",
            ),
            Check(
                "weights",
                3,
                "after two steps the weights equal the reference weights",
                "A step has five parts, in order; check that the gradients of the previous step "
                "cannot add up with the new ones.",
            ),
        ),
    ),
    Task(
        "train_loop",
        "The epochs: one mean loss per epoch",
        "ACT11-15",
        "plot_03_train",
        "Trainer",
        (
            Check(
                "count",
                1,
                "train(epochs) returns one number per epoch",
                "train should return a list with exactly one loss per epoch, not one per batch.",
            ),
            Check(
                "means",
                3,
                "each number is the mean loss of that epoch's batches",
                "Each epoch's number is the mean of the losses of all its batches, as a float.",
            ),
        ),
    ),
    Task(
        "count_correct",
        "Counting the correctly classified test images",
        "ACT18-19",
        "plot_04_evaluate",
        "count_correct",
        (
            Check(
                "correct",
                3,
                "on a fixed net and loader, the number of correct images is the known count",
                "Count images, not batches: compare the predicted digit of every image with its "
                "label and add up the matches.",
            ),
            Check(
                "total",
                1,
                "the number of images seen is the size of the loader's data",
                "The second number is how many images the loop saw, over all batches.",
            ),
        ),
    ),
    Task(
        "feature_maps",
        "The first layer's feature maps",
        "ACT23",
        "plot_06_visualize_layers",
        "feature_maps",
        (
            Check(
                "maps",
                2,
                "the maps equal relu(conv1(x)) for fixed weights",
                "A feature map is what the rest of the network receives from conv1.",
            ),
        ),
    ),
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "learning_rate",
        "The learning rate, and the loss curve against the epoch",
        "ACT16-17",
        "plot_03_train",
        2,
        (
            "1 point: the chosen learning rate gives a last-epoch mean loss below 0.03.",
            "1 point: the plot has the epoch number 1..10 on the x-axis and the mean loss on "
            "the y-axis, with labelled axes.",
        ),
    ),
    Question(
        "mistakes",
        "What the misclassified digits have in common",
        "ACT20",
        "plot_05_inspect_errors",
        2,
        (
            "1 point: names a pattern seen in the shown errors (unusual strokes, digits that "
            "look like another digit, cut or thick writing).",
            "1 point: tells the data's ambiguity (a human would hesitate too) apart from the "
            "network's real errors.",
        ),
    ),
    Question(
        "filters",
        "What the first layer's filters detect",
        "ACT21-22",
        "plot_06_visualize_layers",
        2,
        (
            "1 point: says the 5 x 5 filters respond to edges or strokes of one direction, or "
            "to the background.",
            "1 point: calls the maps after conv1 and ReLU feature maps (or activation maps).",
        ),
    ),
    Question(
        "cnn_vs_fc",
        "Why the CNN beats the fully connected net",
        "ACT24",
        "plot_07_compare_fully_connected",
        2,
        (
            "1 point: weight sharing and local receptive fields: the same filter everywhere, "
            "so a stroke is recognised wherever it is.",
            "1 point: the CNN has about half the parameters of the FC net (section 7 counts "
            "them exactly) and still generalises better; not 'they have a similar size'.",
        ),
    ),
)


def task(name: str) -> Task:
    for candidate in TASKS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no task named {name!r}; the tasks are {', '.join(t.name for t in TASKS)}")


def total_points() -> int:
    return sum(t.points for t in TASKS)
