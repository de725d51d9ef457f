"""Atomic writing of files and output folders, shared by every exporter.

A writer never leaves a half-written output behind: it writes to a hidden
temporary file in the destination folder and moves it into place with
:func:`os.replace` only when writing succeeded (the move is atomic on the same
file system). An existing output is kept unless ``overwrite`` is requested.

Output folders are checked before any input is read (:func:`check_folder`:
writable, enough free space, existing-folder policy), built in a staging
folder (:func:`staging_folder`) and marked with a ``.lps_geo.json`` file
listing what lps_geo wrote; ``overwrite`` replaces only a folder whose every
file is listed there, so a file lps_geo did not write is never deleted.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lps_geo.errors import OutputError, OutputExistsError

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
    check_out_given(path)
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


#: The marker file of every output folder lps_geo writes.
MARKER = ".lps_geo.json"
#: Free space an output needs besides :data:`SPACE_FACTOR` x the inputs' size.
SPACE_FLOOR = 50 * 2**20
#: Multiple of the inputs' total size an output may take: the GeoPackage
#: repeats the boundaries in several layers and holds one row per region and
#: industry, plus rasters, maps and the atlas (the demo's 0.6 MB of inputs
#: make 6.4 MB of outputs). A rough bar: a write that still fills the disk
#: ends in the same one-line error, with nothing left behind.
SPACE_FACTOR = 10.0


def _reason(exc: OSError) -> str:
    """The OS's words for an error (``Permission denied``), not its repr."""
    return exc.strerror or str(exc) or type(exc).__name__


def cannot_write(out: str | os.PathLike, exc: OSError) -> OutputError:
    """The one-line :class:`~lps_geo.errors.OutputError` for a failed write.

    >>> import errno
    >>> str(cannot_write("out", OSError(errno.ENOSPC, "No space left on device")))
    'cannot write out: No space left on device'
    """
    err = OutputError(f"cannot write {out}: {_reason(exc)}")
    err.errno = exc.errno
    return err


def write_marker(folder: str | os.PathLike) -> Path:
    """Write ``folder/.lps_geo.json``: the version and every file under
    ``folder`` (relative POSIX paths), which ``overwrite`` may later replace.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "report.json").write_text("{}")
    >>> read_marker(write_marker(folder).parent)
    {'report.json'}
    """
    from lps_geo._version import __version__

    folder = Path(folder)
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MARKER
    )
    body = {"tool": "lps_geo", "version": __version__, "files": files}
    path = folder / MARKER
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return path


def read_marker(folder: str | os.PathLike) -> set[str] | None:
    """The files the marker of ``folder`` lists, or None without a valid one."""
    try:
        body = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("tool") != "lps_geo":
        return None
    files = body.get("files")
    return {str(f) for f in files} if isinstance(files, list) else None


def _owned(path: Path, stop: Path | None = None, cache: dict | None = None) -> bool:
    """Whether a marker in ``path``'s folder or an ancestor lists ``path``."""
    if path.name == MARKER:
        return True
    cache = {} if cache is None else cache
    for folder in path.parents:
        if folder not in cache:
            cache[folder] = read_marker(folder)
        listed = cache[folder]
        if listed is not None and path.relative_to(folder).as_posix() in listed:
            return True
        if stop is not None and folder == stop:
            break
    return False


def foreign_files(folder: str | os.PathLike) -> list[str]:
    """Files under ``folder`` that no lps_geo marker lists (sorted, relative).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "report.json").write_text("{}")
    >>> _ = write_marker(folder)
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> foreign_files(folder)
    ['notes.txt']
    """
    folder = Path(folder)
    cache: dict[Path, set[str] | None] = {}
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if not p.is_dir() and not _owned(p, stop=folder, cache=cache)
    )


def _refuse_foreign(out: Path, what: Iterable[str] | None = None) -> None:
    """Refuse to replace ``out`` (or the files ``what`` in it) unless lps_geo
    wrote them."""
    if what is None:
        if read_marker(out) is None:
            first = next(iter(sorted(p.name for p in out.iterdir())), "")
            raise OutputExistsError(
                f"output folder {out} was not written by lps_geo (no {MARKER}; "
                f"first file: {out / first}); --overwrite replaces only folders "
                "lps_geo wrote: remove it or choose another --out"
            )
        foreign = foreign_files(out)
    else:
        foreign = [n for n in what if (out / n).exists() and not _owned(out / n)]
    if foreign:
        raise OutputExistsError(
            f"output folder {out} holds {out / foreign[0]}, which lps_geo did not "
            "write; --overwrite never deletes it: remove it or choose another --out"
        )


def _existing_ancestor(path: Path) -> Path:
    """The nearest ancestor of ``path`` that exists (``path`` excluded)."""
    for folder in path.parents:
        if folder.exists():
            return folder
    return Path(path.anchor or ".")  # pragma: no cover - the root exists


