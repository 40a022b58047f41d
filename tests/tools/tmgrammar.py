#!/usr/bin/env python3
"""A minimal TextMate grammar engine, enough to test
editors/vscode/syntaxes/threat.tmLanguage.json against real files.

It reads a grammar's `patterns` and `repository` with `match`,
`begin`/`end`, `name`, `contentName`, `captures`, `beginCaptures`,
`endCaptures` and `include` ("#name" and "$self"), and tokenizes a text
line by line the way editors do: at each place the rule whose regex matches
earliest wins (the open region's `end` before its patterns on a tie, then
the patterns in order); a `begin` opens a region that lasts, across lines,
until its `end`. The grammar's regexes are written in the common subset of
Oniguruma and Python's `re`.

Every character gets its scopes and whether a rule consumed it. A check
fails on a character in an `invalid.illegal` scope, and on text that no
rule matched outside a string or comment region (the grammar would leave
it uncoloured).

    tmgrammar.py GRAMMAR FILE...       check files; exit 1 on a failure
    tmgrammar.py --scopes GRAMMAR FILE print each token and its scopes
"""
import json
import re
import sys


class Grammar:
    def __init__(self, path):
        with open(path, encoding="utf-8") as handle:
            self.data = json.load(handle)
        self.scope = self.data["scopeName"]
        self.repository = self.data.get("repository", {})
        self.regexes = {}

    def regex(self, text):
        if text not in self.regexes:
            self.regexes[text] = re.compile(text)
        return self.regexes[text]

    def flatten(self, patterns, seen=None):
        """The rules a pattern list stands for, includes resolved."""
        seen = set() if seen is None else seen
        rules = []
        for rule in patterns:
            if "include" in rule:
                target = rule["include"]
                if target in seen:
                    continue
                seen.add(target)
                if target == "$self":
                    rules += self.flatten(self.data["patterns"], seen)
                elif target.startswith("#"):
                    name = target[1:]
                    if name not in self.repository:
                        raise ValueError("include of an unknown rule " + target)
                    rules += self.flatten([self.repository[name]], seen)
                else:
                    raise ValueError("unsupported include " + target)
                seen.discard(target)
            elif "match" in rule or "begin" in rule:
                rules.append(rule)
            elif "patterns" in rule:
                rules += self.flatten(rule["patterns"], seen)
            else:
                raise ValueError("a rule without match, begin, include or patterns: %r" % rule)
        return rules


class Result:
    """Scopes of every character, and whether a rule consumed it."""

    def __init__(self, text):
        self.text = text
        self.scopes = [None] * len(text)
        self.consumed = [False] * len(text)


def apply_captures(result, match, offset, captures, base):
    for group, spec in sorted(captures.items(), key=lambda item: int(item[0])):
        index = int(group)
        if index > (match.re.groups or 0) or match.start(index) < 0:
            continue
        for i in range(match.start(index), match.end(index)):
            result.scopes[offset + i] = result.scopes[offset + i] + [spec["name"]]


def tokenize(grammar, text):
    result = Result(text)
    # a frame: (scopes inside the region, its rule or None at the top, its rules)
    stack = [([grammar.scope], None, grammar.flatten(grammar.data["patterns"]))]
    offset = 0
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            line += "\n"
        pos = 0
        length = len(line)
        while pos < length:
            scopes, region, rules = stack[-1]
            best = None  # (start, order, kind, rule, match)
            if region is not None:
                found = grammar.regex(region["end"]).search(line, pos)
                if found:
                    best = (found.start(), -1, "end", region, found)
            for order, rule in enumerate(rules):
                found = grammar.regex(rule.get("match", rule.get("begin"))).search(line, pos)
                if found and (best is None or found.start() < best[0]):
                    best = (found.start(), order, "begin" if "begin" in rule else "match", rule, found)
            stop = best[0] if best else length
            for i in range(pos, min(stop, length)):
                if offset + i < len(text):
                    result.scopes[offset + i] = list(scopes)
            if best is None:
                break
            start, _, kind, rule, found = best
            end = found.end()
            if kind == "end":
                outer = stack[-2][0]
                inner = outer + ([rule["name"]] if "name" in rule else [])
                mark(result, offset, start, end, inner, text)
                apply_captures(result, found, offset, rule.get("endCaptures", rule.get("captures", {})), inner)
                stack.pop()
            elif kind == "match":
                inner = scopes + ([rule["name"]] if "name" in rule else [])
                mark(result, offset, start, end, inner, text)
                apply_captures(result, found, offset, rule.get("captures", {}), inner)
            else:
                inner = scopes + ([rule["name"]] if "name" in rule else [])
                mark(result, offset, start, end, inner, text)
                apply_captures(result, found, offset, rule.get("beginCaptures", rule.get("captures", {})), inner)
                content = inner + ([rule["contentName"]] if "contentName" in rule else [])
                stack.append((content, rule, grammar.flatten(rule.get("patterns", []))))
            if end == start and kind != "begin" or end == start and kind == "begin" and end >= length:
                # an empty match that opens nothing: step over one character
                if start < length and offset + start < len(text):
                    result.scopes[offset + start] = result.scopes[offset + start] or list(scopes)
                pos = start + 1
            else:
                pos = end
        offset += len(line)
        offset = min(offset, len(text))
    return result


def mark(result, offset, start, end, scopes, text):
    for i in range(start, end):
        if offset + i < len(text):
            result.scopes[offset + i] = list(scopes)
            result.consumed[offset + i] = True


def problems(result):
    """(line, column, message) for each error token and unmatched run."""
    found = []
    line, column = 1, 1
    previous = None
    for i, char in enumerate(result.text):
        scopes = result.scopes[i] or []
        problem = None
        illegal = [s for s in scopes if s.startswith("invalid.illegal")]
        if illegal:
            problem = "error token %s" % illegal[-1]
        elif not char.isspace() and not result.consumed[i] and not any(
            s.startswith("string.") or s.startswith("comment.") for s in scopes
        ):
            problem = "text no rule matches"
        if problem and problem != previous:
            found.append((line, column, "%s at %r" % (problem, result.text[i : i + 20].split("\n")[0])))
        previous = problem
        if char == "\n":
            line, column = line + 1, 1
        else:
            column += 1
    return found


def tokens(result):
    """The runs of characters with the same scopes: (text, scopes)."""
    runs = []
    for i, char in enumerate(result.text):
        scopes = tuple(result.scopes[i] or ())
        if runs and runs[-1][1] == scopes:
            runs[-1][0].append(char)
        else:
            runs.append(([char], scopes))
    return [("".join(chars), list(scopes)) for chars, scopes in runs]


def main(argv):
    show = argv[:1] == ["--scopes"]
    if show:
        argv = argv[1:]
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-2].strip(), file=sys.stderr)
        return 2
    grammar = Grammar(argv[0])
    status = 0
    for path in argv[1:]:
        with open(path, encoding="utf-8") as handle:
            result = tokenize(grammar, handle.read())
        if show:
            for text, scopes in tokens(result):
                if text.strip():
                    print("%-24r %s" % (text, " ".join(scopes)))
            continue
        for line, column, message in problems(result):
            print("%s:%d:%d: %s" % (path, line, column, message))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
