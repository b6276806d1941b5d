from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


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
