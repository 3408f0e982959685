#!/usr/bin/env python3
"""Doxygen input filter for netsctp's public headers.

The headers use plain // comments (a file block at the top, then a comment
above each declaration: what it does, its errors, thread safety), which
Doxygen ignores. This filter hands Doxygen the same text as documentation:
the first comment block becomes the file's description, and every other
comment block that ends right above a line of code becomes that code's
description. Comments after code on the same line, and blocks followed by a
blank line, stay plain comments. Line numbers are kept.
"""
import os
import re
import sys

COMMENT = re.compile(r'^(\s*)//(?!/)\s?(.*)$')


def filter_lines(lines, name):
    out = list(lines)
    i = 0
    first_block = True
    while i < len(lines):
        if not COMMENT.match(lines[i]):
            i += 1
            continue
        start = i
        while i < len(lines) and COMMENT.match(lines[i]):
            i += 1
        end = i  # first line after the block
        follows_code = end < len(lines) and lines[end].strip() != '' and \
            not lines[end].lstrip().startswith('#')
        if first_block:
            first_block = False
            indent, text = COMMENT.match(lines[start]).groups()
            out[start] = f'{indent}/// @file\n'
            # The block's first line names the file ("netsctp/x.h: ..."): keep
            # what follows the name as the brief description.
            brief = re.sub(r'^\S+\.h:\s*', '', text)
            rest = [brief] + [COMMENT.match(l).group(2) for l in lines[start + 1:end]]
            # Put the text on the block's lines, one per line; the first line
            # holds @file, so the text moves down by one and the last two
            # source lines of the block share one output line.
            texts = rest
            for k, line in enumerate(range(start + 1, end)):
                t = texts[k] if k < len(texts) - 1 else ' '.join(texts[k:])
                out[line] = f'{indent}/// {t}\n'
            if end - start == 1:
                out[start] = f'{indent}/// @file {name} {brief}\n'
            continue
        if follows_code:
            for line in range(start, end):
                indent, text = COMMENT.match(lines[line]).groups()
                out[line] = f'{indent}/// {text}\n'
    return out


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        lines = f.readlines()
    sys.stdout.write(''.join(filter_lines(lines, os.path.basename(sys.argv[1]))))


if __name__ == '__main__':
    main()
