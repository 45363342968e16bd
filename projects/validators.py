"""Checks of uploaded attachments by their content, not by their name."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

# The first bytes of each accepted kind of file (its "magic number").
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_content_type(uploaded):
    """The content type an upload really has, judged by its first bytes, or None."""
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(position)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def validate_attachment(uploaded):
    """Accept a JPEG, PNG or PDF of at most 5 MB; return its content type."""
    if uploaded.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s is allowed."),
            code="file_too_large",
            params={
                "size": filesizeformat(uploaded.size),
                "limit": filesizeformat(MAX_ATTACHMENT_BYTES),
            },
        )
    content_type = sniff_content_type(uploaded)
    if content_type is None:
        raise ValidationError(
            _("Only a photo (JPEG or PNG) or a PDF document can be added."),
            code="file_type_not_allowed",
        )
    return content_type
