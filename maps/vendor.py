"""Vendor Leaflet from the npm registry into ``maps/static/leaflet/`` (``make assets``).

Run ``python -m maps.vendor``. The files are fetched at build time, not kept in
git, and then served by our own app: a page never asks a CDN for them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from maps.assets import LEAFLET_DIR, LEAFLET_VERSION, leaflet_available

logger = logging.getLogger(__name__)

#: npm's integrity string of leaflet-1.9.4.tgz; a different tarball is refused.
LEAFLET_INTEGRITY = (
    "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
)
_DIST = PurePosixPath("package/dist")


def vendor_leaflet(target_dir: Path = LEAFLET_DIR) -> Path:
    """Put Leaflet's ``leaflet.js``, ``leaflet.css`` and ``images/`` into ``target_dir``.

    Does nothing if they are already there. The tarball comes from ``npm pack``
    and is checked against :data:`LEAFLET_INTEGRITY`; files are unpacked into a
    staging folder first, so a failed run never leaves a half-filled directory.

    Raises
    ------
    FileNotFoundError
        If npm is not installed.
    RuntimeError
        If npm fails or the tarball is not the expected one.
    """
    target_dir = Path(target_dir)
    if leaflet_available(target_dir):
        logger.info("Leaflet is already in %s", target_dir)
        return target_dir
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError(
            "npm is not installed: install Node.js/npm, or copy leaflet's dist/ "
            f"(leaflet.js, leaflet.css, images/) of Leaflet {LEAFLET_VERSION} into {target_dir}"
        )
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = _npm_pack(npm, Path(tmp))
        _check_integrity(tarball)
        staging = Path(tempfile.mkdtemp(prefix=".leaflet-", dir=target_dir.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
        try:
            _extract_dist(tarball, staging)
            if target_dir.exists():
                shutil.rmtree(target_dir)  # an incomplete earlier copy
            staging.rename(target_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("vendored Leaflet %s into %s", LEAFLET_VERSION, target_dir)
    return target_dir


def _npm_pack(npm: str, workdir: Path) -> Path:
    """Download the leaflet tarball into ``workdir`` with npm's own client."""
    spec = f"leaflet@{LEAFLET_VERSION}"
    result = subprocess.run([npm, "pack", spec, "--silent"], cwd=workdir,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`npm pack {spec}` failed ({result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")
    tarballs = list(workdir.glob("leaflet-*.tgz"))
    if len(tarballs) != 1:
        raise RuntimeError(f"`npm pack {spec}` wrote no tarball into {workdir}")
    return tarballs[0]


def _check_integrity(tarball: Path) -> None:
    """Refuse a tarball whose sha512 differs from the pinned release."""
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    found = "sha512-" + base64.b64encode(digest).decode("ascii")
    if found != LEAFLET_INTEGRITY:
        raise RuntimeError(f"{tarball.name} is not Leaflet {LEAFLET_VERSION} as published "
                           f"(integrity {found}); refusing to vendor it")


def _extract_dist(tarball: Path, target: Path) -> None:
    """Copy the dist files and the licence out of ``tarball``, by name only."""
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            relative = _wanted(PurePosixPath(member.name))
            if relative is None or not member.isfile():
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read())


def _wanted(name: PurePosixPath) -> PurePosixPath | None:
    """Where a tarball member goes inside the target, or None to skip it."""
    if name == PurePosixPath("package/LICENSE"):
        return PurePosixPath("LICENSE")
    if name.parent == _DIST and name.name in ("leaflet.js", "leaflet.css"):
        return PurePosixPath(name.name)
    if name.parent == _DIST / "images" and name.suffix == ".png":
        return PurePosixPath("images", name.name)
    return None


def main() -> int:
    """Command-line entry point: vendor Leaflet, or explain in one line why not."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        print(vendor_leaflet(LEAFLET_DIR))
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
