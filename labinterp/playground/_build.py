"""Assemble the playground: a static folder a teacher can serve from anywhere.

The folder holds the Pyodide runtime (from the npm registry), the pinned wheels (from PyPI),
a pure-Python PyYAML wheel made from its source release, labinterp itself built from the
checkout, and one page. Every download is checked against :mod:`._pins`, and files are kept
in a cache folder so a second build needs no network. The page installs the wheels by URL in
the order of ``manifest.json``; nothing is fetched from any other host.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from labinterp._errors import LabinterpError
from labinterp.playground._pins import PYODIDE, PYYAML_SDIST, WHEELS, WheelPin

__all__ = ["PlaygroundBuildError", "SiteReport", "build_site", "default_cache_dir"]

#: The runtime files the page needs from the npm package (the rest are docs, type stubs and
#: a console page).
_PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
#: The page's own files, shipped inside the labinterp wheel.
_ASSETS = ("index.html", "app.js", "app.css")
#: Pyodide 314 runs CPython 3.14; wheels built for it carry these tags.
_PYODIDE_PYTHON = ("3.14", "cp", "cp314")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible zip entries


class PlaygroundBuildError(LabinterpError, RuntimeError):
    """The playground could not be built: a tool or a file is missing, or a download does not
    match its pin. The message says which, and what to do."""


Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What a build produced: the folder, the files installed by the page, and sizes."""

    out_dir: Path
    wheels: tuple[str, ...]
    pyodide_version: str
    total_bytes: int

    def summary(self) -> str:
        mb = self.total_bytes / 1_000_000
        return (
            f"playground built in {self.out_dir} ({mb:.1f} MB): Pyodide {self.pyodide_version}, "
            f"{len(self.wheels)} wheels; serve it with "
            f"`python -m http.server -d {self.out_dir} 8000` and open http://127.0.0.1:8000/"
        )


def default_cache_dir() -> Path:
    """``$LABINTERP_PLAYGROUND_CACHE``, else ``~/.cache/labinterp/playground``."""
    configured = os.environ.get("LABINTERP_PLAYGROUND_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "labinterp" / "playground"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(command: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False
        )
    except FileNotFoundError:
        raise PlaygroundBuildError(
            f"{what}: the command {command[0]!r} was not found",
            expected=f"{command[0]} on PATH",
        ) from None
    except subprocess.TimeoutExpired:
        raise PlaygroundBuildError(f"{what}: {command[0]} took more than 15 minutes") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-8:]
        raise PlaygroundBuildError(
            f"{what}: {' '.join(command[:3])} ... failed (exit {done.returncode}):\n"
            + "\n".join(tail)
        )


def _checked(path: Path, pin: WheelPin) -> Path:
    found = _sha256(path)
    if found != pin.sha256:
        raise PlaygroundBuildError(
            f"{path.name}: sha256 {found} does not match the pinned {pin.sha256}; delete the "
            f"file from the cache ({path.parent}) and build again, or update the pin in "
            "labinterp/playground/_pins.py if the change is intended",
            value=path.name,
            expected=pin.sha256,
        )
    return path


def _pip_download(pin: WheelPin, cache: Path, log: Log) -> Path:
    target = cache / pin.filename
    if target.is_file():
        return _checked(target, pin)
    log(f"downloading {pin.filename}")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(cache)]
    command += ["--disable-pip-version-check", "--quiet"]
    if pin.filename.endswith(".tar.gz"):
        command += ["--no-binary", pin.project]
    else:
        command += ["--only-binary", ":all:"]
    if pin.platform is not None:
        version, implementation, abi = _PYODIDE_PYTHON
        command += ["--platform", pin.platform, "--python-version", version]
        command += ["--implementation", implementation, "--abi", abi]
    _run([*command, f"{pin.project}=={pin.version}"], f"cannot download {pin.filename}")
    if not target.is_file():
        raise PlaygroundBuildError(
            f"pip did not produce {pin.filename} for {pin.project}=={pin.version}",
            expected=pin.filename,
        )
    return _checked(target, pin)


def _npm_pyodide(cache: Path, log: Log) -> Path:
    """The Pyodide npm package (a .tgz), from the cache or the npm registry, checked."""
    tarball = cache / f"{PYODIDE.name}-{PYODIDE.version}.tgz"
    if not tarball.is_file():
        if shutil.which("npm") is None:
            raise PlaygroundBuildError(
                "the Pyodide runtime comes from the npm registry and npm was not found; "
                "install Node.js and npm (Debian: apt-get install npm), or put "
                f"{tarball.name} in {cache}",
                expected="npm on PATH",
            )
        log(f"downloading {PYODIDE.name}@{PYODIDE.version} from the npm registry")
        spec = f"{PYODIDE.name}@{PYODIDE.version}"
        _run(["npm", "pack", spec, "--silent"], f"cannot fetch {spec}", cwd=cache)
    algorithm, _, expected = PYODIDE.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise PlaygroundBuildError(
            f"{tarball.name}: integrity {algorithm}-{digest} does not match the pinned "
            f"{PYODIDE.integrity}; delete it from {cache} and build again",
            value=tarball.name,
            expected=PYODIDE.integrity,
        )
    return tarball


