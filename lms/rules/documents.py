"""What an uploaded archive document is, read from its first bytes (never from its name or the
browser's word)."""

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"


def sniff_document(data: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG file, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None
