"""Checks of uploaded attachments by their content, not by their name.

The checks themselves are the site's (wijkaanpak.common.uploads): an image is stored encoded
anew, without EXIF or anything after its end; a PDF only when it is readable, not encrypted
and holds no scripts, actions or embedded files. The projects keep their own limit.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common import uploads

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = frozenset({uploads.JPEG, uploads.PNG, uploads.PDF})


def check_attachment(uploaded):
    """Accept a JPEG, PNG or PDF of at most 5 MB; return the CheckedFile to store.

    Raises ValidationError (`file_too_large`, `file_type_not_allowed`, or a code of
    wijkaanpak.common.uploads' checks).
    """
    too_large = uploads.size_error(uploaded, MAX_ATTACHMENT_BYTES)
    if too_large is not None:
        raise too_large
    try:
        return uploads.check_upload(uploads.read_all(uploaded), ATTACHMENT_TYPES)
    except ValidationError as error:
        if error.code == "file_type_not_allowed":
            raise ValidationError(
                _("Only a photo (JPEG or PNG) or a PDF document can be added."),
                code="file_type_not_allowed",
            ) from None
        raise
