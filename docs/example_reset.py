"""Between two examples: seed 0, close figures, free CUDA memory (a reset_modules hook)."""

from __future__ import annotations


def reset_state(gallery_conf: dict, fname: str, when: str) -> None:
    """sphinx-gallery reset_modules hook, called before and after each example.

    Examples share one Python process; this makes each start as if it were run on its own.
    """
    import gc

    import matplotlib.pyplot as plt
    import torch

    from mnist_tutorial.environment import seed_everything

    plt.close("all")
    seed_everything(0)
    if torch.cuda.is_available():
        gc.collect()  # drop unreachable tensors first, so that their memory can be returned
        torch.cuda.empty_cache()
