"""The design system's template helpers (docs/interface.md, "Components"): numbers without
trailing zeros, status badges, breadcrumbs, sortable column headers, links that keep the page's
filters, and charts drawn on the server as SVG (no chart script, nothing from a CDN).

    {% load kaohe %}
    {{ entry.hours|number }}                       12.50 -> 12.5, 3.00 -> 3
    {% badge attempt.status attempt.get_status_display %}
    {% breadcrumbs _("Sittings") sittings_url sitting.exam.title %}
    <th>{% sort_header "real_name" _("Name") %}</th>
    <a href="?{% query_with page=2 %}">
    {% bar_chart rows %}                           rows: [(label, value), ...] or [(label, [values...])]
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


# Numbers ------------------------------------------------------------------------------------------


@register.filter
def number(value, places=2):
    """A number as people write it: at most `places` decimals, no trailing zeros ("12.5", "3",
    "0.25"); "" for None; anything else unchanged."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return value
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    quantum = Decimal(1).scaleb(-int(places))
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{amount:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def percent(value, total):
    """value / total as a whole percentage ("67%"); "—" when total is 0."""
    try:
        return f"{round(100 * float(value) / float(total))}%" if float(total) else "—"
    except (TypeError, ValueError):
        return "—"


# Status badges ------------------------------------------------------------------------------------

# The tone of a status, by the words the apps use for their statuses. A status not named here
# is neutral.
TONES = {
    "ok": {
        "verified", "approved", "passed", "valid", "earned", "graded", "issued", "active", "completed",
        "complete", "confirmed", "enrolled", "current", "met", "ok", "open", "published", "accepted",
    },
    "warn": {
        "pending", "submitted", "referred", "in_progress", "draft", "waiting", "due", "expiring",
        "short", "requested", "created", "identity_verified", "studying", "scheduled", "review",
    },
    "bad": {
        "rejected", "revoked", "terminated", "failed", "expired", "voided", "refused", "closed",
        "not_passed", "absent", "ended", "withdrawn", "missing", "overdue", "declined",
    },
    "info": {"upcoming", "registered", "new", "ready", "not_started"},
}
_TONE_OF = {status: tone for tone, statuses in TONES.items() for status in statuses}


@register.filter
def tone(status) -> str:
    return _TONE_OF.get(str(status).lower(), "muted")


@register.simple_tag
def badge(status, label=None, element_id=""):
    """<span class="badge" data-tone=... data-status=...>label</span>."""
    return format_html(
        '<span class="badge" data-tone="{}" data-status="{}"{}>{}</span>',
        tone(status),
        status,
        format_html(' id="{}"', element_id) if element_id else "",
        label if label not in (None, "") else status,
    )


# Page header and lists ----------------------------------------------------------------------------


@register.inclusion_tag("frontend/breadcrumbs.html", takes_context=True)
def breadcrumbs(context, *trail):
    """Home, then (label, url) pairs, then the current page's label: {% breadcrumbs "A" url_a "B" %}."""
    steps = []
    items = list(trail)
    while len(items) >= 2:
        label, url = items[0], items[1]
        steps.append((label, url))
        items = items[2:]
    return {"steps": steps, "current": items[0] if items else "", "request": context.get("request")}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The page's query string with some parameters changed (None or "" removes one); the page
    number goes when a filter or the order changes."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        from django.http import QueryDict

        params = QueryDict(mutable=True)
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_header(context, field, label):
    """A column header that orders the list by `field` (?sort=field, ?sort=-field), marking the
    current order."""
    request = context.get("request")
    current = request.GET.get("sort", "") if request is not None else ""
    if current == field:
        target, direction = f"-{field}", "asc"
    elif current == f"-{field}":
        target, direction = field, "desc"
    else:
        target, direction = field, ""
    query = query_with(context, sort=target)
    return format_html(
        '<a class="sort" href="?{}" data-sort="{}"{}>{}</a>',
        query,
        field,
        format_html(' data-dir="{}" aria-sort="{}"', direction, "ascending" if direction == "asc" else "descending")
        if direction
        else "",
        label,
    )


# Charts -------------------------------------------------------------------------------------------

PALETTE = ["#1e7b34", "#d99a00", "#b3261e", "#0b5cad", "#7a4fb5", "#5b636b"]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


@register.simple_tag
def bar_chart(rows, series=None, caption="", element_id="", unit=""):
    """Horizontal bars, one per row: rows are (label, value) or (label, [value per series]) for
    stacked bars with a legend of `series` names. Every number is also written as text, so the
    chart says the same as the table and the export."""
    rows = [(label, values if isinstance(values, list | tuple) else [values]) for label, values in rows]
    stacked = bool(series)
    total_max = max((sum(float(v or 0) for v in values) for _label, values in rows), default=0)
    top = _nice_max(total_max)
    label_width, bar_width, row_height, gap = 150, 330, 26, 10
    width = label_width + bar_width + 60
    height = max(1, len(rows)) * (row_height + gap) + 24
    parts = []
    for tick in range(5):
        x = label_width + bar_width * tick / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="0" y2="{}" stroke="#e1e5ea"/><text x="{}" y="{}" font-size="11" fill="#5b636b" text-anchor="middle">{}</text>',
                x, x, height - 20, x, height - 6, number(top * tick / 4, 1),
            )
        )
    for index, (label, values) in enumerate(rows):
        y = index * (row_height + gap) + 4
        x = label_width
        total = sum(float(v or 0) for v in values)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="13" fill="#1f2328" text-anchor="end" dominant-baseline="middle">{}</text>',
                label_width - 8, y + row_height / 2, label,
            )
        )
        for position, value in enumerate(values):
            w = bar_width * float(value or 0) / top
            colour = PALETTE[position % len(PALETTE)] if stacked else "#b3261e"
            name = series[position] if stacked and position < len(series) else label
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}" data-value="{}"><title>{}: {}{}</title></rect>',
                    round(x, 2), y, round(w, 2), row_height, colour, number(value), name, number(value), unit,
                )
            )
            x += w
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" fill="#1f2328" dominant-baseline="middle">{}{}</text>',
                round(x + 6, 2), y + row_height / 2, number(total), unit,
            )
        )
    svg = format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">{}</svg>',
        width, height, caption, mark_safe("".join(parts)),
    )
    legend = ""
    if stacked:
        legend = format_html(
            '<ul class="legend">{}</ul>',
            format_html_join("", '<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="{}"/></svg> {}</li>', ((PALETTE[i % len(PALETTE)], name) for i, name in enumerate(series))),
        )
    return format_html(
        '<figure class="chart"{}>{}{}{}</figure>',
        format_html(' id="{}"', element_id) if element_id else "",
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
        svg,
        legend,
    )


