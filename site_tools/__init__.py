"""The site build's tools that need no Sphinx: shared by nox, the course edition, the GPU bundle."""
