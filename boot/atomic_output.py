"""Build outputs appear whole or not at all (shared by mkiso.py and mkinitrd.py)."""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_output(out):
    """Yield a temporary path next to `out` (same file system, so the final
    rename is atomic). When the block ends normally it becomes `out`, mode
    0644; on any failure, die() included, it is removed and `out` is left
    as it was."""
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(out) + '.', suffix='.tmp',
                               dir=os.path.dirname(out))
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
