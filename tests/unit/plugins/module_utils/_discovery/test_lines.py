"""split_lines / split_fields: records end at \\n only, fields at ASCII space and tab only."""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_fields, split_lines

# Characters str.splitlines() and str.split() treat as separators but the kernel does not escape.
NOT_SEPARATORS = ['\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']


@pytest.mark.parametrize('char', NOT_SEPARATORS, ids=lambda c: 'U+%04X' % ord(c))
def test_only_newline_ends_a_record_and_only_space_or_tab_separate_fields(char):
    text = '/swap%sfile  file\t1024\t0\t-2\nsecond\n' % char
    assert len(text.splitlines()) == 3  # what the old parsers did
    assert split_lines(text) == ['/swap%sfile  file\t1024\t0\t-2' % char, 'second']
    assert split_fields(split_lines(text)[0]) == ['/swap%sfile' % char, 'file', '1024', '0', '-2']


def test_edges():
    assert split_lines(None) == [] and split_lines('') == []
    assert split_lines('a\n\nb') == ['a', '', 'b']
    assert split_fields('  a \t b  ') == ['a', 'b'] and split_fields('') == []
