"""Whether a PNG file ends: Pillow decodes a PNG cut short after its pixels, and its ``verify`` reads the
last chunk without its checksum, so a file missing up to its last four bytes passes both."""

from typing import Final

SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
END: Final = b"IEND\xaeB`\x82"  # the closing chunk's type and its checksum, the same in every PNG


def png_cut_short(content: bytes) -> bool:
    """True for a PNG (by its signature) whose closing chunk is missing or incomplete; False for anything else."""
    return content.startswith(SIGNATURE) and content.rfind(END) == -1
