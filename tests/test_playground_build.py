"""The playground build's own checks, offline: pins, the pure PyYAML wheel, and its refusals."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from labinterp import LabinterpError
from labinterp.playground import PYODIDE, PYYAML_SDIST, WHEELS, PlaygroundBuildError, _build
from labinterp.playground._pins import WheelPin


def test_pins_name_one_file_each_with_a_sha256() -> None:
    names = [pin.filename for pin in WHEELS]
    assert len(names) == len(set(names))
    for pin in (*WHEELS, PYYAML_SDIST):
        assert len(pin.sha256) == 64
        assert int(pin.sha256, 16) >= 0
        assert pin.version in pin.filename
    # pydantic pins its core exactly; the two pins must move together.
    core = next(p for p in WHEELS if p.project == "pydantic-core")
    assert core.platform is not None
    assert core.platform in core.filename
    order = [p.project for p in WHEELS]
    assert order.index("pydantic-core") < order.index("pydantic") < order.index("pint")


def _fake_sdist(tmp_path: Path) -> Path:
    root = f"pyyaml-{PYYAML_SDIST.version}"
    files = {
        f"{root}/lib/yaml/__init__.py": b"__version__ = 'fake'\n",
        f"{root}/lib/yaml/loader.py": b"X = 1\n",
        f"{root}/lib/yaml/_yaml.pyx": b"cython, not shipped\n",
        f"{root}/PKG-INFO": b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.3\n",
        f"{root}/LICENSE": b"MIT\n",
        f"{root}/tests/test_x.py": b"not shipped\n",
    }
    path = tmp_path / PYYAML_SDIST.filename
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_pure_pyyaml_wheel_holds_only_the_python_package(tmp_path: Path) -> None:
    name = _build._pure_pyyaml_wheel(_fake_sdist(tmp_path), tmp_path)
    assert name == f"PyYAML-{PYYAML_SDIST.version}-py3-none-any.whl"
    with zipfile.ZipFile(tmp_path / name) as wheel:
        names = set(wheel.namelist())
        info = f"PyYAML-{PYYAML_SDIST.version}.dist-info"
        assert names == {
            "yaml/__init__.py",
            "yaml/loader.py",
            f"{info}/METADATA",
            f"{info}/LICENSE",
            f"{info}/WHEEL",
            f"{info}/RECORD",
        }
        assert "Tag: py3-none-any" in wheel.read(f"{info}/WHEEL").decode()
        # Every RECORD line's hash is the file's: the wheel installs as written.
        for line in wheel.read(f"{info}/RECORD").decode().splitlines():
            path, digest, size = line.split(",")
            if not digest:
                continue
            data = wheel.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(data)


def test_the_pure_wheel_is_reproducible(tmp_path: Path) -> None:
    sdist = _fake_sdist(tmp_path)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    name = _build._pure_pyyaml_wheel(sdist, first)
    _build._pure_pyyaml_wheel(sdist, second)
    assert (first / name).read_bytes() == (second / name).read_bytes()


def test_a_download_that_does_not_match_its_pin_is_refused(tmp_path: Path) -> None:
    pin = WheelPin("demo", "1.0", "demo-1.0-py3-none-any.whl", "0" * 64)
    (tmp_path / pin.filename).write_bytes(b"not the pinned file")
    with pytest.raises(PlaygroundBuildError) as raised:
        _build._checked(tmp_path / pin.filename, pin)
    message = str(raised.value)
    assert pin.filename in message
    assert "does not match the pinned" in message
    assert str(tmp_path) in message  # says where to delete it
    assert isinstance(raised.value, LabinterpError)
    assert isinstance(raised.value, RuntimeError)


def test_a_folder_with_other_files_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(PlaygroundBuildError, match="not empty"):
        _build.build_site(tmp_path, cache_dir=tmp_path / "cache")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_folder_that_is_not_a_checkout_is_named(tmp_path: Path) -> None:
    with pytest.raises(PlaygroundBuildError, match="not a labinterp checkout") as raised:
        _build.build_site(tmp_path / "site", source=tmp_path, cache_dir=tmp_path / "cache")
    assert raised.value.field == "source"


def test_without_npm_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    with pytest.raises(PlaygroundBuildError, match="npm was not found") as raised:
        _build._npm_pyodide(tmp_path, lambda _m: None)
    assert "apt-get install npm" in str(raised.value)


def test_a_cached_runtime_with_the_wrong_integrity_is_refused(tmp_path: Path) -> None:
    (tmp_path / f"pyodide-{PYODIDE.version}.tgz").write_bytes(b"tampered")
    with pytest.raises(PlaygroundBuildError, match="integrity"):
        _build._npm_pyodide(tmp_path, lambda _m: None)


def test_the_page_assets_ship_inside_the_package() -> None:
    from importlib import resources

    assets = resources.files("labinterp.playground") / "assets"
    for name in _build._ASSETS:
        assert (assets / name).is_file(), name
    page = (assets / "index.html").read_text(encoding="utf-8")
    # Landmarks a screen reader announces, and nothing loaded from another host.
    for landmark in ("<header", "<main", "<footer", 'role="alert"', 'aria-live="polite"'):
        assert landmark in page
    assert "http://" not in page
    assert "https://" not in page
    script = (assets / "app.js").read_text(encoding="utf-8")
    assert "http://" not in script
    assert "https://" not in script


def _installed_from_a_wheel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """labinterp as `pip install .` leaves it: the package in site-packages, no checkout."""
    site = tmp_path / "site-packages" / "labinterp" / "playground"
    site.mkdir(parents=True)
    monkeypatch.setattr(_build, "__file__", str(site / "_build.py"))


def test_a_wheel_install_builds_from_the_clone_it_runs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed_from_a_wheel(monkeypatch, tmp_path)
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "pyproject.toml").write_text('[project]\nname = "labinterp"\n')
    monkeypatch.chdir(clone)
    assert _build._project_root(None) == clone


def test_a_wheel_install_elsewhere_names_the_command_line_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed_from_a_wheel(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PlaygroundBuildError, match="not a labinterp checkout") as raised:
        _build._project_root(None)
    assert "--source DIR" in str(raised.value)
    assert raised.value.field == "source"
