"""The second factor in the team portal: a code at login for those who turned it on, and the
page where a team member turns it on or off.

Team members may protect their account with a TOTP app (any authenticator app); staff must, in
the admin (maykin-2fa), so they manage it there. Turning it on shows a QR code and the key to
type instead, asks for the app's code to prove it was set up, and then shows ten backup codes
once (each works once, for a lost phone). From then on the login asks for a code after the
password: `LoginView` keeps the checked user in the session for five minutes and
`LoginCodeView` logs them in when the code is right. django-otp throttles wrong codes.
"""

import base64
import io
import time
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

PENDING_KEY = "portal_otp_pending"
SETUP_KEY = "portal_otp_setup_key"
PENDING_SECONDS = 5 * 60
BACKUP_CODES = 10
LOGIN_URL = reverse_lazy("projects:login")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6 digits your app shows now, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


class EnableForm(CodeForm):
    """The check that the app was set up: only its code (there are no backup codes yet)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("The 6 digits your app shows now.")


def needs_code(user):
    """Whether `user` turned on the second factor (a confirmed app)."""
    return user_has_device(user, confirmed=True)


def verify_code(user, code):
    """The device that accepts `code`: the app for digits, else the backup codes. Only that
    one is tried, so the app's codes do not count as wrong backup codes (django-otp slows a
    device down after each wrong code)."""
    model = TOTPDevice if code.isdigit() else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def start_code_step(request, user, next_url):
    """After a right password: remember who logs in, and ask for the code."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "until": int(time.time()) + PENDING_SECONDS,
    }
    return redirect("projects:login_code")


class LoginCodeView(View):
    """The second step of the portal's login: the code of the app, or a backup code."""

    template_name = "projects/portal/login_code.html"

    def pending_user(self, request):
        pending = request.session.get(PENDING_KEY)
        if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
            request.session.pop(PENDING_KEY, None)
            return None, None
        user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
        return user, pending

    def get(self, request):
        user, _pending = self.pending_user(request)
        if user is None:
            return redirect(LOGIN_URL)
        return render(request, self.template_name, {"form": CodeForm()})

    def post(self, request):
        user, pending = self.pending_user(request)
        if user is None:
            messages.info(request, _("The time to give the code has passed. Please log in again."))
            return redirect(LOGIN_URL)
        form = CodeForm(request.POST)
        device = verify_code(user, form.cleaned_data["code"]) if form.is_valid() else None
        if device is None:
            if form.is_valid():
                form.add_error(
                    "code",
                    _(
                        "This code is not right. Type the code your app shows now, or a "
                        "backup code."
                    ),
                )
            return render(request, self.template_name, {"form": form}, status=200)
        del request.session[PENDING_KEY]
        auth_login(request, user, backend=pending["backend"])
        otp_login(request, device)
        return redirect(pending.get("next") or reverse("projects:portal"))


def qr_code_data_uri(text):
    """An SVG QR code of `text` as a data: address (the CSP allows images from data:)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def otpauth_url(user, hex_key):
    label = quote(f"{settings.OTP_TOTP_ISSUER}:{user.get_username()}")
    secret = base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")
    issuer = quote(settings.OTP_TOTP_ISSUER)
    return f"otpauth://totp/{label}?secret={secret}&issuer={issuer}&digits=6", secret


def new_backup_codes(user):
    """Replace the user's backup codes with BACKUP_CODES new ones; return them."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


class TwoFactorView(LoginRequiredMixin, View):
    """/team/tweestapsverificatie/: turn the second factor on (with the app's code) or off."""

    login_url = LOGIN_URL
    template_name = "projects/portal/two_factor.html"

    def context(self, request, **extra):
        user = request.user
        context = {"enabled": needs_code(user), "staff": user.is_staff or user.is_superuser}
        if context["enabled"]:
            context["codes_left"] = StaticToken.objects.filter(device__user=user).count()
        elif not context["staff"]:
            key = request.session.get(SETUP_KEY) or default_key()
            request.session[SETUP_KEY] = key
            url, secret = otpauth_url(user, key)
            context.update(qr_code=qr_code_data_uri(url), secret=secret)
            context.setdefault("form", EnableForm())
        context.update(extra)
        return context

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        user = request.user
        if user.is_staff or user.is_superuser:
            return redirect("projects:two_factor")
        action = request.POST.get("action")
        if action == "enable" and not needs_code(user):
            return self.enable(request)
        if action == "disable" and needs_code(user):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
                StaticDevice.objects.filter(user=user).delete()
            messages.success(request, _("Two-step login is off: you log in with your password."))
        elif action == "codes" and needs_code(user):
            codes = new_backup_codes(user)
            return render(request, self.template_name, self.context(request, backup_codes=codes))
        return redirect("projects:two_factor")

    def enable(self, request):
        user = request.user
        key = request.session.get(SETUP_KEY)
        form = EnableForm(request.POST)
        if key and form.is_valid() and code_matches(key, form.cleaned_data["code"]):
            with transaction.atomic():
                device = TOTPDevice.objects.create(user=user, name="default", key=key)
                codes = new_backup_codes(user)
            del request.session[SETUP_KEY]
            otp_login(request, device)
            messages.success(
                request, _("Two-step login is on: from now on the login asks for a code.")
            )
            return render(request, self.template_name, self.context(request, backup_codes=codes))
        if form.is_valid():
            form.add_error("code", _("This code is not right. Type the code your app shows now."))
        return render(request, self.template_name, self.context(request, form=form))


def code_matches(hex_key, code):
    """Whether `code` is the app's code for `hex_key` now, or one step before or after."""
    if not code.isdigit():
        return False
    totp = TOTP(bytes.fromhex(hex_key))
    now = time.time()
    for offset in (-1, 0, 1):
        totp.time = now + offset * totp.step
        if f"{totp.token():06d}" == code.zfill(6):
            return True
    return False
