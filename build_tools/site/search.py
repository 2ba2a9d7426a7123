r"""What the search index reads: prose and headings, not bulk code, figures or output (pure functions).

Material's search plugin reads each page's HTML in its `on_page_context`. It skips elements marked
`data-search-exclude`, but (Material 9.x) only until the first closing tag of the same name inside
them (its skip set compares elements by tag name), and its parser still walks every skipped tag. So
just before it reads a page, search_hook.py hands it a copy in which code blocks (`<pre>`), figures
(`<svg>`) and every element marked `data-search-exclude` (notebook code cells, see
build_tools/notebooks/hook.py) are cut out, and right after it puts them back. Maths (arithmatex's
`<span class="arithmatex">\(…\)</span>` and `<div class="arithmatex">\[…\]</div>`) is cut the same
way but leaves readable text in its place (`\(O(T^2)\)` -> `O(T^2)`, `\frac{a}{b}` -> `a/b`,
`\alpha` -> `α`), so results never show TeX source. Readers see the whole page; searchers find its
prose, headings, maths and inline code.
"""

from __future__ import annotations

import re

# Elements left out of the index, whatever their attributes.
SKIPPED_TAGS = ("pre", "svg")

_START = re.compile(
    r"<(?:(?P<tag>%s)(?=[\s/>])|(?P<marked>[a-zA-Z][\w-]*)(?=[\s/>])(?=[^>]*\sdata-search-exclude\b))[^>]*>"
    % "|".join(SKIPPED_TAGS), re.I)
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# A cut element's place: `<!--search-hook:N-->`, followed for maths by its readable text and an end mark.
_PLACEHOLDER = re.compile(r"<!--search-hook:(\d+)-->(?:[^<]*<!--/search-hook:\1-->)?")
_MATH = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)

# TeX commands as a reader would write them in plain text; any other \name becomes "name".
_SYMBOLS = {
    "times": "×", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "sim": "~", "infty": "∞", "in": "∈", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "gets": "←", "sum": "Σ", "prod": "Π", "top": "ᵀ", "otimes": "⊗", "odot": "⊙", "dots": "…", "ldots": "…",
    "cdots": "…", "pm": "±", "lVert": "‖", "rVert": "‖", "Vert": "‖", "mid": "|", "partial": "∂",
    "nabla": "∇", "propto": "∝", "ell": "ℓ",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω",
}
_DROPPED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle",
            "underbrace", "overbrace", "limits", "nolimits", "begin", "end", "mathrm", "mathbf", "mathit",
            "mathcal", "mathbb", "boldsymbol", "text", "textrm", "textbf", "operatorname", "quad", "qquad"}
_GROUP = r"\{([^{}]*)\}"


def tex_to_text(tex: str) -> str:
    """TeX (already HTML-escaped, as arithmatex writes it) -> readable text for the search index.

    Not a renderer: enough that a snippet says `O(T^2)` or `softmax(QKᵀ/√d)`, never `\\(` or `\\frac`.
    """
    tex = re.sub(r"^\\[(\[](.*)\\[)\]]$", r"\1", tex.strip(), flags=re.S)   # \( \) or \[ \]
    tex = tex.replace("\\{", "\x00").replace("\\}", "\x01").replace("\\\\", "; ").replace("&amp;", " ")
    tex = re.sub(r"\\(?:begin|end)\{[^{}]*\}", " ", tex)
    for _ in range(8):  # innermost groups first, so nesting unwinds
        new = re.sub(r"\\[dt]?frac\s*" + _GROUP + r"\s*" + _GROUP,
                     lambda m: f"{_paren(m.group(1))}/{_paren(m.group(2))}", tex)
        new = re.sub(r"\\sqrt\s*" + _GROUP, lambda m: f"√{_paren(m.group(1))}", new)
        if new == tex:
            break
        tex = new
    tex = re.sub(r"\\([,;:! ])", " ", tex)
    tex = re.sub(r"\\([A-Za-z]+)", _command, tex).replace("^ᵀ", "ᵀ")
    tex = tex.replace("{", "").replace("}", "").replace("\x00", "{").replace("\x01", "}")
    return re.sub(r"\s+", " ", tex).strip()


def _command(match: re.Match) -> str:
    """\\alpha -> α, \\left -> nothing, \\max -> max."""
    name = match.group(1)
    return "" if name in _DROPPED else _SYMBOLS.get(name, name)


def _paren(group: str) -> str:
    """`a` -> `a`, `a+b` -> `(a+b)`: what a fraction's part needs in one line of text."""
    group = group.strip()
    return group if re.fullmatch(r"[\w.·ᵀ√^_\\]+", group) else f"({group})"


def _element_end(html: str, tag: str, start: int, after_start_tag: int) -> int:
    """Index just past the element whose start tag spans html[start:after_start_tag]; -1 if unclosed."""
    if tag.lower() in _VOID or html[after_start_tag - 2] == "/":
        return after_start_tag
    depth = 1
    for match in re.compile(rf"<(/?){tag}(?=[\s/>])[^>]*>", re.I).finditer(html, after_start_tag):
        if match.group(1):
            depth -= 1
            if depth == 0:
                return match.end()
        elif not match.group(0).endswith("/>"):
            depth += 1
    return -1


def cut_unsearchable(html: str) -> tuple[str, list[str]]:
    """(html with each skipped element replaced by a placeholder comment, the cut elements in order).

    Material's parser ignores comments, so the index never sees what was cut; `put_back` restores it.
    """
    pieces, cut, pos = [], [], 0
    for match in _START.finditer(html):
        if match.start() < pos:
            continue  # inside an element already cut
        tag = match.group("tag") or match.group("marked")
        end = _element_end(html, tag, match.start(), match.end())
        if end == -1:
            continue  # unclosed: leave it to the indexer
        pieces += [_readable_maths(html[pos:match.start()], cut), f"<!--search-hook:{len(cut)}-->"]
        cut.append(html[match.start():end])
        pos = end
    pieces.append(_readable_maths(html[pos:], cut))
    return ("".join(pieces) if cut else html), cut


def _readable_maths(html: str, cut: list[str]) -> str:
    """Each arithmatex element in html cut (appended to `cut`), its readable text left in its place."""
    def swap(match: re.Match) -> str:
        cut.append(match.group(0))
        return f"<!--search-hook:{len(cut) - 1}-->{tex_to_text(match.group(2))}<!--/search-hook:{len(cut) - 1}-->"
    return _MATH.sub(swap, html)


def put_back(html: str, cut: list[str]) -> str:
    """Undo `cut_unsearchable` on html (which other plugins may have changed around the placeholders)."""
    return _PLACEHOLDER.sub(lambda m: cut[int(m.group(1))], html) if cut else html
