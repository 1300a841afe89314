"""docs/configuration.md against the configuration loaders' source: the same
keys, and for each the same default and range, so that the reference cannot
drift from the code.

Usage: configuration_test.py SOURCE_DIR"""

import os
import re
import sys

# Which loader each documented section describes (by the start of its title).
SECTIONS = {"gateway.toml": "gateway/config.cc", "client.toml": "client/config.cc",
            "bridge-": "bridges/config.cc", "ca.toml": "pki/ca_config.cc"}


def read(root, path):
    with open(os.path.join(root, path)) as f:
        return f.read()


def code_keys(source):
    """{key: (default, range)} as the loader reads them."""
    keys = {}
    for kind, key in re.findall(r'reader\.(String|Path)\("([\w.]+)"\)', source):
        keys[key] = ("required", "")
    for key, default in re.findall(r'reader\.(?:StringOr|PathOr)\("([\w.]+)",\s*"([^"]*)"\)', source):
        keys[key] = (f'"{default}"', "")
    for key, default, low, high in re.findall(
            r'reader\.IntOr\("([\w.]+)",\s*(-?\d+),\s*(-?\d+),\s*(-?\d+)\)', source):
        # A fallback outside the range means the key is required (refused when absent).
        required = int(default) < int(low)
        keys[key] = ("required" if required else default, f"{low}..{high}")
    for key, default in re.findall(r'reader\.BoolOr\("([\w.]+)",\s*(true|false)\)', source):
        keys[key] = (default, "")
    return keys


def ca_keys(source):
    """The CA's settings: its loader lists them, and bounds the integers."""
    keys = {key: ("required", "") for key in re.findall(r'name != "(\w+)"', source)}
    for key, default, high in re.findall(
            r'ReadBoundedInt\(path, table, "(\w+)", (\d+), (\d+)\)', source):
        # 0: absent by default, the lower bound checked apart (2 for the freshness CRL).
        keys[key] = ("absent", f"..{high}") if default == "0" else (default, f"1..{high}")
    for key, default in re.findall(r'ReadBool\(path, table, "(\w+)", (true|false)\)', source):
        keys[key] = (default, "")
    for key in re.findall(r'const toml::node\* node = table.get\("(\w+)"\);\n  if \(node == nullptr\) \{\n    return rule;', source):
        keys[key] = ("absent", "")  # a table of its own, checked by its reader
    return keys


def doc_sections(text):
    """{loader file: {key: (default, range)}} from the tables of each section."""
    out = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:]
            current = next((f for start, f in SECTIONS.items() if title.startswith(start)), None)
            if current is not None:
                out.setdefault(current, {})
            continue
        row = re.match(r"\| `([\w.]+)` \|([^|]*)\|([^|]*)\|", line)
        if current is not None and row:
            key, default, span = row.group(1), row.group(2).strip(), row.group(3).strip()
            out[current][key] = (default.strip("`"), span)
    return out


def main(root):
    documented = doc_sections(read(root, "docs/configuration.md"))
    problems = []
    for loader in SECTIONS.values():
        source = read(root, loader)
        in_code = ca_keys(source) if loader.endswith("ca_config.cc") else code_keys(source)
        in_doc = documented.get(loader, {})
        if not in_code:
            problems.append(f"{loader}: no key found: the test's patterns no longer match the code")
        for key in sorted(set(in_code) - set(in_doc)):
            problems.append(f"{loader} reads `{key}`, which docs/configuration.md does not list")
        for key in sorted(set(in_doc) - set(in_code)):
            problems.append(f"docs/configuration.md lists `{key}`, which {loader} does not read")
        for key in sorted(set(in_code) & set(in_doc)):
            (code_default, code_range), (doc_default, doc_range) = in_code[key], in_doc[key]
            if code_default != doc_default:
                problems.append(f"`{key}`: default {code_default} in {loader}, {doc_default} in the docs")
            if code_range and not doc_range.endswith(code_range):
                problems.append(f"`{key}`: range {code_range} in {loader}, {doc_range or 'none'} in the docs")
            if not code_range and doc_range:
                problems.append(f"`{key}`: no range in {loader}, {doc_range} in the docs")
    for problem in problems:
        print("FAIL:", problem)
    checked = sum(len(v) for v in documented.values())
    print(f"{checked} documented keys checked against {len(SECTIONS)} loaders: "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
