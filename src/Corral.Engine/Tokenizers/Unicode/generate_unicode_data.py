#!/usr/bin/env python3
"""Generates UnicodeData.g.cs: the code point tables the tokenizers need (spec A4).

Input is the Unicode Character Database file UnicodeData.txt (Debian package `unicode-data`,
/usr/share/unicode/UnicodeData.txt, Unicode 15.0.0). llama.cpp classifies with Unicode 15.1, whose
only change to UnicodeData.txt is 627 new characters (UNICODE_15_1_ADDITIONS below, from the 15.1
release notes); they are added on top. Everything else is derived from that one file:

* general category of every code point -> one category flag (unassigned = UNDEFINED);
* simple lowercase mapping (field 13);
* first code point of the full canonical decomposition (field 5, applied recursively, Hangul
  syllables decomposed algorithmically, combining marks put in canonical order) -- the 1:1 "NFD"
  map that WordPiece uses to strip accents.

Usage: python3 generate_unicode_data.py [/path/to/UnicodeData.txt] > UnicodeData.g.cs
"""
import sys

MAX_CODEPOINTS = 0x110000

FLAG_UNDEFINED = 0x01
FLAG_NUMBER = 0x02
FLAG_LETTER = 0x04
FLAG_SEPARATOR = 0x08
FLAG_ACCENT_MARK = 0x10
FLAG_PUNCTUATION = 0x20
FLAG_SYMBOL = 0x40
FLAG_CONTROL = 0x80

CATEGORY_FLAG = {
    'Cn': FLAG_UNDEFINED,
    'Nd': FLAG_NUMBER, 'Nl': FLAG_NUMBER, 'No': FLAG_NUMBER,
    'Lu': FLAG_LETTER, 'Ll': FLAG_LETTER, 'Lt': FLAG_LETTER, 'Lm': FLAG_LETTER, 'Lo': FLAG_LETTER,
    'Zs': FLAG_SEPARATOR, 'Zl': FLAG_SEPARATOR, 'Zp': FLAG_SEPARATOR,
    'Mn': FLAG_ACCENT_MARK, 'Mc': FLAG_ACCENT_MARK, 'Me': FLAG_ACCENT_MARK,
    'Pc': FLAG_PUNCTUATION, 'Pd': FLAG_PUNCTUATION, 'Ps': FLAG_PUNCTUATION, 'Pe': FLAG_PUNCTUATION,
    'Pi': FLAG_PUNCTUATION, 'Pf': FLAG_PUNCTUATION, 'Po': FLAG_PUNCTUATION,
    'Sm': FLAG_SYMBOL, 'Sc': FLAG_SYMBOL, 'Sk': FLAG_SYMBOL, 'So': FLAG_SYMBOL,
    'Cc': FLAG_CONTROL, 'Cf': FLAG_CONTROL, 'Co': FLAG_CONTROL, 'Cs': FLAG_CONTROL,
}

# Unicode 15.1.0 additions: ideographic description characters, one CJK stroke, CJK Extension I.
# None of them has a case mapping or a decomposition.
UNICODE_15_1_ADDITIONS = [
    (0x2FFC, 0x2FFF, 'So'),
    (0x31EF, 0x31EF, 'So'),
    (0x2EBF0, 0x2EE5D, 'Lo'),
]

# Hangul syllable decomposition constants (Unicode chapter 3.12)
S_BASE, L_BASE, V_BASE, T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
L_COUNT, V_COUNT, T_COUNT = 19, 21, 28
N_COUNT = V_COUNT * T_COUNT
S_COUNT = L_COUNT * N_COUNT


