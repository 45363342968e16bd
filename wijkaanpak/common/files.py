"""Protected files of MEDIA_ROOT, sent only after the app has decided who may see them.

MEDIA_ROOT is never served directly: a view checks the visitor (and, for an archived document,
the fingerprint) and then answers with the file through django-sendfile2. Which backend sends
the bytes is the setting SENDFILE_BACKEND:

- `django_sendfile.backends.simple` (the default: `make run`, the tests): the app server
  sends the file itself.
- `django_sendfile.backends.nginx` (production behind deploy/nginx/wijkaanpak.conf): the app
  answers with an empty response that names the file in `X-Accel-Redirect` under SENDFILE_URL;
  nginx sends it from its internal location over the same shared media folder, so a slow
  download never holds an application worker.

Ground floor: imports no app.
"""

from django.conf import settings
from django.http import Http404
from django.utils.http import content_disposition_header
from django_sendfile import sendfile

from wijkaanpak.common import archive

SIMPLE_BACKEND = "django_sendfile.backends.simple"


def offloaded():
    """Whether the web server in front sends protected files (X-Accel-Redirect)."""
    return settings.SENDFILE_BACKEND != SIMPLE_BACKEND


def file_response(request, name, *, content_type, filename, as_attachment=False):
    """The stored file `name` of MEDIA_ROOT as a response, shown inline or downloaded as
    `filename`, with the given content type (never one guessed from the file's name).

    Call it only once the visitor may see the file. A name outside MEDIA_ROOT or a missing
    file is a 404.
    """
    try:
        path = archive.path_of(name)
    except ValueError:
        raise Http404("No such file") from None
    response = sendfile(request, path, mimetype=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    if offloaded():
        # The body is nginx's to send, with its own length; this response has none (sendfile
        # gave it the file's length, and a client that reaches the app directly would wait).
        response["Content-Length"] = "0"
    return response
