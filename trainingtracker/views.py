from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views import i18n
from django.views.decorators.cache import never_cache

from trainingtracker.middleware import remember_language
from trainingtracker.models import UserPreference


@never_cache
def healthz(request):
    """For the load balancer: 200 when this server can reach the database, 503 otherwise. No login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def favicon(request):
    """The icon's static address (hashed in production), for browsers that ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def set_language(request):
    """Django's set_language, with the choice kept for a year in the cookie and, for a signed-in user, in
    their preferences, so that it follows them to another computer."""
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER)
    if request.method == "POST" and language in dict(settings.LANGUAGES):
        remember_language(response, language)
        if request.user.is_authenticated:
            UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
