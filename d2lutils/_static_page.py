"""The kernel-free version of an interactive figure: HTML controls, inline frames, a short script.

A frame's key is the index of each control's choice, joined with ``|`` (``"2|0"``: third choice of
the first control, first of the second). Every ``<input>``/``<select>`` carries its control's
name, the choice indices it can reach and their labels; on each move the script builds the key
from all of them and shows that frame. Nothing is loaded from the internet.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping, Sequence

from d2lutils._choices import is_number, label
from d2lutils._png import compact_png


def data_uri(png: bytes) -> str:
    """``png`` (compacted, losslessly) as a ``data:`` URI an ``<img>`` can show."""
    return "data:image/png;base64," + base64.b64encode(compact_png(png)).decode()


def choice_control(name: str, options: Sequence[object], allowed: Sequence[int], start: int) -> str:
    """A slider (numbers) or a menu (anything else) over ``options[i] for i in allowed``."""
    esc = html.escape
    labels = [label(options[i]) for i in allowed]
    if len(allowed) == 1:
        return fixed_control(name, options[allowed[0]])
    position = list(allowed).index(start)
    data = (
        f'data-name="{esc(name)}" data-choices="{esc(json.dumps(list(allowed)))}" '
        f'data-labels="{esc(json.dumps(labels))}"'
    )
    if all(is_number(options[i]) for i in allowed):
        return (
            f'<label>{esc(name)} <input type="range" min="0" max="{len(allowed) - 1}" '
            f'step="1" value="{position}" {data}/> <output>{esc(labels[position])}</output>'
            "</label>"
        )
    menu = "".join(
        f'<option value="{k}"{" selected" if k == position else ""}>{esc(text)}</option>'
        for k, text in enumerate(labels)
    )
    return f"<label>{esc(name)} <select {data}>{menu}</select></label>"


def fixed_control(name: str, value: object) -> str:
    """A control the page cannot move, shown at its value."""
    return f"<span>{html.escape(name)} = {html.escape(label(value))}</span>"


# Finds its own figure (the <div> around the script; by id where a page moved the script), and
# on every move shows the frame whose key the controls spell. ``start`` fills in the index of a
# control the page has no element for.
SCRIPT = (
    "(function(){var s=document.currentScript,root=s&&s.parentNode;"
    "if(!root||!root.classList||!root.classList.contains('d2l-interactive')){"
    "root=document.getElementById(%(uid)s);}"
    "var frames=%(frames)s,names=%(names)s,"
    "start=%(start)s,img=root.querySelector('img');"
    "function show(){var key=names.map(function(n,i){"
    "var el=root.querySelector('[data-name=\"'+n+'\"]');if(!el){return start[i];}"
    "var k=+el.value,out=el.parentNode.querySelector('output');"
    "if(out){out.textContent=JSON.parse(el.getAttribute('data-labels'))[k];}"
    "return String(JSON.parse(el.getAttribute('data-choices'))[k]);}).join('|');"
    "if(frames[key]){img.src=frames[key];}}"
    "root.querySelectorAll('[data-name]').forEach(function(el){"
    "el.addEventListener('input',show);el.addEventListener('change',show);});})();"
)


def static_page(
    title: str, controls: Sequence[str], names: Sequence[str], start: Sequence[int],
    frames: Mapping[str, str],
) -> str:
    """The page: ``controls`` (HTML), the frame at ``start`` and the script that swaps ``frames``.

    ``frames`` maps each key to a data URI; ``names`` are the choice controls in key order and
    ``title`` (the draw function's name) goes into the page's id, which is unique per picture.
    """
    start_keys = [str(i) for i in start]
    digest = hashlib.sha1(
        json.dumps([title, list(frames)]).encode() + b"".join(v.encode() for v in frames.values()),
        usedforsecurity=False,
    )
    uid = "d2l-fig-" + digest.hexdigest()[:10]
    script = SCRIPT % {
        "uid": json.dumps(uid),
        "frames": json.dumps(dict(frames)),
        "names": json.dumps(list(names)),
        "start": json.dumps(start_keys),
    }
    return (
        f'<div id="{uid}" class="d2l-interactive">'
        '<div class="d2l-controls" style="display:flex;gap:1em;flex-wrap:wrap">'
        f'{"".join(controls)}</div><img alt="interactive figure" style="max-width:100%" '
        f'src="{frames["|".join(start_keys)]}"/><script>{script}</script></div>'
    )
