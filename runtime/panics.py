"""Keeps bytewax's Rust panic text off the terminal when a run fails for a user's mistake.

bytewax turns an exception raised inside a step into a Rust panic, whose hook writes the
panic (and, with RUST_BACKTRACE set, a native backtrace) straight to file descriptor 2. While
a dataflow runs, descriptor 2 goes to a temporary file and Python's own stderr keeps the
terminal (progress bars still show). If the run fails with an OrderloomError (or is
interrupted) the captured text is dropped, since the CLI prints one line; otherwise it is
replayed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from orderloom.dsl.errors import interrupted, orderloom_cause


@contextmanager
def native_stderr_captured() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError):  # no usable descriptor 2 (embedded use): nothing to keep
        yield
        return
    saved_stderr = sys.stderr
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        sys.stderr = os.fdopen(os.dup(saved_fd), "w", buffering=1, encoding="utf-8")
        user_mistake = False
        try:
            yield
        except BaseException as exc:
            user_mistake = orderloom_cause(exc) is not None or interrupted(exc)
            raise
        finally:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = saved_stderr
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            if not user_mistake:
                capture.seek(0)
                text = capture.read()
                if text:
                    sys.stderr.write(text.decode(errors="replace"))
                    sys.stderr.flush()