def _unpack_pyodide(tarball: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        for name in _PYODIDE_FILES:
            member = archive.getmember(f"package/{name}")
            source = archive.extractfile(member)
            assert source is not None  # every listed member is a regular file
            (target / name).write_bytes(source.read())


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes, record: list[str]) -> None:
    info = zipfile.ZipInfo(name, _FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")


def _pure_pyyaml_wheel(sdist: Path, out: Path) -> str:
    """A ``py3-none-any`` wheel of PyYAML's pure-Python package, made from its sdist.

    PyYAML's build would try to compile its optional libyaml binding and tag the wheel for
    this machine; the page needs only the pure-Python modules, which ``yaml`` falls back to
    when the binding is absent.
    """
    version = PYYAML_SDIST.version
    root = f"pyyaml-{version}"
    info = f"PyYAML-{version}.dist-info"
    name = f"PyYAML-{version}-py3-none-any.whl"
    record: list[str] = []
    with tarfile.open(sdist) as source, zipfile.ZipFile(out / name, "w") as wheel:
        members = sorted(source.getmembers(), key=lambda m: m.name)
        for member in members:
            prefix = f"{root}/lib/yaml/"
            if member.isfile() and member.name.startswith(prefix) and member.name.endswith(".py"):
                data = source.extractfile(member)
                assert data is not None
                _zip_entry(wheel, "yaml/" + member.name[len(prefix) :], data.read(), record)
        for file, target in (("PKG-INFO", "METADATA"), ("LICENSE", "LICENSE")):
            data = source.extractfile(f"{root}/{file}")
            assert data is not None
            _zip_entry(wheel, f"{info}/{target}", data.read(), record)
        wheel_file = b"Wheel-Version: 1.0\nGenerator: labinterp playground\n"
        wheel_file += b"Root-Is-Purelib: true\nTag: py3-none-any\n"
        _zip_entry(wheel, f"{info}/WHEEL", wheel_file, record)
        record.append(f"{info}/RECORD,,")
        entry = zipfile.ZipInfo(f"{info}/RECORD", _FIXED_TIME)
        wheel.writestr(entry, "\n".join(record) + "\n")
    return name


def _is_checkout(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    try:
        return pyproject.is_file() and 'name = "labinterp"' in pyproject.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def _project_root(source: Path | None) -> Path:
    """The labinterp checkout to build the wheel from: ``source``, else the checkout this
    labinterp runs from (an editable install), else the current directory when it is one (a
    clone after ``pip install .``)."""
    if source is not None:
        if not _is_checkout(source):
            raise _not_a_checkout(f"{source}: not a labinterp checkout", source)
        return source
    installed = Path(__file__).resolve().parents[2]
    for candidate in (installed, Path.cwd()):
        if _is_checkout(candidate):
            return candidate
    raise _not_a_checkout(
        "labinterp is installed from a wheel and the current directory is not a labinterp checkout",
        Path.cwd(),
    )


def _not_a_checkout(what: str, folder: Path) -> PlaygroundBuildError:
    return PlaygroundBuildError(
        f"{what} (no pyproject.toml naming labinterp); the playground builds labinterp's "
        "wheel from its source: run the build inside a clone of the repository, or name the "
        "clone with --source DIR (source= in Python)",
        field="source",
        value=str(folder),
        expected="a labinterp source checkout",
    )


def _labinterp_wheel(source: Path, out: Path, log: Log) -> str:
    log("building labinterp's wheel from the checkout")
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
        command += ["--disable-pip-version-check", "--wheel-dir", scratch, str(source)]
        _run(command, "cannot build labinterp's wheel")
        built = sorted(Path(scratch).glob("labinterp-*.whl"))
        if len(built) != 1:
            raise PlaygroundBuildError("pip wheel did not produce exactly one labinterp wheel")
        shutil.copy2(built[0], out / built[0].name)
        return built[0].name


def _prepare(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "manifest.json").is_file():
        raise PlaygroundBuildError(
            f"{out_dir}: the folder is not empty and holds no earlier playground build; "
            "choose an empty or new folder",
            field="out_dir",
            value=str(out_dir),
            expected="an empty folder or an earlier playground build",
        )
    for stale in ("pyodide", "wheels"):
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    (out_dir / "wheels").mkdir(parents=True, exist_ok=True)


def build_site(
    out_dir: str | Path,
    *,
    source: str | Path | None = None,
    cache_dir: str | Path | None = None,
    log: Log | None = None,
) -> SiteReport:
    """Build the playground into ``out_dir`` and return what it holds.

    ``source`` is the labinterp checkout to build the wheel from (default: the one this
    module was imported from); ``cache_dir`` keeps downloads between builds (default
    :func:`default_cache_dir`). Raises :class:`PlaygroundBuildError` with the reason and
    what to do when a tool or a file cannot be had.
    """
    say: Log = log or (lambda _message: None)
    out = Path(out_dir)
    root = _project_root(Path(source) if source is not None else None)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    _prepare(out)
    wheels_dir = out / "wheels"
    installed: list[str] = []
    for pin in WHEELS:
        shutil.copy2(_pip_download(pin, cache, say), wheels_dir / pin.filename)
        installed.append(pin.filename)
    installed.append(_pure_pyyaml_wheel(_pip_download(PYYAML_SDIST, cache, say), wheels_dir))
    installed.append(_labinterp_wheel(root, wheels_dir, say))
    _unpack_pyodide(_npm_pyodide(cache, say), out / "pyodide")
    assets = resources.files("labinterp.playground") / "assets"
    for name in _ASSETS:
        (out / name).write_bytes((assets / name).read_bytes())
    manifest = {"pyodide": PYODIDE.version, "wheels": installed}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    report = SiteReport(out, tuple(installed), PYODIDE.version, total)
    say(report.summary())
    return report
