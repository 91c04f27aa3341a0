"""Reusable code for the MNIST convolutional-network tutorial: data, models, training, plots."""

__version__ = "0.1.0"
