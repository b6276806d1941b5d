from django.conf import settings
from django.utils import translation


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
        response.headers.setdefault("Content-Language", language)
        return response
