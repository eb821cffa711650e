"""The demo marker for any template: pages (from the context processor's flag), the
briefing's PDF and the emails (which render without a request, so the tag asks)."""

from django import template

from ..seeding import demo

register = template.Library()


@register.simple_tag(takes_context=True)
def demo_notice(context) -> str:
    """Return the demo marker as one line of text while demo records exist, else ""."""
    present = context.get("demo_data_present")
    if present is None:
        present = demo.present()
    return demo.notice_line() if present else ""
