#!/usr/bin/env python3
"""Checks the relative links of README.md and docs/*.md.

Every Markdown link or image `](target)` that is not http(s)/mailto must name a file or folder
that exists relative to the page; a `#anchor` (alone, or after a .md target) must be a heading of
that page, with GitHub's anchor rules (lower case, punctuation dropped, spaces as hyphens,
repeated headings numbered -1, -2, ...). Links inside code blocks and inline code are ignored.

Usage: python3 docs/check-links.py   (from anywhere; exit code 1 when a link is broken)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINK = re.compile(r'\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')


def prose_lines(text):
    """The page's lines outside fenced code blocks, with inline code removed."""
    fence = None
    for line in text.split('\n'):
        m = re.match(r'^\s*(```+|~~~+)', line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * 3
            elif m.group(1).startswith(fence):
                fence = None
            continue
        if fence is None:
            yield re.sub(r'`[^`]*`', '', line), line


def anchors(path, cache={}):
    if path not in cache:
        seen, found = {}, set()
        for _, raw in prose_lines(path.read_text(encoding='utf-8')):
            m = HEADING.match(raw)
            if not m:
                continue
            title = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', m.group(2))   # a link in a heading keeps its text
            slug = re.sub(r'[^\w\- ]', '', title.strip().lower()).replace(' ', '-')
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            found.add(slug if n == 0 else f'{slug}-{n}')
        cache[path] = found
    return cache[path]


def main():
    pages = [ROOT / 'README.md'] + sorted((ROOT / 'docs').glob('*.md'))
    broken, checked = [], 0
    for page in pages:
        for number, (line, _) in enumerate(prose_lines(page.read_text(encoding='utf-8')), 1):
            for target in LINK.findall(line):
                if re.match(r'^(https?:|mailto:)', target):
                    continue
                checked += 1
                file, _, anchor = target.partition('#')
                dest = (page.parent / file).resolve() if file else page
                where = f'{page.relative_to(ROOT)}: ]({target})'
                if not dest.exists():
                    broken.append(f'{where}: no such file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}')
                elif anchor and dest.suffix == '.md' and anchor not in anchors(dest):
                    broken.append(f'{where}: no heading #{anchor} in {dest.relative_to(ROOT)}')
    for b in broken:
        print(b)
    print(f'{checked} relative links in {len(pages)} pages, {len(broken)} broken')
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
