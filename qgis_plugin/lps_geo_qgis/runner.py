"""Run the ``lps-geo`` command line from QGIS: find it, write its config, stream it.

Nothing here imports QGIS, so the module is tested in lps_geo's own
environment as well. The Processing algorithms (:mod:`.algorithms`) pass a
small ``feedback`` object with the methods of ``QgsProcessingFeedback`` that
are used here (``pushInfo``, ``pushWarning``, ``setProgress``,
``setProgressText``, ``isCanceled``).

The command runs in its own environment: the variables that point a Python
interpreter at QGIS's own libraries (``PYTHONHOME``, ``PYTHONPATH``, ...) are
removed from the child's environment, so lps_geo never imports QGIS's copies of
numpy or GDAL, and QGIS never imports lps_geo's.

Examples
--------
>>> parse_progress("[######------------------] 3/7 weights (0.4 s)")
('weights', 3, 7)
>>> parse_progress("[########################] atlas page 20/20")
('atlas page', 20, 20)
>>> parse_progress("wrote out/result.gpkg: 15 LPS (6.8 s)") is None
True
"""

from __future__ import annotations

import math
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

#: Environment variable that overrides the configured executable.
ENV_EXECUTABLE = "LPS_GEO_EXECUTABLE"

#: Name of the Processing setting holding the executable's path.
SETTING_EXECUTABLE = "LPS_GEO_EXECUTABLE"

#: Where the setting lives in the QGIS interface (for error messages).
SETTING_PLACE = (
    "Settings > Options > Processing > Providers > lps_geo > 'lps-geo executable'"
)

#: Prefix of the command line's one-line error messages (lps_geo/cli.py main()).
ERROR_PREFIX = "lps-geo: error: "
WARNING_PREFIX = "lps-geo: warning: "
#: The line lps-geo prints once an interrupt has removed its unfinished output.
INTERRUPTED_PREFIX = "lps-geo: interrupted"

#: Seconds a run that has acknowledged the interrupt may take to exit (the
#: interpreter's own shutdown) before it is killed; its output is gone already.
EXIT_WAIT = 120.0

#: Clock of the cancel deadlines (a test replaces it).
_clock = time.monotonic

#: Variables of the parent's Python that must not leak into lps-geo's.
_PYTHON_VARS = (
    "PYTHONHOME",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONEXECUTABLE",
    "PYTHONUSERBASE",
    "VIRTUAL_ENV",
)

_STAGE = re.compile(r"^\[[#-]+\]\s+(\d+)/(\d+)\s+(.+?)(?:\s+\([\d.]+ s\))?\s*$")
_PAGE = re.compile(r"^\[[#-]+\]\s+(atlas page)\s+(\d+)/(\d+)\s*$")


class LpsGeoRunError(Exception):
    """lps-geo could not be found or started, failed, or was cancelled.

    ``returncode`` is lps-geo's exit code when it ran (negative: killed by
    that signal), else None."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


# ----------------------------------------------------------------- executable


def find_executable(configured: str | None = None) -> str:
    """The ``lps-geo`` executable to run.

    Order: the ``LPS_GEO_EXECUTABLE`` environment variable, the provider
    setting (``configured``), then ``lps-geo`` on ``PATH``. Nothing else is
    guessed: when none is found the error says how to set it.

    Examples
    --------
    >>> import os, sys
    >>> os.environ[ENV_EXECUTABLE] = sys.executable
    >>> find_executable() == sys.executable
    True
    >>> del os.environ[ENV_EXECUTABLE]
    """
    for source, value in (
        (f"environment variable {ENV_EXECUTABLE}", os.environ.get(ENV_EXECUTABLE)),
        (f"the setting {SETTING_PLACE}", configured),
    ):
        value = (value or "").strip()
        if not value:
            continue
        path = Path(value).expanduser()
        if path.is_dir():
            # a virtual environment's folder or its bin/Scripts folder
            for sub in ("", "bin", "Scripts"):
                for name in ("lps-geo", "lps-geo.exe"):
                    if (path / sub / name).is_file():
                        return str(path / sub / name)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        found = shutil.which(value)
        if found:
            return found
        raise LpsGeoRunError(
            f"the lps-geo executable given by {source} ({value}) does not exist "
            "or is not executable; give the full path of lps-geo in the "
            "environment where lps_geo is installed (e.g. "
            "/home/me/lps_geo/.venv/bin/lps-geo or "
            "C:\\lps_geo\\.venv\\Scripts\\lps-geo.exe)"
        )
    found = shutil.which("lps-geo")
    if found:
        return found
    raise LpsGeoRunError(
        "the lps-geo executable was not found on PATH; install lps_geo in its "
        "own environment (pip install lps_geo, or `make demo` in a source "
        f"checkout) and give the full path of its lps-geo in {SETTING_PLACE} "
        "(e.g. /home/me/lps_geo/.venv/bin/lps-geo), or set the environment "
        f"variable {ENV_EXECUTABLE}"
    )


def child_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the child process: the parent's without its Python.

    Examples
    --------
    >>> env = child_environment({"PATH": "/bin", "PYTHONHOME": "/qgis"})
    >>> sorted(env)
    ['PATH', 'PYTHONIOENCODING', 'PYTHONUNBUFFERED']
    """
    env = dict(os.environ if base is None else base)
    for name in _PYTHON_VARS:
        env.pop(name, None)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --------------------------------------------------------------------- config


