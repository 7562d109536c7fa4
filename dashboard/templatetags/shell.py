from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def alliance_sections(context, access):
    """The side navigation's sections for `access`, the current one marked."""
    return context["shell"].sections_for(access)
