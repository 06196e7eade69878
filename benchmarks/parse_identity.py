"""Do two trees' parsers read every page alike? For speed work that must change nothing.

    .venv/bin/python benchmarks/parse_identity.py OTHER_TREE

OTHER_TREE is another checkout of the project (e.g. `git worktree add /tmp/base main`).
Both trees' `parse_document` and `decode_bytes` read the same inputs, built from this
tree's files: every fixture and demo page (as bytes, as text, with UTF-8 and with GBK
declared), 400 random pages in eight encodings (one of them UTF-8 and GB18030 mixed line
by line), 300 damaged copies of real pages and the 2 MiB page of tables. Each tree runs
in a process of its own; the digests of `repr()` of every result are compared.
Exit status 0 when all agree, 1 when any differs (the first few are named), 2 for bad
arguments.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["政府信息公开", "年度报告", "0", "12", " ", "\n", "\u3000", "/", "主动公开", "a b"]
WORDS += ["本年新收", "（三）不予公开", "申请人情况", "总计", "1.", "第二十条第", "信息内容"]
CLASSES = ["TRS_Editor", "trs_editor_view", "xTRS_UEDITORx", "article-content", "view", "x"]
IDS = ["zoom", "Zoom", "zoom|Zoom", "UCAP-CONTENT", "fontzoom", "content", "other"]
TAGS = ["div", "p", "span", "a", "section", "article", "ucapcontent", "table", "br", "h1"]
TAGS += ["script", "td"]
CODECS = ["utf-8", "gbk", "gb18030", "big5", "shift_jis", "cp1252", "utf-16", "mixed"]


def _text(rng: random.Random, most: int = 6) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(0, most)))


def _element(rng: random.Random, depth: int) -> str:
    if depth == 0:
        return _text(rng)
    tag = rng.choice(TAGS)
    if tag == "table":
        rows = "".join(
            "<tr>" + "".join(_cell(rng, depth) for _ in range(rng.randint(0, 5))) + "</tr>"
            for _ in range(rng.randint(0, 6))
        )
        return f"<table><tbody>{rows}</tbody></table>"
    attributes = f' id="{rng.choice(IDS)}"' if rng.random() < 0.3 else ""
    if rng.random() < 0.3:
        attributes += f' class="{rng.choice(CLASSES)} {rng.choice(CLASSES)}"'
    inner = "".join(_element(rng, depth - 1) + _text(rng, 2) for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.1:
        inner += "长" * rng.randint(100, 900)
    return f"<{tag}{attributes}>{_text(rng)}{inner}</{tag}>"


def _cell(rng: random.Random, depth: int) -> str:
    kind = rng.random()
    if kind < 0.5:
        inner = _text(rng, 3)
    elif kind < 0.9:
        inner = "".join(f"<p><span>{_text(rng, 2)}</span>{_text(rng, 1)}</p>" for _ in range(2))
    else:
        inner = "文" * 601 if kind < 0.95 else _element(rng, depth - 1)
    return f"<td>{inner}</td>"


def _mixed(text: str, rng: random.Random, codec: str = "gb18030") -> bytes:
    lines = text.split("\n")
    return b"\n".join(
        line.encode("utf-8" if rng.random() < 0.5 else codec, "replace") for line in lines
    )


def inputs(decode) -> list[tuple[str, bytes | str, dict]]:
    """(name, content, keyword arguments of parse_document) of every input."""
    files = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*.htm*") if p.is_file())
    files += sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*.txt") if p.is_file())
    files += sorted(p for p in (ROOT / "demo" / "portal").rglob("*.html"))
    found: list[tuple[str, bytes | str, dict]] = []
    reals = []
    for path in files:
        data, name = path.read_bytes(), str(path.relative_to(ROOT))
        reals.append((name, data))
        found.append((name, data, {}))
        found.append((f"{name} as text", decode(data)[0], {}))
        found.append((f"{name} utf-8 declared", data, {"declared_encoding": "utf-8"}))
        found.append((f"{name} gbk declared", data, {"content_type": "text/html; charset=gbk"}))
    row = "<tr>" + "".join(f"<td>{i}</td>" for i in range(10)) + "</tr>"
    big = f"<html><body><div id='zoom'><table>{row * 20000}</table></div></body></html>"
    found.append(("2 MiB page of tables", big.encode(), {}))
    for seed in range(400):
        rng = random.Random(seed)
        body = "".join(_element(rng, 4) for _ in range(rng.randint(1, 4)))
        page = f"<html><head><title>{_text(rng)}年度报告</title></head><body>{body}</body></html>"
        codec = rng.choice(CODECS)
        if codec == "mixed":
            data = _mixed(page.replace(">", ">\n"), rng)
        else:
            data = page.encode(codec, "replace")
        found.append((f"random {seed} {codec}", data, {}))
    pages = [(name, data) for name, data in reals if name.endswith(".html")]
    for seed in range(300):
        rng = random.Random(1000 + seed)
        name, data = rng.choice(pages)
        text = decode(data)[0]
        kind = rng.randrange(6)
        if kind == 0:
            damaged = data[: rng.randrange(len(data) + 1)]
        elif kind == 1:
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            damaged = bytes(flipped)
        elif kind == 2:
            damaged = text.encode("gb18030", "replace")
        elif kind == 3:
            damaged = _mixed(text, rng)
        elif kind == 4:
            damaged = text.encode(rng.choice(["big5", "shift_jis", "euc-kr", "cp1252"]), "replace")
        else:
            cut = rng.randrange(len(text) + 1)
            damaged = (text[:cut] + "\ufffd\x00<p>" + text[cut:]).encode("utf-8")
        found.append((f"damaged {seed} ({kind}) {name}", damaged, {}))
    return found


def digests(tree: Path) -> dict[str, str]:
    """Run in a process whose parsers are ``tree``'s: the digest of every result."""
    sys.path.insert(0, str(tree))
    from parsers import parse_document
    from parsers.encoding import decode_bytes

    def digest(value) -> str:
        return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()

    found = {}
    for name, content, options in inputs(decode_bytes):
        found[name] = digest(parse_document(content, f"http://127.0.0.1/{name}", **options))
        if isinstance(content, bytes):
            found[f"{name} (decoded)"] = digest(decode_bytes(content))
    return found


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--digests":
        json.dump(digests(Path(argv[1])), sys.stdout)
        return 0
    if len(argv) != 1 or not (Path(argv[0]) / "parsers" / "__init__.py").is_file():
        print("usage: parse_identity.py OTHER_TREE (a checkout holding parsers/)")
        return 2
    return compare_trees(__file__, Path(argv[0]).resolve(), [], "reading", "results")


def compare_trees(script: str, other: Path, args: list[str], doing: str, noun: str) -> int:
    """Run `script --digests TREE *args` for this tree and other, each in a process of its
    own, and compare the digests they print (a JSON object): 0 when all agree, else 1."""
    results = []
    for tree in (ROOT, other):
        done = subprocess.run(
            [sys.executable, script, "--digests", str(tree), *args],
            capture_output=True,
            text=True,
            cwd=tree,
        )
        if done.returncode != 0:
            print(f"{doing} with {tree} failed: {done.stderr.strip()[-500:]}")
            return 1
        results.append(json.loads(done.stdout))
    ours, theirs = results
    differing = [name for name in ours if ours[name] != theirs.get(name)]
    differing += [name for name in theirs if name not in ours]
    print(f"{len(ours)} {noun} compared, {len(differing)} differ")
    for name in differing[:10]:
        print(f"  differs: {name}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