def read_records(path):
    """Yields (cpt, fields) for every assigned code point, expanding <..., First>/<..., Last> ranges."""
    first = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            fields = line.rstrip('\n').split(';')
            cpt = int(fields[0], 16)
            name = fields[1]
            if name.endswith(', First>'):
                first = (cpt, fields)
                continue
            if name.endswith(', Last>'):
                start, start_fields = first
                for c in range(start, cpt + 1):
                    yield c, start_fields
                first = None
                continue
            yield cpt, fields


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/unicode/UnicodeData.txt'
    flags = [FLAG_UNDEFINED] * MAX_CODEPOINTS
    lower = {}
    decomposition = {}
    combining_class = {}
    for cpt, fields in read_records(path):
        flags[cpt] = CATEGORY_FLAG[fields[2]]
        combining_class[cpt] = int(fields[3] or '0')
        if fields[5] and not fields[5].startswith('<'):
            decomposition[cpt] = [int(x, 16) for x in fields[5].split()]
        if fields[13]:
            lower[cpt] = int(fields[13], 16)

    for first, last, category in UNICODE_15_1_ADDITIONS:
        for cpt in range(first, last + 1):
            assert flags[cpt] == FLAG_UNDEFINED, hex(cpt)
            flags[cpt] = CATEGORY_FLAG[category]

    def decompose(cpt):
        if S_BASE <= cpt < S_BASE + S_COUNT:
            s = cpt - S_BASE
            out = [L_BASE + s // N_COUNT, V_BASE + (s % N_COUNT) // T_COUNT]
            if s % T_COUNT:
                out.append(T_BASE + s % T_COUNT)
            return out
        if cpt in decomposition:
            out = []
            for c in decomposition[cpt]:
                out.extend(decompose(c))
            return out
        return [cpt]

    def canonical_order(cpts):
        # stable bubble sort of adjacent non-starters by combining class
        cpts = list(cpts)
        changed = True
        while changed:
            changed = False
            for i in range(len(cpts) - 1):
                a, b = combining_class.get(cpts[i], 0), combining_class.get(cpts[i + 1], 0)
                if a > b > 0:
                    cpts[i], cpts[i + 1] = cpts[i + 1], cpts[i]
                    changed = True
        return cpts

    nfd_first = {}
    for cpt in sorted(set(decomposition) | set(range(S_BASE, S_BASE + S_COUNT))):
        first = canonical_order(decompose(cpt))[0]
        if first != cpt:
            nfd_first[cpt] = first

    ranges = []
    for cpt in range(MAX_CODEPOINTS):
        if not ranges or ranges[-1][1] != flags[cpt]:
            ranges.append((cpt, flags[cpt]))

    nfd_ranges = []  # (first, last, value) runs of consecutive code points with the same value
    for cpt in sorted(nfd_first):
        value = nfd_first[cpt]
        if nfd_ranges and nfd_ranges[-1][1] == cpt - 1 and nfd_ranges[-1][2] == value:
            nfd_ranges[-1] = (nfd_ranges[-1][0], cpt, value)
        else:
            nfd_ranges.append((cpt, cpt, value))

    out = sys.stdout.write
    out('// <auto-generated>\n')
    out('// Generated by generate_unicode_data.py from UnicodeData.txt (Unicode 15.0.0 + 15.1 additions). Do not edit.\n')
    out('// </auto-generated>\n\n')
    out('namespace Corral.Engine.Tokenizers.Unicode;\n\n')
    out('internal static class UnicodeData\n{\n')
    out('    /// <summary>Runs of equal category flag: <c>start &lt;&lt; 8 | flag</c>; a run ends where the next begins.</summary>\n')
    out('    public static ReadOnlySpan<uint> CategoryRuns =>\n    [\n')
    write_numbers(out, ['0x%06X' % ((start << 8) | flag) for start, flag in ranges])
    out('    ];\n\n')
    out('    /// <summary>Simple lowercase mapping as pairs <c>code point, lowercase</c>, sorted.</summary>\n')
    out('    public static ReadOnlySpan<uint> LowercasePairs =>\n    [\n')
    write_numbers(out, [x for cpt in sorted(lower) for x in ('0x%05X' % cpt, '0x%05X' % lower[cpt])])
    out('    ];\n\n')
    out('    /// <summary>First code point of the canonical decomposition as triples <c>first, last, value</c>, sorted.</summary>\n')
    out('    public static ReadOnlySpan<uint> DecompositionFirstRuns =>\n    [\n')
    write_numbers(out, [x for a, b, v in nfd_ranges for x in ('0x%05X' % a, '0x%05X' % b, '0x%05X' % v)])
    out('    ];\n}\n')
    sys.stderr.write('category runs: %d, lowercase pairs: %d, decomposition runs: %d\n' % (len(ranges), len(lower), len(nfd_ranges)))


def write_numbers(out, numbers, per_line=8):
    for i in range(0, len(numbers), per_line):
        out('        ' + ', '.join(numbers[i:i + per_line]) + ',\n')


if __name__ == '__main__':
    main()