def probe_folder(out: Path, inside: bool = False) -> Path:
    """Create and remove a temporary folder where ``out`` will be written
    (``os.access`` is wrong on read-only mounts and for root); returns the
    folder probed."""
    base = out if inside and out.is_dir() else _existing_ancestor(out)
    if not base.is_dir():
        raise OutputError(
            f"cannot write {out}: {base} is a file, not a folder; choose another --out"
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{out.name}.tmp-probe-", dir=base))
    except OSError as exc:
        raise cannot_write(out, exc) from None
    return base


def refuse_inputs(out: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Raise :class:`~lps_geo.errors.OutputError` if ``out`` is one of the
    ``inputs`` or a folder holding one (``--overwrite`` would destroy it).

    >>> refuse_inputs("/tmp/g", ["/tmp/g/result.gpkg"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.OutputError: --out /tmp/g holds the input /tmp/g/result.gpkg; ...
    """
    check_out_given(out)
    target = Path(out).resolve()
    for raw in inputs:
        path = Path(raw)
        resolved = path.resolve()
        same = resolved == target
        if not same and path.exists() and Path(out).exists():
            try:
                same = os.path.samefile(path, out)
            except OSError:  # pragma: no cover - raced away
                same = False
        if same:
            raise OutputError(f"--out {out} is the input {path}; choose another --out")
        if target in resolved.parents:
            raise OutputError(
                f"--out {out} holds the input {path}; choose another --out"
            )


def check_out_given(out: str | os.PathLike) -> None:
    """An empty output path is an error (``Path("")`` would mean the current
    folder)."""
    if not str(os.fspath(out)).strip():
        raise OutputError("--out is empty; give an output path")


def input_bytes(paths: Iterable[str | os.PathLike]) -> int:
    """Total size of input files (a shapefile counts its side files; glob
    patterns are expanded; missing files count 0, they are reported later).

    >>> input_bytes(["/nonexistent/a.csv"])
    0
    """
    total = 0
    for raw in paths:
        path = Path(raw)
        if any(c in str(path) for c in "*?["):
            found = list(path.parent.glob(path.name))
        elif path.suffix.lower() == ".shp":
            found = list(path.parent.glob(f"{path.stem}.*"))
        else:
            found = [path]
        for p in found:
            try:
                total += p.stat().st_size if p.is_file() else 0
            except OSError:
                pass
    return total


def space_needed(inputs: int) -> int:
    """Bytes an output of inputs of ``inputs`` bytes is assumed to need:
    :data:`SPACE_FLOOR` + :data:`SPACE_FACTOR` x ``inputs``.

    >>> space_needed(0) == SPACE_FLOOR
    True
    """
    return SPACE_FLOOR + int(SPACE_FACTOR * inputs)


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 2**10:,.0f} kB"


def check_space(out: str | os.PathLike, needed: int) -> None:
    """Raise :class:`~lps_geo.errors.OutputError` if the file system of
    ``out`` has less than ``needed`` bytes free."""
    out = Path(out)
    base = out if out.is_dir() else _existing_ancestor(out)
    try:
        free = shutil.disk_usage(base).free
    except OSError as exc:  # pragma: no cover - depends on the OS
        raise cannot_write(out, exc) from None
    if free < needed:
        raise OutputError(
            f"cannot write {out}: {_mb(free)} free on its disk, about "
            f"{_mb(needed)} needed ({_mb(SPACE_FLOOR)} + {SPACE_FACTOR:g} x the "
            "inputs' size); free some space or choose another --out"
        )


def check_folder(
    out: str | os.PathLike,
    overwrite: bool = False,
    needed: int | None = None,
    merge: Iterable[str] | bool = False,
) -> Path:
    """Check, before any input is read, that the output folder ``out`` can be
    written; return it as a :class:`~pathlib.Path`.

    Checks, in order: ``out`` is not a file; an existing non-empty ``out`` is
    replaced only with ``overwrite`` and only when lps_geo wrote every file
    in it (its ``.lps_geo.json`` lists them); the nearest existing folder on
    the way is writable (a temporary folder is created there and removed);
    at least ``needed`` bytes are free (default :func:`space_needed` of 0).

    Parameters
    ----------
    merge
        The command writes files into ``out`` instead of replacing it
        (``maps``, ``fetch``): an existing folder is fine; ``overwrite`` may
        replace only files lps_geo wrote. Give the names to be written when
        known (an iterable of names), else True.

    Raises
    ------
    OutputExistsError
        ``out`` is a file, or exists and may not be replaced.
    OutputError
        ``out`` cannot be created or written, or its disk is too full.

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> _ = (base / "mine").mkdir(), (base / "mine" / "notes.txt").write_text("x")
    >>> check_folder(base / "new") == base / "new"
    True
    >>> check_folder(base / "mine", overwrite=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lps_geo.errors.OutputExistsError: output folder .../mine was not written ...
    """
    check_out_given(out)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(
            f"{out} exists and is not a folder; choose another --out"
        )
    if merge is not False:
        if out.is_dir() and merge is not True:
            names = list(merge)
            existing = [n for n in names if (out / n).exists()]
            if existing and not overwrite:
                raise OutputExistsError(
                    f"{out / existing[0]} exists; pass --overwrite "
                    "(overwrite=True in Python) to replace it"
                )
            if overwrite:
                _refuse_foreign(out, names)
    elif out.exists() and any(out.iterdir()):
        if not overwrite:
            raise OutputExistsError(
                f"output folder {out} exists and is not empty; pass --overwrite "
                "(overwrite=True in Python) to replace it"
            )
        _refuse_foreign(out)
    probe_folder(out, inside=merge is not False)
    check_space(out, space_needed(0) if needed is None else needed)
    return out


def _publish(tmp: Path, out: Path) -> None:
    """Move a finished temporary folder into place (replacing ``out``)."""
    old = None
    if out.exists():
        if any(out.iterdir()):
            _refuse_foreign(out)  # a file may have appeared during the run
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


def _writing_errors() -> tuple[type[BaseException], ...]:
    """OSError and the GDAL errors pyogrio raises for a failed write."""
    try:
        from pyogrio.errors import DataLayerError, DataSourceError
    except ImportError:  # pragma: no cover - pyogrio is a dependency
        return (OSError,)
    return (OSError, DataLayerError, DataSourceError)


def _as_output_error(out: Path, exc: BaseException) -> BaseException:
    from lps_geo.errors import LpsGeoError

    if isinstance(exc, LpsGeoError) or not isinstance(exc, _writing_errors()):
        return exc
    if isinstance(exc, OSError):
        return cannot_write(out, exc)
    text = " ".join(str(exc).split())
    full = "No space left" in text or "disk is full" in text
    reason = "No space left on device" if full else text
    err = OutputError(f"cannot write {out}: {reason}")
    err.errno = errno.ENOSPC if full else None
    return err


@contextmanager
def staging_folder(out: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder next to ``out``, moved into place when the block
    succeeds and removed when it fails; ``out`` is untouched until then.

    The published folder gets its ``.lps_geo.json`` marker. An OSError (or a
    GDAL write error) in the block becomes one
    :class:`~lps_geo.errors.OutputError` ``cannot write OUT: <reason>``; an
    interrupt (SIGINT, SIGTERM) removes the temporary folder too.

    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> with staging_folder(base / "run") as tmp:
    ...     _ = (tmp / "report.json").write_text("{}")
    >>> sorted(p.name for p in (base / "run").iterdir())
    ['.lps_geo.json', 'report.json']
    """
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise cannot_write(out, exc) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; outputs follow the umask
        yield tmp
        write_marker(tmp)
        _publish(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        converted = _as_output_error(out, exc)
        if converted is exc:
            raise
        raise converted from exc


@contextmanager
def merge_folder(out: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder inside ``out`` whose files are moved into ``out``
    when the block succeeds (``maps``, ``fetch``: files are added to an
    existing folder, other files are kept).

    Before anything is moved, every file that would replace an existing one
    is checked: without ``overwrite`` it is refused, with it only a file
    lps_geo wrote (listed in a ``.lps_geo.json`` of ``out`` or above) may be
    replaced. ``out``'s marker then lists the files added. On failure the
    temporary folder (and ``out``, if this created it empty) is removed.

    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> _ = (base / "notes.txt").write_text("mine")
    >>> with merge_folder(base) as tmp:
    ...     _ = (tmp / "map.png").write_bytes(b"png")
    >>> sorted(p.name for p in base.iterdir())
    ['.lps_geo.json', 'map.png', 'notes.txt']
    """
    out = Path(out)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lps_geo.tmp-", dir=out))
    except OSError as exc:
        raise cannot_write(out, exc) from None
    try:
        yield tmp
        names = sorted(
            p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()
        )
        check_folder(out, overwrite, needed=0, merge=names)
        listed = read_marker(out) or set()
        for name in names:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / name, out / name)
        shutil.rmtree(tmp, ignore_errors=True)
        _write_listing(out, listed | set(names))
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            try:
                out.rmdir()
            except OSError:
                pass
        converted = _as_output_error(out, exc)
        if converted is exc:
            raise
        raise converted from exc


def _write_listing(folder: Path, files: set[str]) -> None:
    """Write ``folder``'s marker listing ``files`` (those that still exist)."""
    from lps_geo._version import __version__

    body = {
        "tool": "lps_geo",
        "version": __version__,
        "files": sorted(f for f in files if (folder / f).exists()),
    }
    with atomic_path(folder / MARKER, overwrite=True) as tmp:
        tmp.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
