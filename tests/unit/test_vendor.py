import pytest

from build_tools.site.vendor import MissingAssets, Vendored, vendored_files


def test_vendored_files_map_site_paths_below_the_base(tmp_path):
    (tmp_path / "pkg/dist/fonts").mkdir(parents=True)
    (tmp_path / "pkg/dist/fonts/a.woff2").write_text("x")
    files = vendored_files(tmp_path, [Vendored("pkg", "dist/fonts/*.woff2", "pkg", base="dist")])
    assert files == {"assets/vendor/pkg/fonts/a.woff2": tmp_path / "pkg/dist/fonts/a.woff2"}


def test_missing_package_names_the_fix(tmp_path):
    with pytest.raises(MissingAssets, match="npm ci"):
        vendored_files(tmp_path, [Vendored("pkg", "x.js", "pkg")])
