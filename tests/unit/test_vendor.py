import json
import shutil
import subprocess
from pathlib import Path

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


# The editor as served: minified at vendoring time (esbuild), still a working CodeMirror with Python.
ROOT = Path(__file__).resolve().parents[2]
LOAD_IN_NODE = r"""
const fs = require("fs"), vm = require("vm");
const noop = () => {};
const element = () => ({style: {}, setAttribute: noop, appendChild: noop, addEventListener: noop});
const navigator = {userAgent: "Mozilla/5.0 Chrome/120", platform: "Linux", vendor: "Google"};
const document = {createElement: element, body: element(), documentElement: element(), addEventListener: noop};
const context = vm.createContext({navigator, document, addEventListener: noop});
context.window = context.self = context;
for (const file of process.argv.slice(1)) vm.runInContext(fs.readFileSync(file, "utf8"), context, {filename: file});
console.log(vm.runInContext(`JSON.stringify({
  type: typeof CodeMirror, version: CodeMirror.version,
  token: CodeMirror.getMode({indentUnit: 4}, "python").token(new CodeMirror.StringStream("def f"),
         CodeMirror.startState(CodeMirror.getMode({indentUnit: 4}, "python"))),
})`, context));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (the site's npm assets need it too)")
def test_served_codemirror_is_minified_and_still_defines_codemirror_with_python(tmp_path):
    node_modules = ROOT / "node_modules"
    files = vendored_files(node_modules, cache_dir=tmp_path / "cache")
    editor = files["assets/vendor/codemirror/lib/codemirror.js"]
    python = files["assets/vendor/codemirror/mode/python/python.js"]
    css = files["assets/vendor/codemirror/lib/codemirror.css"]
    for served, original in [(editor, "codemirror/lib/codemirror.js"), (python, "codemirror/mode/python/python.js"),
                             (css, "codemirror/lib/codemirror.css")]:
        assert served.is_relative_to(tmp_path / "cache"), served
        assert served.stat().st_size < 0.75 * (node_modules / original).stat().st_size, served
    assert editor.stat().st_size < 0.5 * (node_modules / "codemirror/lib/codemirror.js").stat().st_size
    assert editor.read_text().count("\n") < 100 and editor.read_text().startswith("// CodeMirror, copyright")
    result = subprocess.run(["node", "-e", LOAD_IN_NODE, str(editor), str(python)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"type": "function", "version": "5.65.21", "token": "keyword"}
    # a second build takes the cached copies
    assert vendored_files(node_modules, cache_dir=tmp_path / "cache") == files


def test_missing_minifier_names_the_fix(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/x.js").write_text("var a = 1;")
    with pytest.raises(MissingAssets, match="npm ci"):
        vendored_files(tmp_path, [Vendored("pkg", "x.js", "pkg", minify=True)], cache_dir=tmp_path / "cache")


def test_the_site_vendors_every_pyodide_core_file_the_contract_names():
    from build_tools.blocks.contract import PYODIDE_CORE_FILES
    from build_tools.site.vendor import VENDORED

    vendored = {entry.pattern for entry in VENDORED if entry.package == "pyodide"}
    assert set(PYODIDE_CORE_FILES) <= vendored, "site/vendor.py and blocks/contract.py disagree on Pyodide's files"
