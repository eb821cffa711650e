"""System checks of the configuration (``manage.py check``, run by every management
command and at deploy): what the app would do worse without saying so."""

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

from .photos import caption_font_source


@checks.register()
def caption_font_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Warn when no CJK font draws the caption strip of the served photos: it is then
    written in pinyin and digits, not the Chinese the county asks for."""
    if caption_font_source(settings.PHOTO_CAPTION_FONT) is not None:
        return []
    if settings.PHOTO_CAPTION_FONT:
        message = _("The photo caption font %(path)s cannot be read.") % {
            "path": settings.PHOTO_CAPTION_FONT
        }
    else:
        message = _("No Chinese font was found for the caption strip of site photos.")
    return [
        checks.Warning(
            message,
            hint=_(
                "Install Debian's fonts-noto-cjk or set SHANWANG_PHOTO_CAPTION_FONT to a "
                "CJK font file; until then the strip is written in pinyin."
            ),
            id="shanwang.W001",
        )
    ]
