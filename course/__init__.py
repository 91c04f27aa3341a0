"""The course edition: student notebooks with blanks, the reference solution and the grader.

Everything here is built from the tutorial's own examples (``examples/plot_*.py``): the code a
student writes is marked there once, between ``# BEGIN SOLUTION`` and ``# END SOLUTION``.
This folder is not part of the installed ``mnist_tutorial`` package, so a student who installs
the package gets neither the hidden tests nor their expected values.
"""
