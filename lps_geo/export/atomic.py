"""Atomic writing of files and output folders, shared by every exporter.

A writer never leaves a half-written output behind: it writes to a hidden
temporary file in the destination folder and moves it into place with
:func:`os.replace` only when writing succeeded (the move is atomic on the same
file system). An existing output is kept unless ``overwrite`` is requested.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lps_geo.errors import OutputExistsError

logger = logging.getLogger(__name__)

#: Side files SQLite-based formats (GeoPackage) may leave next to the database.
_SIDECARS: tuple[str, ...] = ("-journal", "-wal", "-shm")


def check_writable(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Raise :class:`~lps_geo.errors.OutputExistsError` if ``path`` may not be written.

    Parameters
    ----------
    path
        The output file.
    overwrite
        Whether an existing file may be replaced.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> existing = Path(tempfile.mkdtemp()) / "out.json"
    >>> _ = existing.write_text("{}")
    >>> check_writable(existing)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.OutputExistsError: ... exists; pass overwrite=True (CLI: --overwrite)
    >>> check_writable(existing, overwrite=True) == existing
    True
    """
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(
            f"{path} is a directory; give a file name for the output"
        )
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{path} exists; pass overwrite=True (CLI: --overwrite)"
        )
    return path


def temporary_sibling(path: str | os.PathLike) -> Path:
    """A fresh hidden file name next to ``path`` that keeps its extension.

    The extension is kept last (``.out.tmp-1a2b3c4d.gpkg``) so that drivers and
    matplotlib that pick the format from the suffix still recognise it.

    Examples
    --------
    >>> p = temporary_sibling("maps/typology.png")
    >>> p.parent.as_posix(), p.name.startswith(".typology.tmp-"), p.suffix
    ('maps', True, '.png')
    """
    path = Path(path)
    return path.with_name(f".{path.stem}.tmp-{secrets.token_hex(4)}{path.suffix}")


def _remove(tmp: Path) -> None:
    for candidate in (tmp, *(Path(f"{tmp}{s}") for s in _SIDECARS)):
        try:
            candidate.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover - depends on the OS
            logger.warning("could not remove temporary file %s: %s", candidate, exc)


@contextmanager
def atomic_path(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write to; move it onto ``path`` on success.

    The temporary file lives in the same folder as ``path`` (created if
    missing), so the final :func:`os.replace` is atomic. If the body raises,
    the temporary file (and SQLite side files) is removed and the exception
    propagates; ``path`` is left untouched.

    Parameters
    ----------
    path
        The final output file.
    overwrite
        Replace ``path`` if it exists. Otherwise an existing ``path`` raises
        :class:`~lps_geo.errors.OutputExistsError` before anything is written.

    Yields
    ------
    pathlib.Path
        Where the caller must write the complete output.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "report.json"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text('{"ok": true}', encoding="utf-8")
    >>> out.read_text(encoding="utf-8")
    '{"ok": true}'
    >>> sorted(p.name for p in out.parent.iterdir())
    ['report.json']
    """
    path = check_writable(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(
                f"nothing was written to the temporary file {tmp} for {path}"
            )
        # Re-check: another process may have created the output meanwhile.
        check_writable(path, overwrite)
        os.replace(tmp, path)
        logger.debug("wrote %s", path)
    finally:
        _remove(tmp)


def check_folder(out: str | os.PathLike, overwrite: bool = False) -> Path:
    """Raise :class:`~lps_geo.errors.OutputExistsError` if the output folder
    ``out`` may not be (re)written: it is a file, or a non-empty folder and
    ``overwrite`` is false."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"output folder {out} exists and is not empty; pass --overwrite "
            "(overwrite=True in Python) to replace it"
        )
    return out


def _publish(tmp: Path, out: Path) -> None:
    """Move a finished temporary folder into place (replacing ``out``)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staging_folder(out: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder next to ``out``, moved into place when the block
    succeeds and removed when it fails; ``out`` is untouched until then.

    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> with staging_folder(base / "run") as tmp:
    ...     _ = (tmp / "report.json").write_text("{}")
    >>> sorted(p.name for p in (base / "run").iterdir())
    ['report.json']
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; outputs follow the umask
    try:
        yield tmp
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
