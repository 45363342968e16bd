"""Registering a contract's signing in the admin, its final PDF, archived original and scans.

The signing form compares the real date and place with the ones the final PDF printed. When
they differ, it refuses and offers a new print (contracts.services.make_new_print) with the
real date and place; the signing is then registered once the editor confirms that the parties
signed that new print, and that file is archived.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext

from contracts import documents, services
from contracts.choices import ContractStatus
from contracts.forms import (
    ScanUploadForm,
    SigningRegistrationForm,
)
from wijkaanpak.common import archive, pdf
from wijkaanpak.common.admin.refusals import report_refusal


class SigningAdminMixin:
    """The contract admin's signing pages: the registration form, the original, the scans."""

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/signing/",
                self.admin_site.admin_view(self.signing_view),
                name="contracts_contract_signing",
            ),
            path(
                "<path:object_id>/original.pdf",
                self.admin_site.admin_view(self.original_view),
                name="contracts_contract_original",
            ),
            path(
                "<path:object_id>/final.pdf",
                self.admin_site.admin_view(self.final_view),
                name="contracts_contract_final",
            ),
            path(
                "<path:object_id>/scans/",
                self.admin_site.admin_view(self.scan_upload_view),
                name="contracts_contract_scan_upload",
            ),
            path(
                "<path:object_id>/scans/<int:scan_id>.pdf",
                self.admin_site.admin_view(self.scan_view),
                name="contracts_contract_scan",
            ),
        ]
        return custom + super().get_urls()

    def signing_view(self, request, object_id):
        """Register the signing: date, place and the parties that signed (GET form, POST)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        if contract is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:contracts_contract_change", args=[quote(contract.pk)])
        if contract.status != ContractStatus.READY_FOR_SIGNING:
            messages.error(
                request,
                gettext(
                    "Only a contract that is ready for signing can be registered as signed; "
                    "“%(contract)s” is “%(status)s”."
                )
                % {"contract": contract, "status": contract.get_status_display()},
                extra_tags="not_ready_for_signing",
            )
            return HttpResponseRedirect(change_url)
        final = documents.final_document(contract)
        form = SigningRegistrationForm(request.POST or None, contract=contract, final=final)
        new_print_offered = False
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if request.POST.get("action") == "new_print":
                return self._make_new_print(request, contract, form, data)
            try:
                services.register_signing(
                    contract,
                    signed_on=data["signed_on"],
                    place=data["signing_place"],
                    signed_party_ids=data["parties"],
                    user=request.user,
                    note=data["note"],
                    new_print_signed=data.get("new_print_signed", False),
                )
            except ValidationError as error:
                for problem in error.error_list:
                    form.add_error(None, problem)
                    new_print_offered |= problem.code in (
                        "signing_details_differ",
                        "parties_differ",
                        "final_pdf_missing",
                    )
            else:
                self.log_change(request, contract, gettext("Signing registered"))
                original = documents.archived_original(contract)
                messages.success(
                    request,
                    gettext(
                        "“%(contract)s” is signed. The final PDF that was printed and signed "
                        "(document code %(code)s) has been archived unchanged as its signed "
                        "original, with SHA-256 fingerprint %(sha256)s."
                    )
                    % {
                        "contract": contract,
                        "code": original.document_code,
                        "sha256": original.sha256,
                    },
                    extra_tags="signed",
                )
                return HttpResponseRedirect(change_url)
        return self.admin_page(
            request,
            "admin/contracts/contract/signing.html",
            title=gettext("Register the signing of %(contract)s") % {"contract": contract},
            original=contract,
            object=contract,
            contract=contract,
            form=form,
            final=final,
            final_url=self._final_url(contract),
            new_print_offered=new_print_offered,
            change_url=change_url,
        )

    def _make_new_print(self, request, contract, form, data):
        """The signing form's second button: a new final PDF with the real date and place."""
        try:
            final = services.make_new_print(
                contract,
                signed_on=data["signed_on"],
                place=data["signing_place"],
                signed_party_ids=data["parties"],
                user=request.user,
            )
        except ValidationError as error:
            report_refusal(request, error, subject=contract)
        else:
            self.log_change(request, contract, gettext("New print of the final PDF made"))
            messages.success(
                request,
                gettext(
                    "A new print of the final PDF has been made with the real date, place and "
                    "signing parties (document code %(code)s, SHA-256 fingerprint %(sha256)s). "
                    "Download it, print it, have the parties sign it, and then confirm that "
                    "below."
                )
                % {"code": final.document_code, "sha256": final.sha256},
                extra_tags="new_print",
            )
        return HttpResponseRedirect(self._signing_url(contract))

    def original_view(self, request, object_id):
        """The archived signed original of any contract (also of earlier, not current ones)."""
        return self._stored_pdf(request, object_id, documents.archived_original)

    def final_view(self, request, object_id):
        """The final PDF of a contract that is ready for signing: the file to print."""
        return self._stored_pdf(request, object_id, documents.final_document)

    def _stored_pdf(self, request, object_id, document_of):
        if not self.has_view_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        document = document_of(contract) if contract else None
        if document is None:
            raise Http404("This contract has no such stored PDF")
        try:
            data = documents.read_archived(document)
        except archive.ArchiveError as error:
            return archive.unavailable_response(request, error)
        return pdf.stored_pdf_response(
            request, document.file.name, data, document.filename, cache_control="private, no-store"
        )

    def scan_upload_view(self, request, object_id):
        """POST only: attach a scan of the signed paper pages to a signed contract."""

        def attach(contract, data):
            scan = services.attach_scan(
                contract, data["file"], description=data["description"], user=request.user
            )
            messages.success(
                request,
                gettext("The scan “%(name)s” (%(pages)d pages) has been stored.")
                % {"name": scan.original_name, "pages": scan.page_count},
                extra_tags="scan_stored",
            )

        return self.object_action(
            request,
            object_id,
            attach,
            allowed=self.has_change_permission,
            form_class=ScanUploadForm,
            invalid="scan_invalid",
        )

    def scan_view(self, request, object_id, scan_id):
        """A stored scan, for staff only: it shows signatures."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        contract = self.get_object(request, unquote(object_id))
        scan = contract.scans.filter(pk=scan_id).first() if contract else None
        if scan is None:
            raise Http404("No such scan")
        try:
            data = documents.read_archived(scan)
        except archive.ArchiveError as error:
            return archive.unavailable_response(request, error)
        return pdf.stored_pdf_response(
            request,
            scan.file.name,
            data,
            scan.original_name or scan.filename,
            cache_control="private, no-store",
        )

    @staticmethod
    def _signing_url(contract):
        return reverse("admin:contracts_contract_signing", args=[quote(contract.pk)])

    @staticmethod
    def _final_url(contract):
        return reverse("admin:contracts_contract_final", args=[quote(contract.pk)])

    def _signing_box(self, request, obj):
        """What the signing box on the change page shows."""
        return {
            "final": documents.final_document(obj),
            "final_url": self._final_url(obj),
            "original": documents.archived_original(obj),
            "original_url": reverse("admin:contracts_contract_original", args=[quote(obj.pk)]),
            "scans": list(obj.scans.all()),
            "scan_upload_url": reverse(
                "admin:contracts_contract_scan_upload", args=[quote(obj.pk)]
            ),
            "scan_form": ScanUploadForm(auto_id="scan-%s")
            if obj.is_signed and self.has_change_permission(request)
            else None,
            # Only for who may open them: a draft's title is not for every contract reader.
            "addenda": list(obj.addenda.all())
            if request.user.has_perm("contracts.view_addendum")
            else [],
            "distributions": list(obj.distributions.select_related("partner", "outbox_email")[:50]),
        }