@register.simple_tag
def column_chart(rows, caption="", element_id="", highlight_from=None):
    """Vertical columns (a distribution): rows are (label, count). Columns whose label is at least
    `highlight_from` (a pass mark, say) are drawn green, the others grey."""
    rows = list(rows)
    top = _nice_max(max((float(count or 0) for _label, count in rows), default=0))
    plot_height, column, gap, left = 160, 34, 8, 30
    width = left + max(1, len(rows)) * (column + gap) + 10
    height = plot_height + 40
    parts = []
    for tick in range(5):
        y = plot_height - plot_height * tick / 4 + 10
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e1e5ea"/><text x="{}" y="{}" font-size="11" fill="#5b636b" text-anchor="end" dominant-baseline="middle">{}</text>',
                left, width, y, y, left - 4, y, number(top * tick / 4, 1),
            )
        )
    for index, (label, count) in enumerate(rows):
        h = plot_height * float(count or 0) / top
        x = left + gap + index * (column + gap)
        good = highlight_from is not None and _at_least(label, highlight_from)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}" data-value="{}"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" font-size="11" fill="#1f2328" text-anchor="middle">{}</text>'
                '<text x="{}" y="{}" font-size="11" fill="#5b636b" text-anchor="middle">{}</text>',
                x, round(plot_height - h + 10, 2), column, round(h, 2), "#1e7b34" if good else "#9aa4ae", number(count), label, number(count),
                x + column / 2, round(plot_height - h + 6, 2), number(count) if count else "",
                x + column / 2, plot_height + 26, label,
            )
        )
    svg = format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">{}</svg>',
        width, height, caption, mark_safe("".join(parts)),
    )
    return format_html(
        '<figure class="chart"{}>{}{}</figure>',
        format_html(' id="{}"', element_id) if element_id else "",
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
        svg,
    )


def _at_least(label, threshold) -> bool:
    try:
        return float(str(label).split("–")[0].split("-")[0]) >= float(threshold)
    except ValueError:
        return False


@register.simple_tag
def ring(part, whole, caption="", element_id=""):
    """A ring showing part of a whole (a pass rate), the percentage in the middle."""
    share = float(part) / float(whole) if whole else 0.0
    radius, circumference = 40, 2 * 3.14159265 * 40
    return format_html(
        '<figure class="chart ring"{}>{}<svg viewBox="0 0 100 100" role="img" aria-label="{} {}" width="140" height="140">'
        '<circle cx="50" cy="50" r="{}" fill="none" stroke="#eef0f3" stroke-width="12"/>'
        '<circle cx="50" cy="50" r="{}" fill="none" stroke="#1e7b34" stroke-width="12" stroke-dasharray="{} {}" transform="rotate(-90 50 50)"/>'
        '<text x="50" y="55" font-size="18" text-anchor="middle" fill="#1f2328" font-weight="700">{}</text></svg></figure>',
        format_html(' id="{}"', element_id) if element_id else "",
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
        caption, percent(part, whole),
        radius, radius, round(circumference * share, 2), round(circumference, 2),
        percent(part, whole),
    )


# Form fields --------------------------------------------------------------------------------------


@register.filter
def invalid(field):
    """A bound field's widget, marked aria-invalid (Pico draws it red) and described by its error
    and help when it has them."""
    attrs = {}
    described = []
    if field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_error")
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs) if attrs else field
