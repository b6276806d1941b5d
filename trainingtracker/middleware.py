import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from trainingtracker.models import UserPreference


class LanguageMiddleware:
    """Indonesian unless the user chose otherwise (the language cookie set by the switcher).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on most government PCs is
    English; the users asked for Indonesian first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        remembered = getattr(request, "preferred_language", None)  # set at login (apply_preferred_language)
        if remembered:
            remember_language(response, remembered)
        response.headers.setdefault("Content-Language", remembered or language)
        return response


def remember_language(response, language):
    """Keep the language in its cookie for LANGUAGE_COOKIE_AGE (a year): it outlives the browser session."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def apply_preferred_language(sender, request, user, **kwargs):
    """user_logged_in receiver: the language the user chose before, on this or another computer, becomes
    this browser's (the response sets the cookie, LanguageMiddleware)."""
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if request is not None and language in dict(settings.LANGUAGES):
        request.preferred_language = language
        translation.activate(language)


class RequestHygieneMiddleware:
    """Refuses what no page accepts and keeps pages out of caches.

    - TRACE answers 405 (it would echo the request's headers, cookies included).
    - A NUL character in the query string answers 400 with a message: PostgreSQL cannot hold NUL in
      text, so a filter such as ?q=%00 would otherwise fail in the database with a server error.
    - Every page without its own Cache-Control gets `no-store`: pages and exports carry personal data,
      which neither the browser nor a proxy may keep. Static files are served before this, by WhiteNoise.
    """

    ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "TRACE":
            response = HttpResponseNotAllowed(self.ALLOWED_METHODS)
        elif any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            response = HttpResponseBadRequest(
                _("The address contains a NUL character (%00). Remove it and try again."),
                content_type="text/plain; charset=utf-8",
            )
        else:
            response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response


SESSION_STARTED = "_session_started_at"
SESSION_TOUCHED = "_session_touched_at"


def stamp_session_start(sender, request, user, **kwargs):
    """user_logged_in receiver: the absolute session limit counts from here."""
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_TOUCHED] = now


class SessionLimitsMiddleware:
    """Ends a session after SESSION_COOKIE_AGE seconds without a request (idle) and SESSION_ABSOLUTE_SECONDS
    after the login, however active it was.

    The idle expiry is renewed at most once a minute rather than on every request
    (SESSION_SAVE_EVERY_REQUEST), which would write the session row on every page view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = request.session[SESSION_TOUCHED] = now
            elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session reached its time limit. Please log in again."))
                return redirect_to_login(request.get_full_path())
            elif now - request.session.get(SESSION_TOUCHED, started) >= 60:
                request.session[SESSION_TOUCHED] = now  # saving the session renews its idle expiry
        return self.get_response(request)
