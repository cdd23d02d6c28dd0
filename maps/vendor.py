"""Vendor Leaflet, Leaflet-Geoman and Leaflet.heat from npm into ``maps/static/`` (``make assets``).

Run ``python -m maps.vendor``. The files are fetched at build time, not kept in
git, and then served by our own app: a page never asks a CDN for them.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from maps.assets import (
    GEOMAN_DIR,
    GEOMAN_VERSION,
    HEAT_DIR,
    HEAT_VERSION,
    LEAFLET_DIR,
    LEAFLET_VERSION,
    geoman_available,
    heat_available,
    leaflet_available,
)

logger = logging.getLogger(__name__)

#: npm's integrity string of leaflet-1.9.4.tgz; a different tarball is refused.
LEAFLET_INTEGRITY = (
    "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
)
#: npm's integrity string of @geoman-io/leaflet-geoman-free 2.20.2 (MIT licence).
GEOMAN_INTEGRITY = (
    "sha512-KQpSe0VKyuVCudq/08rMjJW1vvIwFldTwBny2wZ7ABcyyUAP7/eoFo967hCu9yRqAAHb4QOxC6gY5dGqttY68g=="
)

#: npm's integrity string of leaflet.heat 0.2.0 (BSD-2-Clause).
HEAT_INTEGRITY = (
    "sha512-Cd5PbAA/rX3X3XKxfDoUGi9qp78FyhWYurFg3nsfhntcM/MCNK08pRkf4iEenO1KNqwVPKCmkyktjW3UD+h9bQ=="
)


@dataclass(frozen=True)
class NpmRelease:
    """One pinned npm release and the files a page needs from its tarball.

    Attributes
    ----------
    package, version, integrity
        What ``npm pack`` fetches and the sha512 it must have.
    take
        ``(glob in the tarball, folder in the target)`` pairs; a glob matches
        file names inside one tarball folder only.
    """

    package: str
    version: str
    integrity: str
    take: tuple[tuple[str, str], ...]

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"


def leaflet_release() -> NpmRelease:
    """Leaflet's script, stylesheet, marker and layer images, and its licence."""
    return NpmRelease("leaflet", LEAFLET_VERSION, LEAFLET_INTEGRITY, (
        ("package/LICENSE", ""), ("package/dist/leaflet.js", ""),
        ("package/dist/leaflet.css", ""), ("package/dist/images/*.png", "images"),
    ))


def geoman_release() -> NpmRelease:
    """Leaflet-Geoman's minified script, its stylesheet (icons inline) and its licence."""
    return NpmRelease("@geoman-io/leaflet-geoman-free", GEOMAN_VERSION, GEOMAN_INTEGRITY, (
        ("package/LICENSE", ""), ("package/dist/leaflet-geoman.min.js", ""),
        ("package/dist/leaflet-geoman.css", ""),
    ))


def heat_release() -> NpmRelease:
    """Leaflet.heat's built script and its licence."""
    return NpmRelease("leaflet.heat", HEAT_VERSION, HEAT_INTEGRITY, (
        ("package/LICENSE", ""), ("package/dist/leaflet-heat.js", ""),
    ))


def vendor_heat(target_dir: Path = HEAT_DIR) -> Path:
    """Vendor Leaflet.heat into ``target_dir`` (see :func:`vendor_release`)."""
    return vendor_release(heat_release(), Path(target_dir), heat_available)


def vendor_leaflet(target_dir: Path = LEAFLET_DIR) -> Path:
    """Put Leaflet's ``leaflet.js``, ``leaflet.css`` and ``images/`` into ``target_dir``.

    See :func:`vendor_release`.
    """
    return vendor_release(leaflet_release(), Path(target_dir), leaflet_available)


def vendor_geoman(target_dir: Path = GEOMAN_DIR) -> Path:
    """Put Leaflet-Geoman's script and stylesheet into ``target_dir``.

    See :func:`vendor_release`.
    """
    return vendor_release(geoman_release(), Path(target_dir), geoman_available)


def vendor_release(release: NpmRelease, target_dir: Path,
                   available: Callable[[Path], bool]) -> Path:
    """Unpack the files of ``release`` into ``target_dir`` unless ``available`` says they are there.

    The tarball comes from ``npm pack`` and is checked against the release's
    integrity; files are unpacked into a staging folder first, so a failed run
    never leaves a half-filled directory.

    Raises
    ------
    FileNotFoundError
        If npm is not installed.
    RuntimeError
        If npm fails or the tarball is not the expected one.
    """
    if available(target_dir):
        logger.info("%s is already in %s", release.package, target_dir)
        return target_dir
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError(
            f"npm is not installed: install Node.js/npm, or copy {release.package}'s dist/ "
            f"files of version {release.version} into {target_dir}"
        )
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = _npm_pack(npm, Path(tmp), release.spec)
        _check_integrity(tarball, release)
        staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-", dir=target_dir.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
        try:
            _extract(tarball, staging, release)
            if target_dir.exists():
                shutil.rmtree(target_dir)  # an incomplete earlier copy
            staging.rename(target_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("vendored %s into %s", release.spec, target_dir)
    return target_dir


def _npm_pack(npm: str, workdir: Path, spec: str) -> Path:
    """Download the tarball of ``spec`` into the empty ``workdir`` with npm's own client."""
    result = subprocess.run([npm, "pack", spec, "--silent"], cwd=workdir,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`npm pack {spec}` failed ({result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")
    tarballs = list(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise RuntimeError(f"`npm pack {spec}` wrote no tarball into {workdir}")
    return tarballs[0]


def _check_integrity(tarball: Path, release: NpmRelease) -> None:
    """Refuse a tarball whose sha512 differs from the pinned release."""
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    found = "sha512-" + base64.b64encode(digest).decode("ascii")
    if found != release.integrity:
        raise RuntimeError(f"{tarball.name} is not {release.spec} as published "
                           f"(integrity {found}); refusing to vendor it")


def _extract(tarball: Path, target: Path, release: NpmRelease) -> None:
    """Copy the wanted files out of ``tarball``, by name only."""
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            relative = _wanted(PurePosixPath(member.name), release)
            if relative is None or not member.isfile():
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read())


def _wanted(name: PurePosixPath, release: NpmRelease) -> PurePosixPath | None:
    """Where a tarball member goes inside the target, or None to skip it."""
    for pattern, folder in release.take:
        glob = PurePosixPath(pattern)
        if name.parent == glob.parent and fnmatch.fnmatchcase(name.name, glob.name):
            return PurePosixPath(folder, name.name)
    return None


def main() -> int:
    """Command-line entry point: vendor Leaflet, Geoman and heat, or explain in one line why not."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        print(vendor_leaflet(LEAFLET_DIR))
        print(vendor_geoman(GEOMAN_DIR))
        print(vendor_heat(HEAT_DIR))
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