def toml_value(value) -> str:
    """One TOML value: string, bool, int, float or a list of those.

    Strings are TOML basic strings with every character that needs it escaped
    (backslash, quote, control characters), so Windows paths and names with
    quotes survive.

    Examples
    --------
    >>> toml_value(True), toml_value(99), toml_value(0.05), toml_value(["10", "11"])
    ('true', '99', '0.05', '["10", "11"]')
    >>> toml_value("a\\tb")
    '"a\\\\tb"'
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        out = []
        for ch in value:
            code = ord(ch)
            if ch == "\\":
                out.append("\\\\")
            elif ch == '"':
                out.append('\\"')
            elif ch in _SHORT_ESCAPES:
                out.append(_SHORT_ESCAPES[ch])
            elif code < 0x20 or code == 0x7F:
                out.append(f"\\u{code:04X}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) to TOML")


_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def to_toml(config: dict) -> str:
    """A nested dictionary of tables as TOML text (``None`` values left out).

    Examples
    --------
    >>> print(to_toml({"inputs": {"size": {"path": "e.csv", "form": "long"}},
    ...                "statistics": {"permutations": 99, "threshold": None}}))
    [inputs.size]
    path = "e.csv"
    form = "long"
    <BLANKLINE>
    [statistics]
    permutations = 99
    <BLANKLINE>
    """
    lines: list[str] = []

    def key(k: str) -> str:
        return k if _BARE_KEY.match(k) else toml_value(k)

    def table(name: str, data: dict) -> None:
        scalars = [(k, v) for k, v in data.items() if not isinstance(v, dict)]
        scalars = [(k, v) for k, v in scalars if v is not None]
        if scalars:
            lines.append(f"[{name}]")
            lines.extend(f"{key(k)} = {toml_value(v)}" for k, v in scalars)
            lines.append("")
        for k, v in data.items():
            if isinstance(v, dict):
                table(f"{name}.{key(k)}", v)

    for name, data in config.items():
        if not isinstance(data, dict):
            raise TypeError(f"top-level {name!r} must be a table")
        table(key(name), data)
    return "\n".join(lines)


# ---------------------------------------------------------------- the process


def parse_progress(line: str) -> tuple[str, int, int] | None:
    """``(stage, i, n)`` of a progress line of lps-geo, else ``None``."""
    m = _STAGE.match(line.strip())
    if m:
        return m.group(3), int(m.group(1)), int(m.group(2))
    m = _PAGE.match(line.strip())
    if m:
        return m.group(1), int(m.group(2)), int(m.group(3))
    return None


def _reader(stream, tag: str, out: queue.Queue) -> None:
    for raw in iter(stream.readline, b""):
        out.put((tag, raw.decode("utf-8", errors="replace").rstrip("\r\n")))
    out.put((tag, None))


def run_command(
    executable: str,
    args: list[str],
    feedback,
    atlas_share: float = 0.0,
    grace: float = 5.0,
) -> list[str]:
    """Run ``executable args``, streaming its stderr into ``feedback``.

    Progress lines set the progress bar (stages fill ``1 - atlas_share`` of
    it, atlas pages the rest); warnings go to ``pushWarning``; everything else
    to ``pushInfo``. ``feedback.isCanceled()`` is polled a few times a second:
    the process then gets an interrupt (SIGINT: it removes its unfinished
    output, prints ``lps-geo: interrupted (signal 2)`` and exits with 130).
    Once that line has come the run is left to exit on its own, however long
    the interpreter's shutdown takes (up to :data:`EXIT_WAIT`). Without it,
    after ``grace`` seconds it gets a SIGTERM (a run that ignores SIGINT;
    exit 143), and after ``grace`` more it is killed (a run stuck in a long C
    call may leave a ``.NAME.tmp-*`` folder then).

    Returns
    -------
    list of str
        The lines lps-geo printed on stdout (e.g. the paths of written maps).

    Raises
    ------
    LpsGeoRunError
        With lps-geo's own one-line message when it exits with code 2, with
        the last lines of its output for any other failure, and when cancelled.
    """
    cmd = [executable, *args]
    feedback.pushInfo("Running: " + " ".join(_quote(a) for a in cmd))
    kwargs = {}
    if os.name == "nt":  # pragma: no cover - Windows only
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0) | (
            subprocess.CREATE_NEW_PROCESS_GROUP
        )
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_environment(),
            **kwargs,
        )
    except OSError as exc:
        raise LpsGeoRunError(
            f"cannot start {executable} ({exc.strerror or exc}); check the path "
            f"in {SETTING_PLACE}"
        ) from None
    lines: queue.Queue = queue.Queue()
    threads = [
        threading.Thread(target=_reader, args=(s, t, lines), daemon=True)
        for s, t in ((proc.stdout, "out"), (proc.stderr, "err"))
    ]
    for t in threads:
        t.start()
    stdout: list[str] = []
    stderr: list[str] = []
    errors: list[str] = []
    open_streams = 2
    stop: _Stop | None = None
    while open_streams:
        if stop is None and feedback.isCanceled():
            stop = _Stop(proc, grace)
        try:
            tag, line = lines.get(timeout=0.2)
        except queue.Empty:
            tag, line = None, None
        if tag is not None:
            if line is None:
                open_streams -= 1
            elif tag == "out":
                stdout.append(line)
            else:
                stderr.append(line)
                _show(line, feedback, atlas_share, errors)
                if stop is not None and line.startswith(INTERRUPTED_PREFIX):
                    stop.acknowledged = True
        if stop is not None and lines.empty():
            # every line printed so far has been read: a missing
            # acknowledgement is not one still waiting in the queue
            stop.escalate()
    code = proc.wait()
    for t in threads:
        t.join(timeout=1)
    proc.stdout.close()
    proc.stderr.close()
    cancelled = stop is not None
    if cancelled and code < 0 and stop.acknowledged:
        raise LpsGeoRunError(
            "lps-geo was cancelled (it removed its unfinished output, then did "
            f"not exit within {EXIT_WAIT:g} s and was killed); its output was "
            "not written",
            code,
        )
    if cancelled and code < 0:
        raise LpsGeoRunError(
            f"lps-geo was cancelled and did not stop within {2 * grace:g} s, so it "
            f"was killed (signal {-code}); a temporary folder .NAME.tmp-* may "
            "remain next to the output",
            code,
        )
    if cancelled:
        raise LpsGeoRunError(
            f"lps-geo was cancelled (exit code {code}); its output was not written",
            code,
        )
    if code == 2 and errors:
        raise LpsGeoRunError(errors[-1], code)
    if code != 0:
        tail = "\n".join(stderr[-15:]) or "(no output)"
        raise LpsGeoRunError(f"lps-geo failed with exit code {code}:\n{tail}", code)
    return stdout


def _show(line: str, feedback, atlas_share: float, errors: list[str]) -> None:
    """Forward one stderr line of lps-geo to the Processing feedback."""
    if line.startswith(ERROR_PREFIX):
        errors.append(line[len(ERROR_PREFIX) :].strip())
        feedback.pushInfo(line)
        return
    if line.startswith(WARNING_PREFIX):
        feedback.pushWarning(line[len(WARNING_PREFIX) :].strip())
        return
    progress = parse_progress(line)
    if progress is not None:
        stage, i, n = progress
        if stage == "atlas page":
            share = atlas_share or 1.0
            value = 100.0 * (1 - share) + 100.0 * share * i / max(n, 1)
            feedback.setProgressText(f"atlas page {i}/{n}")
        else:
            # the line announces stage i of n starting: i - 1 stages are done
            value = 100.0 * (1 - atlas_share) * (i - 1) / max(n, 1)
            feedback.setProgressText(f"{stage} ({i}/{n})")
        feedback.setProgress(value)
    if line.strip():
        feedback.pushInfo(line)


class _Stop:
    """Cancelling a run: an interrupt now, stronger signals on a deadline.

    The interrupt (SIGINT; CTRL_BREAK on Windows) asks lps-geo to remove its
    unfinished output and exit. :meth:`escalate` is called whenever the
    runner has read every line printed so far: until lps-geo acknowledges
    (its ``lps-geo: interrupted`` line), each ``grace`` seconds bring the
    next step, SIGTERM then a kill; after the acknowledgement only a run that
    has not exited within :data:`EXIT_WAIT` is killed.
    """

    def __init__(self, proc: subprocess.Popen, grace: float):
        self.proc = proc
        self.grace = grace
        self.acknowledged = False
        if os.name == "nt":  # pragma: no cover - Windows only
            self.steps = [signal.CTRL_BREAK_EVENT, None]
        else:
            self.steps = [signal.SIGINT, signal.SIGTERM, None]
        self.sent_at = 0.0
        self.acknowledged_at: float | None = None
        self._next()

    def _next(self) -> None:
        if self.proc.poll() is not None or not self.steps:
            return
        signum = self.steps.pop(0)
        self.sent_at = _clock()
        try:
            if signum is None:
                self.proc.kill()
            else:
                self.proc.send_signal(signum)
        except OSError:
            pass

    def escalate(self) -> None:
        if self.proc.poll() is not None:
            return
        now = _clock()
        if self.acknowledged:
            if self.acknowledged_at is None:
                self.acknowledged_at = now
            elif now - self.acknowledged_at > EXIT_WAIT:
                self.steps = [None]
                self._next()
            return
        if now - self.sent_at >= self.grace:
            self._next()


def _quote(arg: str) -> str:
    return f'"{arg}"' if (" " in arg or not arg) else arg
