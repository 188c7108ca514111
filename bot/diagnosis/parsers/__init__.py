"""Pure parsers, one module per zerotier-cli output format (plus ping).

Each module's `parse(lines, numbers=None)` takes the lines of one block (and optionally their
line numbers in the message) and returns a `ParsedOutput`; none of them logs or raises on
damaged input: what cannot be read is flagged and listed in `warnings`.
"""

from __future__ import annotations
