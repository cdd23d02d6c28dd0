"""`python -m maps.vendor`: Leaflet's and Geoman's dist files from npm, checked, or why not."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from maps import vendor
from maps.assets import geoman_available, leaflet_available


def _tarball(path: Path) -> Path:
    """A stand-in for leaflet-1.9.4.tgz, with files to take and files to leave."""
    members = {
        "package/LICENSE": b"BSD-2-Clause",
        "package/dist/leaflet.js": b"/* js */",
        "package/dist/leaflet.css": b"/* css */",
        "package/dist/leaflet.js.map": b"{}",
        "package/dist/images/marker-icon.png": b"\x89PNG",
        "package/src/Leaflet.js": b"// source",
        "package/dist/../../escape.js": b"// outside",
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


@pytest.fixture()
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """npm 'packs' the stand-in tarball instead of asking the registry."""
    tarball = _tarball(tmp_path / "leaflet-1.9.4.tgz")
    monkeypatch.setattr(vendor.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(vendor, "_npm_pack", lambda npm, workdir, spec: tarball)
    return tarball


def test_vendor_takes_only_the_dist_files_and_licence(fake_npm: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Script, stylesheet, images and licence land in the target; nothing else, nothing outside."""
    monkeypatch.setattr(vendor, "LEAFLET_INTEGRITY", _integrity(fake_npm))
    target = vendor.vendor_leaflet(tmp_path / "static" / "leaflet")
    assert leaflet_available(target)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == ["LICENSE", "images/marker-icon.png", "leaflet.css", "leaflet.js"]
    assert not list(tmp_path.rglob("escape.js"))


def test_vendor_refuses_a_tarball_that_is_not_the_release(fake_npm: Path,
                                                          tmp_path: Path) -> None:
    """A tarball whose sha512 differs from Leaflet 1.9.4's is refused and nothing is written."""
    target = tmp_path / "static" / "leaflet"
    with pytest.raises(RuntimeError, match="refusing"):
        vendor.vendor_leaflet(target)
    assert not target.exists()
    assert list((tmp_path / "static").iterdir()) == []


def test_vendor_does_nothing_when_leaflet_is_there(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An existing copy is kept and npm is never called."""
    (tmp_path / "images").mkdir()
    (tmp_path / "leaflet.js").write_text("kept")
    (tmp_path / "leaflet.css").write_text("kept")
    monkeypatch.setattr(vendor.shutil, "which", lambda name: pytest.fail("npm was looked up"))
    assert vendor.vendor_leaflet(tmp_path) == tmp_path
    assert (tmp_path / "leaflet.js").read_text() == "kept"


def test_vendor_without_npm_says_what_to_do(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Without npm the error says to install Node.js/npm or to copy Leaflet's dist/ by hand."""
    monkeypatch.setattr(vendor.shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="install Node.js/npm, or copy leaflet's dist/"):
        vendor.vendor_leaflet(tmp_path / "leaflet")


def test_command_line_reports_errors_in_one_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m maps.vendor` exits 1 with a one-line error instead of a traceback."""
    monkeypatch.setattr(vendor.shutil, "which", lambda name: None)
    monkeypatch.setattr(vendor, "LEAFLET_DIR", tmp_path / "leaflet")
    assert vendor.main() == 1
    assert capsys.readouterr().err.startswith("error: npm is not installed")


def test_vendor_geoman_takes_script_stylesheet_and_licence(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Geoman's minified script, stylesheet and licence are taken; source maps and types are not."""
    members = {
        "package/LICENSE": b"MIT",
        "package/dist/leaflet-geoman.min.js": b"/* min */",
        "package/dist/leaflet-geoman.js": b"/* full */",
        "package/dist/leaflet-geoman.css": b"/* css */",
        "package/dist/leaflet-geoman.min.js.map": b"{}",
        "package/dist/leaflet-geoman.d.ts": b"// types",
    }
    tarball = tmp_path / "geoman.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    specs: list[str] = []
    monkeypatch.setattr(vendor.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(vendor, "_npm_pack",
                        lambda npm, workdir, spec: specs.append(spec) or tarball)
    monkeypatch.setattr(vendor, "GEOMAN_INTEGRITY", _integrity(tarball))
    target = vendor.vendor_geoman(tmp_path / "static" / "geoman")
    assert geoman_available(target)
    assert sorted(p.name for p in target.iterdir()) == [
        "LICENSE", "leaflet-geoman.css", "leaflet-geoman.min.js"]
    assert specs == ["@geoman-io/leaflet-geoman-free@2.20.2"]


def test_vendor_geoman_refuses_another_tarball(fake_npm: Path, tmp_path: Path) -> None:
    """A tarball that is not the pinned Geoman release is refused and nothing is written."""
    target = tmp_path / "static" / "geoman"
    with pytest.raises(RuntimeError, match="leaflet-geoman-free@2.20.2 as published"):
        vendor.vendor_geoman(target)
    assert not target.exists()


def test_heat_release_is_pinned_and_takes_only_the_script() -> None:
    """Leaflet.heat comes from npm at a pinned version and integrity, like Leaflet."""
    from maps.assets import HEAT_VERSION
    from maps.vendor import HEAT_INTEGRITY, heat_release

    release = heat_release()
    assert release.spec == f"leaflet.heat@{HEAT_VERSION}"
    assert release.integrity == HEAT_INTEGRITY and HEAT_INTEGRITY.startswith("sha512-")
    assert [target for _, target in release.take] == ["", ""]
    assert {glob for glob, _ in release.take} == {"package/LICENSE",
                                                  "package/dist/leaflet-heat.js"}
