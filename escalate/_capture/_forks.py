"""Locks of long-lived capture objects, made new in a forked child.

A child process has only the thread that called `fork`; a lock another thread held at that
moment would stay held in the child for ever.
"""

from __future__ import annotations

import os
import threading


def renew_lock_in_child(owner: object, attribute: str = "_lock") -> None:
    """After a fork, give `owner` a new, free lock under `attribute` in the child."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: setattr(owner, attribute, threading.Lock()))
