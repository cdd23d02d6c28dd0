"""Leaflet from our own files: checked for, copied beside exports, linked by asset_base."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest

from maps.assets import copy_leaflet, leaflet_available, require_leaflet, use_local_assets


@pytest.fixture()
def fake_leaflet(tmp_path: Path) -> Path:
    """A directory laid out like a vendored Leaflet (tiny stand-in files)."""
    root = tmp_path / "leaflet"
    (root / "images").mkdir(parents=True)
    (root / "leaflet.js").write_text("/* leaflet */")
    (root / "leaflet.css").write_text("/* css */")
    (root / "images" / "layers.png").write_bytes(b"\x89PNG")
    (root / "LICENSE").write_text("BSD-2-Clause")
    return root


def test_missing_leaflet_says_to_run_make_assets(tmp_path: Path) -> None:
    """Without the vendored files the error names `make assets` and the folder."""
    assert not leaflet_available(tmp_path)
    with pytest.raises(FileNotFoundError, match="make assets") as raised:
        require_leaflet(tmp_path)
    assert str(tmp_path) in str(raised.value)


def test_copy_leaflet_puts_script_css_images_and_licence(fake_leaflet: Path,
                                                        tmp_path: Path) -> None:
    """An export gets leaflet.js, leaflet.css, the images and the licence next to it."""
    target = copy_leaflet(tmp_path / "out" / "assets" / "leaflet", fake_leaflet)
    assert leaflet_available(target)
    assert (target / "images" / "layers.png").read_bytes() == b"\x89PNG"
    assert (target / "LICENSE").is_file()
    copy_leaflet(target, fake_leaflet)  # a second export into the same folder works


def test_copy_leaflet_refuses_an_empty_source(tmp_path: Path) -> None:
    """Copying from a checkout without Leaflet fails before writing anything."""
    with pytest.raises(FileNotFoundError, match="make assets"):
        copy_leaflet(tmp_path / "out", tmp_path / "nothing")
    assert not (tmp_path / "out").exists()


def test_local_assets_replace_every_cdn_link_for_this_map_only() -> None:
    """The map links only our Leaflet; Folium's class defaults stay untouched."""
    cdn_js = list(folium.Map.default_js)
    m = use_local_assets(folium.Map(tiles=None), "/assets/leaflet/")
    assert m.default_js == [("leaflet", "/assets/leaflet/leaflet.js")]
    assert m.default_css == [("leaflet_css", "/assets/leaflet/leaflet.css")]
    assert folium.Map.default_js == cdn_js


@pytest.mark.parametrize("base", ["", "https://cdn.example.com/leaflet", "//cdn.example.com",
                                  'x" onload="alert(1)', "a b"])
def test_asset_base_must_be_a_path_on_our_server(base: str) -> None:
    """A CDN URL or a string that would break the attribute is refused."""
    with pytest.raises(ValueError, match="asset_base"):
        use_local_assets(folium.Map(tiles=None), base)
